"""impact apply / rollback against a real PostgreSQL started by the test suite."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.db import connect
from impact.db.shadow import Shadow, is_supabase_project, prepare
from impact.errors import EXIT_DATABASE, EXIT_VERDICT
from impact.formats import read_migration
from impact.locate import locate
from impact.config import load_config
from tests.conftest import FIXTURES, make_repo

CHAT = FIXTURES / "apps" / "chat-ts"
FINGERPRINT = """
SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
WHERE table_schema = 'public' AND table_name <> 'impact_migrations'
UNION ALL SELECT tablename, indexname, indexdef, '', '' FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'impact_migrations'
UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), '', '' FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace AND conrelid <> coalesce(to_regclass('impact_migrations'), 0)
ORDER BY 1, 2, 3"""


def fingerprint(url: str) -> list[tuple]:
    """The whole public schema as the catalog sees it: equal before and after = nothing changed."""
    with connect(url) as conn:
        return conn.execute(FINGERPRINT).fetchall()


def prepared(url: str, repo: Path, ref: str) -> None:
    """Bring a database to the state before migration `ref`, as a real project's would be."""
    migration = locate(repo, ref, load_config(repo))
    earlier = read_migration(migration, repo, "postgres").earlier
    texts = [st.sql for e in earlier for st in e.parsed.statements]
    with connect(url, autocommit=True) as conn:
        prepare(conn, earlier, Shadow(url, is_supabase_project(repo, texts)))


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO items VALUES (1, 'a'), (2, 'b');",
        "migrations/0002_add_note.sql": "ALTER TABLE items ADD COLUMN note text;\nCREATE INDEX items_note ON items (note);",
        # Scenarios outside the migration folder: their history is every migration in it.
        "scenarios/broken.sql": "ALTER TABLE items ADD COLUMN price int;\nALTER TABLE items ADD COLUMN price int;",
        "scenarios/slow.sql": "ALTER TABLE items ADD COLUMN slow int;\nSELECT pg_sleep(20);",
        "scenarios/concurrent.sql": "ALTER TABLE items ADD COLUMN code text;\nCREATE UNIQUE INDEX CONCURRENTLY items_code ON items (lower(name));",
        "src/items.py": "cur.execute('SELECT id, name FROM items')\n",
    })


def test_apply_records_and_is_idempotent_then_rollback_restores(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "2")
    before = fingerprint(pg_database)
    first = run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes")
    assert first.exit_code == 0, first.output
    assert "0002_add_note.sql applied" in first.output and pg_database not in first.output.replace(pg_database.split("?")[0], "")
    with connect(pg_database) as conn:
        assert conn.execute("SELECT name, status, verdict FROM impact_migrations").fetchall() == [("0002_add_note.sql", "applied", "caution")]
    assert fingerprint(pg_database) != before
    second = run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes")
    assert second.exit_code == 0 and "already applied" in second.output
    back = run("rollback", str(app), "-m", "2", "--database-url", pg_database, "--yes")
    assert back.exit_code == 0, back.output
    assert "schema equals the before-apply snapshot" in back.output
    assert fingerprint(pg_database) == before


def test_changed_checksum_of_an_applied_migration_is_an_error(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "2")
    assert run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes").exit_code == 0
    (app / "migrations/0002_add_note.sql").write_text("ALTER TABLE items ADD COLUMN note varchar(10);")
    result = run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes")
    assert result.exit_code == EXIT_DATABASE and "different checksum" in result.output


