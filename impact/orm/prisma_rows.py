"""Variables holding rows a Prisma call returned: `const document = await prisma.document.findFirst(...)`.

Two uses, both of the rows' model M:
- a changed column named through such a variable (`recipient.documentId`, `recipient?.documentId`,
  `const { documentId } = recipient`) is M's: via "typed-receiver", evidence for M's table only (a
  `documentId` read from a row of another model is not about this table);
- with M's table dropped or renamed, every line reading a field of the variable (`document.title`,
  `document?.[key]`, `const { status } = document`) reads rows of that table: via "model-row", evidence
  of the dropped-table and renamed-table rules next to the lines naming the model
  (impact.orm.model_types). Measured on documenso's `DROP TABLE "Document"` (bench/accuracy): of the
  424 lines any use added to the evidence, the authors changed 357 with the migration (84 %; property
  reads and destructuring only: 301 of 357). The variable standing alone (`if (!document)`,
  `send(document)`, `return project;`, `project={project}`) is not a read: the adjudicated samples
  label it `not-db` (a local, an argument, a prop), and it is left out.
- a row of another model reading its relation field to M (`environmentData.project.styling`, where
  `environmentData` holds a row of prisma.environment.findUnique and Environment's `project` is a
  Project) reads M's row too: via "model-row", `spelling` the `row.relation` read. Measured: 62
  lines added on formbricks' `Project` rename and documenso's envelopes, all changed by the authors.
  So does destructuring it (`const { document } = field`, `field` a row of prisma.field.findFirst):
  the name then holds an M row itself (documenso's sign-field-with-token).

Decisions: only `await <client>.<accessor>.<method>(` assigned to a plain `const`/`let`/`var` name
types a variable (a Promise, a destructured result, a `.then` chain are left out); single-row methods
type it for column names, `findMany` too for the table's rows. The variable is that row from its
declaration to the end of the block declaring it (braces counted outside strings and comments); a
later declaration of the same name ends it. For a column, only a property read (`v.field`, `v?.field`)
or a destructuring (`const { field } = v`) tells it; for the table, any use of the variable outside
strings and comments (a template literal's `${...}` is code).

Rows returned through the project's own functions (`const document = await getDocumentById(...)`
where that function returns `prisma.document.findFirst(...)`) are not followed, by measure: on
documenso's `DROP TABLE "Document"` they added 74 truth lines for 85 false positives (47 %; reads
only: 46 for 16, 74 %): a shared function's result is an interface its authors keep when the table
goes (they changed the function, not its callers), unlike a query written where its rows are read.
A helper declared in the same file is followed (impact.orm.prisma_local_rows: 28 lines for 4 on
documenso). With the table dropped, a name annotated with the model's row type (`(row: Document)`,
a destructured prop whose type declares it so: impact.orm.prisma_typed_literals.typed_variables)
holds its rows too; a name that is a word of JSX text (`<Trans>Delete document</Trans>`) is no use.

Known limits (xfail in tests/test_prisma_rows.py): rows reached through a loop or callback over a
`findMany` result (`for (const r of rows)`, `rows.map((r) => r.documentId)`) and rows passed to
another function are not followed.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from impact.extract.handed_on_modules import client_module
from impact.extract.references import COMMENT_LINE
from impact.model import ColumnReference, Query
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_local_rows import awaited_calls, local_row_functions
from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES  # TypeScript and JavaScript files

VIA = "model-row"
SINGLE = ("findFirst", "findFirstOrThrow", "findUnique", "findUniqueOrThrow", "create", "update", "upsert", "delete")
# References whose table a query or a declaration already tells: a row variable never overrides them.
PLACED = frozenset({"sql", "orm-call", "model-declaration", "generated-type", "model-type", "typed-receiver"})
_DECLARATION = re.compile(
    r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]+)?=\s*await\s+(?:[A-Za-z_$][\w$]*\s*\.\s*)+?"
    r"([A-Za-z_$][\w$]*)\s*\.\s*(findFirst|findFirstOrThrow|findUnique|findUniqueOrThrow|findMany|create|update|upsert|delete)\s*\(")
_STRING = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|`(?:\\.|[^`\\])*`|//.*|/\*.*?(?:\*/|$)")
# A line that could read a field through a variable: `x.field`, `x?.field`, `x!.field`, `{ field } = x`.
_MAY_READ = re.compile(r"[\w$\])]\s*[?!]?\.\s*[A-Za-z_$]|\}\s*=\s*[A-Za-z_$]")
_PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")


# A word of a sentence: after a word and a space, before another word, a tag or the sentence's end.
_PROSE_BEFORE = re.compile(r"(?<![\w$.])(?!(?:return|await|typeof|new|of|in|case|void|yield|delete|throw|default|else|instanceof|extends)\s)[A-Za-z]+\s+$")
_PROSE_AFTER = re.compile(r"\s+[A-Za-z]|\s*</|[.,!?:;]?\s*$|[.,!?]\s")


def _prose(code: str, match: re.Match) -> bool:
    """Is the name at `match` a word of JSX text (`<Trans>Delete document</Trans>`), not code?"""
    return (code[match.start()].isalpha() and _PROSE_BEFORE.search(code, 0, match.start()) is not None
            and _PROSE_AFTER.match(code, match.end()) is not None)


def _code(line: str) -> str:
    """The line without its strings and comment, keeping a template literal's `${...}` expressions."""
    return _STRING.sub(lambda m: f' {" ; ".join(_PLACEHOLDER.findall(m.group(0)))} ' if m.group(0).startswith("`") else '""', line)


