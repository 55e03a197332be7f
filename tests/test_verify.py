"""`impact verify` against a real PostgreSQL: the migration is applied by hand, the repo scanned,
then every check of the plan runs on the migrated database."""
from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from impact.db import connect
from impact.db.prepare import convert_placeholders, prepare, split, to_preparable
from impact.db.snapshot import snapshot
from impact.db.verify import verify
from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

BASE = """
CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  title text NOT NULL DEFAULT 'New conversation',
  created_at timestamptz NOT NULL DEFAULT now()
);
"""
ROWS = "INSERT INTO conversations (user_id, title) SELECT gen_random_uuid(), 'c' || i FROM generate_series(1, 3) i;"
# The seed's 11_session_tracking.sql, as shipped with the TypeScript fixture app.
SESSION = (Path(__file__).parents[1] / "fixtures/apps/chat-ts/docs/schema_updates/11_session_tracking.sql").read_text()
API_TS = """import { supabase } from './client'

export async function list(userId: string) {
  return supabase.from('conversations').select('id, title, created_at').eq('user_id', userId)
}

export async function create(userId: string) {
  return supabase.from('conversations').insert({ user_id: userId, title: 'hi' })
}
"""
SESSION_TS = """export const bySession = (id: string) => supabase.from('conversations').select('*').eq('session_id', id)
"""
DB_PY = """import psycopg

def titles(cur, user_id):
    cur.execute("SELECT id, title FROM conversations WHERE user_id = %s ORDER BY created_at", (user_id,))
    return cur.fetchall()

def dynamic(cur, where):
    cur.execute(f"SELECT id FROM conversations WHERE {where}")
"""


@pytest.fixture
def conn(pg_database):
    with connect(pg_database, autocommit=True) as connection:
        yield connection


def _repo(tmp_path: Path, migration: str, files: dict[str, str] | None = None, base: str = BASE) -> Path:
    return make_repo(tmp_path, {"migrations/0001_init.sql": base, "migrations/0002_change.sql": migration, **(files or {})})


def _migrate(conn, base: str, migration: str, rows: str = ROWS) -> dict:
    """Apply the base schema and rows, snapshot, then apply the migration; returns the snapshot."""
    conn.execute(base + rows)
    with conn.cursor() as cur:
        before = snapshot(cur, [("conversations", None)])
    if migration:
        conn.execute(migration)
    return before


def _verify(conn, repo: Path, before: dict | None = None):
    with conn.cursor() as cur:
        return verify(cur, scan(repo, "2", use_cache=False), before)


def _by_status(report, status: str) -> dict[str, str]:
    return {r.name: r.detail for r in report.results if r.status == status}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_seed_migration_applied_passes_every_check(conn, tmp_path: Path) -> None:
    repo = _repo(tmp_path, SESSION, {"src/api.ts": API_TS, "src/session.ts": SESSION_TS, "src/db.py": DB_PY})
    before = _migrate(conn, BASE, SESSION)
    report = _verify(conn, repo, before)
    assert report.passed, report.lines()
    assert not report.failures
    passed = _by_status(report, "pass")
    assert "column conversations.session_id: text, nullable, no default" in passed
    assert "index idx_conversations_user_session exists and is valid" in passed
    assert "comment on conversations.experiment_name" in passed
    assert passed["SELECT * on conversations still works"] == "6 columns, as the scan predicted"
    assert passed["old SELECT lists on conversations still work"] == "4 columns"
    assert passed["rows of conversations intact"] == "3 rows before and after"
    assert passed["can filter by conversations.session_id"].startswith("plans: ")
    assert "succeeded" in passed["INSERT without the new columns works on conversations"]
    apps = [r for r in report.results if r.category == "application"]
    assert {r.status for r in apps if ".ts:" in r.name} == {"pass"}
    assert "query src/session.ts:1 (select star on conversations)" in passed  # uses the new column
    assert f"query src/db.py:{_line(DB_PY, 'ORDER BY')} (select columns on conversations)" in passed
    # The f-string query is reported, not failed.
    skipped = _by_status(report, "skip")
    assert any("built at run time" in d and "src/db.py:" in d for d in skipped.values())
    lines = report.lines()
    assert lines[0] == "Verifying migrations/0002_change.sql"
    assert "  ✓ SELECT * on conversations still works — 6 columns, as the scan predicted" in lines
    assert lines[-2].startswith("  ✓ ALL CHECKS PASSED (") and lines[-1] == "  Migration verified."
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is True and data["counts"]["fail"] == 0 and len(data["checks"]) == len(report.results)
    # Verifying left nothing behind: no row, prepared statement or temp table.
    assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't'").fetchone()[0] == 0


