"""TypeORM entities (`@Entity("users") class User { @Column({ name: "full_name" }) fullName: string }`)
-> OrmModels.

Conventions TypeORM applies implicitly (its DefaultNamingStrategy), all modelled here:
- the table is `@Entity("t")` / `@Entity({ name: "t", schema })`, else the class name in snake_case;
- a column is `@Column({ name })` (or the name option of any column decorator), else the property
  name as written (camelCase, quoted in SQL) — or its snake_case under `SnakeNamingStrategy`;
- a `@ManyToOne` (or an owning `@OneToOne` with `@JoinColumn`) adds its foreign key: the
  `@JoinColumn({ name })`, else `<property>Id` (snake_case: `<property>_id`);
  `@OneToMany`/`@ManyToMany` add no column to this table.
The client reaches an entity through its class: repositories, the entity manager, BaseEntity statics.

Known limits: entity inheritance (`@ChildEntity`, abstract base classes) and embedded columns
(`@Column(() => Address)`) are not followed; a column whose options object is a variable keeps
the property name.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, call_after, object_entries
from impact.extract.typescript.scan import Scanned, scan
from impact.orm import mikroorm
from impact.orm.mapping import OrmField, OrmModel

MARKER = "@Entity"
ENTITY = re.compile(r"@Entity\b")
CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
DECORATOR = re.compile(r"@([A-Za-z_$][\w$]*)")
PROPERTY = re.compile(r"\s*(?:(?:public|private|protected|readonly|declare|override)\s+)*([A-Za-z_$][\w$]*)\s*[?!]?\s*:")
COLUMN_DECORATORS = {"Column", "PrimaryColumn", "PrimaryGeneratedColumn", "CreateDateColumn", "UpdateDateColumn",
                     "DeleteDateColumn", "VersionColumn", "ViewColumn", "ObjectIdColumn", "Generated"}
OWNING_RELATIONS = {"ManyToOne", "OneToOne"}
OTHER_RELATIONS = {"OneToMany", "ManyToMany", "RelationId", "RelationCount"}
SNAKE_STRATEGY = "SnakeNamingStrategy"


def snake_case(name: str) -> str:
    """TypeORM's snakeCase: `fullName` -> `full_name`, `HTTPRequest` -> `http_request`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name).lower()


def read_entities(rel: str, text: str, snake: bool = False) -> list[OrmModel]:
    if MARKER not in text:
        return []
    scanned = scan(text)
    models = []
    mikro = mikroorm.is_mikro(text)  # MikroORM's entities: its own option names, snake_case by default
    for match in ENTITY.finditer(scanned.masked):
        model = _entity(scanned, rel, match, snake or mikro, mikro)
        if model is not None:
            models.append(model)
    return models


def decorated_class(scanned: Scanned, decorator: str, match: re.Match):
    """(the decorator's call or None, the class's match, its body's `{` and `}`) of the class `@decorator` at
    `match` decorates, or None (no class, or an unclosed body)."""
    call = call_after(scanned, decorator, match.start(), match.end())
    declared = CLASS.search(scanned.masked, match.end())
    if declared is None:
        return None
    body_open = scanned.masked.find("{", declared.end())
    body_close = scanned.closing(body_open) if body_open >= 0 else None
    return None if body_close is None else (call, declared, body_open, body_close)


def _entity(scanned: Scanned, rel: str, match: re.Match, snake: bool, mikro: bool = False) -> OrmModel | None:
    found = decorated_class(scanned, "Entity", match)
    if found is None:
        return None
    call, declared, body_open, body_close = found
    table, schema = _table_options(scanned, call)
    table = (mikroorm.table_option(scanned, call) or table) if mikro else table
    name = declared.group(1)
    return OrmModel(
        orm="typeorm", name=name, table=table or snake_case(name), file=rel, line=scanned.line_of(declared.start()),
        fields=tuple(_fields(scanned, body_open, body_close, snake, mikro)), accessors=(name,), schema=schema,
    )


def _table_options(scanned: Scanned, call: Call | None) -> tuple[str | None, str | None]:
    if call is None or not call.args:
        return None, None
    literal = scanned.literal_at(call.args[0][0])
    if literal is not None and not literal.has_holes:
        return literal.value(), _option(scanned, call.args[1] if len(call.args) > 1 else None, "schema")
    return _option(scanned, call.args[0], "name"), _option(scanned, call.args[0], "schema")


