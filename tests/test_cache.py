"""impact.cache on a real file system: hits, misses, corruption, locations, invalidation."""
from __future__ import annotations

import contextlib
import json
import pickle
import sqlite3
import sys
from pathlib import Path

import pytest

import impact
from impact import cache as C
from impact.cache import ExtractionCache, cache_key
from impact.model import Confidence, Extraction, FileIssue, Query, QueryKind


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No test may touch the real user cache: the defaults point into tmp_path."""
    for name in ("IMPACT_CACHE_DIR", "IMPACT_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def full_query(**overrides) -> Query:
    values = dict(
        file="src/a.py", line=3, end_line=5, language="python", extractor="python-sql",
        kind=QueryKind.UPSERT, table="conversations", columns=("id", "title"),
        filter_columns=("user_id",), ambiguous_columns=("x",), confidence=Confidence.HIGH,
        schema="public", columns_known=False, sql="INSERT ...", snippet="cur.execute(...)", note="why",
    )
    return Query(**{**values, **overrides})


def sample() -> Extraction:
    minimal = Query(file="src/a.py", line=9, end_line=9, language="python", extractor="x",
                    kind=QueryKind.SELECT_STAR, table=None)
    issues = [FileIssue("src/a.py", "partial parse")]
    return Extraction(queries=[full_query(), minimal], issues=issues, generated=True)


def entries(cache: ExtractionCache) -> list[Path]:
    return sorted(p for p in cache.directory.rglob("*") if p.is_file()) if cache.directory.exists() else []


STORE = "entries.sqlite"


def stored(cache: ExtractionCache) -> dict[str, bytes]:
    """The rows of the entries' database, read as another process would."""
    with contextlib.closing(sqlite3.connect(cache.directory / STORE)) as db:
        return dict(db.execute("SELECT key, value FROM entries"))


def store(cache: ExtractionCache, k: str, value: bytes) -> None:
    with contextlib.closing(sqlite3.connect(cache.directory / STORE)) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (value, k))


def key(text: str = "select 1", extractor: str = "python-sql", file: str = "src/a.py") -> str:
    return cache_key(text, extractor, file)


# --- hit and miss -----------------------------------------------------------------------------


def test_miss_then_hit_returns_an_equal_extraction(tmp_path):
    cache = ExtractionCache(tmp_path / "c")
    assert cache.get(key()) is None
    cache.put(key(), sample())
    again = ExtractionCache(tmp_path / "c").get(key())  # a new process reads what the last one wrote
    assert again == sample()
    assert isinstance(again.queries[0].kind, QueryKind) and isinstance(again.queries[0].columns, tuple)
    assert (cache.hits, cache.misses, cache.writes) == (0, 1, 1)


def test_empty_extraction_round_trips(tmp_path):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), Extraction())
    assert cache.get(key()) == Extraction()


def test_entries_are_pickles_in_one_private_database(tmp_path):
    """One SQLite file holds every entry (impact.cache_store): no file, no folder per entry."""
    cache = ExtractionCache(tmp_path)
    k = key()
    cache.put(k, sample())
    cache.put(key("other"), Extraction())
    assert sorted(stored(cache)) == sorted([k, key("other")])
    assert pickle.loads(stored(cache)[k]) == sample()
    assert {p.name for p in entries(cache)} <= {STORE, STORE + "-wal", STORE + "-shm"}
    for path in entries(cache):
        assert path.stat().st_mode & 0o777 == 0o600, path.name  # private, as tempfile.mkstemp made the entry files


def test_an_entry_file_of_the_earlier_layout_is_still_read(tmp_path):
    """Entries written before h22cold (a pickle file each, one-letter fan-out) whose key did not change are hits."""
    k = key()
    entry = tmp_path / C.ENTRIES_SUBDIR / k[:1] / f"{k}.pickle"
    entry.parent.mkdir(parents=True)
    entry.write_bytes(pickle.dumps(sample()))
    assert ExtractionCache(tmp_path).get(k) == sample()


def test_a_corrupt_database_is_a_miss_and_made_again_by_the_next_put(tmp_path):
    cache = ExtractionCache(tmp_path)
    cache.put(key("a"), sample())
    cache._store.close()
    for path in entries(cache):
        path.write_bytes(b"not a database " * 100)
    again = ExtractionCache(tmp_path)
    assert again.get(key("a")) is None
    again.put(key("b"), sample())
    assert again.enabled and ExtractionCache(tmp_path).get(key("b")) == sample()


def test_an_entry_put_is_read_by_another_process_before_this_one_ends(tmp_path):
    """Each put is committed at once: a scan that dies later keeps it (issue 13 item 3)."""
    first, second = ExtractionCache(tmp_path), ExtractionCache(tmp_path)
    first.put(key("a"), sample())
    second.put(key("b"), Extraction(generated=True))
    assert second.get(key("a")) == sample() and first.get(key("b")) == Extraction(generated=True)


