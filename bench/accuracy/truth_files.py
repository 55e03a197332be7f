"""Which changed files can hold truth: the ones `impact scan` reads.

A minified bundle or a file under a dependency, build or vendored folder is never read by impact
(impact.files: SKIPPED_DIR_NAMES, MINIFIED_SUFFIXES), so a line the authors changed there is no
line a tool following the database could report: netbox's `project-static/dist/graphiql/graphiql.min.js`,
a vendored GraphiQL bundle updated in the same pull request as the `key` rename, held 832 of
netbox's 1,268 truth lines. Such lines are left out of the truth (mine.py when mining, measure.py
when scoring cases mined before).

Nor is a comment line code: `// TelemetryEntity rows are pruned here` or `# drop after the attestation
rollback` cannot break, so a line whose text (at the migration's base) is only a comment, or a line
of a Python docstring, is not truth (`comment_lines`; measure.py counts them apart). Whole-line
comments are told by the opener their language uses; a string of prose in code (a log message)
stays truth, and so does a Python file that does not parse.
"""
from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath

from impact.files import MINIFIED_SUFFIXES, SKIPPED_DIR_NAMES


def read_by_impact(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return not path.endswith(MINIFIED_SUFFIXES) and not any(part in SKIPPED_DIR_NAMES for part in parts[:-1])


_COMMENT_OPENERS = {  # a line comment, a block comment's first or continuation line
    ".py": re.compile(r"#"),
    ".sql": re.compile(r"--|/\*"),
    ".prisma": re.compile(r"//"),
}
_C_LIKE = re.compile(r"//|/\*|\*(\s|/|$)|\{\s*/\*|<!--")  # TS/JS, JSX's {/* */}, a template's <!-- -->


def is_comment(path: str, text: str) -> bool:
    """True when the line holds only a comment (module doc)."""
    suffix = PurePosixPath(path).suffix.lower()
    opener = _COMMENT_OPENERS.get(suffix, _C_LIKE if suffix in (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte") else None)
    return opener is not None and opener.match(text.strip()) is not None


def comment_lines(path: str, source: str) -> set[int]:
    """The 1-based lines of `source` that hold only a comment, or a Python docstring (module doc)."""
    lines = {n for n, text in enumerate(source.splitlines(), start=1) if is_comment(path, text)}
    if path.endswith(".py"):
        lines |= _docstring_lines(source)
    return lines


def _docstring_lines(source: str) -> set[int]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.update(range(first.lineno, first.end_lineno + 1))
    return found
