"""`session.hostname` in an SQL fragment: a column qualified by its table's name is that table's.

Code that writes raw SQL often builds it from fragments spliced into a query later (umami's filters:
`` `and (website_event.referrer_domain != session.hostname or ...)` ``, kept in a helper and passed to
`rawQuery(...)` with `${}`). A fragment is no statement, so no query is read from it and the names in
it had no table (name-only). Inside a string or template literal, a changed column qualified by the
name of a table the migration changes (`session.hostname`, `"session"."hostname"`) names that table's
column, as it will in the query the fragment ends up in: via "sql", context "string" (evidence for
that table only).

Decisions: TypeScript and JavaScript literals only (impact.extract.typescript.scan tells string from
code; `${...}` holes are code); only references no query, declaration or row already placed
(`name-only`), so a parsed query's reading is never overridden; the qualifier must be spelled as the
table (case-insensitive, quoted or not). An alias (`s.hostname`) tells nothing: left name-only. A
fragment in ClickHouse's syntax (`{status:String}`, impact.extract.other_database) is another
database's. Known limit (xfail in tests/test_sql_fragments.py): a ClickHouse fragment in plain SQL is
taken for PostgreSQL's.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import replace

from impact.extract.other_database import _syntax_reason as clickhouse_syntax
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.positions import line_starts


def attribute_qualified_columns(references: list[ColumnReference], texts: dict[str, str], tables: Iterable[str]) -> list[ColumnReference]:
    """Name-only references written `<table>.<column>` inside a string literal: that table's."""
    names = {t.lower(): t for t in tables}
    candidates = {r.file for r in references if _candidate(r) and r.file.endswith(_TS) and r.file in texts
                  and _QUALIFIER.search(r.snippet) and any(q.lower() in names for q in _QUALIFIER.findall(r.snippet))}
    if not candidates:
        return references
    from impact.extract.typescript.scan import scan  # only files with a candidate are scanned again

    scanned = {rel: scan(texts[rel]) for rel in candidates}
    starts = {rel: line_starts(texts[rel]) for rel in scanned}
    spans = {rel: sorted((lit.start, lit.end, lit.holes) for lit in s.literals.values()) for rel, s in scanned.items()}
    out, seen = [], {}
    for ref in references:  # a line's references of a name come in the order they occur on it
        name = ref.spelling or ref.column
        nth = seen[ref.file, ref.line, name] = seen.get((ref.file, ref.line, name), -1) + 1
        if ref.file in scanned and _candidate(ref):
            table = _table_at(ref, name, nth, texts[ref.file], starts[ref.file], spans[ref.file], names)
            if table:
                ref = replace(ref, table=table, via="sql", context="string", inferred=False)
        out.append(ref)
    return out


# `table.` / `"table".` right before a name (what _table_at looks for), and any such qualifier on a line.
_BEFORE = re.compile(r'(?<![\w$."])"?([A-Za-z_][\w$]*)"?\s*\.\s*"?$')
_QUALIFIER = re.compile(r'(?<![\w$."])"?([A-Za-z_][\w$]*)"?\s*\.\s*"?[A-Za-z_]')


def _candidate(ref: ColumnReference) -> bool:
    return ref.via == "name-only" and ref.table is None and ref.context in ("property", "string", "sql")


def _table_at(ref: ColumnReference, name: str, nth: int, text: str, starts: list[int], spans: list[tuple],
              names: dict[str, str]) -> str | None:
    """The affected table qualifying the nth occurrence of `name` on the reference's line, in a literal."""
    if ref.line > len(starts):
        return None
    begin = starts[ref.line - 1]
    end = starts[ref.line] if ref.line < len(starts) else len(text)
    occurrences = list(re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text[begin:end]))
    if nth >= len(occurrences):
        return None
    at = begin + occurrences[nth].start()
    qualifier = _BEFORE.search(text, max(begin, at - 80), at)
    table = names.get(qualifier.group(1).lower()) if qualifier else None
    literal = _literal_at(at, spans) if table else None
    # ClickHouse's syntax in the fragment (`{status:String}`): another database's table of that name.
    return table if literal and not clickhouse_syntax(text[literal[0]:literal[1]]) else None


def _literal_at(offset: int, spans: list[tuple]) -> tuple | None:
    """The literal whose text holds `offset` (not one of a template's `${...}` holes)."""
    at = bisect.bisect_right(spans, (offset, float("inf"), ())) - 1
    if at < 0:
        return None
    start, end, holes = spans[at]
    return spans[at] if start < offset < end and not any(first <= offset <= last for first, last in holes) else None
