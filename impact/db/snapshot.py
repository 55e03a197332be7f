"""A snapshot of tables as the catalog sees them: columns, indexes (and validity), constraints,
RLS, policies, comments and row counts. Taken before and after apply; verify and rollback compare."""
from __future__ import annotations

EXACT_COUNT_LIMIT = 100_000  # above this, count(*) is slow: use the planner's estimate

COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), col_description(a.attrelid, a.attnum)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisunique
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass ORDER BY c.relname"""
CONSTRAINTS = """
SELECT conname, contype::text, pg_get_constraintdef(oid), convalidated
FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY conname"""
TABLE = """
SELECT c.relrowsecurity, c.relforcerowsecurity, c.reltuples::bigint, obj_description(c.oid, 'pg_class')
FROM pg_class c WHERE c.oid = %s::regclass"""
POLICIES = """
SELECT policyname, cmd, roles::text[], qual, with_check, permissive
FROM pg_policies WHERE schemaname = %s AND tablename = %s ORDER BY policyname"""


def qualified(table: str, schema: str | None) -> str:
    return f'"{schema or "public"}"."{table}"'


def table_exists(cur, table: str, schema: str | None = None) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (qualified(table, schema),))
    return bool(cur.fetchone()[0])


def snapshot_table(cur, table: str, schema: str | None = None) -> dict | None:
    """Everything about one table that a migration may change; None when it does not exist."""
    if not table_exists(cur, table, schema):
        return None
    name = qualified(table, schema)
    cur.execute(TABLE, (name,))
    rls, force_rls, estimate, comment = cur.fetchone()
    cur.execute(COLUMNS, (name,))
    columns = [{"name": r[0], "type": r[1], "nullable": r[2], "default": r[3], "comment": r[4]} for r in cur.fetchall()]
    cur.execute(INDEXES, (name,))
    indexes = [{"name": r[0], "definition": r[1], "valid": r[2], "unique": r[3]} for r in cur.fetchall()]
    cur.execute(CONSTRAINTS, (name,))
    constraints = [{"name": r[0], "type": r[1], "definition": r[2], "validated": r[3]} for r in cur.fetchall()]
    cur.execute(POLICIES, (schema or "public", table))
    policies = [{"name": r[0], "command": r[1], "roles": sorted(r[2] or []), "using": r[3], "with_check": r[4], "permissive": r[5]} for r in cur.fetchall()]
    rows, exact = _row_count(cur, name, estimate)
    return {
        "table": table, "schema": schema or "public", "comment": comment, "rls": rls, "force_rls": force_rls,
        "columns": columns, "indexes": indexes, "constraints": constraints, "policies": policies,
        "rows": rows, "rows_exact": exact,
    }


def _row_count(cur, name: str, estimate: int) -> tuple[int, bool]:
    if estimate is not None and estimate > EXACT_COUNT_LIMIT:
        return int(estimate), False
    cur.execute(f"SELECT count(*) FROM {name}")
    return int(cur.fetchone()[0]), True


def snapshot(cur, tables: list[tuple[str, str | None]]) -> dict:
    """Snapshots of several tables, keyed `schema.table` (absent tables map to None)."""
    return {f"{schema or 'public'}.{table}": snapshot_table(cur, table, schema) for table, schema in tables}


def schema_only(snap: dict) -> dict:
    """The snapshot without row counts: what must be identical after a failed apply or a rollback.

    Decision: columns compare in name order. A rollback re-adds dropped columns at the end, and
    two of them come back in the reverse order (ADD COLUMN cannot place a column): no SQL that
    names its columns sees the difference, and no rollback could avoid it."""
    def shape(value: dict) -> dict:
        kept = {k: v for k, v in value.items() if k not in ("rows", "rows_exact")}
        return {**kept, "columns": sorted(kept.get("columns", []), key=lambda c: c["name"])}

    return {key: (shape(value) if value else None) for key, value in snap.items()}
