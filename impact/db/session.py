"""A connection for apply/verify/rollback that can wait behind nothing forever.

Three bounds, because a migration must never hang the caller nor hold a table's lock for a
client that is gone:

* **Server-side, from the first statement:** `lock_timeout`, `statement_timeout`,
  `idle_in_transaction_session_timeout` and `client_connection_check_interval` are set for the
  whole session right after connecting, so the before-snapshot, the ledger and the checks run
  under them too (not only the migration's own transaction).
* **Network:** TCP keepalives and `tcp_user_timeout` on both ends (libpq options and the
  session's `tcp_keepalives_*`), `connect_timeout` on connecting.
* **Client-side deadline:** a silently dropped connection (a NAT or proxy that stops forwarding
  without closing) sends no RST, and keepalives cannot see it when a proxy's kernel still ACKs.
  Every wait for the server is bounded by `statement_timeout + grace`: the server would have
  answered (or cancelled the statement) by then, so silence means the connection is gone. The
  watchdog then shuts the socket down, and the waiting call fails like any lost connection.

Decision: the grace is `GRACE_MIN`..`GRACE_MAX` (a tenth of statement_timeout), and the server's
`idle_in_transaction_session_timeout` is the same grace: a live impact never idles inside a
transaction for more than milliseconds, so the server abandons a vanished client's transaction
(and its ACCESS EXCLUSIVE lock) about as fast as the client gives up on a silent server.
Known limit: `--statement-timeout 0` (disabled) disables the client deadline too.
"""
from __future__ import annotations

import os
import socket
import threading
from typing import Any

from impact.db import DatabaseError, connect

GRACE_MIN, GRACE_MAX = 2.0, 30.0
APPLICATION_NAME = "impact"
# libpq: probe an idle connection after 10 s, every 5 s, give up after 3 misses; unacknowledged
# data times out after 30 s. Ignored on Unix sockets.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 30_000}
_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "": 0.001}  # bare numbers are ms


def seconds(duration: str) -> float:
    """`5s`, `500ms`, `2min`, `100` (ms, as PostgreSQL reads it) in seconds."""
    text = duration.strip()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    return float(number) * _UNITS[text[len(number):].strip()]


def grace(statement_timeout: str) -> float:
    return min(GRACE_MAX, max(GRACE_MIN, seconds(statement_timeout) / 10))


def client_deadline(statement_timeout: str) -> float | None:
    """Seconds any one wait for the server may take; None when statement_timeout is disabled."""
    limit = seconds(statement_timeout)
    return None if limit <= 0 else limit + grace(statement_timeout)


def open_session(url: str, lock_timeout: str, statement_timeout: str, **kwargs: Any):
    """A connected, guarded psycopg connection with the session's timeouts already in force."""
    import psycopg
    from psycopg import Connection

    class GuardedConnection(Connection):
        """Every wait for the server (execute, fetch, COMMIT) runs under the client deadline."""

        deadline: float | None = None
        timed_out = False

        def wait(self, gen, *args, **kw):
            if not self.deadline:
                return super().wait(gen, *args, **kw)
            watchdog = _Watchdog(self, self.deadline)
            try:
                return super().wait(gen, *args, **kw)
            finally:
                watchdog.stop()

    conn = connect(url, connection_class=GuardedConnection, application_name=APPLICATION_NAME, **KEEPALIVES, **kwargs)
    conn.deadline = client_deadline(statement_timeout)
    idle_ms = int(grace(statement_timeout) * 1000)
    settings = {"lock_timeout": lock_timeout, "statement_timeout": statement_timeout,
                "idle_in_transaction_session_timeout": f"{idle_ms}ms",
                "tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
    if conn.info.server_version >= 140000:
        # A killed client's running statement is cancelled within a second, not when it ends.
        settings["client_connection_check_interval"] = "1s"
    try:
        with conn.cursor() as cur:
            for name, value in settings.items():
                cur.execute(f"SELECT set_config('{name}', %s, false)", (value,))
        if not conn.autocommit:
            conn.commit()
    except psycopg.Error as exc:
        conn.close()
        raise DatabaseError(f"cannot set up the session (timeouts) on PostgreSQL: {' '.join(str(exc).split())}; nothing was changed",
                            "check the connection and the server, then run the command again") from None
    return conn


class _Watchdog:
    """Shuts the connection's socket down if the server stays silent past the deadline.

    shutdown() (not close()) on a duplicate of the descriptor: the blocked wait wakes up to an
    EOF and psycopg raises OperationalError, while the descriptor itself stays psycopg's to close.
    """

    def __init__(self, conn, deadline: float):
        self._conn = conn
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(deadline, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self._conn.timed_out = True
            try:
                fd = self._conn.pgconn.socket
                with socket.socket(fileno=os.dup(fd)) as dup:
                    dup.shutdown(socket.SHUT_RDWR)
            except Exception:  # noqa: BLE001  (already closed: nothing left to cut)
                pass
