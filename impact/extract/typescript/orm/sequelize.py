"""Sequelize model calls (`User.findAll({ where: { status }, attributes: ["id"] })`) as queries.

The receiver is the model (its class, or the variable `sequelize.define` returned, also as a member of a
models registry: `models.User.findAll(...)`, or scoped: `Collection.scope("withMembership").findAll(...)`;
`this` in a class's static method: `this.findAll(...)` in `class Backlink extends Model`); the model is
resolved to its table and columns by impact.orm.resolve, which drops receivers that are no model.
Reads without `attributes` (or with `attributes: { exclude }`) load every column; Postgres
`create`/`bulkCreate` return the row (`RETURNING *`); `update(values, { where })` writes the values'
keys; `where`/`order`/`group` name filter columns.
Scoped and `this` calls, measured on real history (bench/accuracy, outline): 2 more lines the authors
changed (`Collection.scope(...).findAll({ attributes: ["id", "private"] })`, Backlink's
`this.findAll(...)`) and 2 one-off backfill scripts they left, whose `Document.unscoped().findAll({
attributes: [..., "emoji"] })` reads the dropped column indeed (2 lines; 8 more of their lines naming
a local `emoji` are then told the table by the file's queries, impact.extract.references).
Known limit: `sequelize.query("...")` raw SQL is read as SQL only when it is a string literal.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, call_after, object_entries, orm_query, payload_keys
from impact.extract.typescript.classes import class_bodies
from impact.extract.typescript.scan import Scanned
from impact.model import Query, QueryKind

READS = {"findAll", "findOne", "findByPk", "findAndCountAll", "findOrCreate", "count", "max", "min", "sum"}
WRITES = {"create": QueryKind.INSERT, "bulkCreate": QueryKind.INSERT, "update": QueryKind.UPDATE,
          "destroy": QueryKind.DELETE, "upsert": QueryKind.UPSERT, "increment": QueryKind.UPDATE,
          "decrement": QueryKind.UPDATE, "restore": QueryKind.UPDATE}
# The model as a bare name (`Document.findAll`) or a member of a registry (`models.Document.findAll`,
# `db.User.create`: the models object sequelize-cli's index and many apps export), also one held deeper and
# keyed by a lower-case define() name (`options.database.member.findAll`: crowd.dev's repositories); a member
# that is no model's accessor (`req.body.count`) is dropped by impact.orm.resolve.
_METHODS = "|".join(sorted(READS | set(WRITES), key=len, reverse=True))
CALL = re.compile(r"(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)*?([A-Za-z_$][\w$]*)\s*\.\s*(" + _METHODS + r")\s*(?=\()")
# `Collection.scope("withMembership").findAll(...)`, `User.unscoped().count()`: the model's table, scoped.
SCOPED = re.compile(r"(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*(?=[A-Z]))?([A-Za-z_$][\w$]*)\s*\.\s*(?:scope|unscoped)\s*\(")
_AFTER_SCOPE = re.compile(rf"\s*\.\s*({_METHODS})\s*(?=\()")


def extract_sequelize(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries = []
    classes = None
    for match in CALL.finditer(scanned.masked):
        model, method = match.group(1), match.group(2)
        call = call_after(scanned, method, match.start(2) - 1, match.end(2))
        if call is not None and model == "this":
            # `this.findAll(...)` in a class's static method: the class is the model (an instance has no
            # findAll); impact.orm.resolve drops a class that is no model.
            classes = class_bodies(scanned) if classes is None else classes
            model = next((name for start, end, name in classes if start < match.start() < end), "this")
        if call is not None and model not in ("this", "super"):
            queries.append(_query(scanned, path, language, model, method, call))
    for match in SCOPED.finditer(scanned.masked) if ("scope" in scanned.masked) else ():
        closing = scanned.closing(match.end() - 1)
        after = _AFTER_SCOPE.match(scanned.masked, closing + 1) if closing is not None else None
        call = call_after(scanned, after.group(1), after.start(1) - 1, after.end(1)) if after else None
        if call is not None:
            queries.append(_query(scanned, path, language, match.group(1), after.group(1), call))
    return queries


def _query(scanned: Scanned, path: str, language: str, model: str, method: str, call: Call) -> Query:
    return orm_query(scanned, call, path, language, orm="sequelize", model=model, note=f"{model}.{method}()",
                     shape=_shape(scanned, method, call))


def _shape(scanned: Scanned, method: str, call: Call):
    args = call.args
    options = _entries(scanned, args[1] if method in ("update", "increment", "decrement") and len(args) > 1 else (args[0] if args else None))
    filters = _keys(scanned, options.get("where")) + _strings(scanned, options.get("order")) + _strings(scanned, options.get("group"))
    if method in READS:
        attributes = options.get("attributes")
        selected = _strings(scanned, attributes) if attributes and scanned.masked[attributes[0]] == "[" else None
        if selected:
            return QueryKind.SELECT_COLUMNS, selected, filters, True, False
        return QueryKind.SELECT_COLUMNS, [], filters, True, method not in ("count", "max", "min", "sum")
    kind = WRITES[method]
    if method in ("destroy", "restore"):
        return kind, [], filters, True, False
    if method in ("increment", "decrement"):
        return kind, _strings(scanned, args[0] if args else None), filters, bool(args), False
    payload = payload_keys(scanned, call)
    returns_row = method in ("create", "bulkCreate", "upsert")
    return kind, payload.keys if payload.complete else [], filters, payload.complete, returns_row


def _entries(scanned: Scanned, span) -> dict:
    if span is None or scanned.masked[span[0]] != "{":
        return {}
    return dict(object_entries(scanned, span[0]))


def _keys(scanned: Scanned, span) -> list[str]:
    return [k for k in _entries(scanned, span) if k not in ("...", "[]", "[Op.or]", "[Op.and]")]


def _strings(scanned: Scanned, span) -> list[str]:
    """Every string literal in the span: `["id", "name"]`, `[["created_at", "DESC"]]`, `"email"`."""
    if span is None:
        return []
    values = [lit.value() for offset, lit in sorted(scanned.literals.items()) if span[0] <= offset < span[1] and not lit.has_holes]
    return [v for v in values if re.fullmatch(r"\w+", v) and v.upper() not in ("ASC", "DESC", "NULLS", "FIRST", "LAST")]
