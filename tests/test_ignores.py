"""Inline ignores with a reason, squawk's syntax, code-line ignores, and unused ignores."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = "CREATE TABLE items (id int PRIMARY KEY, name text, price int);"


def _scan(tmp_path: Path, migration: str, code: dict | None = None):
    files = {"migrations/0001_init.sql": SCHEMA, "migrations/0002_change.sql": migration, **(code or {})}
    return scan(make_repo(tmp_path, files), "2", use_cache=False)


def test_statement_ignore_with_reason_suppresses_and_is_reported(tmp_path: Path) -> None:
    result = _scan(tmp_path, "SET lock_timeout = '1s';\n-- impact: ignore require-concurrent-index-creation -- 40 rows, built in ms\nCREATE INDEX items_name ON items (name);\nCREATE INDEX items_price ON items (price);")
    fired = [f.operation.name for f in result.findings if f.rule_id == "require-concurrent-index-creation"]
    assert fired == ["items_price"]  # only the statement after the comment is ignored
    [s] = result.suppressed
    assert (s.rule, s.directive.reason, s.directive.scope) == ("require-concurrent-index-creation", "40 rows, built in ms", "statement")


def test_file_ignore_and_squawk_syntax(tmp_path: Path) -> None:
    result = _scan(tmp_path, "-- squawk-ignore-file ban-drop-column\nSET lock_timeout = '1s';\nALTER TABLE items DROP COLUMN price;")
    assert not any(f.rule_id == "drop-column-loses-data" for f in result.findings)  # squawk's name, our rule
    assert [s.rule for s in result.suppressed] == ["drop-column-loses-data"]


def test_code_line_ignore_removes_that_evidence_only(tmp_path: Path) -> None:
    code = {
        "src/a.ts": "// impact: ignore dropped-column-still-used -- dead code, removed in #42\nexport const a = () => supabase.from('items').select('price')\n",
        "src/b.py": "cur.execute('SELECT price FROM items')\n",
    }
    result = _scan(tmp_path, "ALTER TABLE items DROP COLUMN price;", code)
    finding = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert [f"{e.file}:{e.line}" for e in finding.evidence] == ["src/b.py:1"]
    assert [s.what for s in result.suppressed] == ["src/a.ts:2"]


def test_unused_ignore_is_a_finding_and_reasons_reach_the_json(tmp_path: Path) -> None:
    from impact.report.json_report import to_dict

    result = _scan(tmp_path, "-- impact: ignore drop-column-loses-data -- nothing is dropped here\nALTER TABLE items ADD COLUMN note text;")
    unused = [f for f in result.findings if f.rule_id == "unused-ignore"]
    assert len(unused) == 1 and "suppresses nothing" in unused[0].message
    assert result.assessment.verdict in ("safe", "caution")  # advice never raises the verdict
    ignored = _scan(tmp_path / "b", "-- impact: ignore require-lock-timeout -- our runner sets it\nALTER TABLE items ADD COLUMN note text;")
    assert to_dict(ignored)["suppressions"][0]["reason"] == "our runner sets it"