def test_an_entry_of_the_earlier_json_form_is_still_read(tmp_path):
    """Entries written before h17cold (JSON) whose key did not change are hits, decoded as before;
    the pack then holds the value's pickle."""
    k = key()
    entry = tmp_path / C.ENTRIES_SUBDIR / k[:2] / f"{k}.json"
    entry.parent.mkdir(parents=True)
    entry.write_text(json.dumps(C.encode(sample())))
    cache = ExtractionCache(tmp_path, pack="repo")
    assert cache.get(k) == sample()
    cache.save_pack()
    entry.unlink()
    assert ExtractionCache(tmp_path, pack="repo").get(k) == sample()


def test_a_value_pickle_cannot_hold_is_kept_in_json_form(tmp_path):
    cache = ExtractionCache(tmp_path, pack="repo")
    k = key()
    import dataclasses

    @dataclasses.dataclass
    class Local:  # a class defined in a function: pickle cannot name it, its JSON form is a dict
        needles: list

    cache.put(k, {"models": Local(["a"])})
    [entry] = entries(cache)
    assert entry.suffix == ".json" and json.loads(entry.read_text()) == {"models": {"needles": ["a"]}}
    assert cache.get(k, dict) == {"models": {"needles": ["a"]}}


def test_a_pickle_entry_that_does_not_load_is_a_miss_even_with_a_json_one_beside_it(tmp_path):
    cache = ExtractionCache(tmp_path)
    k = key()
    cache.put(k, sample())
    old = tmp_path / C.ENTRIES_SUBDIR / k[:2] / f"{k}.json"
    old.parent.mkdir()
    old.write_text(json.dumps(C.encode(Extraction(generated=True))))
    assert ExtractionCache(tmp_path).get(k) == sample()  # the pickle first
    store(cache, k, pickle.dumps(["not", "an", "Extraction"]))
    assert cache.get(k) is None


def test_write_leaves_no_temporary_files(tmp_path):
    cache = ExtractionCache(tmp_path)
    for i in range(5):
        cache.put(key(str(i)), sample())
    assert {p.name for p in entries(cache)} <= {STORE, STORE + "-wal", STORE + "-shm"}
    assert len(stored(cache)) == 5


def test_a_temporary_name_left_by_another_process_is_skipped(tmp_path):
    import os

    from impact import cache_files

    target = tmp_path / "entry.pickle"
    cache_files.write_atomically(target, b"first")  # makes the folder
    following = next(cache_files._TEMP_NUMBERS) + 1
    stale = tmp_path / f".tmp-{os.getpid()}-{following}"
    stale.write_bytes(b"left by a dead process of the same id")
    cache_files.write_atomically(target, b"second")
    assert target.read_bytes() == b"second" and stale.read_bytes().startswith(b"left")
    assert next(cache_files._TEMP_NUMBERS) > following


def test_a_folder_removed_after_a_write_is_made_again(tmp_path):
    import shutil

    cache = ExtractionCache(tmp_path / "c")
    cache.put(key("a"), sample())
    shutil.rmtree(tmp_path / "c")  # e.g. the user clears the cache during a scan
    cache.put(key("a"), sample())
    assert cache.enabled and ExtractionCache(tmp_path / "c").get(key("a")) == sample()


def test_overwriting_an_entry_replaces_it(tmp_path):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), sample())
    cache.put(key(), Extraction(generated=True))
    assert cache.get(key()) == Extraction(generated=True)


# --- corruption -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"queries": [{"file": "a.py"',  # truncated
        b"\x00\xff garbage",
        b"[1, 2, 3]",  # JSON, wrong shape
        b'{"queries": [{"nonexistent_field": 1}]}',  # written by another model version
        b'{"queries": [{"file": "a", "line": 1, "end_line": 1, "language": "py", "extractor": "x",'
        b' "kind": "no_such_kind", "table": null}]}',
        b'{"queries": "not a list"}',
    ],
)
def test_a_corrupt_entry_is_a_miss_not_an_error(tmp_path, content):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), sample())
    store(cache, key(), content)
    assert cache.get(key()) is None
    cache.put(key(), sample())  # and the next put repairs it
    assert cache.get(key()) == sample()


def test_an_entry_that_is_a_folder_is_a_miss(tmp_path):
    cache = ExtractionCache(tmp_path)
    k = key()
    (tmp_path / C.ENTRIES_SUBDIR / STORE).mkdir(parents=True)  # where the entries' database goes
    assert cache.get(k) is None
    cache.put(k, sample())  # cannot replace a folder: caching turns off, silently
    assert not cache.enabled and cache.get(k) is None


