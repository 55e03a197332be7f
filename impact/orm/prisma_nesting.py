"""Keys nested under a relation field in a Prisma call belong to the related model.

`prisma.team.findMany({ where: { projectTeams: { some: { projectId } } } })` runs on team, but
`projectId` is a key of the `projectTeams` relation's model (ProjectTeam): it filters, selects or
writes that model's column, and breaks with it (formbricks renames `ProjectTeam.projectId`).
The extractor credits every name inside a call to the called model (`via = "orm-call"`, not
evidence: the query's own columns are); here the path of object keys from the call's opening
parenthesis down to the name is walked through the called model's relation fields (`where`,
`select`, `include`, `some`, `data`, ... are no fields and pass through), and a name the related
model maps to the changed column becomes a key of that model's table (`context = "property"`:
evidence for it, like any key told its table).

Decisions: the path is read from the source between the call and the name's first occurrence on
its line: braces and brackets outside strings and comments, each opened after a `key:` (a
template literal's `${...}` is skipped with the literal). A name whose path reaches no other model
keeps the called model's attribution.

Known limit (xfail in tests/test_prisma_nesting.py): an options object built before the call
(`const where = { projectTeams: { ... } }; prisma.team.findMany({ where })`) is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from impact.model import ColumnReference, Query
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap, OrmModel
from impact.positions import line_starts

_KEY = re.compile(r"([A-Za-z_$][\w$]*)\s*\??\s*:\s*$")


def attribute_nested(references: list[ColumnReference], files: Iterable[tuple[str, str, list[Query]]], orm: OrmMap) -> list[ColumnReference]:
    """References inside a Prisma call, under a relation field: the related model's (see the module doc)."""
    wanted = {r.file for r in references if r.via == "orm-call" and r.context == "sql" and r.file.endswith(_TS)}
    if not wanted or not any(m.orm == "prisma" for m in orm.models):
        return references
    calls = {rel: (text, line_starts(text), [q for q in queries if q.orm == "prisma" and q.table])
             for rel, text, queries in files if rel in wanted}  # (text, each line's offset, its Prisma calls)
    by_name: dict[str, OrmModel] = {}
    for model in orm.models:
        if model.orm == "prisma":
            by_name.setdefault(model.name, model)
    out = []
    for ref in references:
        if ref.via == "orm-call" and ref.context == "sql" and ref.file in calls:
            ref = _nested(ref, *calls[ref.file], orm, by_name)
        out.append(ref)
    return out


def _nested(ref: ColumnReference, text: str, starts: list[int], queries: list[Query], orm: OrmMap,
            by_name: dict[str, OrmModel]) -> ColumnReference:
    query = next((q for q in queries if q.line <= ref.line <= q.end_line and (q.table or "").lower() == (ref.table or "").lower()), None)
    if query is None or ref.line > len(starts):
        return ref
    name = ref.spelling or ref.column
    line_end = starts[ref.line] if ref.line < len(starts) else len(text)
    at = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])").search(text, starts[ref.line - 1], line_end)
    owners = key_owner(text, starts, query, at.start(), orm, by_name) if at else None
    if owners is None:
        return ref
    model, related = owners
    column = related.column_for(name) if related is not model else None
    if column and column.lower() == ref.column.lower() and related.table:
        return replace(ref, table=related.table, context="property")
    return ref


def key_owner(text: str, starts: list[int], query: Query, at: int, orm: OrmMap,
              by_name: dict[str, OrmModel]) -> tuple[OrmModel, OrmModel] | None:
    """(the called model, the model whose keys are written at offset `at`) in the Prisma call
    `query`: the relation fields on the path of keys down to `at` lead from the one to the other.
    None when the call is not found before `at`."""
    if not query.model or not query.method or not query.table:
        return None
    accessor, method = query.model, query.method  # prisma.<accessor>.<method>(...)
    model = next((m for m in orm.by_accessor("prisma", accessor) if (m.table or "").lower() == query.table.lower()), None)
    if model is None or query.line > len(starts):
        return None
    call = re.compile(rf"\.\s*{re.escape(accessor)}\s*\.\s*{re.escape(method)}\s*\(").search(
        text, starts[query.line - 1], at)
    if call is None:
        return None
    related = model
    for key in _path(text, call.end(), at):
        field = next((f for f in related.fields if f.name == key), None) if key else None
        if field and field.relation and field.relation in by_name:
            related = by_name[field.relation]
    return model, related


def _path(text: str, start: int, end: int) -> list[str | None]:
    """The keys of the objects and arrays open at `end`, outermost first, from `start` (just inside
    the call's parenthesis)."""
    stack: list[str | None] = []
    code: list[str] = []  # the code read so far on this level (strings blanked), for the key before a brace
    i = start
    while i < end:
        char = text[i]
        if char in "'\"`":
            close = string_end(text, i, end)
            code.append('""')
            i = close + 1
            continue
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = end if i == -1 else i
            continue
        if text.startswith("/*", i):
            i = text.find("*/", i)
            i = end if i == -1 else i + 2
            continue
        if char in "{[":
            key = _KEY.search("".join(code[-40:]))
            stack.append(key.group(1) if key else None)
            code = []
        elif char in "}]":
            if stack:
                stack.pop()
            code = []
        else:
            code.append(char)
        i += 1
    return stack


def string_end(text: str, start: int, limit: int) -> int:
    quote, i = text[start], start + 1
    while i < limit:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote or (quote != "`" and text[i] == "\n"):
            return i
        i += 1
    return limit
