"""`session.hostname` in an SQL fragment: a column qualified by its table's name is that table's.

Code that writes raw SQL often builds it from fragments spliced into a query later (umami's filters:
`` `and (website_event.referrer_domain != session.hostname or ...)` ``, kept in a helper and passed to
`rawQuery(...)` with `${}`). A fragment is no statement, so no query is read from it and the names in
it had no table (name-only). Inside a string or template literal, a changed column qualified by the
name of a table the migration changes (`session.hostname`, `"session"."hostname"`) names that table's
column, as it will in the query the fragment ends up in: via "sql", context "string" (evidence for
that table only). So is a changed column compared bare in a fragment (`` `and referrer like $${n}` ``,
`and url like '%?%'`: umami's filter helper, 4 lines its authors changed) when no other table the
ORM's models map has a column of that name: in SQL an unqualified name resolves to the one table
of the query having it.

Decisions: TypeScript and JavaScript literals only (impact.extract.typescript.scan tells string from
code; `${...}` holes are code); only references no query, declaration or row already placed
(`name-only`), so a parsed query's reading is never overridden; the qualifier must be spelled as the
table (case-insensitive, quoted or not). An alias (`s.hostname`) tells nothing: left name-only. A
bare name must follow a space or `(` (not `?url=` in a URL) and be followed by a comparison (`=`,
`<>`, `like`, `is null`, `in (`, `between`), be the column's own spelling, and its file must not
spell "clickhouse" (umami writes both dialects side by side, lib/clickhouse.ts's fragments in plain
SQL too: a bare name is weaker evidence than a qualified one, so there it stays name-only). A
fragment in ClickHouse's syntax (`{status:String}`, impact.extract.other_database) is another
database's. Known limits (xfail in tests/test_sql_fragments.py): a ClickHouse fragment in plain SQL,
qualified, is taken for PostgreSQL's; prose that compares a bare column name (`` `the email = now` ``)
reads as a fragment.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from impact.extract.other_database import spells_clickhouse, syntax_reason as clickhouse_syntax
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap
from impact.positions import line_starts

if TYPE_CHECKING:
    from impact.extract.typescript.scan import StringLiteral


def attribute_qualified_columns(references: list[ColumnReference], texts: dict[str, str], tables: Iterable[str],
                                orm: OrmMap | None = None) -> list[ColumnReference]:
    """Name-only references written `<table>.<column>` inside a string literal, or compared bare in an
    SQL fragment when only one table has such a column (see the module doc): that table's."""
    names = {t.lower(): t for t in tables}
    owners = _sole_owners(orm, names) if orm else {}
    candidates = {r.file for r in references if _candidate(r) and r.file.endswith(_TS) and r.file in texts
                  and ((_QUALIFIER.search(r.snippet) and any(q.lower() in names for q in _QUALIFIER.findall(r.snippet)))
                       or r.column.lower() in owners)}
    if not candidates:
        return references
    from impact.extract.typescript.scan import scan  # only files with a candidate are scanned again

    scanned = {rel: scan(texts[rel]) for rel in candidates}
    starts = {rel: line_starts(texts[rel]) for rel in scanned}
    spans = {rel: [(lit.start, lit.end, lit) for _, lit in sorted(s.literals.items())] for rel, s in scanned.items()}
    # A bare name is weaker evidence: where the file also talks to ClickHouse (umami writes both
    # dialects side by side, its lib/clickhouse.ts fragments in plain SQL too), it stays name-only.
    bare = {rel: owners if not spells_clickhouse(texts[rel]) else {} for rel in scanned}
    out, seen = [], {}
    for ref in references:  # a line's references of a name come in the order they occur on it
        name = ref.spelling or ref.column
        nth = seen[ref.file, ref.line, name] = seen.get((ref.file, ref.line, name), -1) + 1
        if ref.file in scanned and _candidate(ref):
            table = _table_at(ref, name, nth, texts[ref.file], starts[ref.file], spans[ref.file], names, bare[ref.file])
            if table:
                ref = replace(ref, table=table, via="sql", context="string", inferred=False)
        out.append(ref)
    return out


# `table.` / `"table".` right before a name (what _table_at looks for), and any such qualifier on a line.
_BEFORE = re.compile(r'(?<![\w$."])"?([A-Za-z_][\w$]*)"?\s*\.\s*"?$')
_QUALIFIER = re.compile(r'(?<![\w$."])"?([A-Za-z_][\w$]*)"?\s*\.\s*"?[A-Za-z_]')


# Right before a bare name: a space or `(` (not `?url=` in a URL); right after it: an SQL comparison.
_BARE = re.compile(r"[\s(]$")
_COMPARED = re.compile(r"\s*(?:=|!=|<>|<=|>=|<|>)|\s+(?i:(?:not\s+)?i?like|is\s+(?:not\s+)?null|(?:not\s+)?in\s*\(|between)\b")


def _sole_owners(orm: OrmMap, names: dict[str, str]) -> dict[str, str]:
    """Column (lower case) -> the affected table, for columns no other table of the ORM's models has."""
    tables: dict[str, set[str]] = {}
    for model in orm.models:
        for column in model.columns if model.table else ():
            tables.setdefault(column.lower(), set()).add(model.table.lower())
    return {column: names[next(iter(owners))] for column, owners in tables.items() if len(owners) == 1 and next(iter(owners)) in names}


def _candidate(ref: ColumnReference) -> bool:
    return ref.via == "name-only" and ref.table is None and ref.context in ("property", "string", "sql", "identifier", "text")


def _table_at(ref: ColumnReference, name: str, nth: int, text: str, starts: list[int], spans: list[tuple],
              names: dict[str, str], owners: dict[str, str]) -> str | None:
    """The affected table qualifying the nth occurrence of `name` on the reference's line in a literal,
    or owning it alone where it is compared bare."""
    if ref.line > len(starts):
        return None
    begin = starts[ref.line - 1]
    end = starts[ref.line] if ref.line < len(starts) else len(text)
    occurrences = list(re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text[begin:end]))
    if nth >= len(occurrences):
        return None
    at = begin + occurrences[nth].start()
    qualifier = _BEFORE.search(text, max(begin, at - 80), at)
    if qualifier:
        table = names.get(qualifier.group(1).lower())
    else:  # `and referrer like $1`: the column only one table has, compared
        table = owners.get(ref.column.lower()) if name == ref.column and _COMPARED.match(text, at + len(name), end) \
            and _BARE.search(text, max(begin, at - 1), at) else None
    literal = _literal_at(at, spans) if table else None
    # ClickHouse's syntax in the fragment (`{status:String}`): another database's table of that name.
    return table if literal and not clickhouse_syntax(literal.value(lambda _: "hole")) else None


def _literal_at(offset: int, spans: list[tuple[int, int, "StringLiteral"]]) -> "StringLiteral | None":
    """The literal whose text holds `offset` (not one of a template's `${...}` holes)."""
    at = bisect.bisect_right(spans, offset, key=lambda span: span[0]) - 1
    if at < 0:
        return None
    start, end, literal = spans[at]
    return literal if start < offset < end and not any(first <= offset <= last for first, last in literal.holes) else None
