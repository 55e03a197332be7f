"""The Python extractor's entry points (see the package docstring): one parse, one pass of facts,
then each finder."""
from __future__ import annotations

import ast
import warnings

from impact.collector import no_cycle_collection
from impact.extract.python.blocks import functions_blanked
from impact.extract.python.declarations import declarations
from impact.extract.python.facts import Facts, collect
from impact.extract.python.models import ModelInfo, find_models, may_declare_models
from impact.extract.python.orm import orm_queries
from impact.extract.python.table_naming import computes_table_name
from impact.extract.python.sql_calls import sql_queries
from impact.extract.python.supabase import supabase_queries
from impact.model import Extraction, FileIssue


__all__ = ["extract", "models_in"]


def extract(path: str, text: str, kept: str | None = None) -> Extraction:
    """`kept`: the text to parse instead, the file with some functions blanked at its own line
    numbers (impact.extract.python.kept_functions); the facts still read the whole text."""
    with no_cycle_collection():
        facts = _facts(path, text, parsed_text=kept)
        if isinstance(facts, FileIssue):
            return Extraction(issues=[facts])
        try:
            models = find_models(facts)
            queries = sql_queries(facts) + supabase_queries(facts) + orm_queries(facts, models)
        finally:
            facts.release()
            del facts  # freed here, the tree with it, before the collector runs again
    # Two finished chains continuing one builder (`q.count()`, `q.all()`) give the same query.
    queries = list(dict.fromkeys(queries))
    queries.sort(key=lambda q: (q.line, q.extractor, q.table or "", q.kind.value))
    return Extraction(queries=queries)


def models_in(path: str, text: str) -> list[ModelInfo]:
    """The ORM models (SQLAlchemy declarative and Core tables, Django) defined in one file."""
    if not may_declare_models(text):  # not parsed: nothing it spells can declare one
        return []
    with no_cycle_collection():
        facts = _facts(path, text, declarations_only=True)
        if isinstance(facts, FileIssue):
            return []
        try:
            return find_models(facts, unnamed=True)
        finally:
            facts.release()
            del facts


# Not memoised: a cached tree outlives the pause and the collector traverses it after every file
# (the scan calls `models_in` and `extract` on one file far apart, or in different processes).
def _facts(path: str, text: str, declarations_only: bool = False, parsed_text: str | None = None) -> Facts | FileIssue:
    """`declarations_only`: only what `find_models` reads (facts.declarations), not every expression.
    `parsed_text`: parsed instead of `text` (same lines), which the facts keep."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            module = _skeleton(text) if declarations_only else ast.parse(text if parsed_text is None else parsed_text)
    except SyntaxError as error:
        message = error.msg
        line = error.lineno or 1
        return FileIssue(path, f"Python syntax error at line {line}: "
                               f"{message.splitlines()[0][:200] if message else 'invalid syntax'}")
    except ValueError as error:  # "source code string cannot contain null bytes"
        return FileIssue(path, f"Python syntax error at line 1: {str(error)[:200]}")
    except (RecursionError, MemoryError):
        # Absurdly deep generated code must not crash a scan.
        return FileIssue(path, "Python file too deeply nested to parse: not analysed")
    return declarations(path, text, module) if declarations_only else collect(path, text, module)


def _skeleton(text: str) -> ast.Module:
    """`ast.parse(text)` without the functions' bodies (blocks.functions_blanked), which no model
    declaration reads: the whole text when that does not parse, so its errors are the file's."""
    if computes_table_name(text):  # a `__tablename__` function's body is read (table_naming.py)
        return ast.parse(text)
    skeleton = functions_blanked(text)
    if skeleton is not None and skeleton != text:
        try:
            return ast.parse(skeleton)
        except (SyntaxError, ValueError):
            pass
    return ast.parse(text)
