"""A dropped column whose values the migration first copied into a column it added to the table.

redash's `98af61feea92`: `add_column("data_sources", Column("encrypted_options", ...))`, then each
row's `.values(encrypted_options=ds.options)`, then `drop_column("data_sources", "options")`. The
data moves; the application keeps its `options` attribute and maps it to the new column
(`options = Column("encrypted_options", ...)`): the one line that must change is the model's
declaration, which IMP109 reports with that fix. Code reading the attribute through the ORM
(`data_source.options`, an ORM query or a factory given `options=`) keeps working once the mapping
follows, so it is no evidence of the drop breaking it: on redash's two such migrations the authors
changed the declaration and none of the 24 other lines. Raw SQL naming the column is still evidence:
it reads the column, not the mapping.

Decisions:
- Moved: the migration adds a column to the table, then updates the table's rows with a statement
  that sets the added column from the dropped one (its text names the added column, then `=` or `:`
  and the dropped one on the same line, before another assignment: `SET b = a`, `.values(b=row.a)`,
  `{'b': t.c.a}`), then drops the column. Into one added column only: copied into two, the column
  is split, and the code reading it changes (oneuptime's `enableAutomaticCodeFixes` into an incident
  and an alert column: the authors changed its 19 other lines); so it does when the column is merged
  with another one the migration drops into the added one (homarr's `url` from `base_url` and `endpoint`).
- Not when a later statement of the migration names the dropped column again (an ADD or RENAME
  into it, even one impact cannot read): the name then holds other data or another type (redash's
  `schedule` moved to `old_schedule` and re-added as JSON, its `add_column` unreadable: the authors
  changed 41 lines reading it), as impact.judge.context.name_given_again says.

A field moved up to a Django multi-table inheritance parent moves too: the migration drops
`child.c` and adds `c` to the table the child's rows extend (the child's `<parent>_ptr_id` is a
foreign key to it). The model then declares the field on the parent and every child row still has
the attribute: bookwyrm moved `fail_reason` from its three import-job tables to `childjob` and
changed the three declarations, none of the 14 lines setting and saving `task.fail_reason`. Its
values are not copied (the drop still loses data: IMP301).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from impact.model import OpKind

if TYPE_CHECKING:
    from impact.judge.context import OpContext


def moved_to(ctx: "OpContext") -> str | None:
    """The column of the same table the dropped column's values were copied into, if any."""
    op = ctx.op
    if op.kind is not OpKind.DROP_COLUMN or not op.column_name or not op.table:
        return None
    same = lambda other: (other.table or "").lower() == op.table.lower() and (other.schema or None) == (op.schema or None)  # noqa: E731
    dropped = op.column_name.lower()
    word = re.compile(rf"(?<![\w$]){re.escape(op.column_name)}(?![\w$])", re.IGNORECASE)
    if any(later.statement.index != op.statement.index and word.search(later.statement.sql or "")
           for later in ctx.operations[ctx.index + 1:]):
        return None  # named again later (re-added, renamed into, even in a statement impact cannot read)
    added: list[str] = []
    targets: set[str] = set()
    for earlier in ctx.operations[:ctx.index]:
        if not same(earlier):
            continue
        if earlier.kind is OpKind.ADD_COLUMN and earlier.column_name and earlier.column_name.lower() != dropped:
            added.append(earlier.column_name)
        elif earlier.kind is OpKind.UPDATE_ROWS:
            targets.update(column.lower() for column in added if _copies(earlier.statement.sql, column, op.column_name))
    # Into one column: a move. Into several: a split; with another dropped column: a merge (homarr's
    # `url` from `base_url` and `endpoint`). The code reading either changes with it.
    if len(targets) != 1:
        return None
    target = next(iter(targets))
    others = [o.column_name for o in ctx.operations if o.kind is OpKind.DROP_COLUMN and same(o) and o.column_name
              and o.column_name.lower() != dropped]
    updates = [o.statement.sql for o in ctx.operations[:ctx.index] if o.kind is OpKind.UPDATE_ROWS and same(o)]
    return None if any(_copies(text, target, other) for other in others for text in updates) else target


def _copies(text: str, target: str, source: str) -> bool:
    """`text` sets `target` from `source`: the target, `=` or `:`, then the source on the same line
    before any other assignment or a WHERE (`SET b = NULL WHERE a IS NULL` copies nothing)."""
    pattern = (rf"(?<![\w$]){re.escape(target)}(?![\w$])['\"]?\s*(?<![=!<>])[=:](?!=)(?:(?!\bwhere\b)[^;\n=])*?"
               rf"(?<![\w$]){re.escape(source)}(?![\w$])")
    return re.search(pattern, text, re.IGNORECASE) is not None


def moved_to_parent(ctx: "OpContext") -> str | None:
    """The multi-table inheritance parent the dropped column is added to by the migration, if any."""
    op = ctx.op
    if op.kind is not OpKind.DROP_COLUMN or not op.column_name or not op.table:
        return None
    info = ctx.base.get(op.table, op.schema)
    if info is None:
        return None
    parents = {_bare(c.references) for c in info.constraints.values() if c.type == "foreign_key"
               and c.references and len(c.columns) == 1 and c.columns[0].lower().endswith("_ptr_id")}
    # Its foreign key, or the parent link's name: `childjob_ptr_id` extends `<app>_childjob`.
    links = {column.lower()[: -len("_ptr_id")] for column in info.columns if column.lower().endswith("_ptr_id")}
    parent = lambda table: _bare(table) in parents or any(_bare(table) == link or _bare(table).endswith("_" + link) for link in links)  # noqa: E731
    return next((o.table for o in ctx.operations if o.kind is OpKind.ADD_COLUMN and o.table and parent(o.table)
                 and (o.column_name or "").lower() == op.column_name.lower()), None)


def _bare(name: str) -> str:
    return name.split(".")[-1].strip('"').lower()
