"""Django's naming and typing conventions (impact.formats.django.fields) and the translator's
known limits. The expected names are the ones Django 5.2 gave the fixture project's objects."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.formats.django import fields as conv
from impact.formats.django.operations import apply_operation
from impact.formats.django.pyread import read_module
from impact.formats.django.state import NotStatic, ProjectState


def test_generated_names_are_djangos() -> None:
    assert conv.index_name("catalog_product", ["sku"]) == "catalog_product_sku_5c54c070"
    assert conv.index_name("catalog_product", ["sku"], "_like") == "catalog_product_sku_5c54c070_like"
    assert conv.index_name("catalog_product", ["category_id", "title"], "_uniq") == "catalog_product_category_id_title_d79458df_uniq"
    assert conv.fk_name("orders_order", "product_id", "catalog_product", "id") == "orders_order_product_id_096244de_fk_catalog_product_id"


def test_long_names_are_cut_to_63_characters_with_a_digest() -> None:
    long_table = "analytics_" + "x" * 70
    assert len(conv.truncate_name(long_table)) == 63
    assert conv.truncate_name(long_table) == conv.truncate_name(long_table)  # repeatable
    name = conv.index_name("a_very_long_table_name_for_reporting_events", ["occurred_at", "tenant_identifier"], "_idx")
    assert len(name) <= 63 and name.endswith("_idx")
    assert conv.pg_constraint_name("t" * 60, "column", "key").endswith("_column_key")
    assert len(conv.pg_constraint_name("t" * 60, "column", "key")) == 63


def test_tables_and_columns() -> None:
    assert conv.default_db_table("catalog", "OrderLine") == "catalog_orderline"
    assert conv.column_name("author", "ForeignKey", {}) == "author_id"
    assert conv.column_name("author", "ForeignKey", {"db_column": "writer"}) == "writer"
    assert conv.column_name("tags", "ManyToManyField", {}) is None


@pytest.mark.parametrize("kind, options, expected", [
    ("CharField", {"max_length": 20}, "varchar(20)"), ("CharField", {}, "varchar"), ("EmailField", {}, "varchar(254)"),
    ("SlugField", {}, "varchar(50)"), ("DecimalField", {"max_digits": 10, "decimal_places": 2}, "numeric(10, 2)"),
    ("DateTimeField", {}, "timestamp with time zone"), ("JSONField", {}, "jsonb"), ("BigAutoField", {}, "bigint"),
    ("PositiveSmallIntegerField", {}, "smallint"), ("ArrayField", {"base_field": ("CharField", {"max_length": 5})}, "varchar(5)[]"),
    ("MyCustomField", {}, None),
])
def test_field_types_as_the_postgresql_backend_maps_them(kind, options, expected) -> None:
    assert conv.db_type(kind, options) == expected


def test_relations_store_the_plain_integer_of_their_target() -> None:
    assert conv.related_type("BigAutoField", {}) == "bigint"
    assert conv.related_type("PositiveIntegerField", {}) == "integer"  # no CHECK on the referencing column
    assert conv.related_type("UUIDField", {}) == "uuid"


def _ops(tmp_path: Path, body: str) -> tuple[list, ProjectState]:
    path = tmp_path / "0001_x.py"
    path.write_text("from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n"
                    f"    operations = [\n{body}\n    ]\n")
    return read_module(path).operations, ProjectState()


ITEM = ('        migrations.CreateModel(name="Item", fields=[("id", models.BigAutoField(primary_key=True)), '
        '("code", models.CharField(max_length=10)), ("name", models.CharField(max_length=10))]),')


def test_alter_field_null_to_not_null_with_a_default_is_django_four_way(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM + '\n        migrations.AlterField(model_name="item", name="code", '
                      'field=models.CharField(max_length=10, null=True)),\n        migrations.AlterField(model_name="item", '
                      'name="code", field=models.CharField(max_length=10, default="x")),')
    for call in ops[:2]:
        apply_operation(call.value, state, "shop")
    assert apply_operation(ops[2].value, state, "shop") == [
        'ALTER TABLE "shop_item" ALTER COLUMN "code" SET DEFAULT \'x\'',
        'UPDATE "shop_item" SET "code" = \'x\' WHERE "code" IS NULL',
        "SET CONSTRAINTS ALL IMMEDIATE",
        'ALTER TABLE "shop_item" ALTER COLUMN "code" SET NOT NULL',
        'ALTER TABLE "shop_item" ALTER COLUMN "code" DROP DEFAULT',
    ]


def test_unmanaged_models_get_no_sql(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM.replace("]),", '], options={"managed": False}),') +
                      '\n        migrations.RemoveField(model_name="item", name="name"),')
    assert [apply_operation(c.value, state, "shop") for c in ops] == [[], []]


@pytest.mark.xfail(strict=True, reason="known limit: primary-key changes in AlterField are not translated")
def test_known_limit_alter_field_to_a_new_primary_key(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM + '\n        migrations.AlterField(model_name="item", name="code", '
                      'field=models.CharField(max_length=10, primary_key=True)),')
    apply_operation(ops[0].value, state, "shop")
    assert apply_operation(ops[1].value, state, "shop")


@pytest.mark.xfail(strict=True, raises=NotStatic, reason="known limit: Q() lookups beyond comparisons/isnull/in")
def test_known_limit_check_constraint_with_a_text_lookup(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM + '\n        migrations.AddConstraint(model_name="item", constraint=models.CheckConstraint('
                      'condition=models.Q(name__startswith="a"), name="item_a")),')
    apply_operation(ops[0].value, state, "shop")
    assert apply_operation(ops[1].value, state, "shop")


@pytest.mark.xfail(strict=True, raises=NotStatic, reason="known limit: index expressions other than F()/Lower()/Upper()")
def test_known_limit_index_on_an_arbitrary_expression(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM + '\n        migrations.AddIndex(model_name="item", index=models.Index('
                      'Coalesce("name", "code"), name="item_coalesce")),')
    apply_operation(ops[0].value, state, "shop")
    assert apply_operation(ops[1].value, state, "shop")


def test_project_field_classes_store_like_the_django_field_they_subclass(tmp_path: Path) -> None:
    from impact.formats.django.discover import field_aliases

    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "fields.py").write_text("from django.db import models\n\nclass ColorField(models.CharField):\n    pass\n\n"
                                                 "class ShadeField(ColorField):\n    pass\n")
    state = ProjectState(field_aliases=field_aliases(tmp_path))
    assert state.make_field("c", read_value("ShadeField(max_length=6)")).kind == "CharField"
    assert state.make_field("c", read_value("CountryField(max_length=2)")).kind == "CharField"  # a package's field
    assert state.make_field("t", read_value("TaggableManager(through='x.Tag')")).column is None  # no column of its own


def read_value(source: str):
    import ast

    from impact.formats.django.pyread import _Evaluator

    return _Evaluator({}).value(ast.parse(source, mode="eval").body)


def test_values_the_reader_evaluates_without_running_anything() -> None:
    assert read_value("set()") == set() and read_value("set([('a', 'b')])") == {("a", "b")}
    combined = read_value("models.Q(a__gte=0) & ~models.Q(b=None)")
    assert combined.short == "Q" and combined.kwargs == {"_connector": "AND"}
    assert combined.args[1].kwargs == {"_negated": True}
    assert read_value("f(x)").name == "f"
    assert "computed at run time" in read_value("[x for x in y]").reason


def test_class_level_operation_lists_are_read(tmp_path: Path) -> None:
    path = tmp_path / "0002_x.py"
    path.write_text("from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
                    "    state_operations = [migrations.RemoveField(model_name='item', name='name')]\n"
                    "    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]\n")
    [call] = read_module(path).operations
    assert call.value.kwargs["state_operations"][0].short == "RemoveField"


def test_defaults_written_into_existing_rows(tmp_path: Path) -> None:
    from impact.formats.django.columns import default_sql
    from impact.formats.django.state import FieldState

    assert default_sql(read_value("datetime.timedelta(days=60)"), FieldState("d", "DurationField", {})) == "'5184000 seconds'::interval"
    assert default_sql([], FieldState("a", "ArrayField", {})) == "'{}'"
    assert default_sql(["x", "y"], FieldState("a", "ArrayField", {})) == "'{x,y}'"
    assert default_sql(read_value("list"), FieldState("a", "ArrayField", {})) == "'{}'"
    assert default_sql({}, FieldState("h", "HStoreField", {})) == "''"
    assert default_sql(read_value("dict"), FieldState("j", "JSONField", {})) == "'{}'::jsonb"
    assert default_sql(0, FieldState("f", "FloatField", {})) == "0.0"


def test_operations_concatenated_from_module_constants(tmp_path: Path) -> None:
    path = tmp_path / "0003_x.py"
    path.write_text("from django.db import migrations\n\nFIRST = [migrations.RunSQL('SELECT 1')]\n\n"
                    "class Migration(migrations.Migration):\n    operations = FIRST + [migrations.RunSQL('SELECT 2')]\n")
    calls = read_module(path).operations
    assert [c.value.args[0] for c in calls] == ["SELECT 1", "SELECT 2"]
    assert {c.line for c in calls} == {6}


@pytest.mark.xfail(strict=True, raises=NotStatic, reason="known limit: a field class that computes its own db_type()")
def test_known_limit_field_with_its_own_db_type(tmp_path: Path) -> None:
    from impact.formats.django.discover import field_aliases

    (tmp_path / "fields.py").write_text("from django.db import models\n\nclass IPNetworkField(models.Field):\n"
                                        "    def db_type(self, connection):\n        return 'cidr'\n")
    ops, _ = _ops(tmp_path, '        migrations.CreateModel(name="Net", fields=[("id", models.BigAutoField(primary_key=True)), '
                  '("prefix", IPNetworkField())]),')
    state = ProjectState(field_aliases=field_aliases(tmp_path))
    assert apply_operation(ops[0].value, state, "ipam")


def test_a_model_with_an_unreadable_field_still_enters_the_state(tmp_path: Path) -> None:
    ops, state = _ops(tmp_path, ITEM.replace('("name", models.CharField(max_length=10))',
                                             '("name", models.CharField(max_length=LENGTHS["name"]))')
                      + '\n        migrations.RemoveField(model_name="item", name="code"),')
    with pytest.raises(NotStatic, match="max_length"):
        apply_operation(ops[0].value, state, "shop")
    assert apply_operation(ops[1].value, state, "shop") == ['ALTER TABLE "shop_item" DROP COLUMN "code" CASCADE']


def test_a_field_class_based_on_a_mixin_first_stores_like_its_field_base(tmp_path: Path) -> None:
    # bookwyrm's `class RemoteIdField(ActivitypubFieldMixin, models.CharField)`: the mixin is no type.
    from impact.formats.django.discover import field_aliases

    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "fields.py").write_text(
        "from django.db import models\n\nclass FederatedMixin:\n    pass\n\n"
        "class RemoteIdField(FederatedMixin, models.CharField):\n    pass\n\n"
        "class ForeignKey(FederatedMixin, models.ForeignKey):\n    pass\n")
    state = ProjectState(field_aliases=field_aliases(tmp_path))
    assert state.make_field("remote_id", read_value("RemoteIdField(max_length=255, null=True)")).kind == "CharField"
    assert state.make_field("user", read_value("ForeignKey('auth.User', on_delete=None)")).kind == "ForeignKey"


def test_a_serializer_field_of_the_project_does_not_shadow_a_packages_model_field(tmp_path: Path) -> None:
    # taiga: `class JsonField(serializers.WritableField)` (an API field) beside django_pgjson's JsonField,
    # and djorm-pgarray's TextArrayField: every CreateModel using them was unread, their tables unknown.
    from impact.formats.django.discover import field_aliases
    from impact.formats.django.fields import db_type

    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "serializers.py").write_text(
        "from rest_framework import serializers\n\nclass JsonField(serializers.WritableField):\n    pass\n")
    state = ProjectState(field_aliases=field_aliases(tmp_path))
    data = state.make_field("data", read_value("django_pgjson.fields.JsonField(default=None, null=True)"))
    assert (data.kind, db_type(data.kind, data.options)) == ("JsonField", "json")
    tags = state.make_field("tags", read_value("djorm_pgarray.fields.TextArrayField(dbtype='text')"))
    assert (tags.kind, db_type(tags.kind, tags.options)) == ("ArrayField", "text[]")
    codes = state.make_field("codes", read_value("CharArrayField(max_length=3)"))
    assert db_type(codes.kind, codes.options) == "varchar(3)[]"
