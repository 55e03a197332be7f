"""A dropped or renamed table's name as a Python string in code: the code names the table itself.

CTFd lists the tables its export and import walk (`'containers',` in a list of table names, `elif
item == 'containers':`) and hands each to its database layer by that name; once the table is
dropped, those lines fail or must go (the authors removed all three with the table). Each line
whose Python string is exactly the table's name is a reference to the table (via "table-name"),
evidence of the dropped-table and renamed-table rules with the model's own name
(impact.orm.model_types).

Measured on the Alembic and Django history of bench/accuracy (every DROP/RENAME TABLE): 10 lines
of code (the repository's migration history left out) quote a changed table's name exactly, all
10 changed by the authors with the migration; 7 of them are a model's `__tablename__` line, which
impact.orm.model_types already reports.

Decisions: Python files only (a TypeScript query builder's `knex("t")` is a query already); the
whole string is the name (`"containers"`, not `"/admin/containers"` or an f-string); a dict key
(`"containers": ...`, a payload's field) is no table; lines already reported (the model's
mapping line, a query starting there) are not repeated; comments are skipped.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.extract.references import COMMENT_LINE
from impact.model import ColumnReference, Query

VIA = "table-name"


def table_name_references(texts: Iterable[tuple[str, str, bool, list[Query]]], tables: Iterable[str],
                          known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines of (file, text, generated, resolved queries) Python texts quoting a table of `tables`."""
    seen = {(r.file, r.line, (r.table or "").lower()) for r in known}
    found = []
    for table in dict.fromkeys(tables):
        # A key is followed by `:` and its value; `if item == 'containers':` ends its line there.
        quoted = re.compile(rf"""(?<![\w$])([rbu]?)(['"]){re.escape(table)}\2(?!\s*:(?!\s*(?:#.*)?$))""")
        for rel, text, generated, queries in texts:
            if generated or not rel.endswith((".py", ".pyi")) or table not in text:
                continue
            starts = {q.line for q in queries if (q.table or "").lower() == table.lower()}
            for number, line in enumerate(text.splitlines(), start=1):
                if table not in line or COMMENT_LINE.match(line) or number in starts:
                    continue
                match = quoted.search(line)
                if match and "f" not in match.group(1) and (rel, number, table.lower()) not in seen:
                    seen.add((rel, number, table.lower()))
                    found.append(ColumnReference(rel, number, table, table, "string", False, line.strip()[:160], via=VIA))
    return found
