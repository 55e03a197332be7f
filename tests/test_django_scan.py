"""Django migrations end to end: found by Django's references, read statically, judged against
the fixture project's code (verdicts and exact file:line evidence), as for SQL migrations."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.errors import AmbiguousMigration, InputError
from impact.formats import read_migration
from impact.locate import locate
from impact.config import Config
from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo, snapshot

SHOP = FIXTURES / "apps" / "shop-django"


def _evidence(result, rule: str) -> list[str]:
    return sorted(f"{e.file}:{e.line}" for f in result.findings if f.rule_id == rule for e in f.evidence)


def _rules(result) -> set[str]:
    return {f.rule_id for f in result.findings}


# -- finding them -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["catalog.0006", "catalog/0006", "catalog.0006_remove_product_legacy_code", "legacy_code",
                                 "catalog/migrations/0006_remove_product_legacy_code.py"])
def test_django_references_locate_the_migration(ref: str) -> None:
    found = locate(SHOP, ref, Config(), cwd=SHOP)
    assert found.format == "django"
    assert found.path.name == "0006_remove_product_legacy_code.py"
    # Its history: its dependency chain first (catalog 0001..0005), then the other app's migrations
    # that do not depend on it (orders 0001..0005; orders 0006 needs catalog 0009).
    names = [f"{p.parent.parent.name}.{p.stem[:4]}" for p in found.earlier]
    assert names == [f"catalog.000{i}" for i in range(1, 6)] + [f"orders.000{i}" for i in range(1, 6)]


def test_a_number_in_two_apps_is_ambiguous_and_names_both() -> None:
    with pytest.raises(AmbiguousMigration) as caught:
        locate(SHOP, "0008", Config(), cwd=SHOP)
    assert "catalog/migrations/0008_product_title_index.py" in caught.value.problem
    assert "orders/migrations/0008_order_index_together.py" in caught.value.problem
    result = CliRunner().invoke(cli, ["scan", str(SHOP), "--migration", "0008"])
    assert result.exit_code == 3 and "Traceback" not in result.output


def test_history_crosses_apps_through_dependencies() -> None:
    found = locate(SHOP, "orders.0006", Config(), cwd=SHOP)
    names = [f"{p.parent.parent.name}.{p.stem[:4]}" for p in found.earlier]
    # orders 0006 depends on catalog 0009: catalog runs first, and orders 0001 after catalog 0001.
    assert names.index("catalog.0001") < names.index("orders.0001") and names.index("catalog.0009") < names.index("orders.0005")
    # catalog 0010 and 0011 do not depend on it: applied already; 0012 needs orders 0008: not yet.
    assert "catalog.0011" in names and "catalog.0012" not in names and len(names) == 16


def test_app_config_label_wins_over_the_folder_name(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "src/shop_core/apps.py": "from django.apps import AppConfig\n\nclass C(AppConfig):\n    name = 'src.shop_core'\n    label = 'core'\n",
        "src/shop_core/migrations/__init__.py": "",
        "src/shop_core/migrations/0001_initial.py": MIGRATION.format(deps="", ops=CREATE_ITEM),
    })
    found = locate(repo, "core.0001", Config(), cwd=repo)
    read = read_migration(found, repo, "postgres")
    assert [op.table for op in read.parsed.operations][:1] == ["core_item"]


# -- scenarios ------------------------------------------------------------------------------------

def test_drop_field_is_breaking_with_the_query_that_still_reads_it() -> None:
    result = scan(SHOP, "catalog.0006", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _evidence(result, "dropped-column-still-used") == ["catalog/reports.py:7"]
    assert {f.operation.statement.line for f in result.findings if f.rule_id == "drop-column-loses-data"} == {11}


def test_rename_field_is_breaking_where_raw_sql_uses_the_old_name() -> None:
    result = scan(SHOP, "catalog.0003", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _evidence(result, "renamed-column-still-used") == ["catalog/reports.py:13", "catalog/reports.py:20"]


def test_python_side_default_breaks_inserts_that_omit_the_new_field() -> None:
    result = scan(SHOP, "catalog.0002", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _evidence(result, "dropped-default-breaks-inserts") == ["catalog/reports.py:20"]
    finding = next(f for f in result.findings if f.rule_id == "dropped-default-breaks-inserts")
    assert finding.operation.statement.line == 11 and finding.operation.kind.value == "drop_default"


def test_db_default_keeps_the_default_so_nothing_breaks() -> None:
    result = scan(SHOP, "orders.0006", use_cache=False)
    assert "dropped-default-breaks-inserts" not in _rules(result)
    total = next(op for op in result.parsed.operations if op.kind.value == "add_column" and op.column_name == "total")
    assert total.column.default == "0" and not total.column.nullable


def test_type_change_rewrites_and_lists_the_code_using_the_column() -> None:
    result = scan(SHOP, "catalog.0004", use_cache=False)
    assert result.assessment.verdict == "caution"
    assert "changing-column-type" in _rules(result)
    assert _evidence(result, "retyped-column-used") == ["catalog/reports.py:13", "catalog/reports.py:20", "catalog/views.py:7"]


def test_index_migration_findings_and_the_inline_ignore_in_python() -> None:
    result = scan(SHOP, "catalog.0005", use_cache=False)
    assert result.assessment.verdict == "caution"
    assert "require-concurrent-index-creation" not in _rules(result)
    [suppressed] = result.suppressed
    assert suppressed.rule == "require-concurrent-index-creation"
    assert suppressed.directive.where == "catalog/migrations/0005_product_indexes.py:12"
    assert suppressed.directive.reason == "the catalog has a few hundred rows"
    # Django-generated names are the ones PostgreSQL will have.
    names = {f.operation.name for f in result.findings if f.rule_id == "disallowed-unique-constraint"}
    assert names == {"catalog_product_sku_uniq", "catalog_product_category_id_title_d79458df_uniq"}


def test_concurrent_index_in_a_non_atomic_migration() -> None:
    result = scan(SHOP, "catalog.0008", use_cache=False)
    assert result.read.transactional is False
    assert any("atomic = False" in note for note in result.read.notes)
    assert "require-concurrent-index-creation" not in _rules(result)
    assert "require-concurrent-index-deletion" in _rules(result)  # RemoveIndex is a plain DROP INDEX


def test_run_python_is_a_named_data_change_of_unknown_effect() -> None:
    result = scan(SHOP, "catalog.0007", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "statement-not-understood")
    assert "RunPython(fill_stock)" in finding.message and finding.operation.statement.line == 16
    assert any("RunPython(fill_stock) changes data in Python" in note for note in result.read.notes)
    assert [op.kind.value for op in result.parsed.operations] == ["do_block", "update_rows"]
    assert any(c.params.get("what") == "RunPython(fill_stock)" for c in result.verification)  # named in the verification plan


def test_separate_database_and_state_runs_no_sql_then_the_drop_breaks_old_readers() -> None:
    state_only = read_migration(locate(SHOP, "orders.0004", Config(), cwd=SHOP), SHOP, "postgres")
    assert state_only.parsed.statements == ()
    result = scan(SHOP, "orders.0005", use_cache=False)
    assert _evidence(result, "dropped-column-still-used") == ["orders/services.py:16"]


def test_scanning_writes_nothing_to_the_project() -> None:
    before = snapshot(SHOP)
    result = CliRunner().invoke(cli, ["scan", str(SHOP), "--migration", "catalog.0006", "--format", "json"])
    assert result.exit_code == 1, result.output  # breaking
    assert '"notes"' in result.output
    assert snapshot(SHOP) == before


# -- what cannot be read statically ----------------------------------------------------------------

MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [{deps}]
    operations = [
{ops}
    ]
"""
CREATE_ITEM = """        migrations.CreateModel(
            name="Item",
            fields=[("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=50))],
        ),"""


