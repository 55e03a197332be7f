"""Why a query is unaffected by an operation, in words a reviewer can check."""
from __future__ import annotations

from impact.model import Operation, OpKind, Query, QueryKind

# Operations that change what queries see (columns, rows, access); the rest are operational only.
SHAPE_CHANGES = {
    OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN, OpKind.ALTER_COLUMN_TYPE,
    OpKind.SET_NOT_NULL, OpKind.DROP_NOT_NULL, OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT,
    OpKind.DROP_TABLE, OpKind.RENAME_TABLE, OpKind.ADD_CONSTRAINT, OpKind.ENABLE_RLS, OpKind.DISABLE_RLS,
    OpKind.FORCE_RLS, OpKind.CREATE_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_POLICY, OpKind.REVOKE,
    OpKind.TRUNCATE, OpKind.DELETE_ROWS, OpKind.UPDATE_ROWS,
}


def unaffected_reason(op: Operation, query: Query) -> str:
    if op.kind is OpKind.ADD_COLUMN and op.column is not None:
        return _added_column(op, query)
    column = op.column_name
    if column and op.kind in SHAPE_CHANGES:
        return f"does not name {column}"
    return {
        OpKind.CREATE_INDEX: "an index changes no result set",
        OpKind.DROP_INDEX: "dropping an index changes no result set (plans may slow down)",
        OpKind.COMMENT: "a comment changes nothing a query sees",
        OpKind.VALIDATE_CONSTRAINT: "validation changes nothing a query sees",
        OpKind.GRANT: "a grant only widens access",
    }.get(op.kind, f"{op.kind.value.replace('_', ' ')} does not change what this query reads or writes")


def _added_column(op: Operation, query: Query) -> str:
    column = op.column
    why = "is nullable" if column.nullable else "has a default" if column.default or column.generated else "is required"
    return {
        QueryKind.SELECT_COLUMNS: f"names only existing columns; new column {column.name} is not selected",
        QueryKind.SELECT_STAR: f"rows gain key {column.name}; existing keys are unchanged (the new column {why})",
        QueryKind.INSERT: f"INSERTs that omit {column.name} still succeed (the new column {why})",
        QueryKind.UPSERT: f"upserts that omit {column.name} still succeed (the new column {why})",
        QueryKind.UPDATE: f"UPDATEs that do not set {column.name} are unaffected (the new column is optional)",
        QueryKind.DELETE: "a new column does not change which rows a DELETE removes",
    }[query.kind]
