"""A changed column read through a variable named after its Sequelize model: `collection.private`,
`user.username`, and `userId: collection.creatorId` inside `Document.create({...})`.

Sequelize code holds a row of model `Collection` in a variable named after the model in lower camel
case (`const collection = await Collection.findByPk(id)`, `collection = await buildCollection()`,
`(collection: Collection) =>`): that is the convention of its docs and of the code read on the bench.
So a property read whose receiver is exactly that name names the model's column when the model maps
the name (via "typed-receiver": evidence for that table only). Read are the references no query or
declaration placed (`name-only`), and those inside a model call read through such a variable: in
`Document.create({ userId: collection.creatorId })` the key is Document's field but the value is a
read of a Collection row, so the call's table is not the column's.

A file that imports a class named like a Sequelize model from a module of that name that is not
the model's (outline's React app: `import Collection from "models/Collection"`, its MobX model of the
API's collection) works with other models: its `collection` is not a row of the table, so its
files are skipped (one import of any model's name from such a module is enough: the app's
`Breadcrumb.js` imports `Document` from `models/Document` and reads `collection.private`).

Measured on the bench: outline 261 -> 318 of 412 truth lines found, 1 line more reported that the
authors left (`attachment.url` in the React app: 57 of 58 right); opencollective 221 -> 222 of 261,
none wrong. Without the rule above, outline's React app gave 14 more truth lines, left out on purpose:
its `collection` is a MobX model of the API's answer, not a row of the table.

A lower-case qualifier before the model's name holds a row of it too (`childDocument`, `newDocument`,
`existingCollection`): outline's `childDocument.emoji` in documentDuplicator.ts was a DB-reaching miss
of the adjudicated sample (bench/accuracy/ADJUDICATION.md).

Known limit (xfail in tests/test_orm_sequelize_typescript.py): the variable is taken for the model's
row by its name alone; a row held in any other name (`const c = await Collection.findByPk(id)`) is not
followed (a hook's `(model: Collection) =>` is, by its annotation: impact.orm.typeorm_typed). Only
`import` statements tell another model (not `require()`), and a non-relative path is looked up under the importing file's folders (a tsconfig `baseUrl` among them).
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm.import_sources import imports_of
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap, OrmModel

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")


def row_variables(orm: OrmMap, tables: list[str]) -> dict[str, list[OrmModel]]:
    """`collection` -> the Sequelize models of the one affected table whose class (or define()'s
    variable, or model name) is `Collection` or `collection` (a name two tables' models share says nothing)."""
    wanted = {t.lower() for t in tables}
    owners: dict[str, set[str]] = {}
    for m in orm.models:
        if m.orm == "sequelize" and m.table:
            for name in {n[0].lower() + n[1:] for n in (m.name or "", *m.accessors) if _IDENTIFIER.match(n)}:
                owners.setdefault(name, set()).add(m.table.lower())
    return {name: [m for m in orm.models if m.orm == "sequelize" and m.table and m.table.lower() in found]
            for name, found in owners.items() if len(found) == 1 and found <= wanted}


def attribute_row_variables(references: list[ColumnReference], orm: OrmMap, tables: list[str],
                            texts: Mapping[str, str], read: Callable[[str], str | None]) -> list[ColumnReference]:
    """References read through a variable named after a Sequelize model of a changed table: that table's.
    `texts`: the scanned files' texts; `read`: any module of the repository (impact.orm.import_sources.repo_reader)."""
    candidates = [r for r in references if _candidate(r)]
    variables = row_variables(orm, tables) if candidates else {}
    if not variables:
        return references
    other = _other_models_files({r.file for r in candidates}, texts, read, orm)
    # `childDocument`, `newDocument`: a lower-case qualifier before the model's name holds a row of it too.
    qualified = {name[0].upper() + name[1:]: name for name in variables}
    names = "|".join(map(re.escape, sorted(variables, key=len, reverse=True)))
    suffixes = "|".join(map(re.escape, sorted(qualified, key=len, reverse=True)))
    pattern = re.compile(r"(?<![\w$.])(" + names + r"|[a-z][A-Za-z0-9]*(?:" + suffixes + r"))\s*[?!]?\.\s*$")
    out = []
    for ref in references:
        if _candidate(ref) and ref.file not in other:
            name = ref.spelling or ref.column
            match = next((m for at in _positions(ref.snippet, name) if (m := pattern.search(ref.snippet[:at]))), None)
            models = _models_of(match.group(1), variables, qualified) if match else []
            model = next((m for m in models if (m.column_for(name) or "").lower() == ref.column.lower()), None)
            if model and (ref.via == "name-only" or (ref.table or "").lower() != model.table.lower()):
                ref = replace(ref, table=model.table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


def _models_of(variable: str, variables: dict[str, list[OrmModel]], qualified: dict[str, str]) -> list[OrmModel]:
    if variable in variables:
        return variables[variable]
    return next((variables[name] for suffix, name in sorted(qualified.items(), key=lambda kv: -len(kv[0]))
                 if variable.endswith(suffix)), [])


_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")


def _other_models_files(files: set[str], texts: Mapping[str, str], read: Callable[[str], str | None], orm: OrmMap) -> set[str]:
    """The files importing a model's class name from another module named after it (`models/Collection`)."""
    models = [m for m in orm.models if m.orm == "sequelize"]
    names = {n for m in models for n in (m.name or "", *m.accessors) if n[:1].isupper()}
    declaring = {_stem(m.file) for m in models}
    out = set()
    for rel in files:
        text = texts.get(rel) or ""
        for name in (n for n in names if n in text):
            found = (_resolve(rel, spec, read) for spec in imports_of(text, name))
            if any(f and _stem(f) not in declaring and _stem(f).rsplit("/", 1)[-1] == name for f in found):
                out.add(rel)
                break
    return out


def _resolve(rel: str, spec: str, read: Callable[[str], str | None]) -> str | None:
    """The file an import names: a relative path from `rel`'s folder, else the path under one of `rel`'s folders."""
    bare = spec.rsplit(".", 1)[0] if spec.endswith(_SUFFIXES) else spec
    if bare.startswith("."):
        bases = [posixpath.normpath(posixpath.join(posixpath.dirname(rel), bare))]
    else:
        folders = rel.split("/")[:-1]
        bases = [posixpath.join(*folders[:k], bare) if k else bare for k in range(len(folders) + 1)]
    return next((base + ext for base in bases for ext in _SUFFIXES if read(base + ext) is not None), None)


def _stem(rel: str) -> str:
    return rel.rsplit(".", 1)[0]


def _candidate(ref: ColumnReference) -> bool:
    return ref.file.endswith(_TS) and ((ref.via == "name-only" and ref.context == "property")
                                       or (ref.via == "orm-call" and ref.context == "sql"))


def _positions(snippet: str, name: str) -> list[int]:
    """Where the name stands on the line (`private: collection.private`: the second one is the read)."""
    return [m.start() for m in re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", snippet)]
