"""Helpers of the Python extractor's tests (tests/test_extract_python*.py): expected queries written
compactly, and what the extractor finds in a snippet."""
from __future__ import annotations

import textwrap
from pathlib import Path

from impact.extract.python import extract
from impact.model import Query

FIXTURE_APP = Path(__file__).resolve().parent.parent / "fixtures" / "apps" / "notes-py"


def q(line: int, kind: str, table: str | None, columns: str = "", filters: str = "", conf: str = "high") -> tuple:
    """An expected query, written compactly: columns and filters as comma-separated names."""
    split = lambda names: tuple(n.strip() for n in names.split(",") if n.strip())  # noqa: E731
    return (line, kind, table, split(columns), split(filters), conf)


def row(query: Query) -> tuple:
    return (query.line, query.kind.value, query.table, query.columns, query.filter_columns, query.confidence.value)


def found(source: str, path: str = "app/db.py") -> list[tuple]:
    extraction = extract(path, textwrap.dedent(source))
    assert extraction.issues == []
    return sorted((row(query) for query in extraction.queries), key=repr)


def queries(source: str, path: str = "app/db.py") -> list[Query]:
    return extract(path, textwrap.dedent(source)).queries