def test_half_applied_migration_fails_exactly_the_missing_parts(conn, tmp_path: Path) -> None:
    repo = _repo(tmp_path, SESSION)
    before = _migrate(conn, BASE, "ALTER TABLE conversations ADD COLUMN session_id text;"
                                  "CREATE INDEX idx_conversations_session_id ON conversations(session_id);")
    report = _verify(conn, repo, before)
    assert not report.passed
    failed = _by_status(report, "fail")
    assert failed == {
        "column conversations.experiment_name: text, nullable, no default": "does not exist",
        "comment on conversations.session_id": "comment is none, the migration sets 'User-defined session identifier...'",
        "comment on conversations.experiment_name": "column experiment_name does not exist",
        "index idx_conversations_experiment_name exists and is valid": "does not exist",
        "index idx_conversations_user_session exists and is valid": "does not exist",
        "SELECT * on conversations still works": "5 columns, the scan predicted 6",
        "can filter by conversations.experiment_name": "column conversations.experiment_name does not exist",
    }
    assert "rows of conversations intact" in _by_status(report, "pass")
    lines = report.lines()
    assert "  ✗ 7 CHECKS FAILED (" in "\n".join(lines)
    assert "    ✗ index idx_conversations_user_session exists and is valid — does not exist" in lines


def test_app_query_naming_a_dropped_column_fails_prepare_with_its_file_and_line(conn, tmp_path: Path) -> None:
    repo = _repo(tmp_path, "ALTER TABLE conversations DROP COLUMN title;", {"src/api.ts": API_TS, "src/db.py": DB_PY})
    before = _migrate(conn, BASE, "ALTER TABLE conversations DROP COLUMN title;")
    report = _verify(conn, repo, before)
    failed = _by_status(report, "fail")
    py_line, ts_line = _line(DB_PY, "ORDER BY"), _line(API_TS, "'id, title, created_at'")
    assert failed == {
        f"query src/db.py:{py_line} (select columns on conversations)": f'column "title" does not exist (src/db.py:{py_line})',
        f"query src/api.ts:{ts_line} (select columns on conversations)": f'column "title" does not exist (src/api.ts:{ts_line})',
        f"query src/api.ts:{_line(API_TS, 'insert(')} (insert on conversations)":
            f'column "title" of relation "conversations" does not exist (src/api.ts:{_line(API_TS, "insert(")})',
    }
    passed = _by_status(report, "pass")
    assert "column conversations.title is gone" in passed
    assert passed["old SELECT lists on conversations still work"] == "3 columns"  # title left out: dropped on purpose
    # The scan report's plan holds the same queries as one check; it runs on its own too.
    aggregate = next(c for c in scan(repo, "2", use_cache=False).verification if c.category == "application")
    assert aggregate.name == "the application's 4 queries still PREPARE"
    with conn.cursor() as cur, conn.transaction(force_rollback=True):
        ok, detail = aggregate.run(cur)
    assert ok is False and detail.startswith('3 of 4 do not: column "title" does not exist (src/api.ts:4); ')


