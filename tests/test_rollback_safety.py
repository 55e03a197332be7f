"""`impact rollback` says where and what before it deletes anything, and asks; its plan re-creates
a dropped column as it was. Against a real PostgreSQL started by the suite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.db import connect
from impact.errors import EXIT_VERDICT
from impact.pipeline import scan
from tests.conftest import ROOT, make_repo
from tests.test_apply import fingerprint, prepared


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def applied_with_values(tmp_path: Path, url: str, files: dict[str, str], written: str) -> Path:
    """Migration 2 of `files` applied by impact, then values written by `written` since."""
    app = make_repo(tmp_path / "app", files)
    prepared(url, app, "2")
    assert run("apply", str(app), "-m", "2", "--database-url", url, "--yes").exit_code == 0
    with connect(url, autocommit=True) as conn:
        conn.execute(written)
    return app


@pytest.fixture
def applied(tmp_path: Path, pg_database: str) -> Path:
    """0002 applied by impact, and a value written to the column it added since."""
    return applied_with_values(tmp_path, pg_database, {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO items VALUES (1, 'a'), (2, 'b');",
        "migrations/0002_add_note.sql": "ALTER TABLE items ADD COLUMN note text;",
    }, "UPDATE items SET note = 'keep me' WHERE id = 1")


def test_rollback_without_a_terminal_shows_target_steps_and_data_then_needs_yes(applied: Path, pg_database: str) -> None:
    before = fingerprint(pg_database)
    result = run("rollback", str(applied), "-m", "2", "--database-url", pg_database)
    assert result.exit_code == EXIT_VERDICT
    out = result.output
    assert "Target: postgresql://" in out and "1. ALTER TABLE items DROP COLUMN IF EXISTS note;" in out
    assert "items.note holds 1 non-NULL value that would be deleted" in out
    assert "no terminal to confirm on — pass --yes" in out
    password = pg_database.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    assert not password or password not in out
    assert fingerprint(pg_database) == before  # nothing ran
    done = run("rollback", str(applied), "-m", "2", "--database-url", pg_database, "--yes")
    assert done.exit_code == 0 and "rolled back" in done.output


def test_rollback_on_a_terminal_asks_and_no_is_the_default(applied: Path, pg_database: str) -> None:
    before = fingerprint(pg_database)
    primary, secondary = os.openpty()  # a real terminal on stdin: click.confirm asks there
    child = subprocess.Popen([sys.executable, "-m", "impact", "rollback", str(applied), "-m", "2", "--database-url", pg_database],
                             stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(secondary)
    os.write(primary, b"\n")  # just Enter: the default, No
    out, err = child.communicate(timeout=60)
    os.close(primary)
    assert child.returncode == EXIT_VERDICT, err
    assert "[y/N]" in out and "Roll back 0002_add_note.sql on postgresql://" in out and "1 value will be deleted" in out
    assert "confirmation declined" in err
    assert fingerprint(pg_database) == before


def test_rollback_plan_re_creates_a_dropped_column_as_it_was(tmp_path: Path, pg_database: str) -> None:
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": (
            "CREATE TABLE chats (id int PRIMARY KEY, temperature real, pinned boolean NOT NULL DEFAULT TRUE, owner int NOT NULL, code text);\n"
            "ALTER TABLE chats ADD CONSTRAINT chats_code_key UNIQUE (code);\n"
            "ALTER TABLE chats ADD CONSTRAINT chats_temperature_check CHECK (temperature >= 0);\n"),
        "migrations/0002_drop.sql": ("ALTER TABLE chats DROP COLUMN pinned;\nALTER TABLE chats DROP COLUMN owner;\n"
                                     "ALTER TABLE chats DROP COLUMN code;\nALTER TABLE chats DROP COLUMN temperature;\n"),
    })
    steps = {s.statement: s.sql for s in scan(app, "2", use_cache=False).rollback}
    assert steps[1] == "ALTER TABLE chats ADD COLUMN pinned BOOLEAN DEFAULT TRUE NOT NULL;"
    assert steps[2].startswith("ALTER TABLE chats ADD COLUMN owner INT;") and steps[2].endswith("ALTER COLUMN owner SET NOT NULL;")
    assert steps[3] == "ALTER TABLE chats ADD COLUMN code TEXT, ADD CONSTRAINT chats_code_key UNIQUE (code);"
    assert steps[4] == "ALTER TABLE chats ADD COLUMN temperature REAL, ADD CONSTRAINT chats_temperature_check CHECK (temperature >= 0);"
    # Run on a real server: drop, then the plan, gives the schema back (column order aside).
    assert_plan_restores(pg_database, app, "migrations/0002_drop.sql", steps)


def assert_plan_restores(url: str, app: Path, migration: str, steps: dict[int, str]) -> None:
    """The migration, then its plan's steps last first, on a real server: the schema as before."""
    prepared(url, app, "2")
    before = fingerprint(url)
    with connect(url, autocommit=True) as conn:
        conn.execute((app / migration).read_text())
        for n in sorted(steps, reverse=True):
            conn.execute(steps[n])
    assert fingerprint(url) == before