def test_a_malformed_key_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        ExtractionCache(tmp_path).get("../../etc/passwd")


# --- where the cache lives --------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CACHE_HOME is a Linux/BSD convention")
def test_xdg_cache_home_is_honoured(tmp_path):
    cache = ExtractionCache()
    assert cache.directory == tmp_path / "xdg" / "impact" / C.ENTRIES_SUBDIR
    cache.put(key(), sample())
    assert len(stored(cache)) == 1


def test_impact_cache_dir_overrides_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "mine"))
    cache = ExtractionCache()
    cache.put(key(), sample())
    assert cache.directory == tmp_path / "mine" / C.ENTRIES_SUBDIR
    assert ExtractionCache().get(key()) == sample()
    assert not (tmp_path / "xdg").exists()


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_impact_no_cache_disables_everything(tmp_path, monkeypatch, value):
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("IMPACT_NO_CACHE", value)
    cache = ExtractionCache()
    cache.put(key(), sample())
    assert not cache.enabled and cache.get(key()) is None
    assert not (tmp_path / "mine").exists()


def test_impact_no_cache_zero_keeps_it_on(tmp_path, monkeypatch):
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("IMPACT_NO_CACHE", "0")
    assert ExtractionCache().enabled


def test_explicitly_disabled_cache_is_a_no_op(tmp_path):
    cache = ExtractionCache(tmp_path, enabled=False)
    cache.put(key(), sample())
    assert cache.get(key()) is None and not any(tmp_path.iterdir())


def test_a_missing_cache_folder_is_created(tmp_path):
    cache = ExtractionCache(tmp_path / "does" / "not" / "exist")
    cache.put(key(), sample())
    assert cache.get(key()) == sample()


def test_an_unwritable_cache_folder_silently_disables_caching(tmp_path):
    # A regular file where the folder should be: unwritable even for root (chmod would not be).
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    cache = ExtractionCache(blocker / "cache")
    assert cache.get(key()) is None
    cache.put(key(), sample())  # no exception
    assert not cache.enabled
    cache.put(key("other"), sample())  # stays off, still no exception
    assert cache.get(key()) is None


# --- keys and invalidation --------------------------------------------------------------------


def test_key_is_a_sha256_hex_digest_and_stable():
    assert key() == key()
    assert len(key()) == 64 and all(c in "0123456789abcdef" for c in key())


def test_key_depends_on_content_extractor_and_file():
    keys = {key(), key(text="select 2"), key(extractor="supabase-js"), key(file="src/b.py")}
    assert len(keys) == 4


def test_identical_files_at_different_paths_do_not_share_results(tmp_path):
    cache = ExtractionCache(tmp_path)
    cache.put(key(file="a.py"), Extraction(queries=[full_query(file="a.py")]))
    assert cache.get(key(file="b.py")) is None


def test_a_new_package_version_invalidates_every_entry(tmp_path, monkeypatch):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), sample())
    monkeypatch.setattr(impact, "__version__", impact.__version__ + ".post1")
    assert cache.get(key()) is None


def test_a_new_extractor_schema_invalidates_every_entry(tmp_path, monkeypatch):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), sample())
    monkeypatch.setattr(C, "EXTRACTOR_SCHEMA", C.EXTRACTOR_SCHEMA + 1)
    assert cache.get(key()) is None


def test_a_changed_model_shape_invalidates_every_entry(tmp_path, monkeypatch):
    cache = ExtractionCache(tmp_path)
    cache.put(key(), sample())
    monkeypatch.setattr(C, "MODEL_FINGERPRINT", C.MODEL_FINGERPRINT + ";Query:new_field=str")
    assert cache.get(key()) is None


def test_non_utf8_safe_text_still_gets_a_key():
    # Text decoded with surrogateescape by some caller must not make hashing raise.
    assert len(cache_key("caf\udce9", "python-sql", "a.py")) == 64


