"""Running `impact` under an injected fault and watching its session: bounded waits only, so a
hang fails a test instead of stalling the suite (tests/test_db_faults.py, tests/test_db_session.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.db import connect

ROOT = Path(__file__).resolve().parents[1]
HANG = 20  # seconds: a command still running after this hangs


class InProcess:
    """`impact ...` run by click's test runner in a thread: no interpreter start-up per fault.

    `finish` bounds the wait like a subprocess timeout: a hang fails the test (the daemon thread
    is left behind) instead of stalling the suite."""

    def __init__(self, args: list[str]):
        self.result = None
        self.thread = threading.Thread(target=self._run, args=(args,), daemon=True)
        self.thread.start()

    def _run(self, args: list[str]) -> None:
        self.result = CliRunner().invoke(cli, args)


def start_apply(app: Path, url: str, ref: str, *options: str, command: str = "apply", process: bool = False):
    args = [command, str(app), "-m", ref, "--database-url", url, *options]
    if command == "apply":
        args += ["--yes", "--force"]
    if not process:
        return InProcess(args)
    return subprocess.Popen([sys.executable, "-m", "impact", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def finish(child, limit: float = HANG) -> tuple[int, str, float]:
    """(exit code, stderr, seconds waited); a child still running after `limit` is a hang."""
    started = time.monotonic()
    if isinstance(child, InProcess):
        child.thread.join(limit)
        if child.thread.is_alive():
            pytest.fail(f"impact hung: still running after {limit} s")
        result = child.result
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            pytest.fail(f"impact raised {result.exception!r}: {result.stderr}")
        return result.exit_code, result.stderr, time.monotonic() - started
    try:
        _, err = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"impact apply hung: still running after {limit} s")
    return child.returncode, err, time.monotonic() - started


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("impact: error: "), err
    assert "Traceback" not in err
    return lines[0]


def wait_for(url: str, condition: str, limit: float = 10) -> int:
    """The pid of impact's backend once `condition` (SQL on pg_stat_activity) holds for it."""
    deadline = time.monotonic() + limit
    with connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(f"SELECT pid FROM pg_stat_activity WHERE application_name = 'impact' AND datname = current_database() AND {condition}").fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    pytest.fail(f"impact's backend never reached: {condition}")


def sessions_gone(url: str, limit: float = 10) -> None:
    """Wait until no impact session is left on the server (its transaction then is over)."""
    deadline = time.monotonic() + limit
    with connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'impact' AND datname = current_database()").fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail(f"impact's session still holds its transaction after {limit} s")


def terminate(url: str, pid: int) -> None:
    with connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def ledger(url: str, name: str) -> list[tuple]:
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('impact_migrations')").fetchone()[0] is None:
            return []
        return conn.execute("SELECT status, duration_ms FROM impact_migrations WHERE name = %s", (name,)).fetchall()