@dataclass(frozen=True)
class RowVariable:
    name: str
    model: OrmModel
    first: int  # the declaration's line
    last: int  # the last line of the block declaring it
    single: bool  # one row (findFirst, create, ...), not a list (findMany)


def row_variables(text: str, orm: OrmMap) -> list[RowVariable]:
    """The variables of `text` assigned a row (or rows) of a Prisma model, with the lines they hold it."""
    if "await" not in text:
        return []
    one = lambda accessor: len({(x.table or "").lower() for x in orm.by_accessor("prisma", accessor)}) == 1  # noqa: E731
    # (declaration, accessor, one row): a call written in place, or a helper of the file returning one (prisma_local_rows)
    matches = [(m, m.group(2), m.group(3) in SINGLE) for m in _DECLARATION.finditer(text)]
    matches = [found for found in matches + awaited_calls(text, local_row_functions(text)) if one(found[1])]
    if not matches:  # no model (another client's `.find`), or two schemas mapping it to two tables: say nothing
        return []
    firsts = [text.count("\n", 0, match.start()) + 1 for match, _, _ in matches]
    lasts = held_until(text, [(match.group(1), first) for (match, _, _), first in zip(matches, firsts)])
    rows = [RowVariable(match.group(1), orm.by_accessor("prisma", accessor)[0], first, last, single)
            for (match, accessor, single), first, last in zip(matches, firsts, lasts)]
    return rows + _relation_bindings(text, orm, rows)


_BINDING = re.compile(r"\b(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*([A-Za-z_$][\w$]*)\s*[;\n]")


def _relation_bindings(text: str, orm: OrmMap, rows: list[RowVariable]) -> list[RowVariable]:
    """`const { document } = field`, `field` a row whose model's `document` relates to Document: a
    Document row (one row: a list relation's name is not read as a row's fields)."""
    models = {m.name: m for m in orm.models if m.orm == "prisma" and m.table}
    found = []
    for match in _BINDING.finditer(text) if "} =" in text else ():
        line = text.count("\n", 0, match.start()) + 1
        holder = next((v for v in rows if v.single and v.name == match.group(2) and v.first < line <= v.last), None)
        for binding in match.group(1).split(",") if holder else ():
            key, _, local = binding.partition(":")
            key, local = key.strip(), (local.split("=")[0].strip() or key.strip())
            field = next((f for f in holder.model.fields if f.name == key and f.relation in models), None)
            if field and re.fullmatch(r"[A-Za-z_$][\w$]*", local):
                found.append(RowVariable(local, models[field.relation], line, held_until(text, [(local, line)])[0], True))
    return found


_ANY_DECLARATION = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)")


def held_until(text: str, declarations: list[tuple[str, int]]) -> list[int]:
    """The last line each (name, line declaring it) holds its value: the end of the block declaring
    it, or the line before a later declaration of the same name (of anything) in that block."""
    depths = brace_depths(text.splitlines())
    declared: dict[str, list[int]] = {}
    for m in _ANY_DECLARATION.finditer(text):
        declared.setdefault(m.group(1), []).append(text.count("\n", 0, m.start()) + 1)
    out = []
    for name, first in declarations:
        last = block_end(depths, first)
        out.append(min([line - 1 for line in declared.get(name, ()) if first < line <= last] or [last]))
    return out


def brace_depths(lines: list[str]) -> list[tuple[int, int]]:
    """Per line (0-based): the brace depth at its start and the lowest depth reached on it
    (braces counted outside strings and comments)."""
    out, depth = [], 0
    for line in lines:
        start = low = depth
        for char in _STRING.sub("", line):
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                low = min(low, depth)
        out.append((start, low))
    return out


def block_end(depths: list[tuple[int, int]], first: int) -> int:
    """The last line of the block holding line `first` (1-based): where the brace depth drops below its own."""
    own = depths[first - 1][0]
    return next((number for number in range(first, len(depths) + 1) if depths[number - 1][1] < own), len(depths))


def row_holder(variables: list[RowVariable], number: int, line: str, spelling: str) -> RowVariable | None:
    """The row variable through which `line` names `spelling`: `v.name`, `v?.name`, `v!.name`, `{ name } = v`."""
    for var in variables:
        if var.single and var.first <= number <= var.last:
            name, field = re.escape(var.name), re.escape(spelling)
            if re.search(rf"(?<![\w$.]){name}\s*(?:\?|!)?\.\s*{field}(?![\w$])", line) or \
                    re.search(rf"\{{[^{{}}]*(?<![\w$]){field}(?![\w$])[^{{}}]*\}}\s*=\s*{name}(?![\w$])", line):
                return var
    return None