def test_rollback_plan_quotes_names_postgresql_folds_or_reserves(tmp_path: Path, pg_database: str) -> None:
    """`group` is a reserved word and Prisma's `User` a mixed-case name: written bare, the plan's SQL
    would fail (`group`) or touch another table (`user`). ckan's 106 migration adds `extras` to `group`."""
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": 'CREATE TABLE "group" (id int PRIMARY KEY, "order" int UNIQUE);\n'
                                    'CREATE TABLE "User" (id int PRIMARY KEY, "displayName" text);\n',
        "migrations/0002_change.sql": ('ALTER TABLE "group" ADD COLUMN extras jsonb;\nALTER TABLE "group" DROP COLUMN "order";\n'
                                       'ALTER TABLE "User" RENAME COLUMN "displayName" TO "fullName";\n'
                                       'ALTER TABLE "User" ADD COLUMN "isAdmin" boolean;\n'),
    })
    result = scan(app, "2", use_cache=False)
    steps = {s.statement: s.sql for s in result.rollback}
    assert steps[1] == 'ALTER TABLE "group" DROP COLUMN IF EXISTS extras;'
    assert steps[3] == 'ALTER TABLE "User" RENAME COLUMN "fullName" TO "displayName";'
    assert [s.drops for s in result.rollback if s.drops] == [("User", "isAdmin"), ("group", "extras")]
    assert_plan_restores(pg_database, app, "migrations/0002_change.sql", steps)


def test_rollback_counts_the_values_of_a_mixed_case_table_before_dropping_them(tmp_path: Path, pg_database: str) -> None:
    app = applied_with_values(tmp_path, pg_database, {
        "migrations/0001_init.sql": 'CREATE TABLE "User" (id int PRIMARY KEY);\nINSERT INTO "User" VALUES (1), (2);',
        "migrations/0002_add.sql": 'ALTER TABLE "User" ADD COLUMN "isAdmin" boolean;',
    }, 'UPDATE "User" SET "isAdmin" = true')
    out = run("rollback", str(app), "-m", "2", "--database-url", pg_database).output
    assert '1. ALTER TABLE "User" DROP COLUMN IF EXISTS "isAdmin";' in out
    assert "User.isAdmin holds 2 non-NULL values that would be deleted" in out


@pytest.mark.parametrize("change, code", [
    ('ALTER TABLE "User" RENAME COLUMN "displayName" TO "fullName";', "IMP102"),
    ('ALTER TABLE "group" ADD COLUMN "isAdmin" boolean NOT NULL;', "IMP304"),
])
def test_a_findings_safer_sql_runs_on_tables_with_reserved_or_mixed_case_names(tmp_path: Path, pg_database: str,
                                                                                change: str, code: str) -> None:
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": 'CREATE TABLE "User" (id int PRIMARY KEY, "displayName" text);\nCREATE TABLE "group" (id int PRIMARY KEY);\n',
        "migrations/0002_change.sql": change,
        "src/users.py": 'cur.execute(\'SELECT "displayName" FROM "User"\')\n',
    })
    finding = next(f for f in scan(app, "2", use_cache=False).findings if f.code == code)
    assert finding.safe_sql and ('"User"' in finding.safe_sql or '"group"' in finding.safe_sql)
    prepared(pg_database, app, "2")
    with connect(pg_database, autocommit=True) as conn:
        conn.execute(finding.safe_sql)  # every statement of it, as a reviewer would paste it


