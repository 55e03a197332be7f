"""A bare name a Drizzle file's filters compare with another column holds that column's value.

A name the file's queries use on one table is credited to it (`file-queries`, impact.extract.references):
in a route whose only query on `permission_group_member` filters `eq(permissionGroupMember.workspaceId,
workspaceId)`, every `workspaceId` is taken for that column. But where the same file's filters also give
the name as the value of another column (`eq(workspace.id, workspaceId)`, `eq(permissions.entityId,
workspaceId)`), the variable is an id of something else (a workspace's), read from a route parameter and
passed around: dropping one table's `workspace_id` leaves it alone. Such a bare identifier (not a
property, key or string) in a file importing drizzle-orm is no evidence (`name-only`).

Measured on the bench (sim's `DROP COLUMN permission_group_member.workspace_id`): 28 lines left the
evidence, none of them changed by the authors (sim's precision 91 % -> 94 %, recall unchanged);
dokploy, homarr and ai-chatbot are unchanged.

Decision: only Drizzle's comparison operators with the column first (`eq(t.c, name)`) are read.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files

# Drizzle's comparison operators (drizzle-orm): `eq(table.column, value)`; the column's field and the value's name.
_COMPARED = re.compile(r"(?<![\w$.])(?:eq|ne|gt|gte|lt|lte|inArray|notInArray)\s*\(\s*(?:[A-Za-z_$][\w$]*\s*\.\s*)+"
                       r"([A-Za-z_$][\w$]*)\s*,\s*([A-Za-z_$][\w$]*)\s*\)")


def settle_compared_values(references: list[ColumnReference], texts: dict[str, str]) -> list[ColumnReference]:
    files = {r.file for r in references if _candidate(r)}
    values = {rel: _other_columns_values(texts[rel]) for rel in files if rel in texts and "drizzle-orm" in texts[rel]}
    if not any(values.values()):
        return references
    return [replace(ref, table=None, via="name-only", inferred=False)
            if _candidate(ref) and (ref.spelling or ref.column) in values.get(ref.file, ()) else ref for ref in references]


def _candidate(ref: ColumnReference) -> bool:
    return ref.via == "file-queries" and ref.context == "identifier" and ref.file.endswith(_TS)


def _other_columns_values(text: str) -> set[str]:
    """The names compared with a column of another name (`eq(workspace.id, workspaceId)`)."""
    return {value for field, value in _COMPARED.findall(text) if field != value}
