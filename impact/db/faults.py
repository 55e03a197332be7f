"""What a database failure at a given step leaves behind, said in one line (exit 4).

apply, rollback and verify move through steps (`Progress.at`); a psycopg error at any step — a
lost or terminated connection, a lock or statement timeout, the client deadline — becomes a
`DatabaseError` whose problem starts with the state the database is in, which the step decides:

* before anything was sent that changes data: "not applied: the database is as it was";
* inside the migration's transaction: not committed, so PostgreSQL rolls it back;
* while COMMIT was in flight: unknown, and rerunning is safe because the ledger row commits in
  the same transaction as the migration (a rerun applies it or says "already applied");
* after COMMIT: applied and recorded; only the after-snapshot (or duration) is missing.
"""
from __future__ import annotations

from contextlib import contextmanager

from impact.db import DatabaseError

# The state each kind of step leaves; `{name}` is the migration's file name.
NOT_APPLIED = "{name} not applied: the database is as it was"
NOT_COMMITTED = "{name} not applied: its transaction was not committed, so PostgreSQL rolls it back"
COMMIT_UNKNOWN = "{name} may or may not be applied: the connection was lost while COMMIT was in flight"
APPLIED = "{name} applied and recorded in impact_migrations"
PARTLY_APPLIED = ("{name} partly applied: its transactional part is committed and recorded in impact_migrations, "
                  "but a statement run outside the transaction was interrupted (an index it builds may be missing or INVALID)")
NOT_ROLLED_BACK = "{name} not rolled back: the database is as it was"
ROLLBACK_NOT_COMMITTED = "{name} not rolled back: the rollback's transaction was not committed, so PostgreSQL undoes it"
ROLLBACK_UNKNOWN = "{name} may or may not be rolled back: the connection was lost while COMMIT was in flight"
ROLLED_BACK = "{name} rolled back and recorded in impact_migrations"
READ_ONLY = "{name}: verify could not finish; it only reads, so nothing was changed"

FIXES = {
    NOT_APPLIED: "run `impact apply` again once the database is reachable",
    NOT_COMMITTED: "run `impact apply` again once the database is reachable",
    COMMIT_UNKNOWN: "run `impact apply` again: it applies the migration, or says it is already applied",
    APPLIED: "run `impact verify` to check the result (the before-snapshot was saved)",
    PARTLY_APPLIED: "run `impact verify` to see what is missing, then `impact rollback` or finish the statement by hand",
    NOT_ROLLED_BACK: "run `impact rollback` again once the database is reachable",
    ROLLBACK_NOT_COMMITTED: "run `impact rollback` again once the database is reachable",
    ROLLBACK_UNKNOWN: "check impact_migrations: its status says whether the rollback committed",
    ROLLED_BACK: "compare the schema by hand: the check against the before-apply snapshot did not run",
    READ_ONLY: "run `impact verify` again once the database is reachable",
}


class Progress:
    """Where a command is, and what a failure there would leave."""

    def __init__(self, name: str, conn=None, lock_timeout: str = "", statement_timeout: str = ""):
        self.name = name
        self.conn = conn
        self.lock_timeout = lock_timeout
        self.statement_timeout = statement_timeout
        self.step = "connecting"
        self.state = NOT_APPLIED

    def at(self, step: str, state: str) -> None:
        self.step, self.state = step, state

    def error(self, exc: Exception) -> DatabaseError:
        cause, fix = self._cause(exc)
        state = self.state.format(name=self.name)
        error = DatabaseError(f"{state} ({cause}, while {self.step})", fix or FIXES[self.state])
        error.state = self.state  # what the caller may rely on, e.g. "applied": save the before-snapshot
        return error

    def _cause(self, exc: Exception) -> tuple[str, str]:
        sqlstate = getattr(exc, "sqlstate", None)
        deadline = getattr(self.conn, "deadline", None)
        if getattr(self.conn, "timed_out", False):
            from impact.db.session import grace

            return (f"no answer from PostgreSQL for {deadline:g}s, longer than statement_timeout allows: the connection "
                    f"was dropped; the server ends a transaction left open by it after {grace(self.statement_timeout):g}s idle", "")
        if sqlstate == "55P03":
            unchanged = self.state in (NOT_APPLIED, NOT_COMMITTED, NOT_ROLLED_BACK, ROLLBACK_NOT_COMMITTED, READ_ONLY)
            return (f"another session held a lock past lock_timeout {self.lock_timeout}",
                    "retry when that session is done (see pg_locks), or raise --lock-timeout" if unchanged else "")
        if sqlstate == "57014":
            return f"a statement ran past statement_timeout {self.statement_timeout}", ""
        if sqlstate in ("57P01", "57P02", "57P03"):
            return f"the server ended the session: {_first_line(exc)}", ""
        if sqlstate == "25P03":
            return "the server ended the idle transaction (idle_in_transaction_session_timeout)", ""
        if sqlstate is None or sqlstate.startswith("08"):
            return f"lost the connection to PostgreSQL: {_first_line(exc)}", ""
        # Not the connection: an error of the server or of its data (privileges, a full disk, ...).
        return f"PostgreSQL error {sqlstate}: {_first_line(exc)}", f"fix that first (the role's privileges, the server), then: {FIXES[self.state]}"


@contextmanager
def guarded(progress: Progress):
    """Turn any psycopg error inside into `progress.error(...)`; DatabaseErrors pass through."""
    import psycopg

    try:
        yield progress
    except psycopg.Error as exc:
        raise progress.error(exc) from None


def _first_line(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    text = getattr(diag, "message_primary", None) or str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
