"""Sequelize models (`User.init({ ... }, { sequelize, tableName })`, `sequelize.define("User", { ... })`)
-> OrmModels.

Conventions Sequelize applies implicitly, all modelled here:
- the table is `tableName`, else the model name (`modelName` option, the define() name or the
  class) pluralised — unless `freezeTableName: true`, which keeps it as is;
- an attribute's column is its `field`, else the attribute name — snake_cased under `underscored: true`;
- `timestamps` (on by default) add createdAt/updatedAt (`created_at`/`updated_at` underscored) and
  `paranoid` adds deletedAt; `timestamps: false` removes them; `createdAt: false` or a string renames.
The code reaches a model through its class or the variable define() returned.

Known limits: options given by a variable (`{ ...commonOptions }`), global `define` defaults in
`new Sequelize(..., { define: { underscored: true } })` are not read (sequelize-typescript's decorators
are: impact.orm.sequelize_typescript; associations' foreign keys: impact.orm.sequelize_associations); pluralisation follows English rules, not every irregular noun.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import call_after, object_entries
from impact.extract.typescript.scan import Scanned, scan
from impact.orm.mapping import OrmField, OrmModel
from impact.orm.typeorm import snake_case

MARKERS = (".init(", ".define(")
INIT = re.compile(r"(?<![\w$.])([A-Z][\w$]*)\s*\.\s*init\s*(?=\()")
DEFINE = re.compile(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*[\w$.]*\.\s*define\s*(?=[(<])")
TIMESTAMPS = (("createdAt", "created_at"), ("updatedAt", "updated_at"))


def declares_models(text: str) -> bool:
    return any(marker in text for marker in MARKERS) and ("sequelize" in text.lower() or "DataTypes" in text)


def read_models(rel: str, text: str) -> list[OrmModel]:
    if not declares_models(text):
        return []
    scanned = scan(text)
    models = []
    for match in INIT.finditer(scanned.masked):
        call = call_after(scanned, "init", match.start(), match.end())
        if call is not None and len(call.args) >= 2:
            models.append(_model(scanned, rel, match.group(1), match.group(1), call.args[0], call.args[1], match.start()))
    for match in DEFINE.finditer(scanned.masked):
        call = call_after(scanned, "define", match.end() - len("define"), match.end())
        if call is None or len(call.args) < 2:
            continue
        literal = scanned.literal_at(call.args[0][0])
        name = literal.value() if literal and not literal.has_holes else match.group(1)
        options = call.args[2] if len(call.args) > 2 else None
        models.append(_model(scanned, rel, match.group(1), name, call.args[1], options, match.start()))
    return [m for m in models if m is not None]


def _model(scanned: Scanned, rel: str, accessor: str, name: str, attributes, options, at: int) -> OrmModel | None:
    if scanned.masked[attributes[0]] != "{":
        return None
    opts = literal_options(scanned, options)
    model_name = opts.get("modelName") or name
    underscored = opts.get("underscored") == "true"
    table = opts.get("tableName") or (model_name if opts.get("freezeTableName") == "true" else pluralize(model_name))
    fields = []
    for key, value in object_entries(scanned, attributes[0]):
        if key in ("...", "[]"):
            continue
        column = _field_option(scanned, value) or (snake_case(key) if underscored else key)
        fields.append(OrmField(key, column, scanned.line_of(value[0]) if value else scanned.line_of(at)))
    fields += timestamp_fields(opts, underscored, scanned.line_of(at))
    return OrmModel(orm="sequelize", name=model_name, table=table, file=rel, line=scanned.line_of(at),
                    fields=tuple(fields), accessors=(accessor,), schema=opts.get("schema"))


def literal_options(scanned: Scanned, span) -> dict[str, str]:
    """Literal option values: strings as themselves, true/false as "true"/"false"."""
    if span is None or scanned.masked[span[0]] != "{":
        return {}
    found = {}
    for key, value in object_entries(scanned, span[0]):
        if value is None:
            continue
        literal = scanned.literal_at(value[0])
        if literal is not None and not literal.has_holes:
            found[key] = literal.value()
        else:
            word = re.match(r"(true|false)\b", scanned.masked[value[0]:value[1]])
            if word:
                found[key] = word.group(1)
    return found


def _field_option(scanned: Scanned, value) -> str | None:
    return literal_options(scanned, value).get("field") if value else None


def timestamp_fields(opts: dict[str, str], underscored: bool, line: int) -> list[OrmField]:
    if opts.get("timestamps") == "false":
        return []
    pairs = list(TIMESTAMPS) + ([("deletedAt", "deleted_at")] if opts.get("paranoid") == "true" else [])
    fields = []
    for attribute, snake in pairs:
        setting = opts.get(attribute)
        if setting == "false":
            continue
        column = setting if setting and setting != "true" else (snake if underscored else attribute)
        fields.append(OrmField(attribute, column, line))
    return fields


def pluralize(word: str) -> str:
    """English plural as Sequelize's inflection library makes it for usual model names."""
    lower = word.lower()
    if re.search(r"[^aeiou]y$", lower):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", lower):
        return word + "es"
    if lower.endswith("person"):
        return word[:-6] + word[-6] + "eople"
    return word + "s"
