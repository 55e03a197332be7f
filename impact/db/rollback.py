"""Run the generated rollback plan in one transaction; refuse irreversible steps unless forced.

Before anything runs, `data_at_risk` counts what the plan's steps delete (the non-NULL values of a
column it drops, the rows of a table it drops) so the command can show it and ask first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from impact.db import DatabaseError, ledger
from impact.db.apply import affected, migration_name
from impact.db.checks import pg_message
from impact.db.execute import set_timeouts
from impact.db.faults import NOT_ROLLED_BACK, ROLLBACK_NOT_COMMITTED, ROLLBACK_UNKNOWN, ROLLED_BACK, Progress, guarded
from impact.db.snapshot import schema_only, snapshot
from impact.errors import Refused
from impact.pipeline import ScanResult
from impact.sql.identifiers import quote


class RollbackRefused(Refused):
    pass


@dataclass
class RollbackOutcome:
    name: str
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # manual steps skipped under --force
    without_data: list[str] = field(default_factory=list)  # notes of the steps that ran but restore no data
    after: dict = field(default_factory=dict)
    matches_before: bool | None = None  # None: no before-snapshot to compare with


@dataclass(frozen=True)
class Loss:
    step: str  # the rollback step's SQL
    table: str
    column: str | None  # None: the whole table
    values: int | None  # non-NULL values (column) or rows (table); None: it does not exist here

    def describe(self) -> str:
        what = f"{self.table}.{self.column}" if self.column else self.table
        if self.values is None:
            return f"{what} does not exist on this database"
        unit = "non-NULL value" if self.column else "row"
        return f"{what} holds {self.values:,} {unit}{'s' if self.values != 1 else ''} that would be deleted"


def data_at_risk(conn, result: ScanResult, lock_timeout: str, statement_timeout: str) -> list[Loss]:
    """Count, in a read-only transaction, what each dropping step of the plan would delete.

    A count waits for locks like any query: under lock_timeout it gives up with the same one-line
    error as the rollback itself ("not rolled back")."""
    progress = Progress(migration_name(result), conn, lock_timeout, statement_timeout)
    with guarded(progress):
        progress.at("counting the values the rollback would delete", NOT_ROLLED_BACK)
        return _count(conn, result, lock_timeout, statement_timeout)


def _count(conn, result: ScanResult, lock_timeout: str, statement_timeout: str) -> list[Loss]:
    from psycopg import sql

    losses = []
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        set_timeouts(cur, lock_timeout, statement_timeout)
        for step in result.rollback:
            if step.drops is None or step.irreversible:
                continue
            table, column = step.drops
            regclass = ".".join(map(quote, table.split(".", 1)))  # to_regclass folds unquoted names: `User` is not `user`
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (regclass,))
            exists = cur.fetchone()[0]
            if exists and column:
                cur.execute("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s AND NOT attisdropped)",
                            (regclass, column))
                exists = cur.fetchone()[0]
            if not exists:
                losses.append(Loss(step.sql, table, column, None))
                continue
            name = sql.Identifier(*table.split(".", 1))
            query = sql.SQL("SELECT count({}) FROM {}").format(sql.Identifier(column), name) if column else sql.SQL("SELECT count(*) FROM {}").format(name)
            cur.execute(query)
            losses.append(Loss(step.sql, table, column, cur.fetchone()[0]))
    return losses


def require_applied(conn, name: str, progress: Progress) -> None:
    """Say "nothing to roll back" before showing a plan and asking (it came after the question)."""
    with guarded(progress):
        progress.at("reading impact_migrations", NOT_ROLLED_BACK)
        with conn.transaction(), conn.cursor() as cur:
            entry = ledger.find(cur, name)
    if entry is not None and entry.status == "rolled_back":
        raise DatabaseError(f"{name} is already rolled back on this database: nothing to roll back", "run `impact apply` to apply it again")
    if entry is None or entry.status != "applied":
        raise DatabaseError(f"{name} is not recorded as applied on this database: nothing to roll back",
                            "check --database-url (impact only rolls back what impact apply recorded)")


def _run_step(cur, sql: str, n: int, name: str) -> None:
    """A step PostgreSQL refuses is the plan's failure, not the server's: say which step and why
    (documenso's envelopes: a foreign key to a dropped table, whose re-creation is a manual step)."""
    import psycopg

    from impact.db.execute import session_lost

    try:
        cur.execute(sql)
    except psycopg.Error as error:
        if session_lost(cur.connection, error):
            raise  # the caller's Progress says what state that leaves
        raise DatabaseError(f"{name} not rolled back: step {n} failed: {pg_message(error)} ({sql.splitlines()[0][:80]})",
                            "nothing was changed: do the manual steps it needs first (restore what was dropped), or roll back by hand") from None


def runnable(step) -> str | None:
    """The SQL a step runs once --force accepts what cannot be restored; None: nothing to run.

    Decision: an irreversible step that re-creates a dropped column runs (the column comes back
    empty, as it was otherwise: type, default, constraints), so the previous release's code finds
    it; what it cannot restore is the values. Its `SET NOT NULL` after the values are restored is
    left out (the rows have none yet), and a column of unknown `<type>` or a manual `-- ...` step
    does not run."""
    if step.sql.startswith("--"):
        return None
    if not step.irreversible:
        return step.sql
    sql = step.sql.split("\n--", 1)[0].strip()
    return None if "<type>" in sql else sql


def check_reversible(result: ScanResult, force: bool) -> None:
    blocked = [s for s in result.rollback if s.irreversible or s.sql.startswith("--")]
    if blocked and not force:
        why = "; ".join(f"statement {s.statement}: {s.note or s.sql.lstrip('- ')}" for s in blocked)
        raise RollbackRefused(f"the rollback cannot restore everything ({why})", "restore from a backup, or pass --force to roll back the structure without that data")


def rollback_migration(conn, result: ScanResult, force: bool, lock_timeout: str, statement_timeout: str,
                       before: dict | None = None) -> RollbackOutcome:
    """Roll back, or raise a one-line DatabaseError that says the state left (impact.db.faults)."""
    name = migration_name(result)
    progress = Progress(name, conn, lock_timeout, statement_timeout)
    with guarded(progress):
        require_applied(conn, name, progress)
        check_reversible(result, force)
        outcome = RollbackOutcome(name)
        progress.at("starting the rollback's transaction", ROLLBACK_NOT_COMMITTED)
        with conn.transaction(), conn.cursor() as cur:
            set_timeouts(cur, lock_timeout, statement_timeout)
            for n, step in enumerate(result.rollback, 1):
                sql = runnable(step)
                if sql is None:
                    outcome.skipped.append(step.sql)
                    continue
                progress.at(f"running {sql[:80]}", ROLLBACK_NOT_COMMITTED)
                _run_step(cur, sql, n, name)
                outcome.ran.append(sql)
                if step.irreversible:
                    outcome.without_data.append(step.note)
            progress.at("recording the rollback in impact_migrations", ROLLBACK_NOT_COMMITTED)
            ledger.record_rollback(cur, name)
            progress.at("committing", ROLLBACK_UNKNOWN)
        progress.at("taking the after-snapshot", ROLLED_BACK)
        with conn.transaction(), conn.cursor() as cur:
            outcome.after = snapshot(cur, affected(result))
    if before is not None:
        outcome.matches_before = schema_only(outcome.after) == schema_only(before)
    return outcome
