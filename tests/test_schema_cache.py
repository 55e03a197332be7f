"""The replayed schema is cached by the earlier migrations' content (impact/schema_cache.py)."""
from __future__ import annotations

import json
from pathlib import Path

from impact.pipeline import scan
from impact.report.combined import render_text
from impact.schema_cache import SUBDIR
from tests.conftest import make_repo

FILES = {
    "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, price int);\nCREATE INDEX items_price ON items (price);",
    "migrations/0002_more.sql": "ALTER TABLE items ADD COLUMN note text;\nALTER TABLE items ENABLE ROW LEVEL SECURITY;",
    "migrations/0003_drop.sql": "ALTER TABLE items DROP COLUMN note;",
    "src/a.ts": "export const q = () => supabase.from('items').select('id, note')\n",
}


def _setup(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    return make_repo(tmp_path / "repo", FILES)


def _report(repo: Path) -> dict:
    report = json.loads(render_text([scan(repo, "3")], "json", None))["migrations"][0]
    report.pop("stats")  # seconds differ
    return report


def test_a_cached_schema_gives_the_same_report(tmp_path: Path, monkeypatch) -> None:
    repo = _setup(tmp_path, monkeypatch)
    first = _report(repo)
    entries = list((tmp_path / "cache" / SUBDIR).glob("*.pickle"))
    assert len(entries) == 1
    assert _report(repo) == first
    assert first["verdict"] == "breaking"
    # A hit parses no earlier migration (formats/sql.py LazyEarlier parses on first use only).
    assert not any("parsed" in vars(e) for e in scan(repo, "3").read.earlier)
    # Without the cache: the same report, nothing more written.
    monkeypatch.setenv("IMPACT_NO_CACHE", "1")
    assert _report(repo) == first
    assert list((tmp_path / "cache" / SUBDIR).glob("*.pickle")) == entries


def test_an_edited_earlier_migration_is_replayed_again(tmp_path: Path, monkeypatch) -> None:
    repo = _setup(tmp_path, monkeypatch)
    before = scan(repo, "3")
    assert before.contexts[0].base.has_column("items", "note") is True
    (repo / "migrations/0002_more.sql").write_text("ALTER TABLE items ENABLE ROW LEVEL SECURITY;", encoding="utf-8")
    after = scan(repo, "3")
    assert after.contexts[0].base.has_column("items", "note") is False  # not the cached schema (with `note`)
    assert len(list((tmp_path / "cache" / SUBDIR).glob("*.pickle"))) == 2


def test_a_damaged_entry_is_a_miss(tmp_path: Path, monkeypatch) -> None:
    repo = _setup(tmp_path, monkeypatch)
    first = _report(repo)
    for entry in (tmp_path / "cache" / SUBDIR).glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert _report(repo) == first
