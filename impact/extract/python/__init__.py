"""The Python extractor: queries in a .py file, read through the standard `ast` module (never
through regexes).

One parse and one pass collect the file's facts (python.facts); then each finder reads them:
  - python.sql_calls: SQL in strings (cursor.execute, asyncpg, SQLAlchemy text(), pandas, ...)
  - python.supabase: supabase-py chains (`supabase.table("t").select("a").eq("b", x)`)
  - python.orm: SQLAlchemy and Django model queries, through the models of python.models.

ORM queries on a model defined in another file carry `table=None` and their `model` (ClassName),
no `model_file` yet: `models_in` lists a file's models so the pipeline can index them project-wide, and
`resolve_model_queries` rewrites such queries once that index is known.

Decisions:
- `ast`, not libcst: CPython's own parser is 7-9x cheaper than libcst's `parse_module` and its
  nodes carry their lines, which is all the finders need (they report lines, never rewrite code).
  No module here imports libcst; a tool needing the concrete tree (exact spans to rewrite code)
  would parse with libcst itself, on the few files it changes.
- A string that is a whole statement (a docstring, a commented-out query kept as a bare string)
  never runs, so SQL in it is no query: skipped, not reported at MEDIUM.
- SQL reaching a database call is HIGH; other SQL-shaped strings MEDIUM, and only if they look
  like SQL beyond their first words (prose such as "select one from the list" parses as SQL).
- ORM queries are MEDIUM: the ORM decides the final SQL.

Known limit: the grammar is the running interpreter's, so syntax newer than it (Python 3.12's
`type X = ...` or nested same-quote f-strings, read by Python 3.11) is a syntax error here.
"""
from __future__ import annotations

from importlib import import_module

SUFFIXES = (".py", ".pyi")

# Loaded on first use (PEP 562): importing one helper of this package (models, the typed receivers)
# must not load the finders and, through them, sqlglot and pglast — a warm scan needs neither.
_HOME = {"extract": "extractor", "models_in": "extractor", "ModelInfo": "models",
         "resolve_model_queries": "orm"}
__all__ = ["SUFFIXES", *_HOME]


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