def test_failing_statement_mid_migration_leaves_the_schema_identical(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "scenarios/broken.sql")
    before = fingerprint(pg_database)
    result = run("apply", str(app), "-m", "scenarios/broken.sql", "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == EXIT_DATABASE
    assert "statement 2 (line 2) failed" in result.output and "already exists" in result.output
    assert fingerprint(pg_database) == before


def test_lock_timeout_gives_up_and_changes_nothing(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "2")
    before = fingerprint(pg_database)
    with connect(pg_database) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE items IN ACCESS SHARE MODE")  # a long reader
        result = run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes", "--lock-timeout", "200ms")
        holder.execute("ROLLBACK")
    assert result.exit_code == EXIT_DATABASE
    assert "lock timeout" in result.output.lower() and "--lock-timeout" in result.output
    assert fingerprint(pg_database) == before


def test_client_killed_mid_apply_leaves_the_schema_identical(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "scenarios/slow.sql")
    before = fingerprint(pg_database)
    child = subprocess.Popen([sys.executable, "-m", "impact", "apply", str(app), "-m", str(app / "scenarios/slow.sql"), "--database-url", pg_database, "--yes"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    deadline = time.time() + 20
    while time.time() < deadline:  # wait until the migration is inside pg_sleep
        with connect(pg_database) as conn:
            if conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'").fetchone()[0]:
                break
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert fingerprint(pg_database) == before
    deadline = time.time() + 5  # client_connection_check_interval: the server gives up within ~1 s
    while time.time() < deadline:
        with connect(pg_database) as conn:
            if not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'").fetchone()[0]:
                break
        time.sleep(0.2)
    else:
        pytest.fail("the killed client's transaction was still running after 5 s")


def test_failed_concurrent_index_is_dropped_and_everything_undone(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "scenarios/concurrent.sql")
    with connect(pg_database) as conn:
        conn.execute("INSERT INTO items VALUES (3, 'A')")  # lower(name) now has a duplicate
        conn.commit()
    before = fingerprint(pg_database)
    result = run("apply", str(app), "-m", "scenarios/concurrent.sql", "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == EXIT_DATABASE
    assert "INVALID index items_code" in result.output and "undone" in result.output
    assert fingerprint(pg_database) == before
    with connect(pg_database) as conn:  # the ledger this apply created is gone too
        assert conn.execute("SELECT to_regclass('impact_migrations')").fetchone()[0] is None
    from impact.db.state import snapshot_dir

    assert not (snapshot_dir(pg_database, "concurrent.sql") / "before.json").exists()  # undone: nothing to verify against


def test_breaking_verdict_refuses_without_force(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "2")
    drop = app / "drop.sql"
    drop.write_text("ALTER TABLE items DROP COLUMN name;")
    result = run("apply", str(app), "-m", str(drop), "--database-url", pg_database, "--yes")
    assert result.exit_code == EXIT_VERDICT and "BREAKING" in result.output and "src/items.py" not in result.output or "IMP101" in result.output


def test_caution_needs_yes_without_a_terminal(app: Path, pg_database: str) -> None:
    prepared(pg_database, app, "2")
    result = run("apply", str(app), "-m", "2", "--database-url", pg_database)
    assert result.exit_code == EXIT_VERDICT and "--yes" in result.output


def test_unreachable_database_is_one_line_and_redacted(app: Path, tmp_path: Path) -> None:
    url = f"postgresql://admin:s3cret-pw@/db?host={tmp_path}/nowhere"
    result = run("apply", str(app), "-m", "2", "--database-url", url, "--yes")
    assert result.exit_code == EXIT_DATABASE
    assert "s3cret-pw" not in result.output and "impact: error:" in result.output


def test_embedded_default_applies_migration_11_of_the_fixture() -> None:
    result = run("apply", str(CHAT), "-m", "11", "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["status"] == "applied" and data["dry_run"] is True
    columns = [c["name"] for c in data["after"]["public.conversations"]["columns"]]
    assert "session_id" in columns and "experiment_name" in columns
    assert "session_id" not in [c["name"] for c in data["before"]["public.conversations"]["columns"]]


def test_embedded_rollback_rehearsal_restores_the_before_snapshot() -> None:
    result = run("rollback", str(CHAT), "-m", "11")
    assert result.exit_code == 0, result.output
    assert "schema equals the before-apply snapshot" in result.output


def test_apply_says_when_the_server_is_not_the_configured_release(app: Path, pg_database: str) -> None:
    import json

    with connect(pg_database) as conn:
        server = conn.info.server_version // 10000
    prepared(pg_database, app, "2")
    (app / ".impact.toml").write_text(f"pg_version = {server - 3}\n")
    data = json.loads(run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes", "--format", "json").output)
    assert f"the database is PostgreSQL {server} but pg_version is {server - 3}" in " ".join(data["notes"])
    (app / ".impact.toml").write_text(f"pg_version = {server}\n")
    data = json.loads(run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes", "--format", "json").output)
    assert not any("pg_version" in n for n in data["notes"])  # already applied; and nothing to say about the version