def _app(tmp_path: Path, second_ops: str, head: str = "") -> Path:
    return make_repo(tmp_path, {
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": MIGRATION.format(deps="", ops=CREATE_ITEM),
        "shop/migrations/0002_change.py": head + MIGRATION.format(deps='("shop", "0001_initial")', ops=second_ops),
        "shop/views.py": "def f(cursor):\n    cursor.execute('SELECT name FROM shop_item')\n",
    })


def test_computed_sql_is_unknown_with_the_reason_never_exit_3(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        migrations.RunSQL(build_sql()),\n        migrations.RemoveField(model_name="item", name="name"),',
                head="def build_sql():\n    return 'SELECT 1'\n\n")
    result = scan(repo, "shop.0002", use_cache=False)
    [unknown] = result.parsed.unknown
    assert "`build_sql(...)`, called at run time" in unknown.statement.error and unknown.statement.line == 10
    assert result.assessment.confidence.value != "high"
    assert _evidence(result, "dropped-column-still-used") == ["shop/views.py:2"]  # the rest is still judged
    cli_result = CliRunner().invoke(cli, ["scan", str(repo), "--migration", "shop.0002"])
    assert cli_result.exit_code != 3, cli_result.output


def test_computed_table_name_is_unknown_with_the_reason(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        migrations.AlterModelTable(name="item", table=PREFIX + suffix()),', head="PREFIX = 'x_'\n")
    read = read_migration(locate(repo, "shop.0002", Config(), cwd=repo), repo, "postgres")
    [unknown] = read.parsed.unknown
    assert "suffix()" in unknown.statement.error
    assert any("AlterModelTable not read statically" in note for note in read.notes)


def test_a_custom_operation_class_is_unknown_and_named(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        CleanupOperation("item"),')
    read = read_migration(locate(repo, "shop.0002", Config(), cwd=repo), repo, "postgres")
    assert read.parsed.operations[0].kind.value == "unknown"
    assert "CleanupOperation is not a Django operation" in read.parsed.operations[0].statement.error


@pytest.mark.parametrize("source, problem, fix", [
    ("class Migration(:\n    operations = []\n", "0003_bad.py is not valid Python (line 1", "fix the syntax error"),
    # Python 2 that impact does not respell (a print statement continued over lines); the fix names
    # the command printing its SQL
    ('print "migrating", \\\n   "now"\nclass Migration(migrations.Migration):\n    operations = []\n',
     "0003_bad.py is Python 2 code, which impact cannot read (line 1", "python manage.py sqlmigrate shop 0003_bad"),
])
def test_a_python_syntax_error_is_one_line_exit_3(tmp_path: Path, source: str, problem: str, fix: str) -> None:
    repo = _app(tmp_path, "        migrations.RunSQL('x'),")
    (repo / "shop/migrations/0003_bad.py").write_text(source)
    with pytest.raises(InputError) as caught:
        scan(repo, "shop/migrations/0003_bad.py", use_cache=False)
    assert problem in caught.value.problem and fix in caught.value.fix
    result = CliRunner().invoke(cli, ["scan", str(repo), "--migration", "shop/migrations/0003_bad.py"])
    assert result.exit_code == 3 and "Traceback" not in result.output


def test_a_python2_migration_is_read_with_its_print_statements_respelled(tmp_path: Path) -> None:
    repo = _app(tmp_path, "        migrations.RunSQL('x'),")
    (repo / "shop/migrations/0003_py2.py").write_text(
        "from django.db import migrations\n\nprint 'dropping'\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0002_change')]\n    operations = [migrations.RunSQL('DROP TABLE shop_item')]\n")
    read = read_migration(locate(repo, "shop.0003", Config(), cwd=repo), repo, "postgres")
    assert [(op.kind.value, op.table) for op in read.parsed.operations] == [("drop_table", "shop_item")]
    assert any("shop.0003_py2 is Python 2: line(s) 3 read as their Python 3 spelling" in n for n in read.notes)


def test_squashed_migration_stands_for_the_ones_it_replaces(tmp_path: Path) -> None:
    squash = MIGRATION.format(deps="", ops=CREATE_ITEM).replace(
        "    dependencies", "    replaces = [('shop', '0001_initial'), ('shop', '0002_change')]\n    dependencies")
    repo = _app(tmp_path, '        migrations.AddField(model_name="item", name="qty", field=models.IntegerField(null=True)),')
    (repo / "shop/migrations/0001_squashed_0002_change.py").write_text(squash)
    (repo / "shop/migrations/0003_more.py").write_text(MIGRATION.format(
        deps='("shop", "0002_change")', ops='        migrations.RemoveField(model_name="item", name="name"),'))
    later = locate(repo, "shop.0003", Config(), cwd=repo)
    assert [p.name for p in later.earlier] == ["0001_squashed_0002_change.py"]
    replaced = locate(repo, "0002_change", Config(), cwd=repo)  # asked for by name: the originals run
    assert [p.name for p in replaced.earlier] == ["0001_initial.py"]


def test_run_sql_reverse_sql_is_the_rollback_plan() -> None:
    result = scan(SHOP, "catalog.0007", use_cache=False)
    [reverse] = [s for s in result.rollback if s.statement == 2]
    assert reverse.sql == "UPDATE catalog_product SET stock = 0 WHERE stock = 1;"
    assert not reverse.irreversible and "reverse_sql" in reverse.note
    dropped = scan(SHOP, "orders.0005", use_cache=False)
    [step] = dropped.rollback
    assert step.sql == "ALTER TABLE orders_note ADD COLUMN body text NOT NULL DEFAULT '';"
    assert step.irreversible and "not the data" in step.note  # the column comes back, its values do not


def test_changed_finds_a_new_django_migration(tmp_path: Path) -> None:
    from tests.test_changed import committed_repo, git

    repo = committed_repo(tmp_path / "r", {
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": MIGRATION.format(deps="", ops=CREATE_ITEM),
        "shop/views.py": "def f(cursor):\n    cursor.execute('SELECT name FROM shop_item')\n",
    })
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "shop/migrations/0002_drop_name.py").write_text(MIGRATION.format(
        deps='("shop", "0001_initial")', ops='        migrations.RemoveField(model_name="item", name="name"),'))
    result = CliRunner().invoke(cli, ["scan", str(repo), "--changed", "main", "--format", "json"])
    assert result.exit_code == 1, result.output  # breaking: views.py still reads the column
    assert "shop/migrations/0002_drop_name.py" in result.output and "shop/views.py" in result.output
    assert "0001_initial" not in result.output.split('"path"')[1][:80]


def test_a_migration_file_outside_a_migrations_package_is_still_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"drafts/0002_drop_name.py": MIGRATION.format(
        deps="", ops='        migrations.RunSQL("ALTER TABLE shop_item DROP COLUMN name"),')})
    result = scan(repo, "drafts/0002_drop_name.py", use_cache=False)
    assert result.migration.format == "django"
    assert [op.kind.value for op in result.parsed.operations] == ["drop_column"]


