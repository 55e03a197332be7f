"""A changed column named through a value TypeScript types as a TypeORM entity of its table.

An entity class is its table's row type. Where a file declares a variable or parameter of that
type (`const budget: LlmCostBudget = ...`, `(budget: LlmCostBudget)`), `budget.alertSeverityId`
reads the entity's property; where a function's first parameter is the entity or a partial of it
(`function makeBudget(overrides?: Partial<LlmCostBudget>)`), the keys of the object literal passed
to it are the entity's properties (the compiler's excess-property check holds them to it). Such a
name, when the entity maps it to the changed column, is attributed to the entity's table (via
"typed-receiver"), for the name-only references left by the other passes only.

Measured on real history (bench/accuracy: oneuptime's LlmCostBudget migration, gamevault's
socket_secret rename): 7 lines, all changed by the authors with the migration.

A Sequelize model is a row type the same way (`(model: Collection) =>` in a hook): in the model's
own module its define() variable names it too (`const Collection = sequelize.define("collection")`),
and a read through such a value inside another model's call (`CollectionUser.findOrCreate({ where:
{ userId: model.creatorId } })`) is the typed model's column, not the call's table (outline's
`collections.private` and `creatorId`, and `users.username` in a hook of a file whose queries
`include: [{ model: Team }]`: 4 lines, all changed by the authors).

Decisions: a name annotated with any other type anywhere in the file says nothing (one file may
reuse `item` for several types; a lower-case word after a colon is an object literal's value, not a
type, unless a primitive's name, and so is a class given as a key's value in an object literal,
`include: [{ model: Team }]`, unlike a type literal's member, `request: { user: User }`); a function name declared with two entity types in the repository
says nothing; only keys directly in the object literal (not nested objects) count; the type's name is
the entity only in its own file or in a file importing it from the entity's module (or through a path
impact cannot resolve: impact.orm.import_sources), not another module's class of the same name.
Known limits: types inferred without an annotation (`const budget = new LlmCostBudget()`) and
entity-typed arrays (`Array<LlmCostBudget>`) are not followed.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from impact.extract.typescript.scan import scan
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.import_sources import ImportSources
from impact.orm.mapping import OrmMap, OrmModel

VIA = "typed-receiver"
CALL_WINDOW = 6  # lines an object literal argument may span below its call
_WRAPPED = r"(?:(?:Partial|DeepPartial|Readonly|Required|QueryDeepPartialEntity)\s*<\s*)?"
# `name: Type` / `name?: Type` / `name!: Type` in a declaration or a parameter list; the type's first word.
_ANNOTATION = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*[?!]?\s*:\s*" + _WRAPPED + r"([A-Za-z_$][\w$.]*)")
# `function f(p?: Partial<E>` / `const f = (p: E` / a method `f(p: E`: a function whose first parameter is typed.
_FIRST_PARAMETER = re.compile(r"(?:\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?\("
                              r"|^\s*(?:(?:public|private|protected|static|async)\s+)*([A-Za-z_$][\w$]*)\s*\()"
                              r"\s*[A-Za-z_$][\w$]*\s*\??\s*:\s*" + _WRAPPED + r"([A-Za-z_$][\w$]*)\s*>?\s*[,)=]", re.MULTILINE)
_PRIMITIVES = {"string", "number", "boolean", "bigint", "any", "unknown", "object", "symbol", "never", "void"}
_NOT_NAMES = {"if", "for", "while", "switch", "catch", "return", "function"}


def attribute_typed_entities(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap,
                             tables: list[str], read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """`read(file)`: a module's text, to resolve where a file imports an entity's name from."""
    candidates = [r for r in references if _candidate(r)]
    entities = affected_entities(orm, tables) if candidates else {}
    if not entities:
        return references
    sources = ImportSources(dict(texts), read, (m.file for m in entities.values()))
    functions = _typed_functions(texts, entities, sources)
    by_file: dict[str, tuple[dict[str, OrmModel], list[str]]] = {}
    out = []
    for ref in references:
        if _candidate(ref) and ref.file in texts:
            if ref.file not in by_file:
                text = texts[ref.file]
                by_file[ref.file] = (_typed_names(text, _imported(ref.file, text, entities, sources) | _own_variables(ref.file, orm, tables)),
                                     text.splitlines())
            receivers, lines = by_file[ref.file]
            model = _receiver(ref, receivers) or (_called(ref, lines, functions) if ref.via == "name-only" else None)
            if model is not None and (ref.via == "name-only" or (ref.table or "").lower() != (model.table or "").lower()):
                ref = replace(ref, table=model.table, via=VIA, inferred=False, context="property")  # a read of the row
        out.append(ref)
    return out


def _candidate(ref: ColumnReference) -> bool:
    """A name no pass placed, or one inside another model's call read through a typed value (a hook's
    `CollectionUser.findOrCreate({ where: { userId: model.creatorId } })`, `model: Collection`)."""
    return ref.file.endswith(_TS) and ((ref.via == "name-only" and ref.context == "property") or (ref.via == "orm-call" and ref.context == "sql"))


def affected_entities(orm: OrmMap, tables: list[str]) -> dict[str, OrmModel]:
    """Entity class name -> its model, for the affected tables (a class name declared twice is left out)."""
    wanted, found = {t.lower() for t in tables}, {}
    for m in orm.models:
        if m.orm in ("typeorm", "sequelize") and m.table and m.table.lower() in wanted:  # a Sequelize model class is its row type too
            found.setdefault(m.name, []).append(m)
    return {name: models[0] for name, models in found.items() if len(models) == 1}


def _imported(rel: str, text: str, entities: dict[str, OrmModel], sources: ImportSources) -> dict[str, OrmModel]:
    """The entities whose class name in `rel` is the entity: its own file, or imported from its module."""
    return {name: m for name, m in entities.items() if name in text and (rel == m.file or sources.names_model(rel, text, name, m.file))}


def _own_variables(rel: str, orm: OrmMap, tables: list[str]) -> dict[str, OrmModel]:
    """In a Sequelize model's own module, the variable define() returns names it too (`const Collection =
    sequelize.define("collection", ...)`, then a hook's `(model: Collection) =>`). Elsewhere the name may be
    another module's class (outline's React app imports its MobX `Collection` from `models/Collection`)."""
    wanted = {t.lower() for t in tables}
    return {name: m for m in orm.models if m.orm == "sequelize" and m.file == rel and (m.table or "").lower() in wanted
            for name in m.accessors if name != m.name}


def _typed_names(text: str, entities: dict[str, OrmModel]) -> dict[str, OrmModel]:
    """Variable or parameter name -> the entity it is annotated with, when that is its only annotation in the file."""
    if not any(name in text for name in entities):
        return {}
    types: dict[str, set[str]] = {}
    masked = scan(text).masked
    for match in _ANNOTATION.finditer(masked):  # not in comments or strings
        kind = match.group(2)
        if (kind[0].isupper() or kind in _PRIMITIVES) and not _object_value(masked, match):  # else a value (`{ budget: budget }`), not a type
            types.setdefault(match.group(1), set()).add(kind)
    return {name: entities[next(iter(kinds))] for name, kinds in types.items() if len(kinds) == 1 and next(iter(kinds)) in entities}


_LOOK_BACK = 1500  # characters searched back for the bracket enclosing an annotation (else: an annotation, as before)


def _object_value(masked: str, match: re.Match) -> bool:
    """`{ model: Team, as: "team" }` (Sequelize's `include: [{ model: Team }]`): a key and its value in an
    object literal, not a name annotated with a type: the value ends at `,` or `}` (a class member or a
    declaration ends at `;`, `=` or the line's end) and the brace enclosing it opens an expression
    (after `(`, `[`, `,` or a variable's `=`), not a type literal (`request: { user: GamevaultUser }`,
    after a `:`; `type R = { user: User }`)."""
    after = masked[match.end():match.end() + 200].lstrip(" \t")
    if not after.startswith((",", "}")):
        return False
    start = max(0, match.start() - _LOOK_BACK)
    depth = 0
    for bracket in reversed(list(_BRACKET.finditer(masked, start, match.start()))):  # brackets only: sparse
        char, at = bracket.group(), bracket.start()
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth:
                depth -= 1
                continue
            before = masked[start:at].rstrip()
            return char == "{" and (before.endswith(("(", "[", ",")) or (before.endswith("=") and not _TYPE_ALIAS.search(before)))
    return False


_BRACKET = re.compile(r"[()\[\]{}]")
_TYPE_ALIAS = re.compile(r"\btype\s+[A-Za-z_$][\w$]*\s*(?:<[^=]*>)?\s*=$")


def _typed_functions(texts: Mapping[str, str], entities: dict[str, OrmModel], sources: ImportSources) -> dict[str, OrmModel]:
    """Function name -> the entity its first parameter is typed with (a name typed with several is left out)."""
    found: dict[str, set[str]] = {}
    for rel, text in texts.items():
        if not rel.endswith(_TS) or not any(name in text for name in entities):
            continue
        here = _imported(rel, text, entities, sources)
        for match in _FIRST_PARAMETER.finditer(text):
            name = next(g for g in match.groups()[:3] if g)
            if match.group(4) in here and name not in _NOT_NAMES:
                found.setdefault(name, set()).add(match.group(4))
    return {name: entities[next(iter(kinds))] for name, kinds in found.items() if len(kinds) == 1}


def _maps(model: OrmModel, ref: ColumnReference) -> bool:
    return (model.column_for(ref.spelling or ref.column) or "").lower() == ref.column.lower()


def _receiver(ref: ColumnReference, receivers: dict[str, OrmModel]) -> OrmModel | None:
    """`budget.alertSeverityId` / `budget?.alertSeverityId` with `budget` typed as the entity."""
    name = ref.spelling or ref.column
    read = re.search(rf"(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:\?\.|!\.|\.)\s*{re.escape(name)}(?![\w$])", ref.snippet)
    model = receivers.get(read.group(1)) if read else None
    return model if model is not None and _maps(model, ref) else None


def _called(ref: ColumnReference, lines: list[str], functions: dict[str, OrmModel]) -> OrmModel | None:
    """`makeBudget({ alertSeverityId: x })`: a key directly in the object literal opening the call's arguments."""
    if not functions:
        return None
    name = ref.spelling or ref.column
    text = lines[ref.line - 1] if 0 < ref.line <= len(lines) else ""
    key = re.search(rf"(?<![\w$.]){re.escape(name)}\s*\??\s*:", text)
    if key is None:
        return None
    for number in range(ref.line, max(ref.line - CALL_WINDOW, 0), -1):
        source = lines[number - 1] if number != ref.line else text[:key.start()]
        for call in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(\s*\{", source):
            model = functions.get(call.group(1))
            if model is None:
                continue
            between = "\n".join([source[call.end():], *lines[number:ref.line - 1]]) if number != ref.line else source[call.end():]
            if number != ref.line:
                between += "\n" + text[:key.start()]
            if _directly_inside(between) and _maps(model, ref):
                return model
    return None


def _directly_inside(between: str) -> bool:
    """After `f({`, is the text still at the top level of that object literal (and of the call)?"""
    depth = 0
    for char in between:
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
