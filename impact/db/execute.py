"""Run migration statements, turning PostgreSQL's errors into one line that names the statement."""
from __future__ import annotations

import re

from impact.db import DatabaseError
from impact.model import Statement

DURATION = re.compile(r"^\d+(?:\.\d+)?\s*(?:ms|s|min|h|d)?$")


class StatementFailed(DatabaseError):
    """A statement failed; the transaction it ran in was rolled back."""

    def __init__(self, where: str, statement: Statement, error: Exception, fix: str = ""):
        detail = _pg_message(error)
        super().__init__(f"{where}: statement {statement.index} (line {statement.line}) failed: {detail}",
                         fix or _fix_for(error))
        self.statement = statement
        self.sqlstate = getattr(getattr(error, "diag", None), "sqlstate", None) or getattr(error, "sqlstate", None)


def _pg_message(error: Exception) -> str:
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) or str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return primary


EXTENSION_MISSING = re.compile(r'extension "([^"]+)" is not available')
EXTENSION_DENIED = re.compile(r'permission denied to create extension "([^"]+)"')


def _fix_for(error: Exception) -> str:
    sqlstate = getattr(error, "sqlstate", None)
    message = _pg_message(error)
    missing, denied = EXTENSION_MISSING.search(message), EXTENSION_DENIED.search(message)
    if missing:  # 0A000: the server has no such extension installed; no SQL can fix that
        return f"install {missing.group(1)} on the database server (postgresql-contrib has most), then retry; nothing was changed"
    if denied:  # 42501: an untrusted extension needs a superuser (managed databases: their extension settings)
        return f"have a superuser (or the provider's settings) create extension {denied.group(1)}, then retry; nothing was changed"
    return FIXES.get(sqlstate or "", "fix the statement; nothing was changed (the transaction was rolled back)")


# What the data (not the SQL) needs first, for the failures real histories hit on a table with rows.
FIXES = {
    "55P03": "another session holds a lock on the table: retry when it is idle, or raise --lock-timeout",  # lock_not_available
    "57014": "the statement ran longer than --statement-timeout: raise it, or run the change in batches",  # statement_timeout
    "23502": "backfill the column's NULLs (or give it a DEFAULT) in an earlier step; nothing was changed",  # SET NOT NULL on rows
    "23505": "remove or merge the duplicate rows first (the error names one); nothing was changed",  # a UNIQUE index on rows
    "55P04": "a value added by ALTER TYPE ... ADD VALUE is usable only once committed: use it in a later migration",  # unsafe_new_enum_value_usage
    # duplicate table/column/object: impact's ledger knows only what impact apply ran
    **dict.fromkeys(("42P07", "42701", "42710"), "it exists already (did prisma migrate, manage.py migrate or psql run this migration?); nothing was changed"),
}


def checked_duration(value: str, option: str) -> str:
    """`5s`, `500ms`, `2min`: what PostgreSQL accepts for lock_timeout/statement_timeout."""
    if not DURATION.match(value.strip()):
        raise DatabaseError(f"{option} {value!r} is not a duration", "use e.g. 5s, 500ms or 2min")
    return value.strip()


def set_timeouts(cur, lock_timeout: str, statement_timeout: str, local: bool = True) -> None:
    scope = "LOCAL " if local else ""
    cur.execute(f"SET {scope}lock_timeout = '{lock_timeout}'")
    cur.execute(f"SET {scope}statement_timeout = '{statement_timeout}'")
    cur.execute("SELECT current_setting('server_version_num')::int")
    if cur.fetchone()[0] >= 140000:
        # If our client dies mid-migration, the server notices within a second and rolls back,
        # instead of holding the table's locks until the running statement ends.
        cur.execute(f"SET {scope}client_connection_check_interval = '1s'")


def run_statement(cur, statement: Statement, where: str) -> None:
    import psycopg

    try:
        cur.execute(statement.sql)
    except psycopg.Error as error:
        if session_lost(cur.connection, error):
            raise  # not the statement's fault: the caller's faults.Progress says what state this leaves
        raise StatementFailed(where, statement, error) from None


def session_lost(conn, error: Exception) -> bool:
    """The connection broke, or the server ended the session: no statement is to blame."""
    sqlstate = getattr(error, "sqlstate", None) or ""
    return conn.broken or getattr(conn, "timed_out", False) or sqlstate.startswith(("08", "57P")) or sqlstate == "25P03"
