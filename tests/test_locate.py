"""--migration REF: path, number, timestamp, name fragment; config folders."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.config import load_config
from impact.errors import AmbiguousMigration, MigrationNotFound
from impact.locate import locate
from tests.conftest import make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", {
        "supabase/migrations/20240101000000_init.sql": "CREATE TABLE a (id int);",
        "supabase/migrations/20240213040255_add_b.sql": "ALTER TABLE a ADD COLUMN b int;",
        "docs/schema_updates/2_x.sql": "select 1;",
        "docs/schema_updates/10_session_tracking.sql": "select 1;",
        "docs/schema_updates/011_other.sql": "select 1;",
        "db/sql/0007_custom.sql": "select 1;",
    })


def test_number_matches_numeric_prefix_and_orders_numerically(repo: Path) -> None:
    found = locate(repo, "10", load_config(repo))
    assert found.path.name == "10_session_tracking.sql"
    assert [p.name for p in found.earlier] == ["2_x.sql"]  # 2 sorts before 10, 011 after
    assert locate(repo, "11", load_config(repo)).path.name == "011_other.sql"


def test_timestamp_prefix_and_name_fragment(repo: Path) -> None:
    config = load_config(repo)
    assert locate(repo, "20240213040255", config).path.name == "20240213040255_add_b.sql"
    assert locate(repo, "session_track", config).path.name == "10_session_tracking.sql"
    assert [p.name for p in locate(repo, "add_b", config).earlier] == ["20240101000000_init.sql"]


def test_path_relative_to_repo_or_cwd_and_outside_repo(repo: Path, tmp_path: Path, monkeypatch) -> None:
    config = load_config(repo)
    assert locate(repo, "docs/schema_updates/2_x.sql", config).path.name == "2_x.sql"
    outside = tmp_path / "elsewhere.sql"
    outside.write_text("select 1;")
    found = locate(repo, str(outside), config)
    assert found.folder is None and len(found.earlier) == 7 - 2  # every migration of every known folder
    monkeypatch.chdir(tmp_path)
    assert locate(repo, "elsewhere.sql", config).path == outside.resolve()


def test_configured_folder(repo: Path) -> None:
    (repo / ".impact.toml").write_text('migration_dirs = ["db/sql"]\n')
    assert locate(repo, "7", load_config(repo)).path.name == "0007_custom.sql"


def test_not_found_and_ambiguous(repo: Path) -> None:
    with pytest.raises(MigrationNotFound):
        locate(repo, "999", load_config(repo))
    with pytest.raises(AmbiguousMigration):
        locate(repo, "_", load_config(repo))


def test_unusual_folder_is_discovered_by_its_name(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "cb", {
        "admin/schema_changes/1.sql": "CREATE TABLE review (id int);",
        "admin/schema_changes/2.sql": "ALTER TABLE review ADD COLUMN x int;",
        "admin/sql/create_tables.sql": "CREATE TABLE review (id int);",
    })
    found = locate(repo, "2", load_config(repo))
    assert found.path.name == "2.sql" and [p.name for p in found.earlier] == ["1.sql"]


def test_path_in_an_unknown_folder_replays_its_numbered_siblings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"sqlstuff/01_a.sql": "select 1;", "sqlstuff/02_b.sql": "select 1;", "sqlstuff/03_c.sql": "select 1;"})
    found = locate(repo, "sqlstuff/02_b.sql", load_config(repo))
    assert found.folder == (repo / "sqlstuff").resolve() and [p.name for p in found.earlier] == ["01_a.sql"]


def test_orm_migration_folders_deep_in_a_monorepo_are_history(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "mono", {
        "packages/shared/db/prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "packages/shared/db/prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE t (id int, a int);",
        "packages/shared/db/prisma/migrations/20240201000000_drop_a/migration.sql": "ALTER TABLE t DROP COLUMN a;",
        "apps/api/drizzle/0000_init.sql": "CREATE TABLE u (id int);",
        "apps/api/drizzle/0001_more.sql": "ALTER TABLE u ADD COLUMN b int;",
        "apps/api/drizzle/meta/_journal.json": "{}",
    })
    config = load_config(repo)
    found = locate(repo, "20240201000000", config)
    assert [p.parent.name for p in found.earlier] == ["20240101000000_init"]
    assert [p.name for p in locate(repo, "0001", config).earlier] == ["0000_init.sql"]
