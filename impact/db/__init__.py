"""Talking to PostgreSQL: a throwaway embedded server, connections, and the one error type.

Every failure here is a `DatabaseError` (exit code 4) whose message is one line saying what went
wrong and what to do, with any password in it replaced by *** (see `impact.db.urls.redact`).
psycopg is imported lazily: `impact scan` never needs it and should not pay for its import.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from impact.db.urls import redact, secrets_in
from impact.errors import EXIT_DATABASE, ImpactError

if TYPE_CHECKING:
    import psycopg

__all__ = ["DatabaseError", "EmbeddedPostgres", "connect", "redact"]


class DatabaseError(ImpactError):
    """The database could not be started, reached or used. `problem` and `fix` are redacted."""

    exit_code = EXIT_DATABASE

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(redact(problem), redact(fix))


# (substrings of libpq's message, what it means, what to do), first match wins.
_CONNECT_FAILURES = [
    (("could not translate host name", "name or service not known", "name resolution"),
     "unknown host", "check the host name in the database URL"),
    (("connection refused", "no such file or directory"),
     "no server is listening there", "start the database, or fix the host/port in the URL"),
    (("password authentication failed", "no password supplied", "authentication failed"),
     "authentication failed", "check the user and password in the URL (or PGPASSWORD / ~/.pgpass)"),
    (("timeout expired", "timed out"),
     "timed out", "check that the host is reachable and the port is open, or raise the timeout"),
    (('role "',), None, "fix the user name in the URL"),
    (("does not exist",), None, "create the database or fix its name in the URL"),
    (("invalid connection option", "invalid dsn", "missing \"=\"", "invalid uri", "invalid integer value"),
     "the URL is malformed", "use the form postgresql://USER@HOST:PORT/DBNAME"),
]


def connect(url: str, timeout: float = 5, connection_class: type | None = None, **kwargs: Any) -> "psycopg.Connection":
    """A psycopg 3 connection to `url`; any failure becomes a one-line `DatabaseError`.

    `kwargs` go to `psycopg.connect` (e.g. autocommit=True). `timeout` is libpq's connect_timeout,
    which counts whole seconds (libpq treats 1 as 2). `connection_class`: a psycopg.Connection
    subclass (impact.db.session's guarded one).
    """
    import psycopg

    try:
        return (connection_class or psycopg.Connection).connect(url, connect_timeout=max(1, math.ceil(timeout)), **kwargs)
    except psycopg.Error as exc:
        raise _connect_error(url, exc) from None


def _connect_error(url: str, exc: Exception) -> DatabaseError:
    detail = _first_line(str(exc))
    lowered = detail.lower()
    for needles, meaning, fix in _CONNECT_FAILURES:
        if any(needle in lowered for needle in needles):
            break
    else:
        meaning, fix = None, "check the database URL and that the server accepts connections"
    text = f"{meaning}: {detail}" if meaning else detail
    return DatabaseError(f"cannot connect to PostgreSQL at {_scrub(redact(url), url)}: {_scrub(text, url)}", fix)


def _first_line(message: str) -> str:
    """libpq's first line; psycopg prefixes 'connection failed: ' and adds hint lines we drop."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    line = lines[0] if lines else "unknown error"
    for prefix in ("connection failed: ", "connection is bad: "):
        line = line.removeprefix(prefix)
    return " ".join(line.split())


def _scrub(text: str, url: str) -> str:
    """Belt and braces: libpq may quote part of a malformed URL back, so remove its secrets literally."""
    for secret in sorted(secrets_in(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact(text)


def __getattr__(name: str) -> Any:
    # The server module is only loaded when asked for: importing DatabaseError stays cheap.
    if name == "EmbeddedPostgres":
        from impact.db.server import EmbeddedPostgres

        return EmbeddedPostgres
    raise AttributeError(name)
