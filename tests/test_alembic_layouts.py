"""Alembic script folders found where real projects keep them (Netflix dispatch: one alembic.ini with
[core] and [tenant] sections, package references `dispatch:database/revisions/tenant`, the env.py
five folders deep under src/)."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import alembic_revision, make_repo

INI = """[alembic]
file_template = %%(rev)s

[core]
script_location = app:database/revisions/core

[tenant]
script_location = app:database/revisions/tenant
"""
TENANT = "src/app/database/revisions/tenant"


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {
        "src/app/alembic.ini": INI,
        "src/app/__init__.py": "",
        "src/app/database/revisions/core/env.py": "",
        "src/app/database/revisions/core/versions/c1.py": alembic_revision("c1", None, '    op.create_table("org", sa.Column("id", sa.Integer()))\n'),
        f"{TENANT}/env.py": "",
        f"{TENANT}/versions/t1.py": alembic_revision("t1", None, '    op.create_table("canvas", sa.Column("id", sa.Integer()), sa.Column("kind", sa.String()))\n'),
        f"{TENANT}/versions/t2.py": alembic_revision("t2", "t1", '    op.drop_column("canvas", "kind")\n'),
        "src/app/canvas/service.py": 'def kinds(db):\n    return db.execute("SELECT id, kind FROM canvas")\n',
    })


def test_a_revision_of_a_named_section_with_a_package_location_is_read(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), str(tmp_path / TENANT / "versions/t2.py"), use_cache=False)
    assert result.migration.format == "alembic"
    assert [f.code for f in result.findings if f.code == "IMP101"] == ["IMP101"]
    assert [(e.file, e.line) for f in result.findings if f.code == "IMP101" for e in f.evidence] == [("src/app/canvas/service.py", 2)]


def test_the_ini_inside_its_package_resolves_both_sections(tmp_path: Path) -> None:
    from impact.formats.alembic.project import _ini_locations

    repo = _repo(tmp_path).resolve()
    found = [d.resolve().relative_to(repo).as_posix() for d in _ini_locations(repo / "src/app/alembic.ini")]
    assert found == ["src/app/database/revisions/core", TENANT]


def test_a_package_reference_that_is_not_in_the_checkout_resolves_to_nothing(tmp_path: Path) -> None:
    from impact.formats.alembic.project import _ini_locations

    repo = make_repo(tmp_path, {"alembic.ini": "[alembic]\nscript_location = other_pkg:migrations\n"})
    assert _ini_locations(repo / "alembic.ini") == []