def test_insert_that_a_trigger_or_a_new_not_null_column_breaks_fails(conn, tmp_path: Path) -> None:
    base = BASE + """
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := upper(NEW.title); RETURN NEW; END $$;
CREATE TRIGGER stamp BEFORE INSERT ON conversations FOR EACH ROW EXECUTE FUNCTION stamp();"""
    migration = "ALTER TABLE conversations DROP COLUMN title;"
    repo = _repo(tmp_path, migration, base=base)
    _migrate(conn, base, migration)
    failed = _by_status(_verify(conn, repo), "fail")
    assert failed == {"INSERT still works on conversations": 'record "new" has no field "title"'}

    empty = tmp_path / "empty"
    migration = "ALTER TABLE items ADD COLUMN sku text NOT NULL;"
    repo = make_repo(empty, {"migrations/0001_init.sql": "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);",
                             "migrations/0002_sku.sql": migration})
    conn.execute("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);" + migration)
    failed = _by_status(_verify(conn, repo), "fail")
    assert list(failed) == ["INSERT without the new columns works on items"]
    assert failed["INSERT without the new columns works on items"].startswith('null value in column "sku" of relation "items" violates not-null constraint')


def test_invalid_index_left_by_a_failed_concurrent_build_is_detected(conn, tmp_path: Path) -> None:
    migration = "CREATE UNIQUE INDEX CONCURRENTLY conversations_title_key ON conversations (title);"
    repo = _repo(tmp_path, migration)
    _migrate(conn, BASE, "", ROWS + "INSERT INTO conversations (user_id, title) VALUES (gen_random_uuid(), 'c1');")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(migration)  # autocommit: the failed build leaves the index behind, INVALID
    failed = _by_status(_verify(conn, repo), "fail")
    assert failed == {"index conversations_title_key exists and is valid":
                      "conversations_title_key exists but is INVALID (a failed or interrupted CREATE INDEX CONCURRENTLY): drop it and create it again"}


def test_an_index_kept_by_if_not_exists_with_other_columns_fails(conn, tmp_path: Path) -> None:
    migration = "CREATE INDEX IF NOT EXISTS conversations_user_idx ON conversations (user_id, created_at);"
    repo = _repo(tmp_path, migration)
    _migrate(conn, BASE, "CREATE INDEX conversations_user_idx ON conversations (title);" + migration)
    failed = _by_status(_verify(conn, repo), "fail")
    assert failed == {"index conversations_user_idx exists and is valid": "conversations_user_idx does not cover (user_id, created_at): "
                      "CREATE INDEX conversations_user_idx ON public.conversations USING btree (title)"}


def _plan(tmp_path: Path, migration: str, base: str = BASE) -> list:
    return scan(_repo(tmp_path, migration, base=base), "2", use_cache=False).verification


def test_plan_expects_the_state_the_migration_ends_in(tmp_path: Path) -> None:
    plan = _plan(tmp_path, """
ALTER TABLE conversations ADD COLUMN rank int;
ALTER TABLE conversations ALTER COLUMN rank SET NOT NULL;
CREATE INDEX tmp_idx ON conversations (rank);
DROP INDEX tmp_idx;
CREATE TABLE drafts (id int PRIMARY KEY, body text);
ALTER TABLE drafts RENAME COLUMN body TO content;
ALTER TABLE conversations ADD COLUMN scratch text;
ALTER TABLE conversations DROP COLUMN scratch;
ALTER TABLE conversations RENAME TO chats;
COMMENT ON COLUMN chats.rank IS 'order';
""")
    schema = [c.name for c in plan if c.category == "schema"]
    assert schema == [  # one expectation per object, in the order the migration first touches it
        "column chats.rank: int, NOT NULL, no default", "index tmp_idx is gone", "table drafts exists",
        "column drafts.id: int, NOT NULL, no default", "column drafts.body is gone", "column drafts.content: text, nullable, no default",
        "column chats.scratch is gone", "table conversations is gone", "table chats exists", "comment on chats.rank",
    ]
    compat = {c.name: c.expect for c in plan if c.category != "schema"}
    assert compat == {  # the new table has no old queries; the renamed one is checked under its new name
        "old SELECT lists on chats still work": "runs", "SELECT * on chats still works": "runs, 5 columns",
        "INSERT without the new columns works on chats": "succeeds (rolled back)", "can filter by chats.rank": "plans",
        "rows of chats intact": "as many as before",
    }
    insert = next(c for c in plan if c.probe == "insert")
    assert insert.params["new_columns"] == ["rank"] and insert.params["original"] == "conversations"


