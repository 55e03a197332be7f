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
    return added_columns_reason(query.kind, [op.column])


def added_columns_reason(kind: QueryKind, columns: list) -> str:
    """Why queries of one kind keep working when these columns are added (the seed's wording)."""
    names = ", ".join(c.name for c in columns)
    plural = len(columns) > 1
    noun = f"new column{'s' if plural else ''} {names}"
    why = _why_optional(columns, plural)
    return {
        QueryKind.SELECT_COLUMNS: f"names only existing columns; {noun} {'are' if plural else 'is'} not selected",
        QueryKind.SELECT_STAR: f"rows gain {'keys' if plural else 'key'} {names}; existing keys are unchanged ({why})",
        QueryKind.INSERT: f"INSERTs that omit {names} still succeed ({why})",
        QueryKind.UPSERT: f"upserts that omit {names} still succeed ({why})",
        QueryKind.UPDATE: f"UPDATEs that do not set {names} are unaffected (new columns are optional)",
        QueryKind.DELETE: "new columns do not change which rows a DELETE removes",
    }[kind]


def _why_optional(columns: list, plural: bool) -> str:
    if all(c.nullable for c in columns):
        return "the new columns are nullable" if plural else "the new column is nullable"
    if all(c.nullable or c.default or c.generated for c in columns):
        return "the new columns are nullable or have defaults" if plural else "the new column has a default"
    return "some new columns are required"
