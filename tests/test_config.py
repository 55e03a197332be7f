"""[tool.impact] / .impact.toml: per-rule levels, the target PostgreSQL version, and errors that name the key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.config import load_config, parse_pg_version
from impact.errors import EXIT_INPUT, EXIT_VERDICT, ConfigError
from impact.pipeline import scan
from tests.conftest import make_repo, report_of
from tests.test_cli_errors import assert_one_line_error

FILES = {
    "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text, price int);",
    "migrations/0002_change.sql": "ALTER TABLE items DROP COLUMN price;\nALTER TABLE items ADD COLUMN code varchar(20);",
    "src/shop.py": "cur.execute('SELECT id, price FROM items')\n",
}


def _repo(tmp_path: Path, config: str, name: str = ".impact.toml") -> Path:
    return make_repo(tmp_path, {**FILES, name: config})


def _rules(result) -> set[str]:
    return {f.rule_id for f in result.findings}


def test_rule_off_and_severity_override_change_findings_and_verdict(tmp_path: Path) -> None:
    plain = scan(_repo(tmp_path / "a", ""), "2", use_cache=False)
    assert {"prefer-text-field", "drop-column-loses-data"} <= _rules(plain) and plain.assessment.verdict == "breaking"
    config = '[tool.impact.rules]\nprefer-text-field = "off"\nIMP301 = "caution"\ndropped-column-still-used = "caution"\n'
    tuned = scan(_repo(tmp_path / "b", config, "pyproject.toml"), "2", use_cache=False)
    assert "prefer-text-field" not in _rules(tuned)
    levels = {f.rule_id: f.severity for f in tuned.findings}
    assert levels["drop-column-loses-data"] == "caution" and levels["dropped-column-still-used"] == "caution"
    assert tuned.assessment.verdict == "caution"  # the team chose not to gate on these


def test_json_and_markdown_say_what_the_config_changed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'pg_version = 13\n[rules]\nprefer-text-field = "off"\n')
    out = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json"])
    data = report_of(out.output)
    assert data["config"] == {"source": ".impact.toml", "pg_version": 13, "rules": {"prefer-text-field": "off"}}
    md = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "markdown"]).output
    assert "target PostgreSQL 13; rules off: prefer-text-field" in md


@pytest.mark.parametrize("config, needle", [
    ('[rules]\nno-such-rule = "off"\n', "unknown rule 'no-such-rule'"),
    ('[rules]\nprefer-text-field = "warning"\n', "prefer-text-field = 'warning'"),
    ('rules = "off"\n', "rules in .impact.toml must be a table"),
    ('pg_version = "fourteen"\n', "pg_version in .impact.toml = 'fourteen' is not a PostgreSQL version"),
    ('pg_version = 8\n', "is not a PostgreSQL version"),
    ('pg_versoin = 14\n', "unknown key 'pg_versoin'"),
])
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, config: str, needle: str) -> None:
    repo = _repo(tmp_path, config)
    assert_one_line_error(CliRunner().invoke(cli, ["scan", str(repo), "-m", "2"]), EXIT_INPUT, needle)


def test_pg_version_forms() -> None:
    assert [parse_pg_version(v, "x") for v in (14, "14", "14.5", "9.6", "9.6.24", " 18 ")] == [14, 14, 14, 9, 9, 18]
    for bad in (True, "", "v14", 31, "14.x", "14.5.1.2"):
        with pytest.raises(ConfigError):
            parse_pg_version(bad, "x")


def test_pg_version_changes_what_fires_and_the_cli_flag_wins(tmp_path: Path) -> None:
    files = {**FILES, "migrations/0002_change.sql": "SET lock_timeout = '1s';\nALTER TABLE items ADD COLUMN archived boolean DEFAULT false;",
             ".impact.toml": "pg_version = 10\n"}
    repo = make_repo(tmp_path, files)
    assert load_config(repo).pg_version == 10
    old = scan(repo, "2", use_cache=False)
    assert "adding-field-with-default-before-pg11" in _rules(old)
    runner = CliRunner()
    current = report_of(runner.invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json", "--pg-version", "16"]).output)
    assert "adding-field-with-default-before-pg11" not in {f["rule"] for f in current["findings"]}
    assert current["config"]["source"] == ".impact.toml + --pg-version"


def test_feature_newer_than_target_fails_the_gate(tmp_path: Path) -> None:
    files = {**FILES, "migrations/0002_change.sql": "CREATE UNIQUE INDEX CONCURRENTLY items_name ON items (name) NULLS NOT DISTINCT;"}
    repo = make_repo(tmp_path, files)
    result = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json", "--pg-version", "14"])
    assert result.exit_code == EXIT_VERDICT
    [finding] = [f for f in report_of(result.output)["findings"] if f["rule"] == "requires-newer-postgres"]
    assert "NULLS NOT DISTINCT (PostgreSQL 15+)" in finding["message"] and "PostgreSQL 14" in finding["message"]
    assert CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--pg-version", "15"]).exit_code == 0


def test_turning_off_unused_ignore_silences_it(tmp_path: Path) -> None:
    files = {**FILES, "migrations/0002_change.sql": "-- impact: ignore drop-column-loses-data -- not here\nALTER TABLE items ADD COLUMN note text;"}
    noisy = scan(make_repo(tmp_path / "a", files), "2", use_cache=False)
    quiet = scan(make_repo(tmp_path / "b", {**files, ".impact.toml": '[rules]\nunused-ignore = "off"\n'}), "2", use_cache=False)
    assert "unused-ignore" in _rules(noisy) and "unused-ignore" not in _rules(quiet)


def test_version_note_for_each_mismatch() -> None:
    from impact.cli_db import version_note

    assert version_note(16, None, True) is None and version_note(16, 16, False) is None
    assert "older than pg_version 17" in version_note(13, 17, False)
    assert "shadow server is PostgreSQL 18, newer than pg_version 13" in version_note(18, 13, True)
    assert "set pg_version = 16" in version_note(16, 14, False)


def test_formats_key_restricts_and_rejects_unknown_names(tmp_path) -> None:
    from impact.config import load_config
    from impact.errors import ConfigError
    from impact.formats import active_formats

    (tmp_path / ".impact.toml").write_text('formats = ["sql"]\n')
    assert [f.name for f in active_formats(load_config(tmp_path))] == ["sql"]
    (tmp_path / ".impact.toml").write_text('formats = ["cobol"]\n')
    with pytest.raises(ConfigError, match="unknown migration format 'cobol'"):
        load_config(tmp_path)


def test_migrations_run_is_a_deploy_order(tmp_path) -> None:
    (tmp_path / ".impact.toml").write_text('migrations_run = "after-deploy"\n')
    assert load_config(tmp_path).migrations_run == "after-deploy"
    (tmp_path / ".impact.toml").write_text('migrations_run = "sometimes"\n')
    with pytest.raises(ConfigError, match="not a deploy order"):
        load_config(tmp_path)