BROAD = """
CREATE TABLE old_audit (id int);
CREATE TABLE tags (id int PRIMARY KEY);
CREATE INDEX conversations_created_idx ON conversations (created_at);
CREATE TYPE mood AS ENUM ('calm');
"""
BROAD_MIGRATION = """
ALTER TABLE conversations RENAME COLUMN title TO subject;
ALTER TABLE conversations ALTER COLUMN subject TYPE varchar(200);
ALTER TABLE conversations ALTER COLUMN subject DROP DEFAULT;
ALTER TABLE conversations ADD COLUMN score numeric(5, 2) NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN tag_id int;
ALTER TABLE conversations ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE conversations ADD CONSTRAINT score_positive CHECK (score >= 0) NOT VALID;
ALTER TABLE conversations ADD CONSTRAINT conversations_tag_fk FOREIGN KEY (tag_id) REFERENCES tags (id);
ALTER TABLE conversations ADD UNIQUE (user_id, subject);
DROP INDEX conversations_created_idx;
DROP TABLE old_audit;
COMMENT ON TABLE conversations IS 'Chats';
ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_reads ON conversations FOR SELECT USING (true);
GRANT SELECT ON conversations TO PUBLIC;
ALTER TYPE mood ADD VALUE 'happy';
DO $$ BEGIN PERFORM 1; END $$;
"""


def test_every_kind_of_change_is_checked_and_passes_when_applied(conn, tmp_path: Path) -> None:
    repo = _repo(tmp_path, BROAD_MIGRATION, base=BASE + BROAD)
    before = _migrate(conn, BASE + BROAD, BROAD_MIGRATION)
    report = _verify(conn, repo, before)
    assert report.passed, report.lines()
    names = {r.name for r in report.results if r.category == "schema"}
    assert names >= {
        "column conversations.title is gone", "column conversations.subject: varchar(200), no default",
        "column conversations.score: decimal(5, 2), NOT NULL, default 0", "column conversations.created_at: default CURRENT_TIMESTAMP",
        "constraint score_positive on conversations (NOT VALID: not yet validated)",
        "constraint conversations_tag_fk on conversations (validated)", "a unique constraint on conversations (user_id, subject) (validated)",
        "index conversations_created_idx is gone", "table old_audit is gone", "comment on conversations",
        "row level security on for conversations", "forced row level security on for conversations",
        "policy owner_reads on conversations (SELECT to public)", "public has SELECT on conversations",
        "enum value mood 'happy' exists", "statement 18 (line 19) checked by hand",
    }
    assert _by_status(report, "skip")["statement 18 (line 19) checked by hand"] == "a DO block: check its effects by hand"

    conn.execute("ALTER TABLE conversations VALIDATE CONSTRAINT score_positive; ALTER TABLE conversations DISABLE ROW LEVEL SECURITY;"
                 "ALTER TABLE conversations ALTER COLUMN subject SET DEFAULT 'x'; ALTER POLICY owner_reads ON conversations TO CURRENT_USER;"
                 "DROP TYPE mood;")
    user = conn.execute("SELECT current_user").fetchone()[0]
    assert _by_status(_verify(conn, repo, before), "fail") == {
        "constraint score_positive on conversations (NOT VALID: not yet validated)": "score_positive is validated, the migration declares it NOT VALID",
        "row level security on for conversations": "off",
        "column conversations.subject: varchar(200), no default": "default is 'x'::character varying, the migration declares none",
        "policy owner_reads on conversations (SELECT to public)": f"roles is ['{user}'], the migration declares ['public']",
        "enum value mood 'happy' exists": "does not exist",
    }


