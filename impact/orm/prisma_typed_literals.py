"""Values declared with a Prisma model's type: their fields are that model's.

- Object literals: `const configs: dbInfraConfig[] = [{ name: "x", active: true }]`, where
  `dbInfraConfig` is the client's generated row type (`import { InfraConfig as dbInfraConfig } from
  '@prisma/client'`), or `const data: Prisma.WebsiteCreateInput = { shareId }`: the compiler checks
  every top-level key of the literal against the model, so a dropped or renamed field there stops
  compiling (hoppscotch's test rows of `InfraConfig`: 2 of its 7 truth lines).
- Names annotated with the row type (`function describe(document: Document)`,
  `Prisma.DocumentGetPayload<...>`): a field read through them (`document.status`,
  `const { status } = document`) is the model's, as a field read from a row a query returned is
  (impact.orm.prisma_rows).
- Rows a test's mock of a client operation resolves to (`vi.mocked(prisma.contact.findMany)
  .mockResolvedValue([{ ... }])`, jest-mock-extended's `prisma.infraConfig.update
  .mockResolvedValueOnce({ active: true })`: hoppscotch's other 4 truth lines): the operation's
  return type types them; only operations returning rows (not `count`, `aggregate`, `groupBy`).
All become via "typed-receiver", context "property": evidence for the model's table only.

Decisions: a literal only in a `const`/`let`/`var` declaration whose annotation is the type itself,
an array of it (`T[]`, `Array<T>`) or `Partial<T>`, and whose value is an object or array literal;
only keys at the top level of the object (or of each element of the array): a nested object is a
relation's or a JSON value's. The type is the model's name imported from a Prisma client module (an
alias included), or `Prisma.<Model><Create|Update|Upsert|Where...>Input` / `Prisma.<Model>GetPayload`
(inputs type literals only: a variable of an input type is not a row). A name annotated on a line
opening a block (a function's parameter) holds the row to the end of that block, otherwise to the
end of the block holding it. Only references no query, declaration or row already placed are read,
and only when the model maps the name to the changed column.

Known limits (xfail in tests/test_prisma_typed_literals.py): literals typed by a function's
parameter (`createWebsite({ shareId })` where `data: Prisma.WebsiteCreateInput`) or by `as` are not
followed (`satisfies Prisma.<Model>Select` and selects annotated so: impact.orm.prisma_checked_keys);
a parameter list spread over several lines holds the row to the end of the block around the function.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm.import_sources import imported_bindings
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_rows import TS_SUFFIXES, PLACED, RowVariable, block_end, brace_depths, row_holder
from impact.orm.prisma_typed_props import prop_rows

_INPUT = r"(?:Unchecked)?(?:Create|Update|Upsert|Where|CreateMany|UpdateMany)\w*Input|GetPayload"
_DECLARED = re.compile(r"\b(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*:\s*(?:Partial\s*<\s*)?(?:Array\s*<\s*)?"
                       r"((?:Prisma\s*\.\s*)?[A-Za-z_$][\w$]*)\s*(?:<[^=;]*>)?\s*>?\s*(?:\[\s*\])?\s*>?\s*=\s*([\[{])")
# Client operations that resolve to rows of the model (not counts, aggregates or batch results).
ROW_OPERATIONS = ("findFirstOrThrow", "findFirst", "findUniqueOrThrow", "findUnique", "findMany", "createManyAndReturn",
                  "updateManyAndReturn", "create", "update", "upsert", "delete")
_KEY = re.compile(r"\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)\s*([:,}?(])")
_PRISMA_TYPE = re.compile(r"\bPrisma\s*\.\s*([A-Za-z_$][\w$]*)")
_INPUT_SUFFIX = re.compile(_INPUT)


def _type_models(text: str, orm: OrmMap) -> dict[str, OrmModel]:
    """Type names of this file that are a Prisma model's row or input type -> the model."""
    models = {m.name: m for m in orm.models if m.orm == "prisma" and m.table}
    found: dict[str, OrmModel] = {}
    for imported, local, spec in imported_bindings(text):
        if "prisma" in spec.lower() and imported in models:
            found[local] = models[imported]  # `InfraConfig as dbInfraConfig`: the alias
    if "Prisma" in text:  # one pass over `Prisma.X`, not one regex a model (formbricks: 3 s of a 6 s warm scan)
        for m in _PRISMA_TYPE.finditer(text):
            model = next((model for name, model in models.items() if m.group(1).startswith(name)
                          and _INPUT_SUFFIX.fullmatch(m.group(1), len(name))), None)
            if model is not None:
                found["Prisma." + m.group(1)] = model
    return found


