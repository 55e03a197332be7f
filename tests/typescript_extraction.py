"""Helpers of the TS/JS extractor's tests (tests/test_extract_typescript*.py): query kinds in short,
snippets dedented, and the rows the extractor finds in them."""
from __future__ import annotations

import textwrap
from pathlib import Path

from impact.extract import typescript
from impact.model import QueryKind

FIXTURE_APP = Path(__file__).resolve().parent.parent / "fixtures" / "apps" / "chat-ts"

S, STAR = QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR
INS, UPS, UPD, DEL = QueryKind.INSERT, QueryKind.UPSERT, QueryKind.UPDATE, QueryKind.DELETE


def src(text: str) -> str:
    """Dedent a snippet written as an indented triple-quoted string starting on its first line."""
    return textwrap.dedent(text).lstrip("\n")


def queries(text: str, path: str = "src/code.ts"):
    return typescript.extract(path, src(text)).queries


def rows(text: str, path: str = "src/code.ts"):
    """(line, kind, table, columns, filter_columns) of every query, in source order."""
    return [(q.line, q.kind, q.table, q.columns, q.filter_columns) for q in queries(text, path)]


def only(text: str, path: str = "src/code.ts"):
    found = queries(text, path)
    assert len(found) == 1, found
    return found[0]
