"""The placeholder an interpolated value becomes before a SQL string is parsed (impact.sql.queries).

Apart from queries.py so that the code that only recognises placeholders (the TypeScript and
PostgREST extractors, the ts-classes format) does not import sqlglot on a warm scan (issue 13)."""
from __future__ import annotations

import re

HOLE = "impact_hole"
HOLE_RE = re.compile(rf"{HOLE}_\d+")
