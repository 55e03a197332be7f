"""Which changed files can hold truth: the ones `impact scan` reads.

A minified bundle or a file under a dependency, build or vendored folder is never read by impact
(impact.files: SKIPPED_DIR_NAMES, MINIFIED_SUFFIXES), so a line the authors changed there is no
line a tool following the database could report: netbox's `project-static/dist/graphiql/graphiql.min.js`,
a vendored GraphiQL bundle updated in the same pull request as the `key` rename, held 832 of
netbox's 1,268 truth lines. Such lines are left out of the truth (mine.py when mining, measure.py
when scoring cases mined before).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from impact.files import MINIFIED_SUFFIXES, SKIPPED_DIR_NAMES


def read_by_impact(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return not path.endswith(MINIFIED_SUFFIXES) and not any(part in SKIPPED_DIR_NAMES for part in parts[:-1])
