"""Issue 13, the cold scan: which matching files are parsed. A model user (extraction._queue_model_users)
is parsed when it names a model class of an affected table as a whole identifier, or when a changed
column is there for its queries to place; an attribution-only file (extraction._skip_idle_attribution)
only in that second case. The others stay among the scan's texts, unparsed."""
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
"""


def _repo(root: Path, files: dict[str, str]) -> Path:
    return make_repo(root, {
        "migrations/0001_drop.sql": "ALTER TABLE checkout_checkoutline DROP COLUMN quantity;",
        "shop/models.py": MODELS,
        **files,
    })


USERS = {
    # Names the class: parsed, its query on the table found.
    "shop/uses.py": "from shop.models import CheckoutLine\n\n\ndef lines():\n    return CheckoutLine.objects.all()\n",
    # Only a longer name holding the class name: counted as matching, not parsed.
    "shop/info.py": "class CheckoutLineInfo:\n    pass  # impact: ignore IMP999 -- kept for the test\n",
    "shop/lower.py": "checkoutline_count = 0\n",
}
ATTRIBUTION = {
    # A query on another table (parsed for attribution) and the column only inside longer names.
    "shop/longer.py": "def f():\n    return OrderLine.objects.create(quantity_fulfilled=1)\n",
    # The column itself inside a query on another table: the parse places it on that table.
    "shop/other.py": "def g():\n    return OrderLine.objects.create(\n        quantity=1,\n    )\n",
}


def test_a_file_naming_the_model_class_is_parsed_and_a_longer_name_is_not(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path / "repo", USERS), "migrations/0001_drop.sql", use_cache=False)
    assert {(q.file, q.table) for q in result.queries if q.file.startswith("shop/uses")} == {("shop/uses.py", "checkout_checkoutline")}
    parsed_texts = {rel for rel, _, extraction in result.run.texts}
    assert {"shop/uses.py", "shop/info.py", "shop/lower.py"} <= parsed_texts  # all read and kept
    assert result.run.files_parsed == 2  # models.py and uses.py, not info.py nor lower.py
    assert result.run.files_matched == 4  # the count of matching files is unchanged


def test_an_ignore_comment_in_an_unparsed_model_user_still_counts(tmp_path: Path) -> None:
    """Its text stays among the scan's texts, so an ignore comment there is still read (and,
    suppressing nothing, reported as unused) exactly as when the file was parsed."""
    result = scan(_repo(tmp_path / "repo", USERS), "migrations/0001_drop.sql", use_cache=False)
    unused = [f for f in result.findings if f.rule_id == "unused-ignore"]
    assert any("shop/info.py" in f"{f.message} {f.evidence}" for f in unused), [f.message for f in unused]


def test_an_attribution_file_whose_column_names_no_query_could_place_is_not_parsed(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path / "repo", ATTRIBUTION), "migrations/0001_drop.sql", use_cache=False)
    assert {"shop/longer.py", "shop/other.py"} <= result.run.attribution_only
    assert result.run.files_parsed == 1  # models.py: other.py is deferred (impact/late_parses.py)
    assert {rel for rel, _, _ in result.run.texts} >= {"shop/longer.py", "shop/other.py"}
    # other.py's `quantity` sits in an ORM query on a model defined elsewhere, whose table no parse
    # would tell: left unparsed, it is a name without a table (tests/test_late_parses.py).
    assert [(r.context, r.table) for r in result.references if r.file == "shop/other.py"] == [("identifier", None)]


@pytest.mark.xfail(strict=True, reason="known limit (extraction._queue_model_users): a file that names no "
                   "changed table or column and holds the model's class name only inside a longer name is "
                   "not parsed, so its syntax error is not reported, as for any file naming nothing")
def test_a_syntax_error_in_an_unparsed_model_user_is_reported(tmp_path: Path) -> None:
    broken = {"shop/info.py": "class CheckoutLineInfo(:\n    pass\n"}
    result = scan(_repo(tmp_path / "repo", broken), "migrations/0001_drop.sql", use_cache=False)
    assert any(i.file == "shop/info.py" for i in result.run.file_issues)