def test_create_table_constraints_are_re_created(tmp_path: Path, pg_database: str) -> None:
    """Constraints written in CREATE TABLE, inline or table-level, named or not, come back under the
    names PostgreSQL gave them: dropping the column, then running the plan, gives the catalog back."""
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TABLE owners (id int PRIMARY KEY);\n"
                                    "CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0), code text UNIQUE,\n"
                                    "  owner_id int, lo int, CONSTRAINT n_small CHECK (n < 100), CHECK (lo >= 0),\n"
                                    "  FOREIGN KEY (owner_id) REFERENCES owners (id));",
        "migrations/0002_drop.sql": "ALTER TABLE t DROP COLUMN n, DROP COLUMN code, DROP COLUMN owner_id, DROP COLUMN lo;",
    })
    steps = [step.sql for step in scan(app, "2", use_cache=False).rollback]
    assert steps == [
        "ALTER TABLE t ADD COLUMN lo INT, ADD CONSTRAINT t_lo_check CHECK (lo >= 0);",
        "ALTER TABLE t ADD COLUMN owner_id INT, ADD CONSTRAINT t_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners;",
        "ALTER TABLE t ADD COLUMN code TEXT, ADD CONSTRAINT t_code_key UNIQUE (code);",
        "ALTER TABLE t ADD COLUMN n INT, ADD CONSTRAINT t_n_check CHECK (n > 0), ADD CONSTRAINT n_small CHECK (n < 100);",
    ]
    prepared(pg_database, app, "2")
    before = constraint_names(pg_database)
    with connect(pg_database, autocommit=True) as conn:
        conn.execute((app / "migrations/0002_drop.sql").read_text())
        for sql in steps:
            conn.execute(sql)
    assert constraint_names(pg_database) == before


def constraint_names(url: str) -> list[tuple[str, str]]:
    with connect(url) as conn:
        return conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                            "WHERE conrelid = 't'::regclass ORDER BY conname").fetchall()


def test_apply_names_the_database_in_its_question(tmp_path: Path, pg_database: str) -> None:
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);",
        "migrations/0002_index.sql": "CREATE INDEX items_name ON items (name);",  # caution: asks
    })
    prepared(pg_database, app, "2")
    primary, secondary = os.openpty()
    child = subprocess.Popen([sys.executable, "-m", "impact", "apply", str(app), "-m", "2", "--database-url", pg_database],
                             stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(secondary)
    os.write(primary, b"n\n")
    out, err = child.communicate(timeout=60)
    os.close(primary)
    assert child.returncode == EXIT_VERDICT and "confirmation declined" in err
    assert "Apply 0002_index.sql to postgresql://" in out and "[y/N]" in out


SUPABASE_MIGRATION = """
INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types) VALUES ('avatars', 'avatars', true, 1048576, ARRAY['image/png']);
CREATE POLICY "own folder" ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'avatars' AND (storage.foldername(name))[1] = auth.uid()::text AND owner_id = (auth.jwt() ->> 'sub'));
CREATE POLICY "admins" ON storage.objects FOR ALL USING ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin' AND path_tokens[1] IS NOT NULL);
CREATE TABLE public.profiles (id uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(), avatar text, made uuid DEFAULT uuid_generate_v4());
"""


def test_a_supabase_project_replays_storage_policies_jwt_and_extensions_on_the_shadow_database(tmp_path: Path) -> None:
    app = make_repo(tmp_path / "app", {
        "supabase/config.toml": "project_id = 'x'\n",
        "supabase/migrations/20240101000000_storage.sql": SUPABASE_MIGRATION,
        "supabase/migrations/20240102000000_more.sql": "ALTER TABLE public.profiles ADD COLUMN bio text;",
    })
    result = run("apply", str(app), "-m", "20240102000000", "--yes")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "storage.buckets/objects" in result.output
