"""Every JSON output matches its published schema (impact/report/schemas): scan, --changed, apply, verify."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from impact.cli import cli
from tests.conftest import FIXTURES
from tests.test_changed import committed_repo, git

CHAT = FIXTURES / "apps" / "chat-ts"


def schema(name: str) -> dict:
    return json.loads(resources.files("impact.report").joinpath(f"schemas/{name}.schema.json").read_text(encoding="utf-8"))


def validate(data, name: str) -> None:
    jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker()).validate(data)


def output(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


@pytest.mark.parametrize("name", ["scan", "apply", "verify"])
def test_the_schemas_are_valid_json_schemas(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


@pytest.mark.parametrize("ref", ["11", str(FIXTURES / "scenarios" / "drop_is_pinned.sql"), str(FIXTURES / "scenarios" / "require_tenant.sql")])
def test_single_scan_reports_match(ref: str) -> None:
    data = output("scan", str(CHAT), "-m", ref, "--format", "json")
    validate(data, "scan")
    assert data["schema_version"] == 2 and data["changed_since"] is None and len(data["migrations"]) == 1
    broken = {k: v for k, v in data["migrations"][0].items() if k != "verdict"}
    with pytest.raises(jsonschema.ValidationError):
        validate({**data, "migrations": [broken]}, "scan")


def test_changed_envelope_and_nothing_changed_match(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "r", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text, price int);",
        "src/shop.ts": "export const load = () => supabase.from('items').select('id, price')\n",
    })
    git(repo, "checkout", "-q", "-b", "feature")
    validate(output("scan", str(repo), "--changed", "main", "--format", "json"), "scan")  # no migration changed
    (repo / "migrations/0002_drop_price.sql").write_text("ALTER TABLE items DROP COLUMN price;\n")
    data = output("scan", str(repo), "--changed", "main", "--format", "json")
    validate(data, "scan")
    assert data["migrations"][0]["verdict"] == "breaking"
    data["migrations"][0]["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate(data, "scan")


def test_apply_and_verify_dry_runs_match() -> None:
    applied = output("apply", str(CHAT), "-m", "11", "--format", "json")
    validate(applied, "apply")
    assert applied["schema_version"] == 1 and applied["dry_run"] is True
    verified = output("verify", str(CHAT), "-m", "11", "--format", "json")
    validate(verified, "verify")
    assert verified["passed"] is True and verified["counts"]["total"] == len(verified["checks"])
