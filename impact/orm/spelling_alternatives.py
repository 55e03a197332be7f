"""Which column a name several affected models map to different columns is, once its table is told.

kaneo drops `task.assignee_email`, `activity.user_email` and `time_entry.user_email` at once; each
Drizzle table calls its column `userEmail`. A reference by that name was made for the first column
alone (`assignee_email`), so `fields: [timeEntryTable.userEmail]` matched no column of time_entry's
(left name-only) and a query on activity was credited with `activity.assignee_email`, a column
activity does not have. impact.extract.references now makes one copy of such a reference per
column (impact.orm.mapping.SpelledColumns.alternatives) and every pass places the copies as it
places any reference; here, after all passes, each occurrence keeps:
- the copies whose table maps the name to their column (the model of `timeEntryTable` maps
  `userEmail` to `user_email`): placed and right;
- else the first column's copies, placed or not: the references as they were made before (a
  raw-SQL query on a table no model maps the name on; a name no pass placed, counted once).
"""
from __future__ import annotations

from collections.abc import Mapping

from impact.model import ColumnReference
from impact.orm.mapping import OrmMap


def settle_alternatives(found: list[ColumnReference], orm: OrmMap, spellings: Mapping[str, tuple[str, str | None]]) -> list[ColumnReference]:
    alternatives = getattr(spellings, "alternatives", {})
    if not alternatives or not any(r.spelling in alternatives for r in found):
        return found
    groups: dict[tuple[str, int, str], list[ColumnReference]] = {}
    for ref in found:
        if ref.spelling in alternatives:
            groups.setdefault((ref.file, ref.line, ref.spelling), []).append(ref)
    kept = {id(ref) for group in groups.values() for ref in _kept(group, orm, spellings[group[0].spelling][0])}
    return [ref for ref in found if ref.spelling not in alternatives or id(ref) in kept]


def _kept(group: list[ColumnReference], orm: OrmMap, first: str) -> list[ColumnReference]:
    right = [r for r in group if r.table and _maps(orm, r.table, r.spelling, r.column)]
    if right:
        return right
    return [r for r in group if r.column == first]  # the reference as it was made before copies


def _maps(orm: OrmMap, table: str, name: str, column: str) -> bool:
    return any((m.column_for(name) or "").lower() == column.lower() for m in orm.on_table(table))
