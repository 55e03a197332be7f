"""Apply one migration atomically, record it in the ledger, and snapshot the tables around it.

The statements and the ledger row run in one transaction with lock_timeout and statement_timeout
set, so a failure (or a killed client) leaves the database as it was, and the ledger always agrees
with the schema. Statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY, ...)
run after it, one by one, with the transactional statements that follow them in the file's order
(saleor's `ADD CONSTRAINT ... USING INDEX` of the index just built CONCURRENTLY); if one of those
fails, the INVALID index it leaves is dropped and what ran before is undone with the rollback
plan. Any database failure is one line saying the state it
leaves (impact.db.faults).

Known limit: a connection lost *during* a statement outside the transaction cannot be undone
(there is no connection to undo with): the ledger then says applied while that statement's
index may be missing or INVALID; the error says so ("partly applied").
"""
from __future__ import annotations

import itertools
import time
from contextlib import nullcontext
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
    """The migration's key in impact_migrations and in the snapshot folder, unique in the repo.

    Like the framework's own ledger: the path inside the migration folder (Prisma's
    `01_init/migration.sql`, not the `migration.sql` every Prisma migration is called), and for
    Django the app too (`account/0001_initial.py`: every app has a 0001_initial). Independent of
    the REPO argument, so `impact apply .` and `impact apply packages/db` name it alike.
    Known limit: a row an older impact recorded under the bare file name is not recognized.
    """
    migration = result.migration
    if migration.folder is not None and migration.path.is_relative_to(migration.folder):
        name = migration.path.relative_to(migration.folder).as_posix()
        return f"{migration.folder.parent.name}/{name}" if migration.format == "django" else name
    return migration.path.name


def affected(result: ScanResult) -> list[tuple[str, str | None]]:
    seen = {}
    for ctx in result.contexts:
        if ctx.op.table:
            seen.setdefault((ctx.op.table, ctx.op.schema if ctx.op.schema != "public" else None), None)
    return list(seen)


def apply_migration(conn, result: ScanResult, text: str, lock_timeout: str, statement_timeout: str,
                    skip: frozenset[int] = frozenset()) -> ApplyOutcome:
    """Apply, or raise a one-line DatabaseError that says what state the database is left in.

    `skip`: statement indexes not to run (the shadow's CREATE EXTENSION of one it lacks).

    When that state is "applied" (the failure came after COMMIT), the error carries the outcome
    (`error.outcome`) so the caller can still save the before-snapshot.
    """
    name, digest = migration_name(result), ledger.checksum(text)
    plan = plan_apply(result.parsed)
    if skip:
        plan = ApplyPlan(*([s for s in part if s.index not in skip] for part in (plan.in_transaction, plan.outside)), plan.left_out)
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
            if plan.after:
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
        for statement in plan.first:
            progress.at(f"running statement {statement.index} (line {statement.line})", NOT_COMMITTED)
            run_statement(cur, statement, f"applying {name}")
        progress.at("recording the migration in impact_migrations", NOT_COMMITTED)
        ledger.ensure(cur)
        ledger.record_applied(cur, name, digest, int((time.perf_counter() - started) * 1000), result.assessment.verdict)
        progress.at("committing", COMMIT_UNKNOWN)


def _run_outside(conn, plan: ApplyPlan, result: ScanResult, lock_timeout: str, statement_timeout: str, outcome: ApplyOutcome,
                 ledger_existed: bool) -> None:
    """plan.after in the file's order: each statement outside a transaction alone, the transactional
    ones between them together in one. A failure undoes everything before it."""
    done: list[int] = []
    outside = {s.index for s in plan.outside}
    previous = conn.autocommit
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            set_timeouts(cur, lock_timeout, statement_timeout, local=False)
            for alone, group in itertools.groupby(plan.after, key=lambda s: s.index in outside):
                group = list(group)
                try:
                    with (nullcontext() if alone else conn.transaction()):
                        for statement in group:
                            run_statement(cur, statement, f"applying {outcome.name}")
                            if alone:
                                done.append(statement.index)
                except StatementFailed as failure:
                    dropped = _drop_invalid_indexes(cur, result, failure.statement.index) if alone else ""
                    undone = _undo(conn, result, [s.index for s in plan.first] + done, outcome.name, ledger_existed)
                    raise DatabaseError(failure.problem, "; ".join(filter(None, [dropped, undone])) or failure.fix) from None
                if not alone:
                    done += [s.index for s in group]
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
    from impact.db.rollback import runnable  # it imports this module

    steps = [sql for s in result.rollback if s.statement in set(statement_indexes) and (sql := runnable(s))]
    irreversible = [s for s in result.rollback if s.statement in set(statement_indexes) and s.irreversible]
    conn.autocommit = False
    with conn.transaction(), conn.cursor() as cur:
        for sql in steps:
            cur.execute(sql)
        if ledger_existed:
            cur.execute(f"DELETE FROM {ledger.LEDGER} WHERE name = %s", (name,))
        else:  # this apply created the ledger: leave no trace of it either
            cur.execute(f"DROP TABLE {ledger.LEDGER}")
    conn.autocommit = True
    if irreversible:
        return "the transactional part was undone, but not everything is reversible: " + "; ".join(s.note for s in irreversible)
    return "the transactional part was undone: the database is as it was"
