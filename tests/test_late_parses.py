"""Issue 13, the cold scan (impact/late_parses.py): an attribution-only Python file whose queries can
only be ORM calls on other tables' models is parsed only when one of its names got a table without
the parse; the one change in the report is the context of a name inside such a query (counted
among the names without a table, never evidence)."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = """from django.db import models


class CheckoutLine(models.Model):
    quantity = models.IntegerField()

    class Meta:
        db_table = "checkout_checkoutline"


class OrderLine(models.Model):
    quantity = models.IntegerField()

    class Meta:
        db_table = "order_orderline"
"""

# `Stock.objects.create(` matches the Prisma arm of the shared other-query pattern.
DEFERRED = "def g():\n    return Stock.objects.create(\n        quantity=1,\n    )\n"
# Line 3 is inside a query on another model; line 4 reads a typed row of OrderLine.
TYPED = ("def g(line: OrderLine):\n    Stock.objects.create(\n        quantity=line.quantity,\n    )\n"
         "    return line.quantity\n")


def _repo(root: Path, files: dict[str, str]) -> Path:
    return make_repo(root, {
        "migrations/0001_drop.sql": "ALTER TABLE checkout_checkoutline DROP COLUMN quantity;",
        "shop/models.py": MODELS,
        **files,
    })


def _refs(result, rel: str) -> list[tuple]:
    return [(r.line, r.context, r.table, r.via) for r in result.references if r.file == rel]


def test_an_orm_only_attribution_file_is_not_parsed_and_its_name_is_counted_without_a_table(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path / "repo", {"shop/other.py": DEFERRED}), "migrations/0001_drop.sql", use_cache=False)
    assert "shop/other.py" in result.run.attribution_only and "shop/other.py" in result.run.deferred
    assert result.run.files_parsed == 1  # models.py only
    # Parsed, this name was part of a query on an unknown table (context "sql", not counted); now it
    # is one of the names no table could be told for: counted, and still never evidence.
    assert _refs(result, "shop/other.py") == [(3, "identifier", None, "name-only")]
    alone = scan(_repo(tmp_path / "alone", {}), "migrations/0001_drop.sql", use_cache=False)
    assert result.unattributed["quantity"] == alone.unattributed.get("quantity", 0) + 1
    assert not any(e.file == "shop/other.py" for f in result.findings for e in f.evidence)


def test_a_deferred_file_whose_name_gets_a_table_is_parsed_and_reports_as_if_parsed_up_front(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path / "repo", {"shop/typed.py": TYPED})
    result = scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert result.run.files_parsed == 2 and not result.run.deferred  # parsed late
    refs = _refs(result, "shop/typed.py")
    # Line 3's keyword is inside the Stock query (no table told); its value `line.quantity`, like
    # line 5, reads OrderLine's row (a value given to the query, not the query's field).
    assert sorted(refs) == [(3, "property", "order_orderline", "typed-receiver"), (3, "sql", None, "name-only"),
                            (5, "property", "order_orderline", "typed-receiver")]
    monkeypatch.setattr("impact.extraction.defer", lambda run, pending: None)  # every file parsed up front
    up_front = scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert up_front.run.files_parsed == 2
    assert _refs(up_front, "shop/typed.py") == refs
    assert up_front.findings == result.findings


def test_a_warm_scan_of_a_late_parsed_file_reports_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    repo = _repo(tmp_path / "repo", {"shop/typed.py": TYPED, "shop/other.py": DEFERRED})
    cold = scan(repo, "migrations/0001_drop.sql", use_cache=True)
    warm = scan(repo, "migrations/0001_drop.sql", use_cache=True)
    assert warm.run.cache_hits >= 1  # typed.py's late parse was cached
    assert sorted(_refs(warm, "shop/typed.py")) == sorted(_refs(cold, "shop/typed.py"))
    assert _refs(warm, "shop/other.py") == _refs(cold, "shop/other.py") == [(3, "identifier", None, "name-only")]


@pytest.mark.parametrize("text", [
    'def h(cursor):\n    Stock.objects.create(size=1)\n    cursor.execute("update stock set quantity = 1")\n',
    'def h(client):\n    Stock.objects.create(size=1)\n    return client.from_("stock").select("quantity")\n',
    'class Stock(Base):\n    __tablename__ = "stock"\n    quantity = Column(Integer)\n\n\ndef h():\n    db.session.delete(Stock(quantity=1))\n',
])
def test_a_file_that_may_query_a_known_table_is_parsed_up_front(tmp_path: Path, text: str) -> None:
    result = scan(_repo(tmp_path / "repo", {"shop/known.py": text}), "migrations/0001_drop.sql", use_cache=False)
    assert "shop/known.py" in result.run.attribution_only
    assert "shop/known.py" not in result.run.deferred
    assert result.run.files_parsed == 2


@pytest.mark.xfail(strict=True, reason="known limit (impact/late_parses.py): the guard is textual; SQL "
                   "assembled from strings none of which starts like SQL is not seen, so the file is "
                   "deferred and its name inside that query is not placed on the query's table")
def test_sql_assembled_from_pieces_is_seen_by_the_guard(tmp_path: Path) -> None:
    text = 'def h(cursor):\n    Stock.objects.create(size=1)\n    cursor.execute("UP" + "DATE stock SET quantity = 1")\n'
    result = scan(_repo(tmp_path / "repo", {"shop/pieces.py": text}), "migrations/0001_drop.sql", use_cache=False)
    assert _refs(result, "shop/pieces.py") == [(3, "sql", "stock", "sql")]


# TYPED with a function naming no changed column: its query is not read (late_parses.parse_late).
TYPED_AND_MORE = TYPED + "\n\ndef h(pk):\n    return Stock.objects.filter(pk=pk).first()\n"


@pytest.mark.parametrize("text, cut", [
    (TYPED_AND_MORE, True),
    # A name at module level: a module-level query could depend on any function, so the file is parsed whole.
    ("ROW = {'quantity': 1}\n" + TYPED_AND_MORE, False),
])
def test_a_late_parse_reads_only_the_functions_naming_a_column_and_reports_as_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, cut: bool) -> None:
    from impact.cache import ExtractionCache, cache_key
    from impact.extract.python.blocks import functions_blanked

    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    repo = _repo(tmp_path / "repo", {"shop/typed.py": text})
    result = scan(repo, "migrations/0001_drop.sql", use_cache=True)
    assert result.run.files_parsed == 2 and not result.run.deferred  # counted once, cut or whole
    lines = {line for line, *_ in _refs(result, "shop/typed.py")}
    cache = ExtractionCache()
    blanked = functions_blanked(text, lines)
    assert (blanked is not None) == cut
    assert (cache.get(cache_key(text, "python", "shop/typed.py")) is None) == cut
    if cut:  # kept under the file's text and its lines naming a changed column
        assert "Stock.objects.filter" not in blanked
        late = f"python-late {','.join(map(str, sorted(lines)))}"
        assert cache.get(cache_key(text, late, "shop/typed.py")) is not None
    warm = scan(repo, "migrations/0001_drop.sql", use_cache=True)
    assert warm.run.files_parsed == 0 and _refs(warm, "shop/typed.py") == _refs(result, "shop/typed.py")
    assert warm.run.cache._store._db is None  # the pack, saved after the late parses, held theirs too
    monkeypatch.setattr("impact.extraction.defer", lambda run, pending: None)  # every file parsed up front, whole
    up_front = scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert _refs(up_front, "shop/typed.py") == _refs(result, "shop/typed.py")
    assert up_front.findings == result.findings


def test_where_the_cut_is_read_its_queries_place_every_name_as_the_whole_file_s_do() -> None:
    """parse_late's decision, checked on the Python files of impact/ and of the fixture apps for a
    few column names (on saleor's 4,300 files: 703 cuts read, none placing a name otherwise)."""
    from impact.extract.python.blocks import functions_blanked
    from impact.extract.python.extractor import extract
    from impact.extract.references import find_references

    root = Path(__file__).resolve().parent.parent
    files = [(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8"))
             for folder in ("impact", "fixtures/apps") for p in sorted((root / folder).rglob("*.py"))]
    files += [("shop/typed.py", TYPED_AND_MORE), ("shop/other.py", DEFERRED + "\n\ndef h():\n    return Stock.objects.get(pk=2)\n")]
    read = 0
    for rel, text in files:
        for names in ({"quantity"}, {"name"}, {"status", "title"}, {"email", "user_id"}):
            refs = find_references(rel, text, names, [])
            cut = functions_blanked(text, {r.line for r in refs}) if refs else None
            queries = extract(rel, cut).queries if cut is not None else []
            if not any(q.table is None for q in queries):
                continue  # parse_late parses the whole file
            read += 1
            assert find_references(rel, text, names, queries) == find_references(rel, text, names, extract(rel, text).queries), (rel, names)
    assert read >= 15
