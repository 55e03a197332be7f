"""A changed column named through its Drizzle table or a relation to it: `schedules.userId`,
`schema.credentialSetMember.userId`, `data.user.serverIp` (a row a relational query loaded
`with: { user: true }`).

In Drizzle the table variable's properties are its columns (`eq(users.status, ...)`, `fields:
[schedules.userId]` in relations(), `.on(table.x)` aside); a relational query nests the rows of a
relation under the relation's name. So a property read whose receiver ends in a Drizzle table's
variable, or in a relation to it, names that table's column when the table maps the name (via
"typed-receiver": evidence for that table only). Only references no query or declaration placed
(`name-only`) are read; a receiver that is several tables' variable or relation says nothing.

Known limit: a local variable named like the table but holding something else (`const user =
session.user`) is taken for the table's row; a row reached through any other name is not followed.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm.mapping import OrmMap, OrmModel

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
_TS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


def receiver_models(orm: OrmMap, tables: list[str]) -> dict[str, OrmModel]:
    """Receiver name -> the one Drizzle model of an affected table it names: the table's variable, or
    a relation field whose target is that table (a name meaning several tables is left out)."""
    drizzle = [m for m in orm.models if m.orm == "drizzle"]
    by_accessor = {a: m for m in drizzle for a in m.accessors}
    names: dict[str, set[int]] = {}
    for m in drizzle:
        for a in m.accessors:
            names.setdefault(a, set()).add(id(m))
        if m.table and _IDENTIFIER.match(m.table):  # a variable named after the table (`mount` for "mount") holds its rows
            names.setdefault(m.table, set()).add(id(m))
        for f in m.fields:
            if f.column is None and f.relation in by_accessor:
                names.setdefault(f.name, set()).add(id(by_accessor[f.relation]))
    wanted = {t.lower() for t in tables}
    models = {id(m): m for m in drizzle}
    return {name: models[next(iter(ids))] for name, ids in names.items()
            if len(ids) == 1 and (models[next(iter(ids))].table or "").lower() in wanted}


def attribute_table_receivers(references: list[ColumnReference], orm: OrmMap, tables: list[str]) -> list[ColumnReference]:
    candidates = [r for r in references if r.via == "name-only" and r.context == "property" and r.file.endswith(_TS)]
    receivers = receiver_models(orm, tables) if candidates else {}
    if not receivers:
        return references
    pattern = re.compile(r"(?<![\w$])(" + "|".join(map(re.escape, sorted(receivers, key=len, reverse=True))) + r")\s*[?!]?\.\s*$")
    out = []
    for ref in references:
        if ref.via == "name-only" and ref.context == "property" and ref.file.endswith(_TS):
            name = ref.spelling or ref.column
            at = _position(ref.snippet, name)
            match = pattern.search(ref.snippet[:at]) if at is not None else None
            model = receivers[match.group(1)] if match else None
            column = model.column_for(name) if model else None
            if model and column and column.lower() == ref.column.lower():
                ref = replace(ref, table=model.table, via="typed-receiver", inferred=False)
        out.append(ref)
    return out


def _position(snippet: str, name: str) -> int | None:
    """Where the first property read of `name` starts in the line (`x.name`, `x?.name`)."""
    match = re.search(rf"[?!]?\.\s*{re.escape(name)}(?![\w$])", snippet)
    return match.start() + len(match.group(0)) - len(name) if match else None
