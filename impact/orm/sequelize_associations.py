"""Sequelize associations add their foreign key to a model: `Document.belongsTo(models.Collection,
{ as: "collection", foreignKey: "atlasId" })` gives Document the attribute `atlasId`, which its
`define()` never lists, and code writes it (`Document.create({ atlasId })`).

- `A.belongsTo(B, opts)`: the key is on A; `A.hasMany(B, opts)` / `A.hasOne(B, opts)`: on B.
- The key is `foreignKey: "k"` (or `foreignKey: { name: "k" }`), else Sequelize's default: belongsTo
  `<as, else B's name>Id`, hasMany/hasOne `<A's name>Id`.
- Its column is the key, snake_cased on an underscored model (told by its timestamps' columns).
`belongsToMany` keys live on the join table (its own model, when it has one) and are not added.

Known limit: the models are matched by their accessor's name (`models.Collection`, `Collection`):
a target given any other way (a variable holding a model) adds nothing.
"""
from __future__ import annotations

import dataclasses
import re

from impact.extract.typescript.calls import call_after, object_entries
from impact.extract.typescript.scan import scan
from impact.orm.mapping import OrmField, OrmModel
from impact.orm.typeorm import snake_case

ASSOCIATION = re.compile(r"(?<![\w$.])([A-Z][\w$]*)\s*\.\s*(belongsTo|hasMany|hasOne)\s*(?=\()")
TARGET = re.compile(r"(?<![\w$])(?:[\w$]+\s*\.\s*)*([A-Za-z_$][\w$]*)\s*$")


def foreign_keys(rel: str, text: str) -> list[tuple[str, str, str | None, int]]:
    """(model holding the key, key, None or the default's stem when no key is given, line) of each association."""
    if ".belongsTo(" not in text and ".hasMany(" not in text and ".hasOne(" not in text:
        return []
    scanned = scan(text)
    found = []
    for match in ASSOCIATION.finditer(scanned.masked):
        source, kind = match.group(1), match.group(2)
        call = call_after(scanned, kind, match.start(2) - 1, match.end(2))
        if call is None or not call.args:
            continue
        target = TARGET.search(scanned.masked[call.args[0][0]:call.args[0][1]])
        if target is None:
            continue
        options = dict(object_entries(scanned, call.args[1][0])) if len(call.args) > 1 and scanned.masked[call.args[1][0]] == "{" else {}
        key, line = _key(scanned, options.get("foreignKey")), scanned.line_of(match.start())
        holder = source if kind == "belongsTo" else target.group(1)
        if key:
            found.append((holder, key[0], None, key[1]))
        else:
            stem = _string(scanned, options.get("as")) if kind == "belongsTo" else None
            stem = stem or (target.group(1) if kind == "belongsTo" else source)
            found.append((holder, "", stem[:1].lower() + stem[1:], line))
    return found


def with_foreign_keys(models: list[OrmModel], files: list[tuple[str, str]]) -> list[OrmModel]:
    """`models` with the keys the associations in `files` add to the Sequelize ones."""
    by_accessor = {a: m for m in models if m.orm == "sequelize" for a in m.accessors}
    added: dict[str, list[OrmField]] = {}
    for rel, text in files:
        for holder, key, stem, line in foreign_keys(rel, text):
            model = by_accessor.get(holder)
            if model is None:
                continue
            underscored = model.column_for("createdAt") == "created_at"
            name = key or stem + "Id"
            known = {f.name for f in model.fields} | {f.name for f in added.get(holder, [])}
            if name not in known:
                column = snake_case(name) if underscored else name
                added.setdefault(holder, []).append(OrmField(name, column, line if rel == model.file else 0))
    return [dataclasses.replace(m, fields=m.fields + tuple(added.get(m.accessors[0], ()))) if m.orm == "sequelize" and m.accessors
            and m.accessors[0] in added else m for m in models]


def _key(scanned, span) -> tuple[str, int] | None:
    if span is None:
        return None
    value = _string(scanned, span)
    if value is None and scanned.masked[span[0]] == "{":
        value = _string(scanned, dict(object_entries(scanned, span[0])).get("name"))
    return (value, scanned.line_of(span[0])) if value else None


def _string(scanned, span) -> str | None:
    literal = scanned.literal_at(span[0]) if span else None
    return literal.value() if literal is not None and not literal.has_holes else None
