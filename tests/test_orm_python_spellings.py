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
    assert _declared(result) == [("shop/models.py", 5)]  # the field, not the class
    breaks = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert ("shop/views.py", 5) in {(e.file, e.line) for e in breaks.evidence}


def test_django_models_file_naming_neither_table_nor_fk_column_is_read(tmp_path) -> None:
    """`api_check.user_id` is `user = models.ForeignKey(...)` in api/models.py, a file that names
    neither `api_check` nor `user_id`: found by its app label, it places `Check(user=...)`; the
    plain word `user` elsewhere tells no table (never evidence)."""
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE api_check (id bigserial PRIMARY KEY, user_id bigint, name text);",
        "migrations/0002_drop.sql": "ALTER TABLE api_check DROP COLUMN user_id;",
        "api/models.py": ("from django.contrib.auth.models import User\nfrom django.db import models\n\n\n"
                          "class Check(models.Model):\n    user = models.ForeignKey(User, models.CASCADE)\n"
                          "    name = models.TextField()\n"),
        "api/views.py": ("from api.models import Check\n\n\ndef add(request):\n    user = request.user\n"
                         "    Check.objects.create(user=user, name=\"x\")\n    return Check(user=user)\n"),
    })
    result = scan(repo, "2", use_cache=False)
    assert _declared(result) == [("api/models.py", 6)]
    breaks = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert ("api/views.py", 6) in {(e.file, e.line) for e in breaks.evidence}  # the query
    built = next(r for r in result.references if (r.file, r.line) == ("api/views.py", 7))
    assert (built.via, built.table) == ("typed-receiver", "api_check")  # a row built with the field
    evidence = {(e.file, e.line) for f in result.findings for e in f.evidence}
    assert ("api/views.py", 7) in evidence
    assert ("api/views.py", 5) not in evidence  # `user = request.user`: a variable, not the column
    assert any(r.line == 5 and r.via == "name-only" for r in result.references if r.file == "api/views.py")


def _relation_repo(tmp_path, other_model: str):
    return make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE ipam_service (id bigserial PRIMARY KEY, vm_ref bigint, virtual_machine_id bigint);",
        "migrations/0002_drop.sql": "ALTER TABLE ipam_service DROP COLUMN vm_ref, DROP COLUMN virtual_machine_id;",
        "ipam/models.py": ("from django.db import models\n\n\nclass Service(models.Model):\n"
                           "    virtual_machine = models.ForeignKey(\"vm.VirtualMachine\", models.CASCADE)\n"
                           "    vm_number = models.IntegerField(db_column=\"vm_ref\")\n"),
        "vm/models.py": "from django.db import models\n\n\n" + other_model,
        "ipam/tables.py": ("def cell(record):\n    return record.virtual_machine, record.vm_number\n\n\n"
                           "def key(record):\n    return record.virtual_machine_id\n"),
    })


def _cell(repo) -> dict[str, tuple]:
    return {r.spelling: (r.via, r.table) for r in scan(repo, "2", use_cache=False).references if (r.file, r.line) == ("ipam/tables.py", 2)}


def test_a_relation_name_or_a_field_other_models_declare_tells_no_table(tmp_path) -> None:
    """A compound spelling (a relation's `virtual_machine` for `virtual_machine_id`, a `db_column`
    field) tells its table only while no other model of the repo declares it: vm/models.py is read
    though it names neither table nor column (netbox's VMInterface.virtual_machine)."""
    shared = _relation_repo(tmp_path / "shared", "class VMInterface(models.Model):\n    vm_number = models.IntegerField()\n"
                            "    virtual_machine = models.ForeignKey(\"VirtualMachine\", models.CASCADE)\n")
    assert _cell(shared) == {"virtual_machine": ("name-only", None), "vm_number": ("name-only", None)}
    own = _relation_repo(tmp_path / "own", "class VirtualMachine(models.Model):\n    name = models.TextField()\n")
    assert _cell(own) == {"virtual_machine": ("orm-field", "ipam_service"), "vm_number": ("orm-field", "ipam_service")}


def test_a_declaration_over_several_lines_is_reported_where_it_names_the_column(tmp_path) -> None:
    """polar's `legacy_amount: Mapped[int] = mapped_column(` / `"amount", Integer, ...`: the line
    the change edits is the one naming `amount`."""
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE payments (id bigserial PRIMARY KEY, amount integer);",
        "migrations/0002_drop.sql": "ALTER TABLE payments DROP COLUMN amount;",
        "app/models.py": ("from sqlalchemy import Integer\nfrom sqlalchemy.orm import Mapped, mapped_column\n\n\n"
                          "class Payment(Base):\n    __tablename__ = \"payments\"\n\n"
                          "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                          "    legacy_amount: Mapped[int] = mapped_column(\n        \"amount\", Integer, deferred=True\n    )\n"),
    })
    assert _declared(scan(repo, "2", use_cache=False)) == [("app/models.py", 10)]


def _declared(result) -> list[tuple[str, int]]:
    declared = next(f for f in result.findings if f.rule_id == "orm-model-declares-changed-column")
    return [(e.file, e.line) for e in declared.evidence]
