"""Keys the TypeScript compiler checks against one Prisma model outside a client call: its fields.

- A select, include, where or input object built apart from the call it is passed to and typed by
  the client, with `satisfies` or an annotation: `const selectSurvey = { environmentId: true, ... }
  satisfies Prisma.SurveySelect` (formbricks shares such selects between a file's calls). A key at
  its top level is the model's field; a key nested under a relation field is the related model's
  (`triggers: { select: { actionClass: { select: { environmentId: true } } } }`: ActionClass's), as
  in a call (impact.orm.prisma_nesting); under a scalar field it is a filter's or a JSON value's.
- A zod schema zod-prisma-types generates from a model (`RecipientSchema`, imported from a module of
  a generated `zod` folder, `@documenso/prisma/generated/zod/modelSchema/RecipientSchema`): the keys
  of its `.pick({ templateId: true })` and `.omit({ ... })` are the model's fields (documenso's API
  response shapes); a field the model no longer has fails the type check of the mask.
All become via "typed-receiver", context "property": evidence for the model's table only.

Decisions: only references no query, declaration or row already placed, or whose table only the
file's queries suggested (`file-queries`), and only when the model maps the key to the changed
column. The typed object is a `const`/`let`/`var` declaration's object literal, its type written
after it (`} satisfies Prisma.X`, `as const` allowed) or as its annotation; the type is a model's
name followed by one of the client's suffixes (`Select`, `Include`, `WhereInput`, `CreateInput`, ...),
the longest model name first (`ContactAttributeSelect` is ContactAttribute's, not Contact's). A zod
schema is the model's name + `Schema`, imported from a path with a `zod` folder below a `prisma` or
`generated` one; spread keys (`...base`) and quoted keys are not read.

Known limits (xfail in tests/test_prisma_checked_keys.py): a mask applied after another method of
the schema (`RecipientSchema.extend({...}).pick({...})`) is not read; nor an object typed by the
parameter it is passed to (impact.orm.prisma_typed_literals).
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.import_sources import imported_bindings
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_nesting import string_end
from impact.orm.prisma_rows import PLACED

_SUFFIX = re.compile(r"(?:Select|Include|Omit|(?:Unchecked)?(?:Create|Update|Upsert|Where|WhereUnique|OrderBy|CreateMany|UpdateMany)\w*Input)$")
_DECLARED = re.compile(r"\b(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*(?::\s*(Prisma\s*\.\s*[A-Za-z_$][\w$]*)\s*)?=\s*\{")
_SATISFIES = re.compile(r"\s*(?:as\s+const\s+)?satisfies\s+Prisma\s*\.\s*([A-Za-z_$][\w$]*)(?![\w$<.])")
_ZOD_MODULE = re.compile(r"(?:^|/)(?:prisma|generated)(?:/.*)?/zod(?:/|$)")
_MASK = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*(?:pick|omit)\s*\(\s*\{")
_KEY = re.compile(r"([A-Za-z_$][\w$]*)\s*\??\s*([:,}(])")


def attribute_checked_keys(references: list[ColumnReference], texts: dict[str, str], orm: OrmMap) -> list[ColumnReference]:
    """Names of no firm table that are keys of an object checked against a Prisma model mapping them: that model's."""
    files = {r.file for r in references if _open(r) and r.file.endswith(_TS) and r.file in texts}
    models = _prisma_models(orm) if files else {}
    keys = {rel: checked_keys(texts[rel], models) for rel in files} if models else {}
    if not any(keys.values()):
        return references
    out, seen = [], {}
    for ref in references:  # a line's references of a name come in the order they occur on it
        name = ref.spelling or ref.column
        nth = seen[ref.file, ref.line, name] = seen.get((ref.file, ref.line, name), -1) + 1
        model = keys.get(ref.file, {}).get((ref.line, name, nth)) if _open(ref) else None
        column = model.column_for(name) if model else None
        if model and model.table and column and column.lower() == ref.column.lower():
            ref = replace(ref, table=model.table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


# Tables told by weaker means than the compiler's check: the file's queries, or a field name the
# first of several affected models maps (impact.orm.mapping.OrmMap.spelled_columns).
_WEAK = frozenset({"file-queries", "orm-field"})


def _open(ref: ColumnReference) -> bool:
    return ref.context in ("property", "identifier") and (ref.via in _WEAK or (ref.via not in PLACED and ref.table is None))


def _prisma_models(orm: OrmMap) -> dict[str, OrmModel]:
    found: dict[str, OrmModel] = {}
    for model in orm.models:
        if model.orm == "prisma":
            found.setdefault(model.name, model)
    return found


def checked_keys(text: str, models: dict[str, OrmModel]) -> dict[tuple[int, str, int], OrmModel]:
    """(line, key, which whole-word occurrence of the key on its line) -> the model whose field it is."""
    out: dict[tuple[int, str, int], OrmModel] = {}
    for start, model, nested in _typed_objects(text, models):
        for offset, key, owner in _keys(text, start, model, models, nested):
            line_start = text.rfind("\n", 0, offset) + 1
            nth = len(re.findall(rf"(?<![\w$]){re.escape(key)}(?![\w$])", text[line_start:offset]))
            out[(text.count("\n", 0, offset) + 1, key, nth)] = owner
    return out


def _typed_objects(text: str, models: dict[str, OrmModel]) -> list[tuple[int, OrmModel, bool]]:
    """(offset of the `{`, the model, whether nested keys follow relations) of each checked object."""
    found = []
    if "Prisma" in text:
        for match in _DECLARED.finditer(text):
            start = match.end() - 1
            typed = match.group(1)
            if typed is None:
                after = _SATISFIES.match(text, _close(text, start) + 1)
                typed = after.group(1) if after else None
            model = _model_of_type(re.sub(r"\s+|^Prisma\.", "", typed or ""), models)
            if model:
                found.append((start, model, True))
    schemas = _zod_schemas(text, models)
    for match in _MASK.finditer(text) if schemas else ():
        if match.group(1) in schemas:
            found.append((match.end() - 1, schemas[match.group(1)], False))
    return found


_CLIENT_TYPE = re.compile(r"\w+(?:Input|Args|Include|Select)")


def satisfied_spans(text: str) -> list[tuple[int, int]]:
    """(first, last) lines of the object literals declared `satisfies` one of the client's input types
    (impact.orm.prisma_typed_literals.input_literal_spans: a relation field named there is the model's)."""
    if "satisfies" not in text:
        return []
    spans = []
    for match in _DECLARED.finditer(text):
        end = _close(text, match.end() - 1)
        after = _SATISFIES.match(text, end + 1) if match.group(1) is None else None
        if after and _CLIENT_TYPE.fullmatch(after.group(1)):
            spans.append((text.count("\n", 0, match.start()) + 1, text.count("\n", 0, end) + 1))
    return spans


def _model_of_type(name: str, models: dict[str, OrmModel]) -> OrmModel | None:
    """`SurveySelect` -> Survey: the longest model name the type starts with, followed by a client suffix."""
    for model_name in sorted((m for m in models if name.startswith(m)), key=len, reverse=True):
        if _SUFFIX.fullmatch(name[len(model_name):]):
            return models[model_name]
    return None


def _zod_schemas(text: str, models: dict[str, OrmModel]) -> dict[str, OrmModel]:
    """Local names of the zod schemas generated from a model: `RecipientSchema` (or its alias) -> Recipient."""
    if "zod" not in text:
        return {}
    found = {}
    for imported, local, spec in imported_bindings(text):
        if _ZOD_MODULE.search(spec) and imported.endswith("Schema") and imported[: -len("Schema")] in models:
            found[local] = models[imported[: -len("Schema")]]
    return found


def _keys(text: str, start: int, root: OrmModel, models: dict[str, OrmModel], nested: bool) -> list[tuple[int, str, OrmModel]]:
    """(offset, key, its model) of the object opening at `start`: top-level keys are the root's; with
    `nested`, a key under a relation field is the related model's, one under the client's own keys
    (`select`, `where`, `some`, `OR: [...]`) its parent's, one under a scalar field or any other key nobody's."""
    stack: list[tuple[str, OrmModel | None]] = []  # (bracket, model) of each open object or array
    found, i, last_key = [], start, None
    expect_key, parens = False, 0
    while i < len(text):
        char = text[i]
        if (past := _skipped(text, i)) != i:
            if char != "/":  # a string: no key (quoted keys are not read); a comment changes nothing
                last_key, expect_key = None, False
            i = past
            continue
        if char in "()":
            parens += 1 if char == "(" else -1  # a call's or an arrow function's arguments: no keys
            expect_key = False
        elif parens > 0:
            pass
        elif char in "{[":
            parent = stack[-1][1] if stack else root
            model = root if not stack else _below(parent, last_key, models) if nested else None
            stack.append((char, model))
            expect_key, last_key = char == "{", None
        elif char in "}]":
            stack.pop()
            if not stack:
                break
            expect_key, last_key = False, None
        elif char == "," and stack and stack[-1][0] == "{":
            expect_key, last_key = True, None
        elif expect_key and not char.isspace():
            match = _KEY.match(text, i)
            expect_key = False
            if match and match.group(2) in ":,}":
                last_key = match.group(1)
                if stack[-1][1] is not None:
                    found.append((i, last_key, stack[-1][1]))
                i = match.end(1)
                continue
        i += 1
    return found


def _below(parent: OrmModel | None, key: str | None, models: dict[str, OrmModel]) -> OrmModel | None:
    if parent is None or key is None:
        return parent  # an array's element, an object with no key before it
    field = next((f for f in parent.fields if f.name == key), None)
    if field is None:  # the client's own keys pass through; any other is a JSON value's
        return parent if key in _ARGUMENTS else None
    return models.get(field.relation) if field.relation else None


# The client's argument keys: what opens below them is still about the same model.
_ARGUMENTS = frozenset({
    "select", "include", "omit", "where", "orderBy", "cursor", "data", "create", "createMany", "connect", "connectOrCreate",
    "update", "updateMany", "upsert", "set", "disconnect", "delete", "deleteMany", "some", "every", "none", "is", "isNot",
    "AND", "OR", "NOT", "_count", "_sum", "_avg", "_min", "_max", "having", "by"})


def _close(text: str, start: int) -> int:
    """The offset of the bracket closing the one opening at `start` (strings and comments skipped)."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if (past := _skipped(text, i)) != i:
            i = past
            continue
        depth += {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}.get(char, 0)
        if depth == 0:
            return i
        i += 1
    return len(text) - 1


def _skipped(text: str, i: int) -> int:
    """Past the string or line comment starting at `i`; `i` itself when none starts there."""
    if text[i] in "'\"`":
        return string_end(text, i, len(text)) + 1
    if text.startswith("//", i):
        end = text.find("\n", i)
        return len(text) if end == -1 else end
    return i