def _top_keys(text: str, start: int) -> list[tuple[int, str]]:
    """(offset, key) of the keys at the top level of the object literal (or of each object of the
    array literal) opening at `start`, skipping strings and comments."""
    return _walk(text, start)[0]


def _walk(text: str, start: int) -> tuple[list[tuple[int, str]], int]:
    """_top_keys, and the offset where the literal closes."""
    target = 1 if text[start] == "{" else 2
    keys, depth, i, expect_key = [], 0, start, False
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            i = end + 1
            continue
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i == -1 else i
            continue
        if char in "{[(":
            depth += 1
            expect_key = char == "{" and depth == target
        elif char in "}])":
            depth -= 1
            if depth == 0:
                break
        elif char == "," and depth == target:
            expect_key = True
        elif expect_key and not char.isspace():
            match = _KEY.match(text, i)
            if match and match.group(2) in ":,}":
                keys.append((match.start(1), match.group(1)))
            expect_key = False
            continue
        i += 1
    return keys, i


def typed_literal_keys(text: str, orm: OrmMap, types: dict[str, OrmModel] | None = None) -> dict[tuple[int, str, int], OrmModel]:
    """(line, key, which whole-word occurrence of the name on its line) of the top-level keys of
    object literals declared with a Prisma model's type, or resolved by a mocked client operation
    returning its rows -> the model. `types`: the row types to read instead (type name -> model:
    impact.orm.drizzle_rows' aliases), without Prisma's mocks."""
    prisma = types is None
    if ":" not in text or (prisma and "prisma" not in text.lower()):
        return {}
    types = _type_models(text, orm) if prisma else types
    literals = [(types.get(re.sub(r"\s+", "", m.group(1))), m.start(2)) for m in _DECLARED.finditer(text)] if types else []
    if prisma and "mock" in text:
        literals += [(_mocked_model(orm, m.group(1)), m.start(2)) for m in _MOCKED.finditer(text)]
    out = {}
    for model, start in literals:
        if model is None:
            continue
        for offset, key in _top_keys(text, start):
            line_start = text.rfind("\n", 0, offset) + 1
            nth = len(re.findall(rf"(?<![\w$]){re.escape(key)}(?![\w$])", text[line_start:offset]))
            out[(text.count("\n", 0, offset) + 1, key, nth)] = model
    return out


# A test's mock of a client operation resolving to rows: `prisma.infraConfig.update.mockResolvedValueOnce({...})`,
# `vi.mocked(prisma.contact.findMany).mockResolvedValue([...])` (jest, vitest, jest-mock-extended).
_MOCKED = re.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*\.\s*(?:" + "|".join(ROW_OPERATIONS) + r")\s*\)?\s*\.\s*"
                     r"mock(?:Resolved|Return)Value(?:Once)?\s*\(\s*([\[{])")


def _mocked_model(orm: OrmMap, accessor: str) -> OrmModel | None:
    models = orm.by_accessor("prisma", accessor)
    return models[0] if models and len({(m.table or "").lower() for m in models}) == 1 and models[0].table else None


# `const where: Prisma.WebsiteWhereInput = {...}`: an argument of the client built apart from its call.
_INPUT_DECLARED = re.compile(r"\b(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*:\s*Prisma\s*\.\s*\w+(?:Input|Args|Include|Select)\s*=\s*([\[{])")


def input_literal_spans(text: str) -> list[tuple[int, int]]:
    """(first, last) lines of the literals declared with a Prisma input type (or satisfying one): its keys at any depth
    are checked against the client's types, as a call's argument is (impact.orm.model_types reads
    a dropped model's relation fields there)."""
    if "Prisma" not in text:
        return []
    spans = []
    for match in _INPUT_DECLARED.finditer(text):
        end = _walk(text, match.start(1))[1]
        spans.append((text.count("\n", 0, match.start()) + 1, text.count("\n", 0, end) + 1))
    from impact.orm.prisma_checked_keys import satisfied_spans  # `{ ... } satisfies Prisma.RecipientSelect` too

    return sorted(spans + satisfied_spans(text))