def test_editing_an_extractor_changes_every_key(tmp_path, monkeypatch) -> None:
    import shutil

    import impact
    from impact import cache

    copy = tmp_path / "impact"
    shutil.copytree(Path(impact.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(impact, "__file__", str(copy / "__init__.py"))
    cache._code_fingerprint.cache_clear()
    before = cache.cache_key("SELECT 1", "python", "a.py")
    fixed = copy / "extract" / "python" / "facts.py"  # a module of an extractor package
    fixed.write_text(fixed.read_text() + "\n# a fix\n")
    cache._code_fingerprint.cache_clear()
    after = cache.cache_key("SELECT 1", "python", "a.py")
    cache._code_fingerprint.cache_clear()
    assert before != after


def test_orm_map_is_cached_by_the_declaration_files_content(tmp_path) -> None:
    from impact.cache import ExtractionCache
    from impact.orm import build_orm_map

    cache = ExtractionCache(tmp_path / "cache")
    files = [("prisma/schema.prisma", 'model User {\n  id Int @id\n  fullName String @map("full_name")\n}\n')]
    first = build_orm_map(files, cache)
    assert (cache.misses, cache.writes) == (1, 1)
    again = build_orm_map(files, cache)
    assert cache.hits == 1 and again == first and again.by_accessor("prisma", "user")[0].column_for("fullName") == "full_name"
    changed = build_orm_map([(files[0][0], files[0][1].replace("full_name", "name"))], cache)
    assert cache.misses == 2 and changed.by_accessor("prisma", "user")[0].column_for("fullName") == "name"


# --- packs: a warm scan reads one file ------------------------------------------------------


def test_a_pack_serves_the_next_run_from_one_file(tmp_path):
    first = ExtractionCache(tmp_path, pack="repo")
    first.put(key("a"), sample())
    assert first.get(key("b")) is None
    first.save_pack()
    for entry in entries(first):
        entry.unlink()  # the single entries gone: only the pack can answer now
    second = ExtractionCache(tmp_path, pack="repo")
    assert second.get(key("a")) == sample() and second.get(key("b")) is None
    assert ExtractionCache(tmp_path, pack="another repo").get(key("a")) is None


def test_a_key_the_last_scan_found_nowhere_is_not_looked_up_again(tmp_path):
    """A warm scan's misses (files late_parses.py defers) open no entries' database (cache.MISSES);
    a key put since by another scan is then a miss too: a parse more, never a wrong answer."""
    first = ExtractionCache(tmp_path, pack="repo")
    assert first.get(key("a")) is None and first.get(key("b")) is None
    first.put(key("b"), sample())  # found nowhere, then put: not a miss for the next scan
    first.save_pack()
    ExtractionCache(tmp_path).put(key("a"), sample())  # another scan, another pack
    second = ExtractionCache(tmp_path, pack="repo")
    assert second.get(key("b")) == sample() and second.get(key("a")) is None
    assert second._store._db is None  # neither answer needed the database
    assert ExtractionCache(tmp_path, pack="another").get(key("a")) == sample()
    second.save_pack()  # unchanged: the same entries, the same misses
    assert ExtractionCache(tmp_path, pack="repo")._pack().keys() == {key("b")}


def test_a_pack_keeps_only_what_the_last_run_used(tmp_path):
    cache = ExtractionCache(tmp_path, pack="repo")
    cache.put(key("a"), sample())
    cache.put(key("b"), sample())
    cache.save_pack()
    again = ExtractionCache(tmp_path, pack="repo")
    assert again.get(key("a")) == sample()
    again.save_pack()  # b was not used this time: the pack forgets it (the single entry stays)
    [pack] = (tmp_path / C.PACKS_SUBDIR).glob("*.pickle")
    assert set(pickle.loads(pack.read_bytes())) == {key("a")}
    assert ExtractionCache(tmp_path).get(key("b")) == sample()


@pytest.mark.parametrize("content", [b"", pickle.dumps([1]), pickle.dumps({key(): b"not a pickle"}),
                                     pickle.dumps({key(): pickle.dumps("an Extraction's wrong type")}), b"\xff"])
def test_a_corrupt_pack_is_a_miss_not_an_error(tmp_path, content):
    cache = ExtractionCache(tmp_path, pack="repo")
    cache.put(key(), sample())
    cache.save_pack()
    [pack] = (tmp_path / C.PACKS_SUBDIR).glob("*.pickle")
    pack.write_bytes(content)
    assert ExtractionCache(tmp_path, pack="repo").get(key()) == sample()  # from the single entry
    assert ExtractionCache(tmp_path, pack="repo").get(key("other")) is None


def test_a_value_changed_by_its_caller_does_not_change_the_pack(tmp_path):
    """Pack values are pickled when put or read and unpickled on each get: no shared objects."""
    first = ExtractionCache(tmp_path, pack="repo")
    value = sample()
    first.put(key("a"), value)
    value.queries.clear()  # after put: the pack keeps what was put
    first.save_pack()
    second = ExtractionCache(tmp_path, pack="repo")
    got = second.get(key("a"))
    assert got == sample()
    got.queries.clear()
    assert second.get(key("a")) == sample()


def test_a_hint_isinstance_cannot_check_is_served_from_the_single_entry(tmp_path):
    import typing

    first = ExtractionCache(tmp_path, pack="repo")
    first.put(key("a"), sample())
    first.save_pack()
    assert ExtractionCache(tmp_path, pack="repo").get(key("a"), typing.Optional[Extraction]) == sample()
