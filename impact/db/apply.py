"""Apply one migration atomically, record it in the ledger, and snapshot the tables around it.

The statements and the ledger row run in one transaction with lock_timeout and statement_timeout
set, so a failure (or a killed client) leaves the database as it was, and the ledger always agrees
with the schema. Statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY, ...)
run after it; if one of those fails, the INVALID index it leaves is dropped and the transactional
part is undone with the rollback plan. Any database failure is one line saying the state it
leaves (impact.db.faults).

Known limit: a connection lost *during* a statement outside the transaction cannot be undone
(there is no connection to undo with): the ledger then says applied while that statement's
index may be missing or INVALID; the error says so ("partly applied").
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from impact.db import DatabaseError
from impact.db import ledger
from impact.db.execute import StatementFailed, run_statement, set_timeouts
from impact.db.faults import APPLIED, COMMIT_UNKNOWN, NOT_APPLIED, NOT_COMMITTED, PARTLY_APPLIED, Progress, guarded
from impact.db.plan import ApplyPlan, plan_apply
from impact.db.snapshot import snapshot
from impact.pipeline import ScanResult


@dataclass
class ApplyOutcome:
    status: str  # "applied" | "already applied"
    name: str
    plan: ApplyPlan
    duration_ms: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def migration_name(result: ScanResult) -> str:
    return result.migration.path.name


def affected(result: ScanResult) -> list[tuple[str, str | None]]:
    seen = {}
    for ctx in result.contexts:
        if ctx.op.table:
            seen.setdefault((ctx.op.table, ctx.op.schema if ctx.op.schema != "public" else None), None)
    return list(seen)


def apply_migration(conn, result: ScanResult, text: str, lock_timeout: str, statement_timeout: str) -> ApplyOutcome:
    """Apply, or raise a one-line DatabaseError that says what state the database is left in.

    When that state is "applied" (the failure came after COMMIT), the error carries the outcome
    (`error.outcome`) so the caller can still save the before-snapshot.
    """
    name, digest = migration_name(result), ledger.checksum(text)
    plan = plan_apply(result.parsed)
    outcome = ApplyOutcome("applied", name, plan)
    progress = Progress(name, conn, lock_timeout, statement_timeout)
    try:
        with guarded(progress):
            progress.at("reading impact_migrations and taking the before-snapshot", NOT_APPLIED)
            with conn.transaction(), conn.cursor() as cur:
                entry = ledger.find(cur, name)
                ledger_existed = ledger.exists(cur)
                outcome.before = snapshot(cur, affected(result))
            if entry is not None and entry.status == "applied":
                if entry.checksum != digest:
                    raise DatabaseError(f"{name} was applied on {entry.applied_at:%Y-%m-%d %H:%M} with a different checksum: the file changed since",
                                        "never edit an applied migration: write a new one (or roll this one back first)")
                outcome.status = "already applied"
                outcome.after = outcome.before
                return outcome
            started = time.perf_counter()
            _run_transactional(conn, plan, name, digest, result, lock_timeout, statement_timeout, progress, started)
            outcome.duration_ms = int((time.perf_counter() - started) * 1000)
            if plan.outside:
                progress.at("running the statements outside the transaction", PARTLY_APPLIED)
                _run_outside(conn, plan, result, lock_timeout, statement_timeout, outcome, ledger_existed)
                outcome.duration_ms = int((time.perf_counter() - started) * 1000)
                progress.at("recording the duration in impact_migrations", APPLIED)
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(f"UPDATE {ledger.LEDGER} SET duration_ms = %s WHERE name = %s", (outcome.duration_ms, name))
            progress.at("taking the after-snapshot", APPLIED)
            with conn.transaction(), conn.cursor() as cur:
                outcome.after = snapshot(cur, affected(result))
    except DatabaseError as error:
        if getattr(error, "state", None) in (APPLIED, PARTLY_APPLIED):  # not a failure that was undone
            error.outcome = outcome
        raise
    return outcome


def _run_transactional(conn, plan: ApplyPlan, name: str, digest: str, result: ScanResult, lock_timeout: str, statement_timeout: str,
                       progress: Progress, started: float) -> None:
    """The migration and its ledger row commit together: the ledger never disagrees with the schema.

    The row carries the duration of the statements (measured before COMMIT), so nothing about an
    all-transactional migration is left to record after COMMIT."""
    progress.at("starting the migration's transaction", NOT_COMMITTED)
    with conn.transaction(), conn.cursor() as cur:
        set_timeouts(cur, lock_timeout, statement_timeout)
        for statement in plan.in_transaction:
            progress.at(f"running statement {statement.index} (line {statement.line})", NOT_COMMITTED)
            run_statement(cur, statement, f"applying {name}")
        progress.at("recording the migration in impact_migrations", NOT_COMMITTED)
        ledger.ensure(cur)
        ledger.record_applied(cur, name, digest, int((time.perf_counter() - started) * 1000), result.assessment.verdict)
        progress.at("committing", COMMIT_UNKNOWN)


def _run_outside(conn, plan: ApplyPlan, result: ScanResult, lock_timeout: str, statement_timeout: str, outcome: ApplyOutcome,
                 ledger_existed: bool) -> None:
    done: list[int] = []
    previous = conn.autocommit
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            set_timeouts(cur, lock_timeout, statement_timeout, local=False)
            for statement in plan.outside:
                try:
                    run_statement(cur, statement, f"applying {outcome.name}")
                except StatementFailed as failure:
                    dropped = _drop_invalid_indexes(cur, result, statement.index)
                    undone = _undo(conn, result, [s.index for s in plan.in_transaction] + done, outcome.name, ledger_existed)
                    raise DatabaseError(failure.problem, "; ".join(filter(None, [dropped, undone])) or failure.fix) from None
                done.append(statement.index)
    finally:
        conn.autocommit = previous


def _drop_invalid_indexes(cur, result: ScanResult, statement_index: int) -> str:
    names = [c.op.name for c in result.contexts if c.op.statement.index == statement_index and c.op.name]
    dropped = []
    for name in names:
        cur.execute("SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", (name,))
        row = cur.fetchone()
        if row and row[0]:
            cur.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
            dropped.append(name)
    return f"the INVALID index {', '.join(dropped)} left by the failed build was dropped" if dropped else ""


def _undo(conn, result: ScanResult, statement_indexes: list[int], name: str, ledger_existed: bool) -> str:
    """Undo what already ran, with the generated rollback plan, in one transaction."""
    steps = [s for s in result.rollback if s.statement in set(statement_indexes) and not s.sql.startswith("--")]
    irreversible = [s for s in result.rollback if s.statement in set(statement_indexes) and s.irreversible]
    conn.autocommit = False
    with conn.transaction(), conn.cursor() as cur:
        for step in steps:
            cur.execute(step.sql)
        if ledger_existed:
            cur.execute(f"DELETE FROM {ledger.LEDGER} WHERE name = %s", (name,))
        else:  # this apply created the ledger: leave no trace of it either
            cur.execute(f"DROP TABLE {ledger.LEDGER}")
    conn.autocommit = True
    if irreversible:
        return "the transactional part was undone, but not everything is reversible: " + "; ".join(s.note for s in irreversible)
    return "the transactional part was undone: the database is as it was"
