"""Bad input: one line naming the problem and the fix, a distinct exit code, no traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.errors import EXIT_INPUT, EXIT_USAGE
from tests.conftest import make_repo, snapshot, report_of


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("impact: error:")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "migrations/0001_init.sql": "CREATE TABLE t (id int, a text);",
        "migrations/0002_add_b.sql": "ALTER TABLE t ADD COLUMN b text;",
        "migrations/0003_add_c.sql": "ALTER TABLE t ADD COLUMN c text;",
        "migrations/0004_garbage.sql": "THIS IS NOT SQL AT ALL;",
        "migrations/0005_empty.sql": "-- nothing here\n",
        "app.py": "cur.execute('SELECT id, a FROM t')\n",
    })


def test_missing_migration_lists_what_was_searched(repo: Path) -> None:
    assert_one_line_error(run("scan", str(repo), "-m", "99"), EXIT_INPUT, "no migration matches '99'", "migrations")


def test_ambiguous_migration_lists_candidates(repo: Path) -> None:
    assert_one_line_error(run("scan", str(repo), "-m", "add"), EXIT_INPUT, "matches 2 migrations", "0002_add_b.sql", "0003_add_c.sql")


def test_unparseable_migration(repo: Path) -> None:
    assert_one_line_error(run("scan", str(repo), "-m", "4"), EXIT_INPUT, "cannot parse migration 0004_garbage.sql")


def test_source_code_no_format_claims_is_named_not_parsed_as_sql(repo: Path) -> None:
    """Netflix dispatch's revisions used to fail as 'PostgreSQL syntax error at or near \"\"\"Create canvas…'."""
    (repo / "db").mkdir()
    (repo / "db" / "rev.py").write_text('"""Add x."""\nrevision = "abc"\ndown_revision = None\n\ndef upgrade():\n    pass\n')
    assert_one_line_error(run("scan", str(repo), "-m", str(repo / "db" / "rev.py")), EXIT_INPUT,
                          "db/rev.py is an Alembic revision, but no Alembic script folder holds it", "migration_dirs")
    assert_one_line_error(run("scan", str(repo), "-m", str(repo / "app.py")), EXIT_INPUT,
                          "app.py is source code that no migration format", "pass a .sql migration")


def test_comment_only_migration_is_an_empty_safe_report(repo: Path) -> None:
    result = run("scan", str(repo), "-m", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    report = report_of(result.output)
    assert report["verdict"] == "safe" and report["migration"]["statements"] == 0


def test_missing_repo(tmp_path: Path) -> None:
    assert_one_line_error(run("scan", str(tmp_path / "nope"), "-m", "1"), EXIT_INPUT, "does not exist")


def test_missing_migration_path(repo: Path) -> None:
    assert_one_line_error(run("scan", str(repo), "-m", "db/nope.sql"), EXIT_INPUT, "does not exist")


def test_non_utf8_migration(repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.sql"
    bad.write_bytes("ALTER TABLE t ADD COLUMN caf\xe9 text;".encode("latin-1"))
    assert_one_line_error(run("scan", str(repo), "-m", str(bad)), EXIT_INPUT, "not UTF-8")


def test_bad_config_key_is_named(repo: Path) -> None:
    (repo / ".impact.toml").write_text("migration_folders = ['x']\n")
    assert_one_line_error(run("scan", str(repo), "-m", "2"), EXIT_INPUT, "unknown key 'migration_folders'")


def test_usage_error_exit_code(repo: Path) -> None:
    result = run("scan", str(repo))
    assert result.exit_code == EXIT_USAGE
    assert "--migration" in result.output


def test_unreadable_files_are_counted_not_fatal(repo: Path) -> None:
    (repo / "blob.py").write_bytes(b"\x00\x01t\x00" * 100)
    (repo / "latin.ts").write_bytes("const q = 'SELECT a FROM t -- caf\xe9'".encode("latin-1"))
    before = snapshot(repo)
    result = run("scan", str(repo), "-m", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"binary"' in result.output or "binary" in result.output
    assert snapshot(repo) == before


def test_help_of_every_command_has_an_example() -> None:
    for command in ("scan", "rules", "explain", "apply", "verify", "rollback"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output, command
    assert run("--version").output.startswith("impact, version")


def test_explain_prints_a_rule_and_rejects_unknown() -> None:
    result = run("explain", "IMP401")
    assert result.exit_code == 0 and "CONCURRENTLY" in result.output
    assert run("explain", "no-such-rule").exit_code == EXIT_USAGE


def test_a_python_file_with_a_syntax_error_is_listed_and_the_scan_goes_on(repo: Path) -> None:
    (repo / "broken.py").write_text("def f(:\n    cur.execute('SELECT a FROM t')\n")
    result = run("scan", str(repo), "-m", "2", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "Files that could not be read or parsed (1)" in result.output
    assert "`broken.py`: Python syntax error at line 1" in result.output