def test_a_lost_connection_stops_verification_with_a_database_error(conn) -> None:
    from impact.db import DatabaseError
    from impact.db.verify import run

    class Terminating:
        name, category, expect, sql = "kills its own backend", "schema", "", ""

        def run(self, cur, before=None):
            cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with pytest.raises(DatabaseError, match="lost the connection while checking 'kills its own backend'"):
        with conn.cursor() as cur:
            run(cur, Terminating())


def test_row_counts_are_compared_with_the_snapshot(conn, tmp_path: Path) -> None:
    repo = _repo(tmp_path, SESSION)
    before = _migrate(conn, BASE, SESSION)
    conn.execute("DELETE FROM conversations WHERE title = 'c2'")
    assert _by_status(_verify(conn, repo, before), "fail") == {"rows of conversations intact": "3 rows before the migration, 2 now"}
    without = _by_status(_verify(conn, repo), "skip")
    assert without["rows of conversations intact"] == "2 rows now; no snapshot from before the migration to compare with"

    deleting = tmp_path / "deleting"
    migration = "DELETE FROM conversations WHERE title = 'c3';"
    repo = _repo(deleting, migration)
    conn.execute(migration)
    passed = _by_status(_verify(conn, repo, {"public.conversations": {**before["public.conversations"], "rows": 2}}), "pass")
    assert passed["rows of conversations intact"] == "2 → 1 rows, changed by the migration's own DELETE (statement 1)"


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT * FROM t WHERE a = %s AND b = %s", "SELECT * FROM t WHERE a = $1 AND b = $2"),
    ("SELECT * FROM t WHERE a=%(id)s OR b=%(id)s AND c=%(n)s", "SELECT * FROM t WHERE a=$1 OR b=$1 AND c=$2"),
    ("SELECT a %% 2 FROM t WHERE b = %s", "SELECT a % 2 FROM t WHERE b = $1"),
    ("SELECT * FROM t WHERE a = :id AND b::text = :name AND c = :id", "SELECT * FROM t WHERE a = $1 AND b::text = $2 AND c = $1"),
    ("SELECT * FROM t WHERE a=? AND b IN (?, ?) LIMIT ?", "SELECT * FROM t WHERE a=$1 AND b IN ($2, $3) LIMIT $4"),
    ("SELECT * FROM t WHERE tags ? 'x' AND a = ?", "SELECT * FROM t WHERE tags ? 'x' AND a = $1"),  # jsonb operator kept
    ("SELECT * FROM t WHERE d ?| ARRAY['a'] AND id = $1 AND x = ?", "SELECT * FROM t WHERE d ?| ARRAY['a'] AND id = $1 AND x = $2"),
    ("SELECT '%s ? :x', \"a?b\", $q$ %s $q$ FROM t -- %s ?\nWHERE a = %s /* ? */",
     "SELECT '%s ? :x', \"a?b\", $q$ %s $q$ FROM t -- %s ?\nWHERE a = $1 /* ? */"),
    ("SELECT E'it\\'s %s' FROM t WHERE a = %s", "SELECT E'it\\'s %s' FROM t WHERE a = $1"),
    ("SELECT a FROM t WHERE b = $1", "SELECT a FROM t WHERE b = $1"),
    # One list parameter expanded by the driver: an array for PostgreSQL.
    ("SELECT a FROM t WHERE b IN %s AND c NOT IN %(cs)s", "SELECT a FROM t WHERE b = ANY($1) AND c <> ALL($2)"),
    ("SELECT a FROM t WHERE b in :ids AND c IN (:x, :y)", "SELECT a FROM t WHERE b = ANY($1) AND c IN ($2, $3)"),
    # umami's rawQuery templates: named, reused, with the cast kept; `'{{x}}'` in a literal stays text.
    ("SELECT a FROM t WHERE w = {{websiteId::uuid}} AND d >= {{ start }} AND v = {{websiteId::uuid}} AND s = '{{x}}'",
     "SELECT a FROM t WHERE w = $1::uuid AND d >= $2 AND v = $1::uuid AND s = '{{x}}'"),
])
def test_placeholders_become_numbered_parameters_outside_literals(sql: str, expected: str) -> None:
    assert convert_placeholders(sql) == expected


