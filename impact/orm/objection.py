"""Objection.js models (`class User extends Model { static get tableName() { return 'users' } }`) -> OrmModels.

What a model class declares, read from its body:
- the table: `static tableName = 'users'` or `static get tableName() { return 'users' }` (a class
  without a literal table name is no model here: a BaseModel holding shared settings);
- columns: the keys of `jsonSchema.properties`, the names `jsonAttributes` lists, `idColumn` (default
  `id`); the join columns of
  `relationMappings` that are this table's (`join: { from: 'users.id', to: ... }`); a relation's
  own name is no column (OrmField without a column);
- names: with `columnNameMappers = snakeCaseMappers()` objection converts a row's properties
  (`firstName`) to columns (`first_name`) while `where`/`select` keep database names; with knex's
  `knexSnakeCaseMappers()` every identifier of the code is camelCase and knex converts it. Both map a
  property to its snake_case column. The setting is read once for the repo (usually a BaseModel's).
Code reaches a model through its class, or (Wiki.js: `WIKI.models.users.query()`) through a models
registry keyed by the module's file name under a `models/` folder.

Known limits: `$formatDatabaseJson`/`$parseDatabaseJson` overrides (hand-written name conversions)
are not read: their columns are the properties' names; a table name computed by a plugin
(`objection-table-name`) or a mixin is not read (no model); the mapper setting is repo-wide, not per
class; properties a model uses without declaring them in jsonSchema are not its columns.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import object_entries
from impact.extract.typescript.classes import class_bodies
from impact.extract.typescript.scan import Scanned, scan
from impact.orm.mapping import OrmField, OrmModel, snake_case

TABLE_NAME = re.compile(r"\bstatic\s+(?:get\s+)?tableName\b")
ID_COLUMN = re.compile(r"\bstatic\s+(?:get\s+)?idColumn\b")
JSON_SCHEMA = re.compile(r"\bstatic\s+(?:get\s+)?jsonSchema\b")
JSON_ATTRIBUTES = re.compile(r"\bstatic\s+(?:get\s+)?jsonAttributes\b")
RELATIONS = re.compile(r"\bstatic\s+(?:get\s+)?relationMappings\b")
PROPERTIES = re.compile(r"\bproperties\s*:\s*\{")
_TYPE = r"(?::\s*[\w$.<>\[\] |]+)?"
ASSIGNED = re.compile(rf"\s*{_TYPE}\s*=\s*")  # `static tableName = 'users'`, `static tableName: string = ...`
GETTER = re.compile(rf"\s*\(\s*\)\s*{_TYPE}\s*\{{")  # `static get tableName() {`
RETURN = re.compile(r"\breturn\s+")
SNAKE_MAPPERS = re.compile(r"\b(?:knexSnakeCaseMappers|snakeCaseMappers)\s*\(")
_JOIN = re.compile(r"([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)")
_REGISTRY_FOLDER = re.compile(r"(?:^|/)models/([A-Za-z_$][\w$-]*)\.(?:[cm]?[jt]s)$")


def declares_models(text: str) -> bool:
    return "tableName" in text and "extends" in text and bool(TABLE_NAME.search(text))


def uses_snake_case(text: str) -> bool:
    """The repo converts names with objection's or knex's snake-case mappers."""
    # The literals first: the pattern, led by `\b` and an alternation, has no literal to skip to and
    # cost a warm scan of 2,000 TS files 0.16 s when searched first (bench/scale_bench.py, 5k repo).
    return ("columnNameMappers" in text or "knexSnakeCaseMappers" in text) and bool(SNAKE_MAPPERS.search(text))


def read_models(rel: str, text: str, snake: bool = False) -> list[OrmModel]:
    if not declares_models(text):
        return []
    scanned = scan(text)
    models = []
    for start, end, name in class_bodies(scanned):
        table = _static_string(scanned, TABLE_NAME, start, end)
        if table is None:
            continue
        models.append(_model(scanned, rel, name, table, start, end, snake))
    return models


def _model(scanned: Scanned, rel: str, name: str, table: str, start: int, end: int, snake: bool) -> OrmModel:
    column = (lambda key: snake_case(key)) if snake else (lambda key: key)  # noqa: E731
    line = scanned.line_of(start)
    fields: dict[str, OrmField] = {}
    id_column = _static_string(scanned, ID_COLUMN, start, end) or "id"
    fields[id_column] = OrmField(id_column, column(id_column), scanned.line_of(start))
    properties = _static_object(scanned, JSON_SCHEMA, start, end)
    if properties is not None:
        found = PROPERTIES.search(scanned.masked, properties, scanned.closing(properties) or end)
        for key, value in object_entries(scanned, found.end() - 1) if found else ():
            if key not in ("...", "[]"):
                fields[key] = OrmField(key, column(key), scanned.line_of(value[0]) if value else line)
    listed = _value_at(scanned, JSON_ATTRIBUTES, start, end)  # `jsonAttributes: ['permissions', 'pageRules']`: JSON columns
    if listed is not None and scanned.masked[listed] == "[":
        for offset, literal in sorted(scanned.literals.items()):
            if listed < offset < (scanned.closing(listed) or listed) and not literal.has_holes and literal.value() not in fields:
                fields[literal.value()] = OrmField(literal.value(), column(literal.value()), scanned.line_of(offset))
    relations = _static_object(scanned, RELATIONS, start, end)
    if relations is not None:
        for key, value in object_entries(scanned, relations):
            if key in ("...", "[]") or value is None:
                continue
            fields.setdefault(key, OrmField(key, None, scanned.line_of(value[0]), relation=_related_class(scanned, value)))
            for offset, literal in sorted(scanned.literals.items()):
                joined = _JOIN.fullmatch(literal.value()) if value[0] <= offset < value[1] and not literal.has_holes else None
                if joined and joined.group(1).lower() == table.lower() and joined.group(2) not in fields \
                        and not any(f.column == (snake_case(joined.group(2)) if snake else joined.group(2)) for f in fields.values()):
                    # a join column of this table (`from: 'users.id'`): in database names under snakeCaseMappers
                    name_ = joined.group(2)
                    fields[name_] = OrmField(name_, snake_case(name_) if snake else name_, scanned.line_of(offset))
    accessors = (name,) + _registry_names(rel)
    return OrmModel(orm="objection", name=name, table=table, file=rel, line=line, fields=tuple(fields.values()),
                    accessors=tuple(dict.fromkeys(accessors)))


_MODEL_CLASS = re.compile(r"\bmodelClass\s*:\s*(?:([A-Za-z_$][\w$]*)\s*[,}\n]|require\s*\(\s*(?=[\x22\x27`]))")


def _related_class(scanned: Scanned, span: tuple[int, int]) -> str | None:
    """A relation's model, as code reaches it: `modelClass: Project`, `require('./groups')` (the
    registry name `groups`), `modelClass: 'Person'` (a name objection finds on `modelPaths`)."""
    found = _MODEL_CLASS.search(scanned.masked, span[0], span[1])
    if found is None:
        return None
    if found.group(1):
        return found.group(1)
    literal = scanned.literal_at(found.end())
    return re.sub(r"\.[cm]?[jt]s$", "", literal.value().rsplit("/", 1)[-1]) if literal and not literal.has_holes else None


def related_models(orm, accessor: str) -> list[OrmModel]:
    """`Ticket#project` (a `relatedQuery('project')` on Ticket) -> the models of that relation's class."""
    owner, _, relation = accessor.partition("#")
    targets = {f.relation for m in orm.by_accessor("objection", owner) for f in m.fields if f.name == relation and f.column is None}
    return [m for target in targets if target for m in orm.by_accessor("objection", target)]


