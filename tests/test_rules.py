"""Every rule is tested by data: tests/rule_cases/<rule-id>.toml holds cases that must fire
(with the statement and the code evidence expected) and near-misses that must not."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from impact.judge.rules import load_rules
from impact.pipeline import scan
from tests.conftest import make_repo

CASES_DIR = Path(__file__).parent / "rule_cases"


def _cases():
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data["case"]:
            yield pytest.param(data["rule"], case, id=f"{data['rule']}::{case['name']}")


@pytest.mark.parametrize("rule_id, case", list(_cases()))
def test_rule_case(tmp_path: Path, rule_id: str, case: dict) -> None:
    files = {"migrations/0001_schema.sql": case.get("schema", ""), "migrations/0002_change.sql": case["migration"]}
    files.update(case.get("code", {}))
    if "config" in case:
        files[".impact.toml"] = case["config"]
    if "base_code" in case:  # the running release: committed code; the case's `code` is the change
        result = scan(_release_repo(tmp_path, case, files), "2", use_cache=False, release_base="HEAD")
    else:
        result = scan(make_repo(tmp_path, files), "2", use_cache=False)
    fired = [f for f in result.findings if f.rule_id == rule_id]
    if not case.get("fires", True):
        assert not fired, f"{rule_id} fired unexpectedly: {[f.message for f in fired]}"
        return
    assert fired, f"{rule_id} did not fire; got {[f.rule_id for f in result.findings]}"
    if "statement" in case:
        assert {f.operation.statement.index for f in fired} == {case["statement"]}
    if "evidence" in case:
        found = sorted(f"{e.file}:{e.line}" for f in fired for e in f.evidence)
        assert found == sorted(case["evidence"])
    if "verdict" in case:
        assert result.assessment.verdict == case["verdict"]
    if "message" in case:
        assert any(case["message"] in f.message for f in fired), [f.message for f in fired]


def _release_repo(root: Path, case: dict, files: dict) -> Path:
    import subprocess

    committed = {"migrations/0001_schema.sql": case.get("schema", ""), **case["base_code"]}
    if "config" in case:
        committed[".impact.toml"] = case["config"]
    make_repo(root, committed)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "release"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    for rel in case.get("removed", []):
        (root / rel).unlink()
    return make_repo(root, {k: v for k, v in files.items() if k not in case.get("removed", [])})


# Rules raised outside the static walk, with the test that makes them fire.
RAISED_ELSEWHERE = {"traced-statement-failed": "tests/test_trace.py::test_a_statement_failing_on_the_server_is_breaking"}


def test_every_rule_has_cases_that_fire_and_that_do_not() -> None:
    covered: dict[str, set[bool]] = {}
    for path in CASES_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert path.stem == data["rule"], f"{path.name} must be named after its rule"
        covered[data["rule"]] = {c.get("fires", True) for c in data["case"]}
    for rule in load_rules():
        assert rule.id in covered, f"rule {rule.id} has no tests/rule_cases/{rule.id}.toml"
        expected = {False} if rule.id in RAISED_ELSEWHERE else {True, False}
        assert covered[rule.id] == expected, f"{rule.id} needs a case that fires and one that does not"


def test_rules_are_documented() -> None:
    for rule in load_rules():
        assert rule.why and rule.solution and rule.example_bad and rule.example_good, rule.id
        assert rule.code.startswith("IMP") and len(rule.code) == 6, rule.id


def test_parsed_rules_are_kept_in_the_cache_and_follow_the_files(tmp_path, monkeypatch) -> None:
    """load_rules keeps its parse under the rule files' texts (issue 13): an edited rule is read again."""
    import shutil

    from impact.judge import rules as module

    copy = tmp_path / "rules"
    shutil.copytree(module.rules_dir(), copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(module, "rules_dir", lambda: copy)
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    try:
        load_rules.cache_clear()
        parsed = load_rules()
        assert len(list((tmp_path / "cache" / "rules").glob("*.pickle"))) == 1
        load_rules.cache_clear()
        assert load_rules() == parsed  # from the cache
        first = sorted(copy.glob("*.toml"))[0]
        text = first.read_text(encoding="utf-8")
        title = tomllib.loads(text)["title"]
        first.write_text(text.replace(f'title = "{title}"', 'title = "edited"', 1), encoding="utf-8")
        load_rules.cache_clear()
        assert [r.title for r in load_rules() if r.source == first.name] == ["edited"]
    finally:
        load_rules.cache_clear()  # the other tests read the real rules again


def test_evidence_is_required_or_optional(tmp_path: Path) -> None:
    from impact.errors import ConfigError
    from impact.judge.rules import load_rule, rules_dir

    text = (rules_dir() / "ban-drop-not-null.toml").read_text(encoding="utf-8")
    assert load_rule(rules_dir() / "ban-drop-not-null.toml").needs_evidence is False  # fires on the operation alone
    assert load_rule(rules_dir() / "dropped-column-still-used.toml").needs_evidence is True
    bad = tmp_path / "ban-drop-not-null.toml"
    bad.write_text(text.replace('evidence = "optional"', 'evidence = "sometimes"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="evidence must be 'required' or 'optional'"):
        load_rule(bad)
