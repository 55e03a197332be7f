"""A project's own TypeDecorator column types in Alembic revisions (impact/formats/alembic/custom_types.py):
SQLAlchemy emits the type each maps to on PostgreSQL, so the replayed schema and the rollback plan
say JSONB, not the class's name. fixtures/apps/jobs-sqlalchemy-imported-rule/jobs/db/types.py holds them."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from impact.formats.alembic.custom_types import CustomTypes
from impact.formats.alembic.translate import Translator
from impact.pipeline import scan

APP = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "jobs-sqlalchemy-imported-rule"
VERSIONS = APP / "migrations" / "versions"


def _create_sql(body: str, imports: str = "import jobs.db.types\n") -> str:
    source = f"from alembic import op\nimport sqlalchemy as sa\n{imports}\ndef upgrade():\n{body}"
    module = ast.parse(source)
    pieces = Translator(module, source, VERSIONS / "0009_probe.py").translate().pieces
    return "\n".join(p.sql for p in pieces)


def test_the_rollback_of_dropped_custom_typed_columns_names_their_postgresql_types() -> None:
    # payload: `jobs.db.types.Payload()`, whose `impl` is the module's JSON decorator, whose
    # load_dialect_impl returns JSONB for postgresql; finished: an imported `Timestamp()`, impl TIMESTAMP(timezone=True).
    result = scan(APP, "0004", use_cache=False)
    assert [s.sql for s in result.rollback] == ["ALTER TABLE job_run ADD COLUMN finished TIMESTAMPTZ;",
                                                "ALTER TABLE job_run ADD COLUMN payload JSONB;"]


@pytest.mark.parametrize(("type_", "sql"), [
    ("jobs.db.types.JSON()", "data JSONB"),
    ("jobs.db.types.Payload()", "data JSONB"),
    ("jobs.db.types.Timestamp()", "data TIMESTAMP WITH TIME ZONE"),
    ("sa.ARRAY(jobs.db.types.JSON())", "data JSONB[]"),
    # SQLAlchemy's own types are never looked for among the repository's files.
    ("sa.JSON()", "data JSON"),
])
def test_a_custom_type_is_written_as_the_type_it_maps_to(type_: str, sql: str) -> None:
    assert sql in _create_sql(f'    op.add_column("job_run", sa.Column("data", {type_}))\n')


def test_an_imported_custom_type_is_found_by_its_import() -> None:
    assert "data JSONB" in _create_sql('    op.add_column("job_run", sa.Column("data", JSON()))\n',
                                       imports="from jobs.db.types import JSON\n")


def test_a_revision_read_without_its_place_in_a_repository_keeps_the_class_name() -> None:
    source = "import jobs.db.types\n"
    assert CustomTypes(None, ast.parse(source)).impl(ast.parse("jobs.db.types.JSON()").body[0].value) is None
    assert CustomTypes(VERSIONS / "0001_init.py", ast.parse(source)).impl(ast.parse("jobs.db.types.Missing()").body[0].value) is None


def test_a_decorator_whose_type_is_computed_is_not_printed_as_its_class_name() -> None:
    # load_dialect_impl returns `pick_type(dialect)`: the operation is not read as SQL, rather than guessed.
    source = 'from alembic import op\nimport sqlalchemy as sa\nimport jobs.db.types\ndef upgrade():\n' \
             '    op.add_column("job_run", sa.Column("data", jobs.db.types.Opaque()))\n'
    translation = Translator(ast.parse(source), source, VERSIONS / "0009_probe.py").translate()
    assert "OPAQUE" not in "\n".join(p.sql for p in translation.pieces)
    assert any("TypeDecorator of a computed PostgreSQL type" in str(p) for p in translation.pieces)


@pytest.mark.xfail(strict=True, reason="known limit: a decorator a package's __init__.py re-exports from "
                   "another module is looked for in the __init__ only")
def test_a_decorator_re_exported_by_a_package_is_found(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app" / "db").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "db" / "__init__.py").write_text("from app.db.types import JSON\n")
    (tmp_path / "app" / "db" / "types.py").write_text((APP / "jobs" / "db" / "types.py").read_text())
    source = "import app.db\n"
    node = ast.parse("app.db.JSON()").body[0].value
    assert CustomTypes(tmp_path / "migrations" / "versions" / "0001.py", ast.parse(source)).impl(node) is not None
