"""The rollback plan: generated SQL undoing each operation, last first; irreversible steps named."""
from __future__ import annotations

from dataclasses import dataclass

from impact.judge.context import OpContext
from impact.model import OpKind
from impact.sql.op_specs import spec as op_spec


@dataclass(frozen=True)
class RollbackStep:
    sql: str
    statement: int  # the migration statement it undoes
    irreversible: bool = False
    note: str = ""



def _q(name: str | None) -> str:
    return name or "?"


def _table(ctx: OpContext) -> str:
    op = ctx.op
    return f"{op.schema}.{op.table}" if op.schema and op.schema != "public" else _q(op.table)


def rollback_plan(contexts: list[OpContext]) -> list[RollbackStep]:
    """Undo each operation, last first. Steps that cannot restore data say so."""
    steps = []
    for ctx in reversed(contexts):
        step = _undo(ctx)
        if step is not None:
            steps.append(step)
    return steps


def _undo(ctx: OpContext) -> RollbackStep | None:
    op, table, st = ctx.op, _table(ctx), ctx.op.statement.index
    before = ctx.before.get(op.table, op.schema)
    old_column = before.columns.get(op.column_name or "") if before else None
    kind = op.kind
    lost = op_spec(kind).undo == "irreversible"  # impact/sql/op_specs.py
    if kind is OpKind.ADD_COLUMN:
        return RollbackStep(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {op.column_name};", st, note="values written to the new column are lost")
    if kind is OpKind.CREATE_INDEX and op.name:
        return RollbackStep(f"DROP INDEX IF EXISTS {_index(op)};", st)
    if kind is OpKind.CREATE_TABLE:
        return RollbackStep(f"DROP TABLE IF EXISTS {table};", st, note="rows written to the new table are lost")
    if kind is OpKind.COMMENT and op.column_name:
        old = before.comments.get(op.column_name) if before else None
        return RollbackStep(f"COMMENT ON COLUMN {table}.{op.column_name} IS {_literal(old)};", st)
    if kind is OpKind.RENAME_COLUMN:
        return RollbackStep(f"ALTER TABLE {table} RENAME COLUMN {op.new_name} TO {op.column_name};", st)
    if kind is OpKind.RENAME_TABLE:
        return RollbackStep(f"ALTER TABLE {op.new_name} RENAME TO {op.table};", st)
    if kind is OpKind.DROP_COLUMN:
        spec = f" {old_column.data_type}" if old_column and old_column.data_type else " <type>"
        return RollbackStep(f"ALTER TABLE {table} ADD COLUMN {op.column_name}{spec};", st, lost, "re-creates the column, not its data: restore values from a backup")
    if kind is OpKind.DROP_TABLE:
        return RollbackStep(f"-- re-create {table} from its definition and restore its rows from a backup", st, lost, "dropped rows cannot be regenerated")
    if kind in (OpKind.TRUNCATE, OpKind.DELETE_ROWS, OpKind.UPDATE_ROWS, OpKind.INSERT_ROWS):
        return RollbackStep(f"-- restore {table}'s rows from a backup", st, lost, "data changes cannot be reversed from the migration alone")
    if kind is OpKind.ALTER_COLUMN_TYPE:
        old_type = old_column.data_type if old_column and old_column.data_type else "<previous type>"
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {op.column_name} TYPE {old_type} USING {op.column_name}::{old_type};", st, note="lossy if new values do not fit the old type")
    if kind is OpKind.SET_NOT_NULL:
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {op.column_name} DROP NOT NULL;", st)
    if kind is OpKind.DROP_NOT_NULL:
        return RollbackStep(f"ALTER TABLE {table} ALTER COLUMN {op.column_name} SET NOT NULL;", st, note="fails if NULLs were written since")
    if kind in (OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT):
        old = old_column.default if old_column else None
        sql = f"ALTER TABLE {table} ALTER COLUMN {op.column_name} " + (f"SET DEFAULT {old};" if old else "DROP DEFAULT;")
        return RollbackStep(sql, st)
    if kind is OpKind.ADD_CONSTRAINT and op.name:
        return RollbackStep(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {op.name};", st)
    if kind is OpKind.ENABLE_RLS:
        return RollbackStep(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;", st)
    if kind is OpKind.DISABLE_RLS:
        return RollbackStep(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;", st)
    if kind is OpKind.CREATE_POLICY and op.name:
        return RollbackStep(f'DROP POLICY IF EXISTS "{op.name}" ON {table};', st)
    if kind in (OpKind.DROP_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_INDEX, OpKind.DROP_CONSTRAINT, OpKind.DROP_VIEW):
        return RollbackStep(f"-- re-create {op.kind.value.removeprefix('drop_').removeprefix('alter_')} {op.name or table} from its previous definition", st, note="take the definition from the earlier migration that created it")
    if kind in (OpKind.GRANT, OpKind.REVOKE):
        return _grant_undo(ctx, table)
    if op_spec(kind).undo == "none":
        return None
    return RollbackStep(f"-- undo statement {st} by hand ({op.kind.value})", st, note="no automatic inverse")


def _grant_undo(ctx: OpContext, table: str) -> RollbackStep:
    op = ctx.op
    verb = "REVOKE" if op.kind is OpKind.GRANT else "GRANT"
    direction = "FROM" if op.kind is OpKind.GRANT else "TO"
    privileges = ", ".join(op.details.get("privileges", [])) or "ALL"
    return RollbackStep(f"{verb} {privileges} ON {table} {direction} {', '.join(op.details.get('roles', []))};", op.statement.index)


def _index(op) -> str:
    return f"{op.schema}.{op.name}" if op.schema and op.schema != "public" else op.name


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
