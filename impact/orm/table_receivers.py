"""A changed column named through its Drizzle table or a relation to it: `schedules.userId`,
`schema.credentialSetMember.userId`, `data.user.serverIp` (a row a relational query loaded
`with: { user: true }`).

In Drizzle the table variable's properties are its columns (`eq(users.status, ...)`, `fields:
[schedules.userId]` in relations(), `.on(table.x)` aside); a relational query nests the rows of a
relation under the relation's name. So a property read whose receiver ends in a Drizzle table's
variable, or in a relation to it, names that table's column when the table maps the name (via
"typed-receiver": evidence for that table only). Only references no query or declaration placed
(`name-only`) are read, and those inside a query read through a row rather than a table variable
(`.set({ password: hash(pw, user.salt) })`: homarr, 2 lines, both changed); a receiver that is
several tables' variable or relation says nothing.

Known limit: a local variable named like the table but holding something else (`const user =
session.user`) is taken for the table's row; a row reached through any other name is not followed.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap, OrmModel

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")


def receiver_models(orm: OrmMap, tables: list[str]) -> dict[str, list[OrmModel]]:
    """Receiver name -> the Drizzle models of the one affected table it names: the table's variable,
    its name, or a relation field whose target is that table (a name meaning several tables is left
    out; one table declared twice, as by a copied schema module, is still one table)."""
    drizzle = [m for m in orm.models if m.orm == "drizzle" and m.table]
    by_accessor: dict[str, set[str]] = {}
    for m in drizzle:
        for a in m.accessors:
            by_accessor.setdefault(a, set()).add(m.table.lower())
    names: dict[str, set[str]] = {}
    for m in drizzle:
        for a in m.accessors:
            names.setdefault(a, set()).add(m.table.lower())
        if _IDENTIFIER.match(m.table):  # a variable named after the table (`mount` for "mount") holds its rows
            names.setdefault(m.table, set()).add(m.table.lower())
        for f in m.fields:
            if f.column is None and f.relation in by_accessor:
                names.setdefault(f.name, set()).update(by_accessor[f.relation])
    wanted = {t.lower() for t in tables}
    return {name: [m for m in drizzle if m.table.lower() in owners] for name, owners in names.items()
            if len(owners) == 1 and owners <= wanted}


def attribute_table_receivers(references: list[ColumnReference], orm: OrmMap, tables: list[str]) -> list[ColumnReference]:
    candidates = [r for r in references if _candidate(r)]
    receivers = receiver_models(orm, tables) if candidates else {}
    if not receivers:
        return references
    pattern = re.compile(r"(?<![\w$])(" + "|".join(map(re.escape, sorted(receivers, key=len, reverse=True))) + r")\s*[?!]?\.\s*$")
    variables = {a for m in orm.models if m.orm == "drizzle" for a in m.accessors}
    out = []
    for ref in references:
        if _candidate(ref):
            name = ref.spelling or ref.column
            at = _position(ref.snippet, name)
            match = pattern.search(ref.snippet[:at]) if at is not None else None
            # Inside a query, a table variable's column is the query's own (its filter); a row's is a value read.
            row = match is not None and (ref.via == "name-only" or match.group(1) not in variables)
            models = receivers[match.group(1)] if row else []
            model = next((m for m in models if (m.column_for(name) or "").lower() == ref.column.lower()), None)
            if model:
                ref = replace(ref, table=model.table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


def _candidate(ref: ColumnReference) -> bool:
    """A property read no query or declaration placed, or one inside an ORM query's span (`.set({
    password: hash(pw, user.salt) })`: the query does not use the column, the row read does)."""
    return ref.file.endswith(_TS) and ((ref.via == "name-only" and ref.context == "property") or (ref.via == "orm-call" and ref.context == "sql"))


def _position(snippet: str, name: str) -> int | None:
    """Where the first property read of `name` starts in the line (`x.name`, `x?.name`)."""
    match = re.search(rf"[?!]?\.\s*{re.escape(name)}(?![\w$])", snippet)
    return match.start() + len(match.group(0)) - len(name) if match else None
