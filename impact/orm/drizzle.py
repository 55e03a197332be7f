"""Drizzle table declarations (`export const users = pgTable("users", { ... })`) -> OrmModels.

Conventions Drizzle applies, all modelled here:
- the model is the table's variable (`users`), which is also how code reaches it: `db.select()
  .from(users)`, `users.fullName`, and `db.query.users` (the key in the schema object given to
  `drizzle()`, which `import * as schema` makes the variable's name);
- `pgTable`, `mysqlTable` and `sqliteTable` name the table in their first argument, and so does a
  table creator with its prefix (`pgTableCreator((name) => `app_${name}`)`: impact.orm.drizzle_creators);
  `pgSchema("s").table(...)` (directly or through a schema variable) also names its schema;
- a field's column is its builder's first string argument (`text("full_name")`); without one it
  is the key itself, or the key in snake_case when the repo sets `casing: "snake_case"` (in
  `drizzle({ casing })` or drizzle.config.*), converted the way Drizzle converts it;
- the columns may be an object or a callback returning one (`(t) => ({ id: t.integer() })`);
  a spread of an object declared in the same file (`...timestamps`) adds its fields;
- `relations(users, ({ many }) => ({ posts: many(posts) }))` adds relation fields: no column.

Known limits (xfail tests in tests/test_orm_drizzle.py):
- casing is one setting for the whole repo: a monorepo with one snake_case and one camelCase
  Drizzle instance reads every key-only field as snake_case;
- a spread of columns imported from another file (`...timestamps` from "./columns") is not followed.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import IDENT, Call, call_after, literal_arg, object_entries, skip_space
from impact.extract.typescript.scan import Scanned, scan
from impact.orm.drizzle_creators import may_use_creator, table_creators
from impact.orm.mapping import OrmField, OrmModel

TABLE_FUNCTIONS = ("pgTable", "mysqlTable", "sqliteTable")
SCHEMA_FUNCTIONS = ("pgSchema", "mysqlSchema")
MARKERS = tuple(f"{name}(" for name in TABLE_FUNCTIONS) + tuple(f"{name}<" for name in TABLE_FUNCTIONS)

_BINDING = re.compile(rf"\b(?:const|let|var)\s+({IDENT})\s*=\s*({IDENT})\s*")
_OBJECT = re.compile(rf"\b(?:const|let|var)\s+({IDENT})\s*=\s*\{{")
_RELATIONS = re.compile(r"\brelations\s*(?=\()")
_CASING = re.compile(r"\bcasing\s*:\s*")
_BUILDER = re.compile(rf"({IDENT})(?:\s*\.\s*({IDENT}))?\s*")
_WORDS = re.compile(r"[\da-z]+|[A-Z]+(?![a-z])|[A-Z][\da-z]+")


def declares_tables(text: str) -> bool:
    return any(marker in text for marker in MARKERS) or may_use_creator(text)


def sets_snake_case(text: str) -> bool:
    """`casing: "snake_case"` in a `drizzle({...})` call or a drizzle-kit config."""
    if "snake_case" not in text or "casing" not in text:
        return False
    scanned = scan(text)
    for match in _CASING.finditer(scanned.masked):
        literal = scanned.literal_at(match.end())
        if literal is not None and literal.value() == "snake_case":
            return True
    return False


def snake_case(key: str) -> str:
    """Drizzle's own conversion (`toSnakeCase`): `createdAt` -> `created_at`, `userID` -> `user_id`."""
    return "_".join(word.lower() for word in _WORDS.findall(key.replace("'", "").replace("\u2019", "")))


def read_tables(files: list[tuple[str, str]], snake: bool = False) -> list[OrmModel]:
    """Every Drizzle table declared in the given (path, text) files."""
    models: list[OrmModel] = []
    relations: dict[str, list[OrmField]] = {}
    scans = [(rel, scan(text)) for rel, text in files]
    creators: dict[str, tuple[str, str]] = {}  # pgTableCreator variables, known in every file
    for _, scanned in scans:
        creators = table_creators(scanned) | creators
    for rel, scanned in scans:
        models.extend(_tables(scanned, rel, snake, creators))
        for name, fields in _relations(scanned).items():
            relations.setdefault(name, []).extend(fields)
    return [_with_relations(m, relations.get(m.name, [])) for m in models]


