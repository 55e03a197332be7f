"""The Python extractor: queries in a .py file, read through libcst (never through regexes).

One parse and one visitor pass collect the file's facts (python.facts); then each finder reads them:
  - python.sql_calls: SQL in strings (cursor.execute, asyncpg, SQLAlchemy text(), pandas, ...)
  - python.supabase: supabase-py chains (`supabase.table("t").select("a").eq("b", x)`)
  - python.orm: SQLAlchemy and Django model queries, through the models of python.models.

ORM queries on a model defined in another file carry `table=None` and `model=ClassName` in their
note: `models_in` lists a file's models so the pipeline can index them project-wide, and
`resolve_model_queries` rewrites such queries once that index is known.

Decisions:
- A string that is a whole statement (a docstring, a commented-out query kept as a bare string)
  never runs, so SQL in it is no query: skipped, not reported at MEDIUM.
- SQL reaching a database call is HIGH; other SQL-shaped strings MEDIUM, and only if they look
  like SQL beyond their first words (prose such as "select one from the list" parses as SQL).
- ORM queries are MEDIUM: the ORM decides the final SQL.
"""
from __future__ import annotations

import ast
import warnings
from functools import lru_cache

import libcst as cst

from impact.extract.python.facts import Facts, collect
from impact.extract.python.models import ModelInfo, find_models
from impact.extract.python.orm import orm_queries, resolve_model_queries
from impact.extract.python.sql_calls import sql_queries
from impact.extract.python.supabase import supabase_queries
from impact.model import Extraction, FileIssue

SUFFIXES = (".py", ".pyi")

__all__ = ["SUFFIXES", "ModelInfo", "extract", "models_in", "resolve_model_queries"]


def extract(path: str, text: str) -> Extraction:
    facts = _facts(path, text)
    if isinstance(facts, FileIssue):
        return Extraction(issues=[facts])
    models = find_models(facts)
    queries = sql_queries(facts) + supabase_queries(facts) + orm_queries(facts, models)
    # Two finished chains continuing one builder (`q.count()`, `q.all()`) give the same query.
    queries = list(dict.fromkeys(queries))
    queries.sort(key=lambda q: (q.line, q.extractor, q.table or "", q.kind.value))
    return Extraction(queries=queries)


def models_in(path: str, text: str) -> list[ModelInfo]:
    """The ORM models (SQLAlchemy declarative and Core tables, Django) defined in one file."""
    facts = _facts(path, text)
    return [] if isinstance(facts, FileIssue) else find_models(facts)


# `extract` and `models_in` are often called on the same file in a row: parse it once.
@lru_cache(maxsize=4)
def _facts(path: str, text: str) -> Facts | FileIssue:
    try:
        module = cst.parse_module(text)
        return collect(path, text, module)
    except cst.ParserSyntaxError as error:
        return FileIssue(path, _syntax_error(text, error))
    except (RecursionError, MemoryError):
        # libcst recurses per nesting level: absurdly deep generated code must not crash a scan.
        return FileIssue(path, "Python file too deeply nested to parse")


def _syntax_error(text: str, error: cst.ParserSyntaxError) -> str:
    """Python's own wording and line when it agrees the file is invalid (libcst points at the
    token after the mistake, often on the next line); libcst's otherwise."""
    line, message = error.raw_line, error.message
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            ast.parse(text)
    except SyntaxError as python_error:
        line, message = python_error.lineno or line, python_error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return f"Python syntax error at line {line}: {message.splitlines()[0][:200] if message else 'invalid syntax'}"
