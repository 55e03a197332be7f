"""Issue 13, the cold scan's eleventh pass (impact/extract/python/kept_functions.py, impact/cut_parses.py):
a model user is parsed cut to the functions naming a changed column, an affected model class or a
module- or class-level binding; its queries on the affected models and its references are those of
the whole parse."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.extract.python.extractor import extract
from impact.extract.python.kept_functions import extract_kept, kept_text
from impact.extract.references import find_references
from impact.pipeline import scan
from tests.conftest import make_repo
from tests.test_late_parses import MODELS as LATE_MODELS

NEEDLES = ("checkout_checkoutline", "quantity")
NAMES = ("CheckoutLine",)


ATTRIBUTION = '''def report(cursor):
    cursor.execute("SELECT name FROM warehouse_warehouse")
    return cursor.fetchall()


def restock(warehouse):
    return Stock.objects.filter(warehouse=warehouse, quantity=0).update(quantity=1)
'''


USER = '''from shop.models import CheckoutLine, Stock
from shop.models import CheckoutLine as Line

LINES = CheckoutLine.objects
pending = (
    Line.objects.filter(checkout=None)
)
LABEL = "CheckoutLine = not a binding"


def held():
    return LINES.filter(checkout=None).first()


def pended():
    return pending.count()


def aliased():
    return Line.objects.all()


def direct(checkout):
    return CheckoutLine.objects.filter(checkout=checkout).delete()


def named(checkout):
    return Stock.objects.filter(warehouse=checkout, quantity=1).first()


def other(checkout):
    stock = Stock.objects.filter(warehouse=checkout).first()
    return stock.allocated + LABEL.count("x")


def unrelated(value):
    return Stock.objects.exclude(id=value).count()


class View:
    model = CheckoutLine

    def get(self):
        return self.model.objects.all()

    def put(self):
        return Stock.objects.none()
'''


def _on(extraction, model: str) -> list[tuple]:
    return [(q.line, q.end_line, q.kind, q.method, q.columns, q.filter_columns) for q in extraction.queries if q.model == model]


def test_the_cut_keeps_the_functions_that_can_matter_and_blanks_the_others() -> None:
    kept = kept_text(USER, NEEDLES, NAMES)
    assert kept is not None and kept != USER
    lines = kept.split("\n")
    assert len(lines) == len(USER.split("\n"))  # the file's own line numbers
    body = {name: USER.split("\n").index(row) for row in USER.split("\n") for name in [row.strip()[4:].split("(")[0]]
            if row.startswith(("def ", "    def "))}

    def blanked(function: str) -> bool:
        return lines[body[function]].strip() == "def _():"

    # module-level bindings (`LINES`, `pending`), an import alias (`Line`), the class itself, a column name, the
    # class attribute `model`, and a name the string constant binds (`LABEL`: kept, over-approximated) keep theirs
    assert not any(blanked(f) for f in ("held", "pended", "aliased", "direct", "named", "get", "other"))
    assert blanked("unrelated") and blanked("put")
    assert "Line.objects.filter(checkout=None)" in kept  # module level as written


def test_the_cut_gives_the_whole_parse_s_queries_on_the_model_and_its_references() -> None:
    kept = kept_text(USER, NEEDLES, NAMES)
    whole, cut = extract("shop/user.py", USER), extract("shop/user.py", USER, kept)
    assert len(cut.queries) < len(whole.queries)  # the blanked functions' Stock queries
    for model in ("CheckoutLine", "Line"):
        assert _on(cut, model) == _on(whole, model) and _on(whole, model)
    assert find_references("shop/user.py", USER, {"quantity"}, cut.queries) == \
        find_references("shop/user.py", USER, {"quantity"}, whole.queries) != []
    assert extract_kept("shop/user.py", USER, NEEDLES, NAMES) == cut


def test_a_cut_holding_a_query_with_a_table_or_an_issue_is_extracted_whole() -> None:
    sql = USER + '\n\ndef raw(cursor):\n    cursor.execute("SELECT quantity FROM checkout_checkoutline")\n'
    assert extract_kept("shop/user.py", sql, NEEDLES, NAMES) == extract("shop/user.py", sql)
    broken = USER + "\n\ndef bad():\n    return CheckoutLine.objects.filter(\n"
    assert extract_kept("shop/user.py", broken, NEEDLES, NAMES) == extract("shop/user.py", broken)
    assert extract("shop/user.py", broken).issues


def test_no_function_or_uncertain_line_breaks_mean_no_cut() -> None:
    assert kept_text("X = CheckoutLine.objects.all()\n", NEEDLES, NAMES) is None
    assert kept_text("def f():\n    return 1\x0c\n", NEEDLES, NAMES) is None


@pytest.mark.xfail(reason="known limit (kept_functions.py): a syntax error in a blanked function is not reported", strict=True)
def test_a_syntax_error_in_a_blanked_function_is_reported() -> None:
    broken = USER + "\n\ndef bad(:\n    return 1\n"
    assert extract_kept("shop/user.py", broken, NEEDLES, NAMES).issues


# The late parses' models, and a model of another table that the users query.
MODELS = LATE_MODELS + """

