"""String constants naming a table's columns, read as a model: hedgedoc's `FieldNameUser.photoUrl`.

hedgedoc (knex, no ORM) declares each table's names once, in its `@hedgedoc/database` package:

    export const enum FieldNameUser { id = 'id', photoUrl = 'photo_url', ... }
    export const TableUser = 'user'

and its code writes `knex(TableUser).update({ [FieldNameUser.photoUrl]: null })`. Such a file is a
model (orm "ts-constants") whose fields are spelled `FieldNameUser.photoUrl` (the dotted name: a
bare `photoUrl` is every variable and JSON key of the code), so the scan reads the files naming
them and credits the name to the table, as it does an ORM's field name.

A group of field constants (an enum, or a `{ ... } as const` object, impact.extract.typescript.constants)
belongs to the table constant `Table<X>` / `<X>Table` of the same file when its name is
`FieldName<X>`, `Field<X>`, `Fields<X>`, `Column<X>`, `Columns<X>` or `<X>` followed by one of those
words, or when the file declares exactly one table constant and one such group. Any other group tells
no table: it is not a model (never a guess).

A knex query on a table constant (`knex(TableUser)`, `this.knex(TableUser)`,
impact.extract.typescript.orm.knex) is a query of this "ORM" on the model whose accessor is the
constant's name: it resolves to the table, and `FieldNameUser.photoUrl` among its columns to photo_url;
a name no model has stays unresolved (the query is dropped, as an ORM call on no model is).

Known limit (xfail in tests/test_ts_constants.py): a group imported under another name
(`const { FieldNameTicket: Fields } = require(...)`, then `Fields.status`) is not that spelling.
"""
from __future__ import annotations

import re

from impact.extract.typescript.constants import read_module
from impact.extract.typescript.scan import scan
from impact.orm.mapping import OrmField, OrmModel

_TABLE_CONST = re.compile(r"\bconst\s+(?:Table[A-Z][\w$]*|[\w$]+Table)\s*(?::[^=\n]*)?=\s*['\"`]")
_TABLE_NAME = re.compile(r"Table([A-Z][\w$]*)|([\w$]+?)Table")
_WORDS = ("FieldName", "Fields", "Field", "Columns", "Column")


def declares_models(text: str) -> bool:
    """Cheap: a table constant and some enum or frozen object beside it."""
    return ("enum " in text or "as const" in text) and _TABLE_CONST.search(text) is not None


def read_models(rel: str, text: str) -> list[OrmModel]:
    if not declares_models(text):
        return []
    constants = read_module(scan(text)).constants
    tables = {}  # X -> (table, line)
    groups: dict[str, list[OrmField]] = {}
    for key, (value, line) in constants.items():
        head, dot, member = key.partition(".")
        if dot:
            groups.setdefault(head, []).append(OrmField(key, value, line))
            continue
        named = _TABLE_NAME.fullmatch(key)
        if named:
            tables[named.group(1) or named.group(2)] = (value, line)
    fieldish = [g for g in groups if any(w in g for w in _WORDS)]
    models = []
    for group in fieldish:
        paired = [x for x in tables if group in {w + x for w in _WORDS} | {x + w for w in _WORDS}]
        if not paired and len(tables) == 1 and len(fieldish) == 1:
            paired = list(tables)
        if len(paired) != 1:
            continue
        table, _ = tables[paired[0]]
        fields = tuple(groups[group])
        models.append(OrmModel("ts-constants", group, table, rel, fields[0].line, fields, accessors=(_const(paired[0], constants),)))
    named = {a for m in models for a in m.accessors}
    for x, (table, line) in tables.items():  # a table constant without a field group: `knex(TableUser)` still tells it
        if _const(x, constants) not in named:
            models.append(OrmModel("ts-constants", _const(x, constants), table, rel, line, accessors=(_const(x, constants),)))
    return models


def _const(x: str, constants: dict) -> str:
    """The table constant's own name for the X of `Table<X>` / `<X>Table`."""
    return f"Table{x}" if f"Table{x}" in constants else f"{x}Table"