def _registry_names(rel: str) -> tuple[str, ...]:
    """`server/models/users.js` -> `users` (Wiki.js's `WIKI.models.users`), `page-history.js` -> `pageHistory`."""
    found = _REGISTRY_FOLDER.search(rel)
    if not found:
        return ()
    stem = found.group(1)
    return (re.sub(r"[-_]([a-z])", lambda m: m.group(1).upper(), stem),)


def _value_at(scanned: Scanned, pattern: re.Pattern, start: int, end: int) -> int | None:
    """Where the value of a static property or getter begins (`= <here>`, a getter's `return <here>`)."""
    found = pattern.search(scanned.masked, start, end)
    if found is None:
        return None
    value = ASSIGNED.match(scanned.masked, found.end())
    if value:
        return value.end()
    body = GETTER.match(scanned.masked, found.end())
    close = scanned.closing(body.end() - 1) if body else None
    returned = RETURN.search(scanned.masked, body.end(), close) if close else None
    return returned.end() if returned else None


def _static_string(scanned: Scanned, pattern: re.Pattern, start: int, end: int) -> str | None:
    at = _value_at(scanned, pattern, start, end)
    literal = scanned.literal_at(at) if at is not None else None
    return literal.value() if literal is not None and not literal.has_holes else None


def _static_object(scanned: Scanned, pattern: re.Pattern, start: int, end: int) -> int | None:
    at = _value_at(scanned, pattern, start, end)
    return at if at is not None and at < len(scanned.masked) and scanned.masked[at] == "{" else None
