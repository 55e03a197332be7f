"""A dropped or renamed column whose name the same migration gives to a column of the table again
(saleor: DROP id, then RENAME token TO id): code naming it still finds a column by that name, so it
is no evidence of that operation breaking it (OpContext.name_given_again)."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.model import OpKind
from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

SHOP = FIXTURES / "apps" / "shop-django"
CODE_RULES = {"dropped-column-still-used", "changed-column-referenced", "orm-model-declares-changed-column",
              "renamed-column-still-used"}


def _code_findings(result, kind: OpKind, column: str) -> set[str]:
    return {f.rule_id for f in result.findings if f.rule_id in CODE_RULES
            and any(c.op.kind is kind and c.op.column_name == column and c.op.statement.line == f.statement_line
                    for c in result.contexts)}


LINES = "CREATE TABLE lines (id int PRIMARY KEY, token uuid, note text);"
LINES_CODE = 'def one(cur, token):\n    cur.execute("SELECT id, note FROM lines WHERE token = %s", (token,))\n'


def _scan_sql(tmp_path: Path, init: str, migration: str, code: str):
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": init, "migrations/0002_change.sql": migration, "app/code.py": code})
    return scan(repo, "2", use_cache=False)


def test_sql_drop_then_rename_into_the_name_is_no_code_evidence(tmp_path: Path) -> None:
    result = _scan_sql(tmp_path, LINES, "ALTER TABLE lines DROP COLUMN id;\nALTER TABLE lines RENAME COLUMN token TO id;", LINES_CODE)
    assert _code_findings(result, OpKind.DROP_COLUMN, "id") == set()
    # the rename's old name is gone for good: the query naming `token` breaks
    assert "renamed-column-still-used" in _code_findings(result, OpKind.RENAME_COLUMN, "token")


def test_a_plain_drop_still_breaks_the_code(tmp_path: Path) -> None:
    result = _scan_sql(tmp_path, LINES, "ALTER TABLE lines DROP COLUMN note;", LINES_CODE)
    assert "dropped-column-still-used" in _code_findings(result, OpKind.DROP_COLUMN, "note")


REPLACE_QUANTITY = '''\
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("orders", "0009_order_section")]

    operations = [
        migrations.RemoveField(model_name="order", name="quantity"),
        migrations.RenameField(model_name="order", old_name="coupon", new_name="quantity"),
    ]
'''


def test_django_remove_then_rename_into_the_field_keeps_its_code(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    shutil.copytree(SHOP, repo)
    (repo / "orders" / "migrations" / "0010_replace_quantity.py").write_text(REPLACE_QUANTITY, encoding="utf-8")
    result = scan(repo, "orders.0010", use_cache=False)
    kinds = [(c.op.kind, c.op.column_name) for c in result.contexts if c.op.kind in (OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN)]
    assert kinds == [(OpKind.DROP_COLUMN, "quantity"), (OpKind.RENAME_COLUMN, "coupon")]
    assert _code_findings(result, OpKind.DROP_COLUMN, "quantity") == set()
    assert any(r.column == "quantity" and r.via == "typed-receiver" for r in result.references)  # still found, not evidence


def test_a_column_added_under_the_name_is_still_evidence(tmp_path: Path) -> None:
    # netbox: RENAME key TO plaintext, then ADD key: `key` now names a new, empty column
    result = _scan_sql(tmp_path, "CREATE TABLE tokens (id int PRIMARY KEY, key text);",
                       "ALTER TABLE tokens RENAME COLUMN key TO plaintext;\nALTER TABLE tokens ADD COLUMN key varchar(16);",
                       'def find(cur, key):\n    cur.execute("SELECT id FROM tokens WHERE key = %s", (key,))\n')
    assert "renamed-column-still-used" in _code_findings(result, OpKind.RENAME_COLUMN, "key")
