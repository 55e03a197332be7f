"""Python models whose attribute names differ from their columns (Django db_column, SQLAlchemy
Column("name")): the attribute is how the code spells the column."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo


def test_django_db_column_attribute_is_the_code_spelling(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE shop_line (id bigserial PRIMARY KEY, qty integer NOT NULL, sku text);",
        "migrations/0002_drop.sql": "ALTER TABLE shop_line DROP COLUMN qty;",
        "shop/models.py": ("from django.db import models\n\n\nclass Line(models.Model):\n"
                           "    quantity = models.IntegerField(db_column=\"qty\")\n    sku = models.TextField()\n\n"
                           "    class Meta:\n        db_table = \"shop_line\"\n"),
        "shop/views.py": ("from shop.models import Line\n\n\ndef big():\n    return Line.objects.filter(quantity__gt=10)\n\n\n"
                          "def label(line):\n    return f\"{line.sku} x{line.quantity}\"\n"),
    })
    result = scan(repo, "2", use_cache=False)
    assert result.assessment.verdict == "breaking"
    spelled = {(r.file, r.line): (r.via, r.spelling) for r in result.references if r.spelling}
    assert spelled[("shop/views.py", 9)] == ("orm-field", "quantity")  # a row's attribute, told by the model
    declared = next(f for f in result.findings if f.rule_id == "orm-model-declares-changed-column")
    assert [(e.file, e.line) for e in declared.evidence] == [("shop/models.py", 5)]  # the field, not the class
    breaks = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert ("shop/views.py", 5) in {(e.file, e.line) for e in breaks.evidence}
