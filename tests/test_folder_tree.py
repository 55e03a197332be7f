"""The migration-folder searches share one walk (formats/sql.py `folder_tree`) and keep their own
depths and exclusions."""
from __future__ import annotations

import os
from pathlib import Path

from impact.formats.alembic.project import DISCOVERY_DEPTH as ALEMBIC_DEPTH, script_dirs
from impact.formats.django.discover import migration_folders
from impact.formats.sql import DISCOVERY_DEPTH as SQL_DEPTH, _discovered, folder_tree, one_scan
from impact.formats.ts_classes import _find_folders
from tests.conftest import make_repo

TS = "export class A1700000000000 implements MigrationInterface { async up(q: QueryRunner) { await q.query('SELECT 1'); } }\n"


def _deep(depth: int) -> str:
    return "/".join(f"d{i}" for i in range(depth))


def test_each_search_keeps_its_depth_and_exclusions(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        # Alembic: env.py + versions/ found with the script folder at depth DISCOVERY_DEPTH - 1, not at DISCOVERY_DEPTH
        f"{_deep(ALEMBIC_DEPTH - 1)}/env.py": "", f"{_deep(ALEMBIC_DEPTH - 1)}/versions/a.py": "",
        f"x/{_deep(ALEMBIC_DEPTH - 1)}/env.py": "", f"x/{_deep(ALEMBIC_DEPTH - 1)}/versions/a.py": "",
        # SQL: a migrations folder at the deepest searched level, and one below it
        f"{_deep(SQL_DEPTH - 1)}/migrations/1.sql": "", f"{_deep(SQL_DEPTH - 1)}/migrations/2.sql": "",
        f"y/{_deep(SQL_DEPTH)}/migrations/1.sql": "", f"y/{_deep(SQL_DEPTH)}/migrations/2.sql": "",
        # Django: any depth, but not under env/ (its own exclusion) nor node_modules/ (everyone's)
        "app/migrations/__init__.py": "", "app/migrations/0001_a.py": "",
        "env/lib/app/migrations/__init__.py": "", "env/lib/app/migrations/0001_a.py": "",
        "node_modules/p/migrations/__init__.py": "", "node_modules/p/migrations/0001_a.py": "",
        "src/migrations/1700000000000-A.ts": TS, ".hidden/migrations/1700000000000-A.ts": TS,
    })
    with one_scan():
        alembic = script_dirs(repo)
        sql = _discovered(repo.resolve())
        django = migration_folders(repo)
        ts = _find_folders(repo, ())
        assert len(folder_tree(repo)) == sum(1 for _ in os.walk(repo)) - sum(1 for p in repo.rglob("*") if p.is_dir() and (
            ".hidden" in p.parts or "node_modules" in p.parts))
    assert alembic == [(repo / _deep(ALEMBIC_DEPTH - 1)).resolve()]
    assert sql == [repo.resolve() / _deep(SQL_DEPTH - 1) / "migrations"]
    assert django == [repo / "app" / "migrations"]
    assert ts == [(repo / "src" / "migrations").resolve()]


def test_one_scan_walks_the_tree_once(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"app/migrations/__init__.py": "", "app/migrations/0001_a.py": ""})
    with one_scan():
        first = migration_folders(repo)
        make_repo(tmp_path, {"other/migrations/__init__.py": "", "other/migrations/0001_a.py": ""})
        assert migration_folders(repo) == first  # the walk is remembered until the scan ends
        assert script_dirs(repo) == [] and _find_folders(repo, ()) == []
    assert len(migration_folders(repo)) == 2
