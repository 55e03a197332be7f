"""The extractor registry (impact/extract/__init__.py): an entry is all a new language needs —
its files are walked, pre-filtered by the entry's own filter, and extracted by its module."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from impact.extract import REGISTRY, Extractor, extractor_of, load_extractor, register, suffixes, unregister
from impact.extract.typescript.orm import readers
from impact.pipeline import scan
from tests.conftest import make_repo

# A tiny but real extractor: each `QUERY <table> <column>` line is a SELECT of that column.
TINY = '''
from impact.model import Confidence, Extraction, Query, QueryKind


def extract(path, text):
    queries = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if len(words) == 3 and words[0] == "QUERY":
            queries.append(Query(path, number, number, "tiny", "tiny-lang", QueryKind.SELECT_COLUMNS, words[1],
                                 columns=(words[2],), confidence=Confidence.HIGH, snippet=line))
    return Extraction(queries=queries)
'''
MIGRATIONS = {"migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, price int);",
              "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;"}


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch):
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "tiny_lang_extractor.py").write_text(TINY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    # Its own pre-filter: a `QUERY` line is worth parsing; names in no query position are not.
    entry = register(Extractor("tiny", "tiny_lang_extractor", (".tiny",), other_query=re.compile(r"(?!x)x"), parse_markers=("QUERY ",)))
    yield entry
    unregister("tiny")
    load_extractor.cache_clear()


def test_a_registered_extractor_gets_its_files_walked_filtered_and_extracted(tmp_path: Path, tiny: Extractor) -> None:
    repo = make_repo(tmp_path / "repo", {**MIGRATIONS,
                                         "src/a.tiny": "hello\nQUERY items price\n",  # parsed: its marker
                                         "src/b.tiny": "price, said in passing\n",  # names the column only: references
                                         "src/c.tiny": "nothing to see\n",  # names nothing: not read further
                                         "src/d.unknown": "QUERY items price\n"})  # no extractor: not walked
    result = scan(repo, "2", use_cache=False)
    assert extractor_of("src/a.tiny") is tiny and ".tiny" in suffixes()
    assert [(q.file, q.line, q.extractor, q.table, q.columns) for q in result.queries] == [("src/a.tiny", 2, "tiny-lang", "items", ("price",))]
    assert result.run.files_parsed == 1  # b.tiny passed the name test, not its extractor's filter
    assert {rel for rel, _, _ in result.run.texts} == {"src/a.tiny", "src/b.tiny"}
    assert result.run.skipped["does not mention the migration's tables"] == 1
    assert result.assessment.verdict == "breaking"


def test_without_the_entry_its_files_are_not_walked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**MIGRATIONS, "src/a.tiny": "QUERY items price\n"})
    assert "tiny" not in REGISTRY
    result = scan(repo, "2", use_cache=False)
    assert result.queries == [] and result.run.texts == []


def test_every_registered_suffix_is_walked(tmp_path: Path) -> None:
    wanted = sorted(suffixes())
    assert {".py", ".ts", ".sql"} <= set(wanted) and set(REGISTRY) >= {"python", "typescript", "sqlfiles"}
    files = {f"src/f{i}{suffix}": "-- items price\n" for i, suffix in enumerate(wanted)}
    result = scan(make_repo(tmp_path / "repo", {**MIGRATIONS, **files}), "2", use_cache=False)
    assert {rel for rel, _, _ in result.run.texts} == set(files)


def test_the_python_entry_is_the_python_package_by_name() -> None:
    # The Python extractor plugs in as "python", by import path (it moves to impact/extract/python/).
    assert REGISTRY["python"].module == "impact.extract.python" and extractor_of("app/models.py").name == "python"
    assert hasattr(load_extractor("python"), "extract")


def test_every_ts_orm_module_is_a_reader() -> None:
    # typescript/orm/: one module per ORM, found by its extract_<orm> function.
    names = {r.__name__ for r in readers()}
    package = Path(__file__).resolve().parents[1] / "impact/extract/typescript/orm"
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    assert names == {f"extract_{m}" for m in modules} and len(modules) >= 6


def test_the_other_query_prefilter_answers_as_one_alternation_did() -> None:
    # OTHER_QUERY searches its patterns one by one, the SQL keywords' \b written as a look-behind
    # (impact/extract/__init__.py); the single alternation it replaced is the reference.
    from impact.extract import OTHER_QUERY

    reference = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+[\"`]?[A-Za-z_]\w*|\.(?:from|table)\(\s*[\"'`]\w"
                           r"|\.\w+\.(?:findMany|findFirst|findUnique|create|update|upsert|delete|groupBy)\w*\(")
    cases = ["SELECT a FROM t", "xFROM t", "_JOIN t", "(UPDATE t SET", "INTO\n  \"t\"", "éFROM t", "FROM 1", "from t",
             "supabase.from('t')", "supabase.from(t)", ".table(`x`)", "prisma.user.findMany(", "x.objects.create(",
             "create(", "a.b.upsertMany(", "UPDATED t", "INSERT INTO", ""]
    for text in cases:
        assert bool(OTHER_QUERY.search(text)) is bool(reference.search(text)), text


def test_the_sql_keywords_look_answers_as_the_pattern() -> None:
    # SqlKeywords finds SQL_QUERY's keywords as literals (issue 13, s12speed); the pattern is the reference.
    from impact.extract import SQL_KEYWORDS, SQL_QUERY

    pattern = re.compile(SQL_QUERY)
    cases = ["SELECT a FROM t", "xFROM t", "_JOIN t", "(UPDATE t SET", "INTO\n  \"t\"", "éFROM t", "FROM 1", "from t",
             "FROMFROM t", "a FROM\tb", "INTO `x`", "INTO \"1\"", "UPDATED t", "JOIN", "x = 1  # FROM\n  y", "ÉUPDATE t", ""]
    for text in cases:
        assert bool(SQL_KEYWORDS.search(text)) is bool(pattern.search(text)), text
