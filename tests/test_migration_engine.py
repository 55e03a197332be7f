"""A migration its ORM declares for another database is named as such (openstatus: Drizzle on Turso
failed with 'PostgreSQL syntax error at or near "`"'), in one line, exit 3; in PR mode it is skipped
with a note instead of ending the run."""
from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from impact.cli import cli
from impact.errors import EXIT_INPUT
from tests.conftest import make_repo

SQLITE = "CREATE TABLE `monitor` (`id` integer PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE `monitor` ADD `name` text;\n"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_drizzle_sqlite_migration_is_named_not_misparsed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"db/drizzle/0001_a.sql": SQLITE, "db/drizzle/0002_b.sql": "ALTER TABLE `monitor` DROP COLUMN `name`;\n",
                                "db/drizzle/meta/_journal.json": '{"version": "5", "dialect": "sqlite", "entries": []}'})
    out = _run("scan", str(repo), "-m", "2")
    assert out.exit_code == EXIT_INPUT
    assert out.output.strip() == ("impact: error: db/drizzle/0002_b.sql is a SQLite migration (db/drizzle/meta/_journal.json says so); "
                                  "impact reads PostgreSQL migrations only — scan the migrations of a PostgreSQL database")


def test_a_prisma_mysql_migration_is_named_and_postgresql_is_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "prisma/migrations/migration_lock.toml": 'provider = "mysql"\n',
        "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`));\n",
        "pg/prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "pg/prisma/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "Post" (id int PRIMARY KEY, title text);\n',
        "pg/prisma/migrations/20240201000000_drop/migration.sql": 'ALTER TABLE "Post" DROP COLUMN title;\n',
    })
    out = _run("scan", str(repo), "-m", "prisma/migrations/20240101000000_init/migration.sql")
    assert out.exit_code == EXIT_INPUT and "is a MySQL migration (prisma/migrations/migration_lock.toml says so)" in out.output
    assert _run("scan", str(repo), "-m", "pg/prisma/migrations/20240201000000_drop/migration.sql", "--format", "json").exit_code == 1


def test_pr_mode_skips_another_databases_migration_with_a_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"db/drizzle/0001_a.sql": SQLITE, "db/drizzle/meta/_journal.json": '{"dialect": "sqlite"}',
                                "migrations/0001_init.sql": "CREATE TABLE t (id int);\n"})
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "migrations"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (repo / "db/drizzle/0002_b.sql").write_text("ALTER TABLE `monitor` DROP COLUMN `name`;\n")
    (repo / "migrations/0002_drop.sql").write_text("DROP TABLE t;\n")
    out = CliRunner().invoke(cli, ["scan", str(repo), "--changed", "HEAD", "--format", "json"], catch_exceptions=False)
    assert "not scanned: db/drizzle/0002_b.sql is a SQLite migration" in out.stderr
    assert "0002_drop.sql" in out.stdout and "0002_b.sql" not in out.stdout


TYPEORM = """import { MigrationInterface, QueryRunner } from 'typeorm'

export class EnableU2f1681984540867 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `users` ADD `u2f` tinyint NOT NULL DEFAULT 0')
  }

  public async down(queryRunner: QueryRunner): Promise<void> {}
}
"""


def test_a_folder_named_after_another_database_says_so(tmp_path: Path) -> None:
    """standardnotes and Flowise keep one TypeORM migration set per database: migrations/mysql/…"""
    repo = make_repo(tmp_path, {"packages/auth/migrations/mysql/1681984540867-enable-u2f.ts": TYPEORM,
                                "packages/auth/migrations/postgres/1681984540867-enable-u2f.ts": TYPEORM.replace("`", '"')})
    out = _run("scan", str(repo), "-m", "packages/auth/migrations/mysql/1681984540867-enable-u2f.ts")
    assert out.exit_code == EXIT_INPUT
    assert "is a MySQL migration (its folder packages/auth/migrations/mysql/ says so)" in out.output
    assert _run("scan", str(repo), "-m", "packages/auth/migrations/postgres/1681984540867-enable-u2f.ts").exit_code in (0, 1)
