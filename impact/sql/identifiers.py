"""Writing a name back into SQL: PostgreSQL folds unquoted names to lower case and refuses
reserved words, so `group`, `User` and `order` must be written quoted (`"group"`, `"User"`)."""
from __future__ import annotations

import re

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")
# Keywords a column name cannot be written as without quotes (ColId excludes both sets): pglast's
# RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS, written out so that a warm scan never imports pglast
# (tests/test_sql_identifiers.py keeps the two equal).
MUST_QUOTE = frozenset("""all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
collation column concurrently constraint create cross current_catalog current_date current_role current_schema
current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch
for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral
leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer
overlaps placing primary references returning right select session_user similar some symmetric system_user
table tablesample then to trailing true union unique user using variadic verbose when where window with""".split())


def quote(name: str) -> str:
    """An identifier as PostgreSQL needs it written: lowercase plain names bare, others quoted."""
    if _PLAIN_IDENTIFIER.fullmatch(name) and name not in MUST_QUOTE:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str, schema: str | None) -> str:
    """`schema.name` quoted as needed; the public schema is left implicit."""
    return f"{quote(schema)}.{quote(name)}" if schema and schema != "public" else quote(name)