def test_a_state_only_migration_is_safe_with_a_note_not_an_error() -> None:
    result = scan(SHOP, "orders.0004", use_cache=False)
    assert result.assessment.verdict == "safe" and result.assessment.confidence.value == "high"
    assert any("runs no SQL" in note for note in result.read.notes)
    cli_result = CliRunner().invoke(cli, ["scan", str(SHOP), "--migration", "orders.0004", "--format", "markdown"])
    assert cli_result.exit_code == 0, cli_result.output


def test_a_migration_nothing_can_read_is_reported_with_low_confidence(tmp_path: Path) -> None:
    repo = _app(tmp_path, "        migrations.RunSQL(build_sql()),", head="def build_sql():\n    return 'SELECT 1'\n\n")
    result = scan(repo, "shop.0002", use_cache=False)
    assert result.assessment.confidence.value == "low"
    assert [op.kind.value for op in result.parsed.operations] == ["unknown"]
    for fmt in ("rich", "json", "markdown", "sarif", "github"):
        cli_result = CliRunner().invoke(cli, ["scan", str(repo), "--migration", "shop.0002", "--format", fmt])
        assert cli_result.exit_code in (0, 1) and "Traceback" not in cli_result.output, (fmt, cli_result.output)


def test_one_broken_migration_file_does_not_stop_scans_of_the_others(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        migrations.RemoveField(model_name="item", name="name"),')
    (repo / "shop/migrations/0003_broken.py").write_text("class Migration(:\n")
    assert scan(repo, "shop.0002", use_cache=False).assessment.verdict == "breaking"
    with pytest.raises(InputError, match="not valid Python"):
        scan(repo, "shop/migrations/0003_broken.py", use_cache=False)


def test_an_ignore_file_directive_anywhere_in_the_module(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        migrations.RemoveField(model_name="item", name="name"),',
                head="# impact: ignore-file drop-column-loses-data -- the column was never filled\n")
    result = scan(repo, "shop.0002", use_cache=False)
    assert "drop-column-loses-data" not in _rules(result)
    assert [s.rule for s in result.suppressed] == ["drop-column-loses-data"]


def test_a_migration_without_sql_in_a_repo_whose_code_has_ignores(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        migrations.AlterModelOptions(name="item", options={"ordering": ["name"]}),')
    (repo / "shop/views.py").write_text("def f(cursor):\n    cursor.execute('SELECT name FROM shop_item')  # impact: ignore -- fine\n")
    result = CliRunner().invoke(cli, ["scan", str(repo), "--migration", "shop.0002", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"verdict": "safe"' in result.output


USER_MIGRATION = MIGRATION.format(deps="", ops='''        migrations.CreateModel(name="User", fields=[("id", models.UUIDField(primary_key=True))]),''')


def post_migration(deps: str, author: str) -> str:
    """A Post model whose `author`/`owner` field is the given declaration."""
    return MIGRATION.format(deps=deps, ops=f'''        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                {author},
            ],
        ),''')


def test_swappable_user_model_orders_and_types_the_foreign_key(tmp_path: Path) -> None:
    user = USER_MIGRATION
    post = post_migration("migrations.swappable_dependency(settings.AUTH_USER_MODEL)",
                          '("author", models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))').replace("from django.db import", "from django.conf import settings\nfrom django.db import")
    repo = make_repo(tmp_path, {
        "config/settings.py": 'AUTH_USER_MODEL = "accounts.User"\n',
        "accounts/migrations/__init__.py": "", "accounts/migrations/0001_initial.py": user,
        "blog/migrations/__init__.py": "", "blog/migrations/0001_initial.py": post,
    })
    found = locate(repo, "blog.0001", Config(), cwd=repo)
    assert [p.parent.parent.name for p in found.earlier] == ["accounts"]
    read = read_migration(found, repo, "postgres")
    create = read.parsed.statements[0].sql
    assert '"author_id" uuid NOT NULL' in create
    assert any('REFERENCES "accounts_user" ("id")' in s.sql for s in read.parsed.statements)


def test_the_user_model_is_found_in_a_settings_package_beside_the_apps(tmp_path: Path) -> None:
    # plane: `plane/settings/common.py` next to the app `plane/db/`; read as auth.User, the foreign
    # key to the UUID user was an integer, and its AlterField a phantom type rewrite (IMP405)
    user = USER_MIGRATION
    post = post_migration('("db", "0001_initial")', '("owner", models.UUIDField())')
    alter = MIGRATION.format(deps='("db", "0002_post")', ops='''        migrations.AlterField(
            model_name="post", name="owner",
            field=models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL),
        ),''').replace("from django.db import", "from django.conf import settings\nfrom django.db import")
    repo = make_repo(tmp_path, {
        "api/app/settings/common.py": 'AUTH_USER_MODEL = "db.User"\n', "api/app/settings/__init__.py": "",
        "api/app/db/migrations/__init__.py": "", "api/app/db/migrations/0001_initial.py": user,
        "api/app/db/migrations/0002_post.py": post, "api/app/db/migrations/0003_owner.py": alter,
    })
    read = read_migration(locate(repo, "db.0003", Config(), cwd=repo), repo, "postgres")
    sql = [s.sql for s in read.parsed.statements]
    assert sql[0] == 'ALTER TABLE "db_post" RENAME COLUMN "owner" TO "owner_id"'
    assert not any("TYPE" in s for s in sql)  # uuid to the uuid primary key: no type change
    assert any('REFERENCES "db_user" ("id")' in s for s in sql)


def test_concurrent_index_in_an_atomic_migration_is_noted(tmp_path: Path) -> None:
    repo = _app(tmp_path, '        AddIndexConcurrently(model_name="item", index=models.Index(fields=["name"], name="item_name_idx")),',
                head="from django.contrib.postgres.operations import AddIndexConcurrently\n")
    read = read_migration(locate(repo, "shop.0002", Config(), cwd=repo), repo, "postgres")
    assert read.parsed.statements[0].sql == 'CREATE INDEX CONCURRENTLY "item_name_idx" ON "shop_item" ("name")'
    assert any("Django refuses to run it" in note and "shop/migrations/0002_change.py:8" in note for note in read.notes)