def _option(scanned: Scanned, span: tuple[int, int] | None, key: str) -> str | None:
    if span is None or scanned.masked[span[0]] != "{":
        return None
    for name, value in object_entries(scanned, span[0]):
        literal = scanned.literal_at(value[0]) if name == key and value else None
        if literal is not None and not literal.has_holes:
            return literal.value()
    return None


def _fields(scanned: Scanned, body_open: int, body_close: int, snake: bool, mikro: bool = False) -> list[OrmField]:
    """Walk the class body's members: each decorated property with the decorators before it."""
    fields, pending, pos = [], [], body_open + 1
    masked = scanned.masked
    while pos < body_close:
        decorator = DECORATOR.match(masked, _skip_space(masked, pos))
        if decorator is not None:
            call = call_after(scanned, decorator.group(1), decorator.start(), decorator.end())
            pending.append((decorator.group(1), call))
            pos = (call.close + 1) if call else decorator.end()
            continue
        prop = PROPERTY.match(masked, pos)
        if pending and prop is not None:
            field = (_mikro_field if mikro else _field)(scanned, prop.group(1), pending, snake)
            if field is not None:
                fields.append(field)
        pending = []
        pos = next_member(scanned, pos, body_close)
    return fields


def _field(scanned: Scanned, prop: str, decorators: list, snake: bool) -> OrmField | None:
    names = {name for name, _ in decorators}
    line = scanned.line_of(decorators[0][1].dot) if decorators[0][1] else 0
    explicit = next((n for name, call in decorators for n in [_name_option(scanned, call)] if n and name in COLUMN_DECORATORS | {"JoinColumn"}), None)
    if names & COLUMN_DECORATORS:
        return OrmField(prop, explicit or (snake_case(prop) if snake else prop), line)
    if names & OWNING_RELATIONS and ("JoinColumn" in names or "ManyToOne" in names):
        relation = next(name for name in names if name in OWNING_RELATIONS)
        default = snake_case(prop) + "_id" if snake else prop + "Id"
        # The relation property stands for its foreign key: `save({ author })` writes authorId.
        return OrmField(prop, explicit or default, line, relation=relation)
    if names & (OWNING_RELATIONS | OTHER_RELATIONS):
        return OrmField(prop, None, line, relation=next(iter(names & (OWNING_RELATIONS | OTHER_RELATIONS))))
    return None


def _mikro_field(scanned: Scanned, prop: str, decorators: list, snake: bool) -> OrmField | None:
    names = {name for name, _ in decorators}
    line = scanned.line_of(decorators[0][1].dot) if decorators[0][1] else 0
    explicit = next((n for _, call in decorators for n in [mikroorm.field_option(scanned, call)] if n), None)
    relation = next((name for name in names if name in OWNING_RELATIONS | OTHER_RELATIONS), None)
    if names & mikroorm.COLUMN_DECORATORS:
        return OrmField(prop, explicit or snake_case(prop), line)
    if relation in OWNING_RELATIONS and all(mikroorm.owns_column(scanned, call) for _, call in decorators):
        return OrmField(prop, explicit or snake_case(prop) + "_id", line, relation=relation)
    return OrmField(prop, None, line, relation=relation) if relation else None


def _name_option(scanned: Scanned, call: Call | None) -> str | None:
    for span in (call.args if call else []):
        value = _option(scanned, span, "name")
        if value:
            return value
    return None


def _skip_space(masked: str, pos: int) -> int:
    while pos < len(masked) and masked[pos].isspace():
        pos += 1
    return pos


def next_member(scanned: Scanned, pos: int, end: int) -> int:
    """Past the current member: its `;`/newline at depth 0, or its `{...}` body (methods)."""
    masked = scanned.masked
    while pos < end:
        char = masked[pos]
        if char in "([{":
            close = scanned.closing(pos)
            if close is None:
                return end
            if char == "{":
                return close + 1
            pos = close + 1
            continue
        if char in ";\n":
            return pos + 1
        pos += 1
    return end


def uses_snake_strategy(text: str) -> bool:
    return SNAKE_STRATEGY in text
