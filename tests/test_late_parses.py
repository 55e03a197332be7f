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
    # Line 3's two names are inside the Stock query (no table told), line 5 reads OrderLine's row.
    assert sorted(refs) == [(3, "sql", None, "name-only"), (3, "sql", None, "name-only"),
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