def attribute_typed_literals(references: list[ColumnReference], texts: dict[str, str], orm: OrmMap) -> list[ColumnReference]:
    """Names of no told table that are keys of a literal typed by a Prisma model mapping them: that model's."""
    files = {r.file for r in references if r.via not in PLACED and r.table is None and r.file.endswith(TS_SUFFIXES)}
    keys = {rel: typed_literal_keys(texts[rel], orm) for rel in files if rel in texts}
    variables = {rel: typed_variables(texts[rel], orm) for rel in files if rel in texts}
    lines = {rel: texts[rel].splitlines() for rel, found in variables.items() if found}
    out, seen = [], {}
    for ref in references:  # a line's references of a name come in the order they occur on it
        name = ref.spelling or ref.column
        nth = seen[ref.file, ref.line, name] = seen.get((ref.file, ref.line, name), -1) + 1
        model = keys.get(ref.file, {}).get((ref.line, name, nth)) if ref.via not in PLACED and ref.table is None else None
        if model is None and ref.file in lines and ref.via not in PLACED and ref.table is None:
            holder = row_holder(variables[ref.file], ref.line, lines[ref.file][ref.line - 1], name)
            model = holder.model if holder else None
        column = model.column_for(ref.spelling or ref.column) if model else None
        if model and column and column.lower() == ref.column.lower():
            ref = replace(ref, table=model.table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


# `document: Document`, `rows: DocumentRow[]` (a parameter, a member or a declaration): the name holds the model's rows.
_ANNOTATED = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\??\s*:\s*(?:Readonly\s*<\s*)?((?:Prisma\s*\.\s*)?[A-Za-z_$][\w$]*)(?=\s*(?:[,;)=|&]|$|\[\s*\]))")


def typed_variables(text: str, orm: OrmMap, types: dict[str, OrmModel] | None = None) -> list[RowVariable]:
    """Names annotated with a Prisma model's row type (or one of `types`, as typed_literal_keys),
    each a RowVariable (impact.orm.prisma_rows): on a line opening a block (`function f(document:
    Document) {`), to the end of that block; otherwise to the end of the block holding the line."""
    if ":" not in text or (types is None and "prisma" not in text.lower()):
        return []
    if types is None:
        types = {name: model for name, model in _type_models(text, orm).items() if not name.startswith("Prisma.") or name.endswith("GetPayload")}
    if not types:
        return []
    lines = text.splitlines()
    depths = None
    out = []
    for number, line in enumerate(lines, 1):
        if ":" not in line:
            continue
        for match in _ANNOTATED.finditer(line):
            model = types.get(re.sub(r"\s+", "", match.group(2)))
            if model is None or line[:match.start()].rstrip().endswith("?"):  # `c ? a : Document` is no annotation
                continue
            depths = depths or brace_depths(lines)
            single = not re.match(r"\s*\[", line[match.end():])
            out.append(RowVariable(match.group(1), model, number, _scope_end(depths, number), single))
    for name, model, number, single in prop_rows(text, types):  # `({ document }: Props)`, Props' `document: Document`
        depths = depths or brace_depths(lines)
        out.append(RowVariable(name, model, number, _body_end(depths, number), single))
    return out


def _body_end(depths: list[tuple[int, int]], first: int) -> int:
    """The last line of the block the line `first` leaves open (a function's body opened after its
    parameters: `}: Props) => {`), else of the block holding it."""
    opened = depths[first][0] if first < len(depths) else depths[first - 1][0]
    if opened <= depths[first - 1][1]:
        return block_end(depths, first)
    return next((number for number in range(first + 1, len(depths) + 1) if depths[number - 1][1] < opened), len(depths))


def _scope_end(depths: list[tuple[int, int]], first: int) -> int:
    opened = depths[first][0] if first < len(depths) else depths[first - 1][0]
    if opened <= depths[first - 1][0]:
        return block_end(depths, first)
    return next((number for number in range(first + 1, len(depths) + 1) if depths[number - 1][1] < opened), len(depths))
