"""An object written to a Drizzle table through a variable: its keys are the table's columns.

`db.insert(t).values({ ... })` and `db.update(t).set({ ... })` are queries whose keys the extractor
reads (impact.extract.typescript.orm.drizzle). When the object is built first and passed by name,

    const memberData = { id: generateId(), permissionGroupId: id, workspaceId, userId }
    await tx.insert(permissionGroupMember).values(memberData)

(or `const rows = users.map((u) => ({ ..., workspaceId }))`, then `.values(rows)`), each key of that
object is a column Drizzle writes: a key the table maps is that table's column (via "orm-call",
context "property": evidence for that table only).

Measured on the bench: sim's permission-group routes (`memberData`, `newMembers`), both keys
changed with the migration that dropped `permission_group_member.workspace_id`.

Decisions: the variable is the one declared last before the call, in a block that still holds it at
the call; only an object literal (`= {`) or one returned by a `.map` callback (`= xs.map((x) => ({`)
is read, and only its top-level keys written at the start of a line (`key: value`, shorthand `key,`).
Known limits: an object assembled in steps (`data.workspaceId = id`), spread from another object, or
passed through a function's parameter is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.drizzle_rows import _tables
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_rows import brace_depths, held_until

VIA = "orm-call"
_NAME = r"[A-Za-z_$][\w$]*"
# `.insert(t).values(name)` / `.update(t).set(name)` (`schema.t` too).
_WRITE = re.compile(rf"\.\s*(?:insert\s*\(\s*(?:{_NAME}\s*\.\s*)?({_NAME})\s*\)\s*\.\s*values"
                    rf"|update\s*\(\s*(?:{_NAME}\s*\.\s*)?({_NAME})\s*\)\s*\.\s*set)\s*\(\s*({_NAME})\s*\)")
# After `const name =`: an object literal, or one a `.map` callback returns.
_OBJECT = re.compile(rf"\s*(?:\{{|[^;\n{{}}=]*?\.\s*map\s*\(\s*\(?[\w$\s,:]*\)?\s*=>\s*\(\s*\{{)")
_KEY = re.compile(rf"^\s*({_NAME})\s*(?::|,|$)")


def attribute_written_objects(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap) -> list[ColumnReference]:
    files = {r.file for r in references if _candidate(r) and (".values" in texts.get(r.file, "") or ".set" in texts.get(r.file, ""))}
    tables = _tables(orm) if files else {}
    keys = {rel: _written_keys(texts[rel], tables) for rel in files} if tables else {}
    if not any(keys.values()):
        return references
    out = []
    for ref in references:
        model = keys.get(ref.file, {}).get((ref.line, ref.spelling or ref.column)) if _candidate(ref) else None
        if model is not None and (model.column_for(ref.spelling or ref.column) or "").lower() == ref.column.lower():
            ref = replace(ref, table=model.table, via=VIA, inferred=False, context="property")
        out.append(ref)
    return out


def _candidate(ref: ColumnReference) -> bool:
    return ref.file.endswith(_TS) and ref.via in ("name-only", "file-queries") and ref.context not in ("sql", "text", "call", "string")


def _written_keys(text: str, tables: dict[str, OrmModel]) -> dict[tuple[int, str], OrmModel]:
    """(line, key) -> the table's model, for each top-level key of an object a Drizzle write is given by name."""
    out: dict[tuple[int, str], OrmModel] = {}
    lines = None
    for write in _WRITE.finditer(text):
        model = tables.get(write.group(1) or write.group(2))
        if model is None:
            continue
        name = write.group(3)
        declared = None
        for declared in re.finditer(rf"\b(?:const|let|var)\s+{re.escape(name)}\s*(?::[^=;]+)?=", text[:write.start()]):
            pass
        if declared is None or not (obj := _OBJECT.match(text, declared.end())):
            continue
        first = text.count("\n", 0, declared.start()) + 1
        if held_until(text, [(name, first)])[0] < text.count("\n", 0, write.start()) + 1:
            continue  # declared in a block the call is not in
        lines = lines if lines is not None else text.splitlines()
        depths = brace_depths(lines)
        open_line = text.count("\n", 0, obj.end() - 1)  # 0-based line of the object's `{`
        base = depths[open_line][0] + text[text.rfind("\n", 0, obj.end() - 1) + 1:obj.end()].count("{")
        for number in range(open_line + 1, len(lines)):
            if depths[number][0] < base:
                break
            key = _KEY.match(lines[number])
            if key and depths[number][0] == base:
                out[(number + 1, key.group(1))] = model
    return out
