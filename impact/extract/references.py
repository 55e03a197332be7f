"""Places in code that name a column the migration changes (identifiers, keys, strings)."""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference, Query

COMMENT_LINE = re.compile(r"^\s*(?://|#|--|/\*|\*)")


def find_references(
    rel: str, text: str, columns: set[str], queries: list[Query], generated: bool = False
) -> list[ColumnReference]:
    """Every whole-word occurrence of a changed column name, classified by its context."""
    if not columns:
        return []
    pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, columns), key=len, reverse=True)) + r")(?![\w$])")
    spans = [(q.line, q.end_line, q.table) for q in queries]
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not pattern.search(line) or COMMENT_LINE.match(line):
            continue
        for match in pattern.finditer(line):
            span = next((span for span in spans if span[0] <= number <= span[1]), None)
            table = span[2] if span else None
            # Inside a query (even one whose table is a variable) the name is part of that query.
            context = "sql" if span else _context(line, match.start(), match.end())
            found.append(ColumnReference(rel, number, match.group(1), table, context, generated, line.strip()[:160]))
    return _attributed(found, queries)


def _attributed(found: list[ColumnReference], queries: list[Query]) -> list[ColumnReference]:
    """A bare `is_hidden` key in a file whose queries use it on exactly one table is about that table.

    Files commonly shape the rows of the table they query (`comment.py` builds dicts of comment
    columns): crediting the name to that table keeps it out of reports on another table with
    the same column, and makes it firmer evidence for its own.
    """
    owners: dict[str, set[str]] = {}
    for q in queries:
        if q.table is None:
            return found  # a query on an unknown table could be the owner: say nothing
        for column in (*q.columns, *q.filter_columns):
            owners.setdefault(column.lower(), set()).add(q.table.lower())
    out = []
    for ref in found:
        tables = owners.get(ref.column.lower(), set())
        if ref.table is None and len(tables) == 1:
            ref = replace(ref, table=next(iter(tables)), inferred=True)
        out.append(ref)
    return out


def _context(line: str, start: int, end: int) -> str:
    before = line[:start].rstrip()
    after = line[end:].lstrip()
    if before.endswith(("'", '"', "`")):
        return "string"
    if after.startswith(":") and not after.startswith("::"):
        return "property"  # an object-literal / dict key, or a type member
    if before.endswith((".", "?.")):
        return "property"
    return "identifier"