def attribute_held_rows(references: list[ColumnReference], texts: Mapping[str, str], variables: Mapping[str, list[RowVariable]],
                        candidate: Callable[[ColumnReference], bool], via: str) -> list[ColumnReference]:
    """References (`candidate`s) reading a column through a row variable of their file (`variables`):
    the row's model's, when it maps the name to that column (impact.orm.drizzle_returned_rows,
    impact.orm.prisma_returned_rows)."""
    lines = {rel: texts[rel].splitlines() for rel, found in variables.items() if found}
    out = []
    for ref in references:
        if ref.file in lines and candidate(ref):
            name = ref.spelling or ref.column
            holder = row_holder(variables[ref.file], ref.line, lines[ref.file][ref.line - 1], name)
            if holder and holder.model.table and (holder.model.column_for(name) or "").lower() == ref.column.lower():
                ref = replace(ref, table=holder.model.table, via=via, inferred=False, context="property")
        out.append(ref)
    return out


def attribute_rows(references: list[ColumnReference], texts: dict[str, str], orm: OrmMap) -> list[ColumnReference]:
    """References read through a variable holding a row of a Prisma model: that model's (via "typed-receiver")."""
    open_files = {r.file for r in references if r.via not in PLACED and r.file.endswith(TS_SUFFIXES)
                  and _MAY_READ.search(r.snippet) and "await" in texts.get(r.file, "")}
    variables = {rel: row_variables(texts[rel], orm) for rel in open_files if rel in texts}
    if not any(variables.values()):
        return references
    lines = {rel: texts[rel].splitlines() for rel, found in variables.items() if found}
    out = []
    for ref in references:
        holder = None
        if ref.file in lines and ref.via not in PLACED:
            holder = row_holder(variables[ref.file], ref.line, lines[ref.file][ref.line - 1], ref.spelling or ref.column)
        column = holder.model.column_for(ref.spelling or ref.column) if holder else None
        if holder and column and column.lower() == ref.column.lower() and holder.model.table:
            ref = replace(ref, table=holder.model.table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


def row_references(texts: Iterable[tuple[str, str, bool, list[Query]]], orm: OrmMap, tables: Iterable[str],
                   known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines reading a row of the Prisma model of a dropped or renamed table (via "model-row";
    `column` is the model's name, `spelling` the variable's), in (file, text, generated, its resolved
    queries) texts. Lines inside a query on the table, or already naming the model (`known`), are
    evidence as those already."""
    placed = {(r.file, r.line, (r.table or "").lower()) for r in known}
    wanted = {t.lower() for t in tables}
    targets = {m.name: m for m in orm.models if m.orm == "prisma" and m.table and m.table.lower() in wanted}
    if not targets:
        return []
    # Relation fields other models declare to those models: `environment.project` is a Project row.
    relations = {m.name: {f.name: targets[f.relation] for f in m.fields if f.relation in targets}
                 for m in orm.models if m.orm == "prisma" and m.name not in targets}
    from impact.orm.prisma_typed_literals import typed_variables  # `(document: Document) =>`: it imports this module

    found = []
    for rel, text, generated, queries in texts:
        if generated or not rel.endswith(TS_SUFFIXES) or client_module(text):
            continue  # a "use client" module reads props and state, never rows (impact.extract.handed_on)
        variables = [v for v in row_variables(text, orm) + typed_variables(text, orm)
                     if v.model.name in targets or (v.single and relations.get(v.model.name))]
        if not variables:
            continue
        lines = text.splitlines()
        for var in variables:
            name = re.escape(var.name)
            if var.model.name in targets:
                use, model = re.compile(rf"(?<![\w$.]){name}\s*[?!]?(?:\.\s*[A-Za-z_$#]|\[)|\}}\s*=\s*{name}(?![\w$])"), var.model
            else:  # a row of another model: its relation field to the model, read from it
                fields = "|".join(map(re.escape, relations[var.model.name]))
                use, model = re.compile(rf"(?<![\w$.]){name}\s*[?!]?\.\s*({fields})(?![\w$])"
                                        rf"|\{{[^{{}}]*(?<![\w$.])({fields})\b[^{{}}]*\}}\s*=\s*{name}(?![\w$])"), None  # or `{ rel } = v`
            starts = {q.line for q in queries if (q.table or "").lower() in wanted}
            for number in range(var.first + 1, var.last + 1):
                line = lines[number - 1]
                code = _code(line) if not COMMENT_LINE.match(line) and number not in starts else ""
                match = next((m for m in use.finditer(code) if not _prose(code, m)), None)
                target = model or (relations[var.model.name][match.group(1) or match.group(2)] if match else None)
                if match is None or (rel, number, target.table.lower()) in placed:
                    continue
                placed.add((rel, number, target.table.lower()))
                found.append(ColumnReference(rel, number, target.name, target.table, "property", False,
                                             line.strip()[:160], via=VIA, spelling=var.name if model else match.group(0)))
    return found
