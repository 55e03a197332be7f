"""The PostgreSQL statement a supabase-js chain stands for, with `$n` parameters.

It is meant to be PREPAREd against a real database (to prove every named column exists), so it
names exactly the columns the chain names and nothing else, and every operator is one that
PostgreSQL accepts for a parameter of unknown type.
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.extract.postgrest import condition_sql
from impact.sql.identifiers import quote
from impact.model import QueryKind


@dataclass(frozen=True)
class Condition:
    """One filter of a chain. Conditions sharing an `or_group` (non-zero) are OR-ed together."""

    column: str
    operator: str
    negated: bool = False
    or_group: int = 0


class _Parameters:
    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"${self.count}"


def render_sql(
    kind: QueryKind,
    table: str,
    schema: str | None,
    columns: list[str],
    columns_complete: bool,
    conditions: list[Condition],
    order: list[tuple[str, bool]],
    returning=None,
    select=None,
    conflict_keys: list[str] | None = None,
    ignore_duplicates: bool = False,
) -> str | None:
    """The statement, or None when it cannot be written (e.g. an UPDATE whose payload is unknown)."""
    target = quote(table) if not schema else f"{quote(schema)}.{quote(table)}"
    params = _Parameters()
    if kind in (QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR):
        listed = "*" if kind is QueryKind.SELECT_STAR else _column_list(columns) or "1"
        sql = f"SELECT {listed} FROM {target}"
        sql += _where(conditions, params) + _order_by(order)
        return sql
    if kind is QueryKind.DELETE:
        return f"DELETE FROM {target}" + _where(conditions, params) + _returning(returning)
    if not columns:
        if kind is QueryKind.UPDATE or not columns_complete:
            return None
        return f"INSERT INTO {target} DEFAULT VALUES" + _returning(returning)
    if kind is QueryKind.UPDATE:
        assignments = ", ".join(f"{quote(c)} = {params.next()}" for c in columns)
        sql = f"UPDATE {target} SET {assignments}" + _where(conditions, params)
        return sql + _returning(returning)
    values = ", ".join(params.next() for _ in columns)
    sql = f"INSERT INTO {target} ({_column_list(columns)}) VALUES ({values})"
    if kind is QueryKind.UPSERT:
        sql += _on_conflict(columns, conflict_keys or [], ignore_duplicates)
    return sql + _returning(returning)


def _column_list(columns: list[str]) -> str:
    return ", ".join(quote(c) for c in columns)


def _where(conditions: list[Condition], params: _Parameters) -> str:
    # Each entry is a clause, or the list of clauses of one `.or()` group (kept in place).
    entries: list[str | list[str]] = []
    groups: dict[int, list[str]] = {}
    for condition in conditions:
        if condition.operator == "order":
            continue
        clause = _condition_sql(condition, params)
        if not condition.or_group:
            entries.append(clause)
        elif condition.or_group in groups:
            groups[condition.or_group].append(clause)
        else:
            groups[condition.or_group] = [clause]
            entries.append(groups[condition.or_group])
    rendered = [e if isinstance(e, str) else "(" + " OR ".join(e) + ")" for e in entries]
    return " WHERE " + " AND ".join(rendered) if rendered else ""


def _condition_sql(condition: Condition, params: _Parameters) -> str:
    column = quote(condition.column)
    # An operator PostgREST does not know (a typo, a variable) still names its column: `=` proves it.
    clause = condition_sql(condition.operator, column, params.next) or condition_sql("eq", column, params.next)
    return f"NOT ({clause})" if condition.negated else clause


def _order_by(order: list[tuple[str, bool]]) -> str:
    if not order:
        return ""
    keys = ", ".join(quote(c) + (" DESC" if desc else "") for c, desc in order)
    return f" ORDER BY {keys}"


def _returning(select) -> str:
    if select is None:
        return ""
    if select.star:
        return " RETURNING *"
    return f" RETURNING {_column_list(select.columns)}" if select.columns else ""


def _on_conflict(columns: list[str], keys: list[str], ignore_duplicates: bool) -> str:
    if not keys:
        # PostgREST resolves conflicts on the primary key, which the code does not name.
        return " ON CONFLICT DO NOTHING"
    target = f" ON CONFLICT ({_column_list(keys)})"
    updates = [c for c in columns if c not in keys]
    if ignore_duplicates or not updates:
        return target + " DO NOTHING"
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in updates)
    return f"{target} DO UPDATE SET {assignments}"