class Stock(models.Model):
    quantity = models.IntegerField()
    warehouse = models.IntegerField()

    class Meta:
        db_table = "warehouse_stock"
"""


def _repo(root: Path) -> Path:
    files = {"migrations/0001_drop.sql": "ALTER TABLE checkout_checkoutline DROP COLUMN quantity;", "shop/models.py": MODELS,
             "shop/user.py": USER}
    # Enough model users for the worker pool (extraction_jobs.PARALLEL_THRESHOLD), each a cut.
    files.update({f"shop/user_{n}.py": USER.replace("def unrelated", f"def unrelated_{n}") for n in range(50)})
    return make_repo(root, files)


def _report(result) -> tuple:
    return (sorted((q.file, q.line, q.table, q.kind) for q in result.queries),
            sorted((r.file, r.line, r.column, r.context, r.table, r.via) for r in result.references),
            [(f.rule_id, len(f.evidence)) for f in result.findings], result.run.files_parsed)


def test_a_scan_reports_the_same_with_cuts_as_with_whole_parses_cold_and_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path / "repo")
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    cold = scan(repo, "migrations/0001_drop.sql")
    warm = scan(repo, "migrations/0001_drop.sql")
    assert warm.run.cache_hits >= 51 and warm.run.files_parsed == 0
    monkeypatch.setattr("impact.extraction.plan_cuts", lambda *args: {})  # every file parsed whole
    whole = scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert _report(cold) == _report(whole) == _report(warm)[:3] + (whole.run.files_parsed,)
    assert any(q.file == "shop/user_7.py" and q.table == "checkout_checkoutline" for q in cold.queries)


def test_only_files_whose_queries_are_all_orm_calls_on_imported_models_are_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from impact import cut_parses

    seen = {}
    original = cut_parses.plan

    def spy(run, cache, pending, *rest):
        plans = original(run, cache, pending, *rest)
        seen.update(plans)
        return plans
    monkeypatch.setattr("impact.extraction.plan_cuts", spy)
    repo = make_repo(tmp_path / "repo", {
        "migrations/0001_drop.sql": "ALTER TABLE checkout_checkoutline DROP COLUMN quantity;", "shop/models.py": MODELS,
        "shop/user.py": USER,
        "shop/sql.py": USER + '\n\ndef raw(cursor):\n    cursor.execute("select 1")\n',  # a string starting like SQL
        "shop/declares.py": USER + "\n\nclass Extra(models.Model):\n    name = models.TextField()\n",  # may declare a model
        "shop/restock.py": ATTRIBUTION,  # attribution-only, no affected model: its references only
    })
    scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert set(seen) == {"shop/user.py", "shop/restock.py"}
    assert seen["shop/user.py"][1] == ("CheckoutLine",) and "quantity" in seen["shop/user.py"][0]
    assert seen["shop/restock.py"] == (seen["shop/user.py"][0], ())


def test_an_attribution_only_file_is_cut_only_when_a_kept_query_leaves_its_bare_names_unattributed() -> None:
    kept = kept_text(ATTRIBUTION, NEEDLES, ())
    assert kept is not None and "SELECT" not in kept  # the SQL function is blanked
    cut = extract_kept("shop/restock.py", ATTRIBUTION, NEEDLES, ())
    assert cut == extract("shop/restock.py", ATTRIBUTION, kept) and all(q.table is None for q in cut.queries)
    whole = extract("shop/restock.py", ATTRIBUTION)
    assert find_references("shop/restock.py", ATTRIBUTION, {"quantity"}, cut.queries) == \
        find_references("shop/restock.py", ATTRIBUTION, {"quantity"}, whole.queries)
    # No query on an unknown table in the cut: the blanked SQL could credit bare names to its table.
    plain = ATTRIBUTION.replace("Stock.objects.filter(warehouse=warehouse, quantity=0).update(quantity=1)", "{'quantity': 1}")
    assert extract_kept("shop/restock.py", plain, NEEDLES, ()) == extract("shop/restock.py", plain)


def test_a_scan_with_an_attribution_only_file_reports_the_same_cut_or_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"migrations/0001_drop.sql": "ALTER TABLE checkout_checkoutline DROP COLUMN quantity;", "shop/models.py": MODELS,
             "shop/user.py": USER, "shop/restock.py": ATTRIBUTION}
    repo = make_repo(tmp_path / "repo", files)
    cut = scan(repo, "migrations/0001_drop.sql", use_cache=False)
    assert "shop/restock.py" in cut.run.attribution_only
    monkeypatch.setattr("impact.extraction.plan_cuts", lambda *args: {})
    assert _report(cut) == _report(scan(repo, "migrations/0001_drop.sql", use_cache=False))
