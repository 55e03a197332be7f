"""A column named in a Drizzle table's extra config: `pgTable("t", {...}, (table) => ({ idx:
index("t_ws_idx").on(table.workspaceId) }))` (or the array form `(t) => [unique().on(t.a, t.b)]`).

The callback's parameter is the table being declared: its indexes, unique constraints, primary
and foreign keys name that table's columns, and the schema must drop them with the column (sim's
`permission_group.workspace_id`: three such lines, all changed with the migration). A property read
through the parameter inside the callback, that the table maps to the changed column, is the
table's (via "typed-receiver", evidence for that table only). Tables declared by a plain
`const t = pgTable(...)` (mysqlTable, sqliteTable) are read here.

So is the column's own (database) name in an `sql` fragment of the callback: a partial index's
`.where(sql`auto_add_new_members = true`)` or a check constraint is on the table being declared (sim's
`permission_group.auto_add_new_members`: 1 line, changed with the migration).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from impact.extract.typescript.calls import IDENT, call_after
from impact.extract.typescript.scan import scan
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.drizzle import _BINDING, TABLE_FUNCTIONS, declares_tables
from impact.orm.mapping import OrmMap

_PARAMETER = re.compile(rf"\s*\(?\s*({IDENT})\s*(?::[^)=]*)?\)?\s*=>")


@dataclass(frozen=True)
class ConfigCallback:
    table: str  # the table's variable
    parameter: str  # the callback's parameter: the table
    first: int  # the callback's lines
    last: int


def config_callbacks(text: str, declared: frozenset[str] = frozenset()) -> list[ConfigCallback]:
    """The extra-config callbacks (third argument) of the Drizzle tables `text` declares (`declared`:
    the variables of its tables made by a table creator, `createTable("t", {...}, (t) => [...])`)."""
    scanned = scan(text)
    found = []
    for match in _BINDING.finditer(scanned.masked):
        if match.group(2) not in TABLE_FUNCTIONS and match.group(1) not in declared:
            continue
        call = call_after(scanned, match.group(2), match.start(2), match.end(2))
        if call is None or len(call.args) < 3:
            continue
        start, end = call.args[2]
        parameter = _PARAMETER.match(scanned.masked, start, end)
        if parameter:
            found.append(ConfigCallback(match.group(1), parameter.group(1), scanned.line_of(start), scanned.line_of(end)))
    return found


def attribute_table_configs(references: list[ColumnReference], texts: dict[str, str], orm: OrmMap) -> list[ColumnReference]:
    """Name-only property reads inside a table's config callback, through its parameter, and column names in
    its `sql` fragments: that table's."""
    files = {r.file for r in references if _candidate(r) and r.file.endswith(_TS) and declares_tables(texts.get(r.file, ""))}
    models = {(m.file, m.name): m for m in orm.models if m.orm == "drizzle" and m.table}
    callbacks = {rel: config_callbacks(texts[rel], frozenset(name for file, name in models if file == rel)) for rel in files}
    if not any(callbacks.values()):
        return references
    out = []
    for ref in references:
        if _candidate(ref) and callbacks.get(ref.file):
            for callback in callbacks[ref.file]:
                name = ref.spelling or ref.column
                model = models.get((ref.file, callback.table))
                if model is None or not callback.first <= ref.line <= callback.last:
                    continue
                if ref.context == "property":
                    read = re.search(rf"(?<![\w$.]){re.escape(callback.parameter)}\s*[?!]?\.\s*{re.escape(name)}(?![\w$])", ref.snippet)
                else:  # the database's name in an `sql` fragment: one of the table's columns
                    field = model.field_for(name) if ref.spelling is None and "sql`" in ref.snippet else None
                    read, name = field is not None, field.name if field else name
                if read and (model.column_for(name) or "").lower() == ref.column.lower():
                    ref = replace(ref, table=model.table, via="typed-receiver", inferred=False)
                    break
        out.append(ref)
    return out


def _candidate(ref: ColumnReference) -> bool:
    """A property read with no table (`table.workspaceId`), or a string naming a column (inside `sql`...``)."""
    return ref.via == "name-only" and ref.context in ("property", "string")
