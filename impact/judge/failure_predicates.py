"""Predicates for statements that will certainly fail at deploy, or leave every later write failing.

Read by the `breaking` correctness rules: duplicate columns, a pg_catalog function called with a
number of arguments none of its overloads takes, a CHECK (c IS NOT NULL) on a column this migration
just added all-NULL, a NOT NULL column whose default this migration drops again; and the one fact
that makes SET NOT NULL instant (a validated CHECK (c IS NOT NULL), PostgreSQL 12+).

The function table (impact/sql/data/pg_functions.tsv) comes from a real PostgreSQL 18
(bench/gen_pg_functions.py). Known limit: a function name nobody defines at all (not built in, not
created by the replayed migrations) is not reported, because extensions (Supabase installs many)
create functions no migration shows.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

from impact.judge.context import OpContext
from impact.judge.predicates import op_predicate
from impact.model import OpKind
from impact.op_details import ConstraintDetails
from impact.sql.facts import calls, duplicate_columns

FUNCTIONS_FILE = Path(__file__).resolve().parents[1] / "sql" / "data" / "pg_functions.tsv"
_NOT_NULL_CHECK = re.compile(r'^\(*\s*"?(\w+)"?\s+IS\s+NOT\s+NULL\s*\)*$', re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def builtin_functions() -> dict[str, tuple[int, int]]:
    """pg_catalog function name -> (fewest, most arguments; most = -1 for variadic)."""
    table = {}
    for line in FUNCTIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, low, high = line.split("\t")
            table[name] = (int(low), int(high))
    return table


def impossible_calls(sql: str, user_functions: set[str]) -> list[str]:
    """`name(n args)` for each call of a pg_catalog function no overload of which takes n arguments."""
    table = builtin_functions()
    found = []
    for name, schema, nargs in calls(sql):
        if schema not in (None, "pg_catalog") or name not in table or (schema is None and name.lower() in user_functions):
            continue
        low, high = table[name]
        if nargs < low or (high >= 0 and nargs > high):
            found.append(f"{name}() with {nargs} argument{'s' if nargs != 1 else ''} (PostgreSQL's takes {_arity(low, high)})")
    return found


def _arity(low: int, high: int) -> str:
    if high < 0:
        return f"{low} or more"
    return str(low) if low == high else f"{low} to {high}"


def _user_functions(ctx: OpContext) -> set[str]:
    names = {o.name.split(".")[-1].lower() for o in ctx.before.objects if o.kind == "function"}
    names |= {(op.name or "").split(".")[-1].lower() for op in ctx.operations if op.kind is OpKind.CREATE_FUNCTION}
    return names


def _parsed(ctx: OpContext) -> bool:
    """Only statements a parser read: the depth guard keeps the rest away from libpg_query,
    which overflows the C stack on hostile nesting."""
    return ctx.op.statement.parser != "none"


def calls_with_wrong_arguments(ctx: OpContext) -> list[str]:
    return impossible_calls(ctx.op.statement.sql, _user_functions(ctx)) if _parsed(ctx) else []


@op_predicate
def calls_function_that_does_not_exist(ctx: OpContext) -> bool:
    return bool(calls_with_wrong_arguments(ctx))


@op_predicate
def names_a_column_twice(ctx: OpContext) -> bool:
    return _parsed(ctx) and bool(duplicate_columns(ctx.op.statement.sql))


def _not_null_checked_column(expression: str | None) -> str | None:
    match = _NOT_NULL_CHECK.match((expression or "").strip())
    return match.group(1) if match else None


@op_predicate
def check_not_null_on_all_null_column(ctx: OpContext) -> bool:
    """CHECK (c IS NOT NULL) where c was added earlier in this migration with no default (every
    row NULL) and nothing wrote it since: NOT VALID, every later INSERT that omits c and every
    UPDATE of an old row fails; validated, the statement fails on a table with rows."""
    op = ctx.op
    constraint = op.of(ConstraintDetails)
    column = _not_null_checked_column(constraint.expression) if constraint is not None and constraint.type == "check" else None
    if column is None or not ctx.existing_table:
        return False
    added = False
    for earlier in ctx.operations[:ctx.index]:
        if (earlier.table or "").lower() != (op.table or "").lower():
            continue
        if earlier.kind is OpKind.ADD_COLUMN and earlier.column_name == column:
            spec = earlier.column
            added = spec.nullable and spec.default is None and not spec.generated
        elif earlier.kind in (OpKind.UPDATE_ROWS, OpKind.SET_DEFAULT, OpKind.INSERT_ROWS) and added:
            added = False  # a backfill (or a default later rows get) may have filled it
    return added


@op_predicate
def required_after_migration(ctx: OpContext) -> bool:
    """The column ends this migration NOT NULL with no default (a later DROP DEFAULT counts)."""
    column = ctx.op.column
    if column is None:
        return False
    info = ctx.after_migration.get(ctx.op.table, ctx.op.schema)
    final = info.columns.get(column.name) if info else None
    if final is None:
        return not column.nullable and column.default is None and not column.generated
    return not final.nullable and final.default is None and not final.generated


@op_predicate
def default_dropped_later(ctx: OpContext) -> bool:
    """Added NOT NULL with a default that a later statement of this migration drops."""
    column = ctx.op.column
    return bool(column and not column.nullable and (column.default is not None) and required_after_migration(ctx))


@op_predicate
def proven_not_null(ctx: OpContext) -> bool:
    """A validated CHECK (c IS NOT NULL) exists: PostgreSQL 12+ skips SET NOT NULL's scan."""
    if ctx.pg_version is not None and ctx.pg_version < 12:
        return False
    if ctx.op.column is None:
        return False
    column = ctx.op.column.name
    info = ctx.before.get(ctx.op.table, ctx.op.schema)
    if info is not None:
        return any(c.type == "check" and not c.not_valid and _not_null_checked_column(c.expression) == column
                   for c in info.constraints.values())
    # A table the replay does not know: this migration's own statements may still prove it.
    valid: dict[str, bool] = {}
    for earlier in ctx.operations[:ctx.index]:
        if (earlier.table or "").lower() != (ctx.op.table or "").lower():
            continue
        added = earlier.of(ConstraintDetails)
        if added is not None and _not_null_checked_column(added.expression) == column:
            valid[earlier.name or ""] = not added.not_valid
        elif earlier.kind is OpKind.VALIDATE_CONSTRAINT and earlier.name in valid:
            valid[earlier.name] = True
        elif earlier.kind is OpKind.DROP_CONSTRAINT:
            valid.pop(earlier.name or "", None)
    return any(valid.values())
