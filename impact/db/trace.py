"""`impact scan --trace`: ask a real server what the migration does.

On the shadow database (embedded PostgreSQL, earlier migrations replayed, as `apply` uses), the
migration runs statement by statement inside one transaction that is rolled back at the end.
After each statement we record the relation locks our backend holds that it did not hold before
(pg_locks), which tables got a new relfilenode (rewritten), whether it failed and with what
error, and the objects it created. `--trace-rows N` first fills every table the migration names
with N generated rows, so each statement's measured duration means something ("~1.9 s with
2,000,000 rows on this machine").

Each statement runs under a SAVEPOINT: a failure is recorded and rolled back to it, and the trace
goes on. Statements PostgreSQL refuses in a transaction block (CONCURRENTLY, VACUUM) are not run;
they are listed as such. Nothing is committed; the server is thrown away.

Known limits: a statement that depends on one not run (an ADD CONSTRAINT … USING INDEX on an index
built CONCURRENTLY) fails in the trace; locks are read after the statement, so a lock taken and released inside it (none of
PostgreSQL's DDL does that on the target table) is not seen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from impact.db.shadow import CREATE_EXTENSION
from impact.model import Statement
from impact.op_details import ConstraintDetails
from impact.sql.op_specs import TRANSACTION_CONTROL as CONTROL, runs_outside_transaction

# By oid: a table the statement dropped or renamed is named as it was before the statement.
LOCKS = "SELECT l.relation, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
FILENODES = """
SELECT c.relname, c.relfilenode FROM pg_class c
WHERE c.relkind IN ('r', 'm') AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  AND c.relnamespace::regnamespace::text NOT LIKE 'pg_toast%'
"""
OBJECTS = "SELECT c.oid, c.relkind, c.relname FROM pg_class c WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND c.relnamespace::regnamespace::text NOT LIKE 'pg_toast%'"
MODE_NAMES = {"AccessShareLock": "ACCESS SHARE", "RowShareLock": "ROW SHARE", "RowExclusiveLock": "ROW EXCLUSIVE",
              "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE", "ShareLock": "SHARE",
              "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "ExclusiveLock": "EXCLUSIVE", "AccessExclusiveLock": "ACCESS EXCLUSIVE"}
ORDER = list(MODE_NAMES.values())


@dataclass
class TracedStatement:
    index: int
    line: int
    ran: bool = True  # False: not run (transaction control, or it cannot run in a transaction)
    note: str = ""
    locks: dict[str, str] = field(default_factory=dict)  # table -> strongest mode newly taken
    held_before: dict[str, str] = field(default_factory=dict)  # table -> strongest mode already held
    rewritten: list[str] = field(default_factory=list)
    failed: bool = False
    error: str = ""
    created: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Trace:
    statements: list[TracedStatement]
    rows: int = 0
    seeded: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    notes: list[str] = field(default_factory=list)
    disagreements: list = field(default_factory=list)  # impact.judge.trace_agreement.Disagreement


def strongest(modes) -> str | None:
    modes = [m for m in modes if m in ORDER]
    return max(modes, key=ORDER.index) if modes else None


def trace_statements(conn, statements: list[Statement], ops_by_statement: dict[int, list]) -> list[TracedStatement]:
    """Run each statement in one transaction (rolled back), recording what the server did."""
    out: list[TracedStatement] = []
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        names = _tables(cur)
        held = _locks(cur, names)
        available = {row[0] for row in cur.execute("SELECT name FROM pg_available_extensions").fetchall()}
        for statement in statements:
            ops = ops_by_statement.get(statement.index, [])
            traced = TracedStatement(statement.index, statement.line)
            out.append(traced)
            if ops and {op.kind for op in ops} <= CONTROL:
                traced.ran, traced.note = False, "transaction control: the trace runs the file in one transaction"
                continue
            if any(runs_outside_transaction(op) for op in ops):
                traced.ran, traced.note = False, "cannot run inside a transaction block: not traced"
                continue
            extension = CREATE_EXTENSION.match(statement.sql)
            if extension and extension.group(1).lower() not in available:  # as the shadow replay does
                traced.ran, traced.note = False, f"extension {extension.group(1)} is not available on the shadow server: not traced"
                continue
            nodes, objects = _filenodes(cur), _objects(cur)
            names = _tables(cur) | names
            cur.execute("SAVEPOINT impact_trace")
            started = time.perf_counter()
            try:
                cur.execute(statement.sql)
            except Exception as exc:  # psycopg.Error: the server refused it
                traced.seconds = time.perf_counter() - started
                traced.failed = True
                diag = getattr(exc, "diag", None)
                traced.error = (getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0])[:300]
                cur.execute("ROLLBACK TO SAVEPOINT impact_trace")
                continue
            traced.seconds = time.perf_counter() - started
            cur.execute("RELEASE SAVEPOINT impact_trace")
            traced.held_before = {t: strongest(m) for t, m in held.items() if strongest(m)}
            now = _locks(cur, _tables(cur) | names)
            for table, modes in now.items():
                new = modes - held.get(table, set())
                best = strongest(new)
                if best and (strongest(held.get(table, ())) is None or ORDER.index(best) > ORDER.index(strongest(held[table]))):
                    traced.locks[table] = best
            held = now
            after = _filenodes(cur)
            traced.rewritten = sorted(t for t, node in after.items() if t in nodes and nodes[t] != node)
            traced.created = sorted(f"{kind} {name}" for oid, (kind, name) in _objects(cur).items() if oid not in objects)
    return out


def _tables(cur) -> dict[int, str]:
    """oid -> name of the user tables (and materialized views) there are now."""
    return {oid: name for oid, (kind, name) in _objects(cur).items() if kind in ("table", "materialized view")}


def _locks(cur, names: dict[int, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for oid, mode in cur.execute(LOCKS).fetchall():
        if oid in names:
            found.setdefault(names[oid], set()).add(MODE_NAMES.get(mode, mode))
    return found


def _filenodes(cur) -> dict[str, int]:
    return dict(cur.execute(FILENODES).fetchall())


KINDS = {"r": "table", "i": "index", "v": "view", "m": "materialized view", "S": "sequence", "p": "table", "f": "foreign table", "c": "type"}


def _objects(cur) -> dict[int, tuple[str, str]]:
    return {oid: (KINDS.get(kind, kind), name) for oid, kind, name in cur.execute(OBJECTS).fetchall()}


# -- seeding ------------------------------------------------------------------------------------

VALUE_BY_TYPE = (
    (("smallint", "int2"), "(g % 32000)::smallint"),
    (("integer", "int4", "int", "bigint", "int8", "numeric", "real", "double precision"), "g"),
    (("text", "character varying", "varchar", "citext", "character", "bpchar"), "'v' || g"),
    (("uuid",), "md5(g::text)::uuid"),
    (("boolean",), "g % 2 = 0"),
    (("timestamp with time zone", "timestamp without time zone", "date"), "now()"),
    (("jsonb", "json"), "'{}'"),
)


def seed(conn, tables: list[str], rows: int, null_columns: frozenset = frozenset()) -> dict[str, int]:
    """Fill each named table that exists with `rows` generated rows (committed: the shadow
    database is thrown away). Foreign keys and triggers are not fired (replica role)."""
    seeded = {}
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        for table in tables:
            columns = cur.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated "
                "FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                (table,)).fetchall()
            if not columns:
                continue
            # Generated values would break foreign keys (VALIDATE would then fail): leave them NULL.
            fk_columns = {row[0] for row in cur.execute(
                "SELECT a.attname FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
                "WHERE k.contype = 'f' AND k.conrelid = to_regclass(%s)", (table,)).fetchall()}
            names, values = [], []
            for name, type_sql, not_null, has_default, identity, generated in columns:
                if has_default or identity or generated or (name in fk_columns | null_columns and not not_null):
                    continue
                value = next((v for types, v in VALUE_BY_TYPE if type_sql.split("(")[0] in types), None)
                if value is None:
                    if not_null:
                        break
                    continue
                names.append(f'"{name}"')
                values.append(f"({value})::{type_sql}")
            else:
                target = ", ".join(names)
                sql = (f"INSERT INTO {table} ({target}) SELECT {', '.join(values)} FROM generate_series(1, {int(rows)}) g" if names
                       else f"INSERT INTO {table} SELECT FROM generate_series(1, {int(rows)})")
                try:
                    cur.execute(sql)
                    seeded[table] = rows
                except Exception:  # a CHECK or unique constraint our generated values break: leave it empty
                    conn.rollback()
                    cur.execute("SET session_replication_role = replica")
        cur.execute("RESET session_replication_role")
    conn.commit()
    return seeded


def run_trace(result, rows: int = 0) -> Trace:
    """Trace `result`'s migration (a ScanResult) on a fresh shadow database; `rows` > 0 seeds the
    tables it names first. The static model's disagreements with the server are attached."""
    from impact.db import connect
    from impact.db.shadow import shadow_database
    from impact.judge.catalog import table_key
    from impact.judge.trace_agreement import compare

    earlier = result.read.earlier if result.read is not None else ()
    statements = list(result.parsed.statements)
    ops_by: dict[int, list] = {}
    for op in result.parsed.operations:
        ops_by.setdefault(op.statement.index, []).append(op)
    tables = sorted({table_key(c.op.table, c.op.schema) for c in result.contexts if c.op.table and c.replayed_existing})
    with shadow_database(result.repo, earlier, "\n".join(s.sql for s in statements)) as shadow:
        with connect(shadow.url, autocommit=True) as conn:
            # Columns the migration makes foreign keys of stay NULL: generated values would not match.
            fk = frozenset(c for ctx in result.contexts if (key := ctx.op.of(ConstraintDetails)) and key.type == "foreign_key" for c in key.columns)
            seeded = seed(conn, tables, rows, fk) if rows > 0 else {}
            conn.autocommit = True
            traced = trace_statements(conn, statements, ops_by)
    trace = Trace(traced, rows, seeded, list(shadow.notes))
    trace.disagreements = compare(result.contexts, result.findings, trace)
    _trust_the_server(result, trace)
    return trace


def _trust_the_server(result, trace: Trace) -> None:
    """A statement that failed on the server is a finding (IMP606) and the verdict follows it."""
    from impact.judge.assess import verdict_of
    from impact.judge.findings import Evidence, Finding
    from impact.model import Confidence

    template = next((r for r in result.rules if r.id == "traced-statement-failed"), None)
    if template is None:  # turned off in the config
        return
    ops = {c.op.statement.index: c.op for c in result.contexts}
    for t in trace.statements:
        if t.failed and t.index in ops:
            message = f"statement {t.index} failed on the shadow database: {t.error}"
            result.findings.append(Finding(template.id, template.code, template.severity, Confidence.HIGH, template.title, message,
                                           template.why, template.solution, "", template.category, ops[t.index],
                                           (Evidence(result.migration_rel, t.line, "statement", "", "traced on PostgreSQL"),)))
    result.assessment.verdict = verdict_of(result.findings)
