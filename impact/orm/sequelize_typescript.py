"""sequelize-typescript models (`@Table({ tableName: "documents" }) class Document extends Model {
@Column(DataType.STRING) title: string }`) -> OrmModels.

The decorators configure the same Sequelize model `Model.init` would (impact.orm.sequelize), so the
same conventions apply:
- the table is `@Table`'s `tableName`, else its `modelName` or the class name pluralised, unless
  `freezeTableName: true`;
- a `@Column` attribute's column is its `field` option, else the property name, snake_cased under
  `underscored: true`; the decorator may sit on a property or on a getter (`@Column get avatarUrl()`);
- timestamps (on by default) add createdAt/updatedAt, `paranoid` adds deletedAt (`@CreatedAt`,
  `@UpdatedAt`, `@DeletedAt` properties name them);
- `@ForeignKey(() => User) @Column userId` is the column `userId`; `@BelongsTo`, `@HasMany`,
  `@HasOne`, `@BelongsToMany` properties are relations (no column of this table).
The code reaches the model through its class (`Document.findAll(...)`), so the class is the accessor.

Known limits: columns a base class declares (`class Document extends IdModel`, whose `@Column id`)
are not inherited (Sequelize's own `id`, createdAt and updatedAt are added by the conventions above);
global `define` options of `new Sequelize(...)` and `@Table` options given by a variable are not read.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, call_after
from impact.extract.typescript.scan import Scanned, scan
from impact.orm.mapping import OrmField, OrmModel
from impact.orm.sequelize import literal_options, pluralize, timestamp_fields
from impact.orm.typeorm import decorated_class, next_member, snake_case

MARKER = "@Table"
TABLE = re.compile(r"@Table\b")
DECORATOR = re.compile(r"@([A-Za-z_$][\w$]*)")
MEMBER = re.compile(r"\s*(?:(?:public|private|protected|readonly|declare|override|static|get|set)\s+)*([A-Za-z_$][\w$]*)\s*[?!]?\s*[:;(=]")
COLUMNS = {"Column", "CreatedAt", "UpdatedAt", "DeletedAt"}
RELATIONS = {"BelongsTo", "HasMany", "HasOne", "BelongsToMany"}


def declares_models(text: str) -> bool:
    return MARKER in text and "sequelize-typescript" in text


def read_models(rel: str, text: str) -> list[OrmModel]:
    if not declares_models(text):
        return []
    scanned = scan(text)
    models = []
    for match in TABLE.finditer(scanned.masked):
        model = _model(scanned, rel, match)
        if model is not None:
            models.append(model)
    return models


def _model(scanned: Scanned, rel: str, match: re.Match) -> OrmModel | None:
    found = decorated_class(scanned, "Table", match)
    if found is None:
        return None
    call, declared, body_open, body_close = found
    opts = literal_options(scanned, call.args[0]) if call and call.args else {}
    name = declared.group(1)
    model_name = opts.get("modelName") or name
    table = opts.get("tableName") or (model_name if opts.get("freezeTableName") == "true" else pluralize(model_name))
    underscored = opts.get("underscored") == "true"
    line = scanned.line_of(declared.start())
    fields = _fields(scanned, body_open, body_close, underscored)
    named = {f.name for f in fields}
    fields += [f for f in timestamp_fields(opts, underscored, line) if f.name not in named]
    return OrmModel(orm="sequelize", name=name, table=table, file=rel, line=line, fields=tuple(fields),
                    accessors=(name,), schema=opts.get("schema"))


def _fields(scanned: Scanned, body_open: int, body_close: int, underscored: bool) -> list[OrmField]:
    """Each decorated member of the class body, with the decorators before it."""
    fields, pending, pos, masked = [], [], body_open + 1, scanned.masked
    while pos < body_close:
        start = pos
        while start < body_close and masked[start].isspace():
            start += 1
        decorator = DECORATOR.match(masked, start)
        if decorator is not None:
            call = call_after(scanned, decorator.group(1), decorator.start(), decorator.end())
            pending.append((decorator.group(1), call, decorator.start()))
            pos = (call.close + 1) if call else decorator.end()
            continue
        member = MEMBER.match(masked, pos)
        if pending and member is not None:
            field = _field(scanned, member.group(1), pending, underscored, scanned.line_of(member.start(1)))
            if field is not None:
                fields.append(field)
        pending = []
        pos = next_member(scanned, pos, body_close)  # past a property, or a getter's body
    return fields


def _field(scanned: Scanned, prop: str, decorators: list[tuple[str, Call | None, int]], underscored: bool,
           line: int) -> OrmField | None:
    """`line`: the property's (or getter's) own line, which names the attribute; its decorators often
    name nothing but a type (`@Column(DataType.STRING)`)."""
    names = {name for name, _, _ in decorators}
    if names & COLUMNS:
        column = next((c for name, call, _ in decorators if name == "Column" and call and call.args
                       for c in [literal_options(scanned, call.args[0]).get("field")] if c), None)
        return OrmField(prop, column or (snake_case(prop) if underscored else prop), line)
    relation = names & RELATIONS
    if relation:
        return OrmField(prop, None, line, relation=next(iter(relation)))
    return None