def test_queries_that_cannot_be_checked_are_skipped_not_failed() -> None:
    assert to_preparable(None).skip == "built at run time"
    assert to_preparable("SELECT id FROM impact_hole_0 WHERE impact_hole_1").skip.startswith("built at run time")
    assert to_preparable("COPY t TO STDOUT").skip == "COPY cannot be PREPAREd"
    assert to_preparable("SELECT 1; SELECT ';' ; ").statements == ("SELECT 1", "SELECT ';'")
    assert split("-- only a comment; really\n") == []


def test_prepare_reports_postgres_messages_and_skips_untyped_parameters(conn) -> None:
    conn.execute("CREATE TABLE t (a int, b jsonb)")
    with conn.cursor() as cur, conn.transaction(force_rollback=True):
        assert prepare(cur, "SELECT a FROM t WHERE a = %s AND b ? 'k'", "x.py:3") == (True, "prepares")
        assert prepare(cur, "SELECT c FROM t", "x.py:4") == (False, 'column "c" does not exist (x.py:4)')
        assert prepare(cur, "SELECT a FROM t; SELECT nope FROM t", "x.py:5") == (False, 'column "nope" does not exist (x.py:5)')
        passed, detail = prepare(cur, "SELECT %s IS NULL FROM t", "x.py:6")
        assert passed is None and detail.startswith("skipped: could not determine data type of parameter $1")
        assert prepare(cur, None, "x.py:7") == (None, "skipped: built at run time (x.py:7)")
        assert prepare(cur, "SELECT a FROM t", "x.py:8") == (True, "prepares")  # an earlier failure did not poison the transaction
        assert prepare(cur, "SELECT a %% 2 FROM t WHERE a IN %s AND b ->> 'k' LIKE '50%%'", "x.py:9") == (True, "prepares")
        assert prepare(cur, "SELECT a FROM t WHERE c NOT IN :cs", "x.py:10") == (False, 'column "c" does not exist (x.py:10)')
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0] == 0


def test_plan_is_importable_and_described_without_psycopg(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from impact.pipeline import scan\n"
            f"r = scan(__import__('pathlib').Path({str(_repo(tmp_path, SESSION))!r}), '2', use_cache=False)\n"
            "print(sorted({c.category for c in r.verification}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['compatibility', 'data', 'schema']"


CHAT = FIXTURES / "apps" / "chat-ts"
AUTH_STUB = """
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT NULL::uuid $$;
"""


def test_chat_fixture_migration_11_verifies_with_every_app_query(conn) -> None:
    migrations = sorted((CHAT / "docs" / "schema_updates").glob("*.sql"))
    conn.execute(AUTH_STUB)
    for path in migrations[:-1]:
        conn.execute(path.read_text().replace("CREATE EXTENSION IF NOT EXISTS pgcrypto;", ""))  # gen_random_uuid is core
    conn.execute("INSERT INTO auth.users VALUES (gen_random_uuid());"
                 "INSERT INTO profiles (id, email) SELECT id, 'a@b.c' FROM auth.users;"
                 "INSERT INTO conversations (user_id, title) SELECT id, 'hello' FROM profiles;")
    with conn.cursor() as cur:
        before = snapshot(cur, [("conversations", None)])
        conn.execute(migrations[-1].read_text())
        report = verify(cur, scan(CHAT, "11", use_cache=False), before)
    assert report.passed, [r.line for r in report.failures]
    apps = [r for r in report.results if r.category == "application"]
    assert sum(r.status == "pass" for r in apps) >= 30
    assert all(r.status == "pass" or "built at run time" in r.detail for r in apps)