def _tables(scanned: Scanned, rel: str, snake: bool, creators: dict[str, tuple[str, str]]) -> list[OrmModel]:
    masked = scanned.masked
    schemas: dict[str, str] = {}  # variable -> schema name, for `mySchema.table(...)`
    # variable -> `{` of an object literal, for `...timestamps` (declared above or below its use)
    objects = {m.group(1): m.end() - 1 for m in _OBJECT.finditer(masked)}
    models = []
    for match in _BINDING.finditer(masked):
        variable, callee = match.group(1), match.group(2)
        affixes = ("", "")
        if callee in TABLE_FUNCTIONS or callee in creators:
            call, schema = call_after(scanned, callee, match.start(2), match.end(2)), None
            affixes = creators.get(callee, affixes) if callee not in TABLE_FUNCTIONS else affixes
        elif callee in SCHEMA_FUNCTIONS:
            schema_call = call_after(scanned, callee, match.start(2), match.end(2))
            schema = _string(scanned, schema_call, 0)
            call = _table_method(scanned, schema_call.close + 1) if schema_call else None
            if call is None:
                schemas[variable] = schema or ""
                continue
        elif callee in schemas:
            call, schema = _table_method(scanned, match.end(2)), schemas[callee] or None
        else:
            continue
        table = _string(scanned, call, 0)
        if call is None or table is None:
            continue
        columns = _columns_object(scanned, call)
        fields = _fields(scanned, columns, objects, snake) if columns is not None else []
        models.append(OrmModel(
            orm="drizzle", name=variable, table=affixes[0] + table + affixes[1], file=rel, line=scanned.line_of(match.start()),
            fields=tuple(fields), accessors=(variable,), schema=schema,
        ))
    return models


def _table_method(scanned: Scanned, pos: int) -> Call | None:
    """`.table(...)` right after `pos` (a schema variable or a `pgSchema("s")` call)."""
    match = re.compile(r"\s*\.\s*(table)\b").match(scanned.masked, pos)
    return call_after(scanned, "table", match.start(1) - 1, match.end(1)) if match else None


def _string(scanned: Scanned, call: Call | None, index: int) -> str | None:
    literal = literal_arg(scanned, call, index)
    return literal.value() if literal is not None and not literal.has_holes else None


def _columns_object(scanned: Scanned, call: Call) -> int | None:
    """The `{` of the columns: the second argument, or the object a callback returns."""
    if len(call.args) < 2:
        return None
    start, end = call.args[1]
    masked = scanned.masked
    if masked[start] == "{":
        return start
    arrow = masked.find("=>", start, end)
    if arrow < 0:
        return None
    body = skip_space(masked, arrow + 2)
    if masked.startswith("(", body):
        body = skip_space(masked, body + 1)
    return body if masked.startswith("{", body) else None


def _fields(scanned: Scanned, open_at: int, objects: dict[str, int], snake: bool, depth: int = 0) -> list[OrmField]:
    fields = []
    for key, value in object_entries(scanned, open_at):
        if key == "...":
            spread = scanned.masked[value[0] : value[1]].strip() if value else ""
            if spread in objects and depth < 4:
                fields += _fields(scanned, objects[spread], objects, snake, depth + 1)
            continue
        if key == "[]" or value is None:
            continue
        column = _builder_name(scanned, value)
        fields.append(OrmField(name=key, column=column or (snake_case(key) if snake else key), line=scanned.line_of(value[0])))
    return fields


def _builder_name(scanned: Scanned, value: tuple[int, int]) -> str | None:
    """`text("full_name").notNull()` or `t.text("full_name")` -> "full_name"; None without a name."""
    match = _BUILDER.match(scanned.masked, value[0], value[1])
    if match is None:
        return None
    name = match.group(2) or match.group(1)
    call = call_after(scanned, name, match.start(), match.end(2) if match.group(2) else match.end(1))
    return _string(scanned, call, 0) if call is not None else None


def _relations(scanned: Scanned) -> dict[str, list[OrmField]]:
    """`relations(users, ({ many }) => ({ posts: many(posts) }))` -> {"users": [posts -> posts]}."""
    found: dict[str, list[OrmField]] = {}
    for match in _RELATIONS.finditer(scanned.masked):
        call = call_after(scanned, "relations", match.start(), match.end())
        if call is None or len(call.args) < 2:
            continue
        owner = scanned.masked[call.args[0][0] : call.args[0][1]].strip()
        body = _columns_object(scanned, call)
        if body is None:
            continue
        for key, value in object_entries(scanned, body):
            if key in ("...", "[]") or value is None:
                continue
            target = _relation_target(scanned, value)
            found.setdefault(owner, []).append(OrmField(name=key, column=None, line=scanned.line_of(value[0]), relation=target))
    return found


def _relation_target(scanned: Scanned, value: tuple[int, int]) -> str | None:
    match = _BUILDER.match(scanned.masked, value[0], value[1])
    if match is None:
        return None
    call = call_after(scanned, match.group(1), match.start(), match.end(1))
    if call is None or not call.args:
        return None
    target = scanned.masked[call.args[0][0] : call.args[0][1]].strip()
    return target if re.fullmatch(IDENT, target) else None


def _with_relations(model: OrmModel, relations: list[OrmField]) -> OrmModel:
    if not relations:
        return model
    declared = {f.name for f in model.fields}
    extra = tuple(f for f in relations if f.name not in declared)
    return OrmModel(model.orm, model.name, model.table, model.file, model.line, model.fields + extra, model.accessors, model.schema)
