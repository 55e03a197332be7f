"""A row of a Drizzle select with a field map: its keys are the columns the map names.

`const [invitation] = await db.select({ credentialSetId: credentialSetInvitation.credentialSetId, name:
credentialSet.name }).from(credentialSetInvitation).innerJoin(credentialSet, ...)` returns rows keyed
by the map: `invitation.credentialSetId` reads the `credential_set_id` column of the table whose
variable the entry names (`credentialSetInvitation`), whatever else the select joins. A key is that
table's column when the table maps the entry's field to it (via "typed-receiver", context "property":
evidence for that table only); `{ id: users.id }` says nothing of a `users.status` read as `row.status`.
A plain copy of the row (`const invitation = invitationData`) holds the same row.

impact.orm.drizzle_rows reads the rows of a bare `select()` (every column of one table); a select with a
field map or a join is left to this module.

Measured on the bench: sim's credential-set routes (`const invitation = invitationData`, then
`invitation.credentialSetId` eight times, all changed with the migration that dropped the tables).

Decisions: as in impact.orm.drizzle_rows, only one row is followed (`const [row] = await ...` or a
select ending in `.then((rows) => rows[0])`), from its declaration to the end of its block; only
entries `key: table.field` of the map's top level (a computed value, `sql<...>` or a nested object says
nothing of a table); a copy is followed from the line it is declared on, in the original's block.
Known limit: a row read in a loop over the rows (`for (const row of rows)`) is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.drizzle_rows import VIA, _tables
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_rows import RowVariable, held_until, row_holder

_NAME = r"[A-Za-z_$][\w$]*"
# `const [row] = await db.select({` / `const row = await tx.select({` (any client chain).
_DECLARED = re.compile(rf"\b(?:const|let|var)\s+(?:\[\s*({_NAME})\s*\]|({_NAME}))\s*(?::[^=;]+)?=\s*await\s+"
                       rf"(?:{_NAME}\s*\.\s*)+?select(?:Distinct)?\s*\(\s*\{{")
# `key: table.field` at the map's top level (`key: schema.table.field` too).
_ENTRY = re.compile(rf"^\s*({_NAME})\s*:\s*(?:{_NAME}\s*\.\s*)?({_NAME})\s*\.\s*({_NAME})\s*$")
_FIRST = re.compile(rf"\.\s*then\s*\(\s*\(?\s*({_NAME})[^()]*\)?\s*=>\s*\1\s*\[\s*0\s*\]\s*\)")
_REST = 1500  # characters after the map read for the chain's end (`.then(...)`)


def attribute_field_map_rows(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap) -> list[ColumnReference]:
    files = {r.file for r in references if _candidate(r) and "select" in texts.get(r.file, "")}
    tables = _tables(orm) if files else {}
    rows = {rel: _rows(texts[rel], tables) for rel in files} if tables else {}
    if not any(rows.values()):
        return references
    lines = {rel: texts[rel].splitlines() for rel, found in rows.items() if found}
    out = []
    for ref in references:
        if ref.file in lines and _candidate(ref):
            name = ref.spelling or ref.column
            line = lines[ref.file][ref.line - 1]
            for variable, fields in rows[ref.file]:
                model_field = fields.get(name) if row_holder([variable], ref.line, line, name) else None
                if model_field and (model_field[0].column_for(model_field[1]) or "").lower() == ref.column.lower():
                    ref = replace(ref, table=model_field[0].table, via=VIA, inferred=False, context="property")
                    break
        out.append(ref)
    return out


def _candidate(ref: ColumnReference) -> bool:
    return ref.file.endswith(_TS) and ref.via in ("name-only", "file-queries") and ref.context not in ("sql", "text", "call")


def _rows(text: str, tables: dict[str, OrmModel]) -> list[tuple[RowVariable, dict[str, tuple[OrmModel, str]]]]:
    """Each name holding one row of a select with a field map, with the map's keys -> (table's model, field)."""
    found: list[tuple[str, int, dict[str, tuple[OrmModel, str]]]] = []
    for match in _DECLARED.finditer(text):
        close = _closing(text, match.end() - 1)
        fields = _fields(text[match.end():close], tables)
        if not fields or not (match.group(1) or _FIRST.search(text, close, close + _REST)):
            continue
        if match.group(2) and _FIRST.search(text, close, close + _REST).start() > _statement_end(text, close):
            continue  # the `.then(rows => rows[0])` of a later statement
        first = text.count("\n", 0, match.start()) + 1
        found.append((match.group(1) or match.group(2), first, fields))
    found += _copies(text, found)
    lasts = held_until(text, [(name, first) for name, first, _ in found])
    return [(RowVariable(name, None, first, last, True), fields) for (name, first, fields), last in zip(found, lasts)]  # type: ignore[arg-type]


def _copies(text: str, found: list[tuple[str, int, dict]]) -> list[tuple[str, int, dict]]:
    """`const invitation = invitationData`: a copy of a row variable, from the line it is declared on."""
    out = []
    for name, first, fields in found:
        for match in re.finditer(rf"\b(?:const|let|var)\s+({_NAME})\s*=\s*{re.escape(name)}\s*;?\s*$", text, re.MULTILINE):
            line = text.count("\n", 0, match.start()) + 1
            if line > first:
                out.append((match.group(1), line, fields))
    return out


def _fields(body: str, tables: dict[str, OrmModel]) -> dict[str, tuple[OrmModel, str]]:
    """The top-level `key: table.field` entries of a field map whose table variable is one table's."""
    out = {}
    for entry in _top_level(body):
        match = _ENTRY.match(re.sub(r"//[^\n]*", "", entry))
        if match and match.group(2) in tables and tables[match.group(2)].column_for(match.group(3)):
            out[match.group(1)] = (tables[match.group(2)], match.group(3))
    return out


def _top_level(body: str) -> list[str]:
    """The comma-separated entries of an object's body at its own depth."""
    entries, depth, start = [], 0, 0
    for i, char in enumerate(body):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            entries.append(body[start:i])
            start = i + 1
    entries.append(body[start:])
    return entries


def _closing(text: str, open_at: int) -> int:
    """The offset of the `}` closing the `{` at `open_at` (the text's end when unclosed)."""
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)


def _statement_end(text: str, start: int) -> int:
    """Where the statement continuing at `start` ends: its `;` or the first blank line."""
    ends = [e for e in (text.find(";", start), text.find("\n\n", start)) if e >= 0]
    return min(ends) if ends else len(text)
