"""The rollback plan: generated SQL undoing each operation, last first; irreversible steps named.

A dropped column is re-created as the earlier migrations left it: type, DEFAULT, NOT NULL,
REFERENCES, and the single-column UNIQUE, CHECK and FOREIGN KEY constraints the catalog knows:
added by ALTER TABLE or written in CREATE TABLE (inline or table-level), under the name
PostgreSQL gave them. A NOT NULL column without a default cannot be re-added to a table with
rows, so it comes back nullable and a second step sets NOT NULL once the values are restored.

A dropped index, policy or constraint is re-created from its earlier definition where that can be
trusted (impact/judge/rollback_recreate.py); otherwise the step is a comment naming where it was defined.

Known limit: indexes on a dropped column (CREATE INDEX) are not re-created with it.
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.judge.context import OpContext
from impact.judge.rollback_recreate import defined_at, recreated
from impact.model import OpKind
from impact.op_details import GrantDetails
from impact.sql.identifiers import qualified, quote
from impact.sql.op_specs import loses_data as loses_data_of
from impact.sql.op_specs import spec as op_spec
from impact.sql.recreate import inverse_rename


@dataclass(frozen=True)
class RollbackStep:
    sql: str
    statement: int  # the migration statement it undoes
    irreversible: bool = False
    note: str = ""
    # What running it deletes, for `impact rollback` to count first: (table, column), or (table, None) for all rows.
    drops: tuple[str, str | None] | None = None



def _q(name: str | None) -> str:
    """A name written into the SQL of a step: quoted where PostgreSQL needs it (`"group"`, `"User"`)."""
    return quote(name) if name else "?"


def _table(ctx: OpContext) -> str:
    op = ctx.op
    return qualified(op.table, op.schema) if op.table else "?"


def _shown(ctx: OpContext) -> str:
    """The table as a comment names it, unquoted."""
    op = ctx.op
    return f"{op.schema}.{op.table}" if op.schema and op.schema != "public" else op.table or "?"


def rollback_plan(contexts: list[OpContext]) -> list[RollbackStep]:
    """Undo each operation, last first. Steps that cannot restore data say so."""
    steps = []
    # Dropped columns not re-created yet, as the steps run: a CHECK naming two of them comes back
    # with the last (documenso's `"templateId" IS NULL AND "documentId" IS NOT NULL ...`).
    missing = {(c.op.table, c.op.column_name) for c in contexts if c.op.kind is OpKind.DROP_COLUMN}
    for ctx in reversed(contexts):
        missing.discard((ctx.op.table, ctx.op.column_name))
        step = _undo(ctx, frozenset(col for table, col in missing if table == ctx.op.table))
        if step is not None:
            steps.append(step)
    return steps


def _undo(ctx: OpContext, missing: frozenset[str] = frozenset()) -> RollbackStep | None:
    op, table, st = ctx.op, _table(ctx), ctx.op.statement.index
    column, new_name = _q(op.column_name), _q(op.new_name)
    if op.reverse is not None and op.reverse.reverse_sql is not None:  # a framework migration's own inverse (Django's RunSQL reverse_sql)
        reverse = op.reverse.reverse_sql
        if not reverse:
            return RollbackStep(f"-- statement {st} has no reverse_sql: undo it by hand", st, True, "declared irreversible")
        loses_data = loses_data_of(op.kind)
        return RollbackStep(reverse, st, loses_data, "the migration's own reverse_sql" +
                            (": it re-creates the structure, not the data (restore from a backup)" if loses_data else ""))
    if op.reverse is not None and op.reverse.undone_by is not None:
        return None  # covered by the reverse_sql of the statement named there
    before = ctx.before.get(op.table, op.schema)
    old_column = before.columns.get(op.column_name or "") if before else None
    kind = op.kind
    lost = op_spec(kind).undo == "irreversible"  # impact/sql/op_specs.py
    if kind is OpKind.ADD_COLUMN:
        return RollbackStep(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column};", st, note="values written to the new column are lost",
                            drops=(_shown(ctx), op.column_name))
    if kind is OpKind.CREATE_INDEX and op.name:
        return RollbackStep(f"DROP INDEX IF EXISTS {_index(op)};", st)
    if kind is OpKind.CREATE_TABLE:
        return RollbackStep(f"DROP TABLE IF EXISTS {table};", st, note="rows written to the new table are lost", drops=(_shown(ctx), None))
    if kind is OpKind.COMMENT and op.column_name:
        old = before.comments.get(op.column_name) if before else None
        return RollbackStep(f"COMMENT ON COLUMN {table}.{column} IS {_literal(old)};", st)
    if kind is OpKind.RENAME_COLUMN:
        return RollbackStep(f"ALTER TABLE {table} RENAME COLUMN {new_name} TO {column};", st)
    if kind is OpKind.RENAME_TABLE:
        return RollbackStep(f"ALTER TABLE {qualified(op.new_name, op.schema) if op.new_name else '?'} RENAME TO {_q(op.table)};", st)
    if kind is OpKind.DROP_COLUMN:
        return _recreate(table, op.column_name or "?", old_column, before, st, missing)
    if kind is OpKind.DROP_TABLE:
        return RollbackStep(f"-- re-create {_shown(ctx)} from its definition and restore its rows from a backup", st, lost, "dropped rows cannot be regenerated")
    if ctx.backfills_new_columns:
        return None  # the step dropping those columns undoes it
    if kind in (OpKind.TRUNCATE, OpKind.DELETE_ROWS, OpKind.UPDATE_ROWS, OpKind.INSERT_ROWS):
        return RollbackStep(f"-- restore {_shown(ctx)}'s rows from a backup", st, lost, "data changes cannot be reversed from the migration alone")
    if kind is OpKind.ALTER_COLUMN_TYPE:
        old_type = old_column.data_type if old_column and old_column.data_type else "<previous type>"
        if "".join(old_type.lower().split()) == "".join((op.new_name or "").lower().split()):
            return None  # the type restated (knex's `.bigInteger("c").notNullable().alter()`): nothing to undo, no loss
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {old_type} USING {column}::{old_type};", st, note="lossy if new values do not fit the old type")
    if kind is OpKind.SET_NOT_NULL:
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;", st)
    if kind is OpKind.DROP_NOT_NULL:
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;", st, note="fails if NULLs were written since")
    if kind in (OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT):
        old = old_column.default if old_column else None
        sql = f"ALTER TABLE {table} ALTER COLUMN {column} " + (f"SET DEFAULT {old};" if old else "DROP DEFAULT;")
        return RollbackStep(sql, st)
    if kind is OpKind.ADD_CONSTRAINT and op.name:
        return RollbackStep(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {_q(op.name)};", st)
    if kind is OpKind.ENABLE_RLS:
        return RollbackStep(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;", st)
    if kind is OpKind.DISABLE_RLS:
        return RollbackStep(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;", st)
    if kind is OpKind.CREATE_POLICY and op.name:
        return RollbackStep(f'DROP POLICY IF EXISTS "{op.name}" ON {table};', st)
    if kind in (OpKind.DROP_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_INDEX, OpKind.DROP_CONSTRAINT, OpKind.DROP_VIEW):
        if again := recreated(ctx):
            return RollbackStep(again[0], st, note=again[1])
        return RollbackStep(
            f"-- re-create {op.kind.value.removeprefix('drop_').removeprefix('alter_')} {op.name or _shown(ctx)} from its previous definition", st,
            note=defined_at(ctx) or "take the definition from the earlier migration that created it")
    if kind in (OpKind.GRANT, OpKind.REVOKE):
        return _grant_undo(ctx, table)
    if op_spec(kind).undo == "none":
        return None
    if kind is OpKind.OTHER and (inverse := inverse_rename(op.statement.sql)):
        return RollbackStep(inverse, st)
    return RollbackStep(f"-- undo statement {st} by hand ({op.kind.value})", st, note="no automatic inverse")


def _recreate(table: str, name: str, column, info, st: int, missing: frozenset[str] = frozenset()) -> RollbackStep:
    """ADD COLUMN as it was before; constraints in the same statement, so one step restores the shape."""
    note = "re-creates the column, not its data: restore values from a backup"
    if column is None or not column.data_type:
        return RollbackStep(f"ALTER TABLE {table} ADD COLUMN {_q(name)} <type>;", st, True, note + " (its type is unknown: no earlier migration created it)")
    parts = [f"ADD COLUMN {_q(name)} {column.data_type}"]
    if column.default is not None:
        parts[0] += f" DEFAULT {column.default}"
    # With a default every existing row gets a value, so NOT NULL can come back at once.
    later_not_null = not column.nullable and column.default is None
    if not column.nullable and not later_not_null:
        parts[0] += " NOT NULL"
    if column.references:
        parts[0] += f" REFERENCES {column.references}"
    parts += [f"ADD CONSTRAINT {_q(cname)} {clause}" for cname, clause in _constraints(info, name, missing)]
    sql = f"ALTER TABLE {table} " + ", ".join(parts) + ";"
    if later_not_null:
        sql += f"\n-- after restoring the values:\nALTER TABLE {table} ALTER COLUMN {_q(name)} SET NOT NULL;"
        note += "; NOT NULL is set once the values are back"
    return RollbackStep(sql, st, True, note)


def _constraints(info, column: str, missing: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Named constraints on this column alone (those PostgreSQL dropped with it); a CHECK that
    also names a column still `missing` (dropped too, re-created by a later step) waits for it."""
    import re

    found = []
    for cname, c in (info.constraints.items() if info else ()):
        if c.type == "unique" and c.columns == (column,):
            found.append((cname, f"UNIQUE ({_q(column)})"))
        elif c.type == "foreign_key" and c.columns == (column,) and c.references:
            found.append((cname, f"FOREIGN KEY ({_q(column)}) REFERENCES {c.references}"))
        elif c.type == "check" and c.expression and re.search(rf"\b{re.escape(column)}\b", c.expression) and not any(
                re.search(rf"\b{re.escape(other)}\b", c.expression) for other in missing):
            found.append((cname, f"CHECK ({c.expression})"))
    return found


def _grant_undo(ctx: OpContext, table: str) -> RollbackStep:
    op = ctx.op
    verb = "REVOKE" if op.kind is OpKind.GRANT else "GRANT"
    direction = "FROM" if op.kind is OpKind.GRANT else "TO"
    grant = op.of(GrantDetails) or GrantDetails()
    privileges = ", ".join(grant.privileges) or "ALL"
    return RollbackStep(f"{verb} {privileges} ON {table} {direction} {', '.join(grant.roles)};", op.statement.index)


def _index(op) -> str:
    return qualified(op.name, op.schema)


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
