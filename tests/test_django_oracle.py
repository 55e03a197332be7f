"""Oracle: impact's static translation of the fixture Django project's migrations against what
Django itself prints (`manage.py sqlmigrate`, run on the suite's embedded PostgreSQL).

Django's output is compared per migration as a multiset of statements: Django runs the foreign
keys and indexes of a CreateModel at the end of the migration (deferred SQL) where impact puts
them right after the CREATE TABLE, so that they point at the operation's line.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from impact.formats.django.discover import all_in_order, load_project
from impact.formats.django.reader import translate
from impact.formats.django.state import ProjectState
from tests.conftest import FIXTURES, snapshot

pytest.importorskip("django")

SHOP = FIXTURES / "apps" / "shop-django"
ORACLE = Path(__file__).parent / "django_oracle.py"
# Every operation kind issue 9 names, each used by at least one fixture migration.
KINDS = {"CreateModel", "DeleteModel", "RenameModel", "AlterModelTable", "AddField", "RemoveField", "AlterField",
         "RenameField", "AddIndex", "RemoveIndex", "AddIndexConcurrently", "AddConstraint", "AlterUniqueTogether",
         "AlterIndexTogether", "RunSQL", "RunPython", "SeparateDatabaseAndState"}
# What the later fixture migrations pin besides: a ManyToManyField's table, a together constraint
# dropped by the name it got before a RenameField, a varchar -> text change with its pattern index,
# and a RenameModel that renames the through table and re-creates the foreign keys pointing at it.


def _env(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # the fixture must stay untouched
    env.update(SHOP_DB_NAME=parsed.path.lstrip("/"), SHOP_DB_USER=unquote(parsed.username or "postgres"),
               SHOP_DB_PASSWORD=unquote(parsed.password or ""), SHOP_DB_HOST=query.get("host", [parsed.hostname or ""])[0],
               SHOP_DB_PORT=str(query.get("port", [parsed.port or 5432])[0]))
    return env


def normalised(sql: str) -> list[str]:
    """Statements without comments, BEGIN/COMMIT, quotes and trailing semicolons, sorted."""
    out = []
    for line in sql.splitlines():
        line = line.strip()
        if not line or line.startswith("--") or line in ("BEGIN;", "COMMIT;"):
            continue
        for part in re.split(r";\s*", line):  # Django prints `SET CONSTRAINTS ...; ALTER TABLE ...` on one line
            if part.strip().rstrip(";"):
                out.append(part.strip().rstrip(";").replace('"', ""))
    return sorted(out)


@pytest.fixture(scope="module")
def django_sql(pg_server):
    from impact.db import connect

    with connect(pg_server.url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "shop_oracle"')
    try:
        before = snapshot(SHOP)
        done = subprocess.run([sys.executable, str(ORACLE), "catalog", "orders"], cwd=SHOP, env=_env(pg_server.url_for("shop_oracle")),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert snapshot(SHOP) == before
        return json.loads(done.stdout)
    finally:
        with connect(pg_server.url, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "shop_oracle" WITH (FORCE)')


@pytest.fixture(scope="module")
def impact_sql():
    project = load_project(SHOP)
    state = ProjectState(user_model=project.user_model, field_aliases=project.field_aliases)
    out = {}
    for node in all_in_order(project):
        parsed, _ = translate(node, state, project.repo)
        kinds = [getattr(call.value, "short", "?") for call in node.module.operations]
        out[f"{node.app}.{node.name}"] = (parsed, kinds)
    return out


def test_the_fixture_covers_every_operation_kind(impact_sql) -> None:
    used = {kind for _, kinds in impact_sql.values() for kind in kinds}
    assert KINDS <= used, KINDS - used


def test_impact_translates_like_sqlmigrate(django_sql, impact_sql) -> None:
    assert set(django_sql) == set(impact_sql)
    compared = 0
    for key, (parsed, kinds) in impact_sql.items():
        mine = [st.sql for st in parsed.statements if not st.sql.startswith("DO $impact$")]
        theirs = django_sql[key].replace("-- THIS OPERATION CANNOT BE WRITTEN AS SQL", "")
        assert normalised("\n".join(s + ";" for s in mine)) == normalised(theirs), f"{key} ({', '.join(kinds)})"
        compared += len(mine)
    assert compared >= 65  # the fixture has 70 statements besides RunPython


def test_run_python_is_the_one_thing_django_cannot_print_either(django_sql, impact_sql) -> None:
    assert "CANNOT BE WRITTEN AS SQL" in django_sql["catalog.0007_backfill_stock"]
    parsed, _ = impact_sql["catalog.0007_backfill_stock"]
    assert [op.kind.value for op in parsed.operations] == ["do_block", "update_rows"]
    assert parsed.operations[0].name == "RunPython(fill_stock)"


def test_the_fixture_models_match_its_migrations() -> None:
    """makemigrations --check: the committed migrations are what Django generates for the models."""
    done = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=SHOP,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "SHOP_DB_HOST": "/nonexistent"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes detected" in done.stdout


def test_impact_apply_runs_a_django_migration_on_its_replayed_history(tmp_path: Path, pg_database: str) -> None:
    """The translation is real SQL: the whole history (both apps) replays on PostgreSQL, then
    `impact apply` runs the migration itself; the concurrent index one runs outside the transaction."""
    import shutil

    from click.testing import CliRunner

    from impact.cli import cli
    from tests.test_apply import prepared

    repo = shutil.copytree(SHOP, tmp_path / "shop")
    prepared(pg_database, repo, "catalog.0008")
    result = CliRunner().invoke(cli, ["apply", str(repo), "-m", "catalog.0008", "--database-url", pg_database, "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert "cannot run in a transaction" in result.output
    from impact.db import connect

    with connect(pg_database, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'catalog_product_title_idx'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'catalog_pro_categor_3f6c2a_idx'").fetchone()[0] == 0
