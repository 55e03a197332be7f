"""apply/verify/rollback on migration histories shaped like real projects' (Prisma's folders and
enums, NOT NULL on rows, CONCURRENTLY then USING INDEX, dropped columns and tables), against the
suite's real PostgreSQL. The dry run's own database: tests/test_shadow_histories.py."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.db import connect
from tests.conftest import make_repo
from tests.test_apply import fingerprint, prepared


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_prisma_migrations_all_called_migration_sql_are_distinct_in_the_ledger(tmp_path: Path, pg_database: str) -> None:
    # Every Prisma migration is <folder>/migration.sql: keyed by the file name alone, the second
    # one looked like the first with "a different checksum" and could never be applied.
    repo = make_repo(tmp_path / "app", {
        "prisma/migrations/01_init/migration.sql": 'CREATE TABLE "item" ("id" INTEGER PRIMARY KEY);',
        "prisma/migrations/02_add_note/migration.sql": 'ALTER TABLE "item" ADD COLUMN "note" TEXT;',
    })
    for ref in ("prisma/migrations/01_init/migration.sql", "prisma/migrations/02_add_note/migration.sql"):
        result = run("apply", str(repo), "-m", str(repo / ref), "--database-url", pg_database, "--yes", "--force")
        assert result.exit_code == 0, result.output
    assert "02_add_note/migration.sql applied" in result.output
    with connect(pg_database) as conn:
        assert conn.execute("SELECT name FROM impact_migrations ORDER BY name").fetchall() == [("01_init/migration.sql",), ("02_add_note/migration.sql",)]
    back = run("rollback", str(repo), "-m", str(repo / "prisma/migrations/02_add_note/migration.sql"), "--database-url", pg_database, "--yes")
    assert back.exit_code == 0 and "schema equals the before-apply snapshot" in back.output, back.output


def test_verify_finds_a_mixed_case_enum_and_its_added_value(tmp_path: Path, pg_database: str) -> None:
    # Prisma quotes its enum names ("SigningStatus"); to_regtype('SigningStatus') folds to
    # signingstatus, so verify said the type and the value it had just added did not exist.
    repo = make_repo(tmp_path / "app", {
        "prisma/migrations/01_init/migration.sql": '-- CreateEnum\nCREATE TYPE "SigningStatus" AS ENUM (\'NOT_SIGNED\', \'SIGNED\');\n',
        "prisma/migrations/02_rejected/migration.sql": '-- AlterEnum\nALTER TYPE "SigningStatus" ADD VALUE \'REJECTED\';\n',
    })
    for ref in ("01_init", "02_rejected"):
        migration = str(repo / f"prisma/migrations/{ref}/migration.sql")
        assert run("apply", str(repo), "-m", migration, "--database-url", pg_database, "--yes", "--force").exit_code == 0
        result = run("verify", str(repo), "-m", migration, "--database-url", pg_database)
        assert result.exit_code == 0, result.output
    assert "✓ enum value SigningStatus 'REJECTED' exists" in result.output


CONSTRAINT_USING_INDEX = {
    "migrations/0001_init.sql": "CREATE TABLE page (id int PRIMARY KEY, slug text);\nINSERT INTO page VALUES (1, 'a'), (2, 'b');",
    "migrations/0002_unique_slug.sql": "ALTER TABLE page ADD COLUMN note text;\n"
                                       "CREATE UNIQUE INDEX CONCURRENTLY page_slug ON page (slug);\n"
                                       "ALTER TABLE page ADD CONSTRAINT page_slug UNIQUE USING INDEX page_slug;",
}


def test_a_statement_after_a_concurrent_index_runs_after_it_and_rolls_back(tmp_path: Path, pg_database: str) -> None:
    # It ran in the one transaction before the index was built: "index page_slug does not exist".
    repo = make_repo(tmp_path / "app", CONSTRAINT_USING_INDEX)
    prepared(pg_database, repo, "2")
    before = fingerprint(pg_database)
    result = run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == 0, result.output
    assert "1 statement after them keeps the file's order, in transactions of their own: #3 (line 3)" in result.output
    with connect(pg_database) as conn:
        assert conn.execute("SELECT contype FROM pg_constraint WHERE conname = 'page_slug'").fetchone() == ("u",)
    back = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes")
    assert back.exit_code == 0 and "schema equals the before-apply snapshot" in back.output, back.output
    assert fingerprint(pg_database) == before


def test_a_failure_after_the_concurrent_index_undoes_everything_before_it(tmp_path: Path, pg_database: str) -> None:
    repo = make_repo(tmp_path / "app", {**CONSTRAINT_USING_INDEX, "migrations/0002_unique_slug.sql":
                                        CONSTRAINT_USING_INDEX["migrations/0002_unique_slug.sql"] + "\nALTER TABLE page ADD COLUMN id int;"})
    prepared(pg_database, repo, "2")
    before = fingerprint(pg_database)
    result = run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == 4
    assert "statement 4 (line 4) failed" in result.output and "the database is as it was" in result.output
    assert fingerprint(pg_database) == before
    with connect(pg_database) as conn:
        assert conn.execute("SELECT to_regclass('impact_migrations')").fetchone()[0] is None


@pytest.mark.parametrize(("migration", "says"), [
    # umami's visit_id, had it not been backfilled first
    ("ALTER TABLE item ADD COLUMN code text;\nALTER TABLE item ALTER COLUMN code SET NOT NULL;", "backfill the column's NULLs"),
    ("ALTER TABLE item ADD COLUMN code text DEFAULT 'x';\nCREATE UNIQUE INDEX item_code ON item (code);", "remove or merge the duplicate rows first"),
    ("ALTER TYPE kind ADD VALUE 'c';\nUPDATE item SET kind = 'c';", "use it in a later migration"),
])
def test_a_migration_failing_on_the_tables_rows_says_what_the_data_needs(tmp_path: Path, pg_database: str, migration: str, says: str) -> None:
    repo = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TYPE kind AS ENUM ('a', 'b');\nCREATE TABLE item (id int PRIMARY KEY, kind kind);\n"
                                    "INSERT INTO item VALUES (1, 'a'), (2, 'b');",
        "migrations/0002_change.sql": migration,
    })
    prepared(pg_database, repo, "2")
    before = fingerprint(pg_database)
    result = run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == 4 and says in result.output, result.output
    assert fingerprint(pg_database) == before


def test_rolling_back_twice_says_so_before_showing_a_plan(tmp_path: Path, pg_database: str) -> None:
    repo = make_repo(tmp_path / "app", {"migrations/0001_init.sql": "CREATE TABLE item (id int PRIMARY KEY);",
                                        "migrations/0002_add.sql": "ALTER TABLE item ADD COLUMN note text;"})
    prepared(pg_database, repo, "2")
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force").exit_code == 0
    assert run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force").exit_code == 0
    again = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert again.exit_code == 4 and "0002_add.sql is already rolled back on this database: nothing to roll back" in again.output
    assert "Rollback of" not in again.output  # no plan, no count of values to delete, for nothing


def test_a_forced_rollback_of_a_drop_column_brings_the_column_back_empty(tmp_path: Path, pg_database: str) -> None:
    # umami's 06_session_data drops session_data.deleted_at: --force skipped the re-creation, so the
    # previous release's code still missed the column and the schema "differs" (exit 1).
    repo = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TABLE item (id int PRIMARY KEY, deleted_at timestamptz DEFAULT now(), owner int NOT NULL);\n"
                                    "INSERT INTO item VALUES (1, now(), 7);",
        "migrations/0002_drop.sql": "ALTER TABLE item DROP COLUMN deleted_at;\nALTER TABLE item DROP COLUMN owner;",
    })
    prepared(pg_database, repo, "2")
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force").exit_code == 0
    back = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert "ALTER TABLE item ADD COLUMN deleted_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP;   (without its data)" in back.output, back.output
    assert "! re-creates the column, not its data" in back.output
    with connect(pg_database) as conn:  # back, with the default; owner without the NOT NULL its missing values would break
        assert set(conn.execute("SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'item'::regclass AND attnum > 0 "
                                "AND NOT attisdropped").fetchall()) == {("id", True), ("deleted_at", False), ("owner", False)}
    # Honest about the one difference left: owner's NOT NULL waits for its values.
    assert back.exit_code == 1 and "the schema differs from the before-apply snapshot" in back.output


def test_verify_names_a_mixed_case_table_once_quoted_when_an_old_insert_fails(tmp_path: Path, pg_database: str) -> None:
    # documenso's envelopes: `relation ""Field"" violates not-null constraint`.
    repo = make_repo(tmp_path / "app", {
        "prisma/migrations/01_init/migration.sql": 'CREATE TABLE "Field" ("id" SERIAL PRIMARY KEY);',
        "prisma/migrations/02_envelope/migration.sql": 'ALTER TABLE "Field" ADD COLUMN "envelopeId" TEXT NOT NULL;',
    })
    for ref in ("01_init", "02_envelope"):
        assert run("apply", str(repo), "-m", str(repo / f"prisma/migrations/{ref}/migration.sql"), "--database-url", pg_database, "--yes", "--force").exit_code == 0
    result = run("verify", str(repo), "-m", str(repo / "prisma/migrations/02_envelope/migration.sql"), "--database-url", pg_database)
    assert result.exit_code == 4
    assert 'null value in column "envelopeId" of relation "Field" violates not-null constraint' in result.output, result.output


ENVELOPES = {
    "migrations/0001_init.sql": "CREATE TABLE template (id int PRIMARY KEY);\n"
                                "CREATE TABLE field (id int PRIMARY KEY, template_id int, document_id int,\n"
                                "  CONSTRAINT field_owner_check CHECK ((template_id IS NULL) <> (document_id IS NULL)));\n"
                                "ALTER TABLE field ADD CONSTRAINT field_template_fkey FOREIGN KEY (template_id) REFERENCES template (id);",
    "migrations/0002_envelope.sql": "ALTER TABLE field DROP COLUMN template_id;\nALTER TABLE field DROP COLUMN document_id;",
}


def test_a_check_on_two_dropped_columns_comes_back_once_both_are_back(tmp_path: Path, pg_database: str) -> None:
    # documenso's envelopes: each column's step added the CHECK naming the other, not there yet.
    repo = make_repo(tmp_path / "app", ENVELOPES)
    prepared(pg_database, repo, "2")
    before = fingerprint(pg_database)
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force").exit_code == 0
    back = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert back.exit_code == 0 and "schema equals the before-apply snapshot" in back.output, back.output
    assert sorted(fingerprint(pg_database)) == sorted(before)  # column order aside: the same rows


def test_a_rollback_step_that_needs_a_manual_one_names_it_and_changes_nothing(tmp_path: Path, pg_database: str) -> None:
    repo = make_repo(tmp_path / "app", {**ENVELOPES, "migrations/0002_envelope.sql":
                                        ENVELOPES["migrations/0002_envelope.sql"] + "\nDROP TABLE template;"})
    prepared(pg_database, repo, "2")
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force").exit_code == 0
    after = fingerprint(pg_database)
    back = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes", "--force")
    assert back.exit_code == 4
    assert 'not rolled back: step 3 failed: relation "template" does not exist (ALTER TABLE field ADD COLUMN template_id INT' in back.output, back.output
    assert "nothing was changed: do the manual steps it needs first" in back.output
    assert fingerprint(pg_database) == after


@pytest.mark.xfail(reason="known limit (impact/db/apply.py): a ledger row from before the folder-relative names "
                          "(`migration.sql`) is not recognized, so the migration is applied again", strict=True)
def test_a_row_under_the_old_bare_file_name_counts_as_applied(tmp_path: Path, pg_database: str) -> None:
    repo = make_repo(tmp_path / "app", {"prisma/migrations/01_init/migration.sql": 'CREATE TABLE "item" ("id" INTEGER PRIMARY KEY);'})
    migration = str(repo / "prisma/migrations/01_init/migration.sql")
    assert run("apply", str(repo), "-m", migration, "--database-url", pg_database, "--yes", "--force").exit_code == 0
    with connect(pg_database, autocommit=True) as conn:  # as an older impact recorded it
        conn.execute("UPDATE impact_migrations SET name = 'migration.sql'")
    again = run("apply", str(repo), "-m", migration, "--database-url", pg_database, "--yes", "--force")
    assert again.exit_code == 0 and "already applied" in again.output


def test_a_migration_its_framework_already_ran_says_so(tmp_path: Path, pg_database: str) -> None:
    # Adopting impact on a database `prisma migrate deploy` keeps: impact's ledger is empty.
    repo = make_repo(tmp_path / "app", {"prisma/migrations/01_init/migration.sql": 'CREATE TABLE "item" ("id" INTEGER PRIMARY KEY);'})
    with connect(pg_database, autocommit=True) as conn:
        conn.execute('CREATE TABLE "item" ("id" INTEGER PRIMARY KEY)')
    result = run("apply", str(repo), "-m", str(repo / "prisma/migrations/01_init/migration.sql"), "--database-url", pg_database, "--yes", "--force")
    assert result.exit_code == 4
    assert 'relation "item" already exists — it exists already (did prisma migrate, manage.py migrate or psql run this migration?)' in result.output


def test_apply_to_a_real_database_says_how_to_tell_the_projects_own_migration_tool(tmp_path: Path, pg_database: str) -> None:
    # Without it `prisma migrate deploy` (manage.py migrate, alembic upgrade) runs the migration again.
    from tests.conftest import ALEMBIC_INI, alembic_revision
    from tests.test_shadow_histories import DJANGO_APP

    prisma = make_repo(tmp_path / "prisma", {"prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
                                             "prisma/migrations/01_init/migration.sql": 'CREATE TABLE "item" ("id" INTEGER PRIMARY KEY);'})
    alembic = make_repo(tmp_path / "alembic", {"alembic.ini": ALEMBIC_INI, "migrations/versions/a1f2_tags.py": alembic_revision(
        "a1f2", None, '    op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True))\n')})
    django = make_repo(tmp_path / "django", DJANGO_APP)
    cases = [(prisma, str(prisma / "prisma/migrations/01_init/migration.sql"), "npx prisma migrate resolve --applied 01_init"),
             (alembic, "a1f2", "alembic stamp a1f2"),
             (django, str(django / "tags/migrations/0001_initial.py"), "python manage.py migrate tags 0001_initial --fake")]
    for repo, ref, command in cases:
        result = run("apply", str(repo), "-m", ref, "--database-url", pg_database, "--yes", "--force")
        assert result.exit_code == 0, result.output
        assert f"• record it in the project's own migration table too, or its next deploy runs it again: {command}\n" in result.output
    rehearsal = run("apply", str(prisma), "-m", str(prisma / "prisma/migrations/01_init/migration.sql"), "--force")
    assert rehearsal.exit_code == 0 and "record it in the project's own" not in rehearsal.output  # a dry run records nothing


def test_renames_of_a_type_an_index_and_a_constraint_are_rolled_back(tmp_path: Path, pg_database: str) -> None:
    # formbricks' rename_connector_to_feedback_source: each `ALTER TYPE ... RENAME TO` was "undo by hand".
    repo = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": 'CREATE TYPE "ConnectorType" AS ENUM (\'a\', \'b\');\n'
                                    'CREATE TABLE item (id int PRIMARY KEY, kind "ConnectorType", CONSTRAINT item_kind_check CHECK (id > 0));\n'
                                    "CREATE INDEX item_kind_idx ON item (kind);",
        "migrations/0002_rename.sql": 'ALTER TYPE "ConnectorType" RENAME TO "SourceType";\n'
                                      "ALTER INDEX item_kind_idx RENAME TO item_source_idx;\n"
                                      "ALTER TABLE item RENAME CONSTRAINT item_kind_check TO item_id_check;",
    })
    prepared(pg_database, repo, "2")
    before = fingerprint(pg_database)
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes").exit_code == 0
    back = run("rollback", str(repo), "-m", "2", "--database-url", pg_database, "--yes")
    assert back.exit_code == 0 and "schema equals the before-apply snapshot" in back.output, back.output
    assert '✓ ALTER TYPE "SourceType" RENAME TO "ConnectorType";' in back.output
    assert fingerprint(pg_database) == before
    with connect(pg_database) as conn:
        assert conn.execute("""SELECT to_regtype('"ConnectorType"') IS NOT NULL""").fetchone()[0]


def test_verify_of_a_migration_impact_did_not_apply_here_says_so(tmp_path: Path, pg_database: str) -> None:
    # formbricks: verify after a failed apply listed five failures and no reason.
    repo = make_repo(tmp_path / "app", {"migrations/0001_init.sql": "CREATE TABLE item (id int PRIMARY KEY);",
                                        "migrations/0002_add.sql": "ALTER TABLE item ADD COLUMN note text;"})
    prepared(pg_database, repo, "2")
    result = run("verify", str(repo), "-m", "2", "--database-url", pg_database)
    assert result.exit_code == 4
    assert "• 0002_add.sql is not recorded in impact_migrations here: checked as if applied (by another tool, or not at all)" in result.output
    assert run("apply", str(repo), "-m", "2", "--database-url", pg_database, "--yes").exit_code == 0
    applied = run("verify", str(repo), "-m", "2", "--database-url", pg_database)
    assert applied.exit_code == 0 and "impact_migrations here" not in applied.output
