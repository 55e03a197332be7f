"""The rollback plan re-creates a dropped index, policy or constraint from the statement that created
it (impact/sql/recreate.py), checked on the suite's real PostgreSQL; where it cannot be trusted, the
plan's comment says where the definition is."""
from __future__ import annotations

from pathlib import Path

from impact.db import connect
from impact.pipeline import scan
from impact.sql.recreate import recreate_constraint, recreate_index, recreate_policy
from tests.conftest import make_repo
from tests.test_apply import fingerprint, prepared
from tests.test_rollback_safety import run

INIT = """CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE "Chat" (id int PRIMARY KEY, "userId" int CONSTRAINT chat_user_fk REFERENCES users (id) ON DELETE CASCADE,
  title text, code text UNIQUE, n int, CONSTRAINT chat_n_check CHECK (n > 0));
CREATE UNIQUE INDEX "Chat_title_idx" ON "Chat" USING btree (lower(title) text_pattern_ops) WHERE n IS NOT NULL;
ALTER TABLE "Chat" ADD CONSTRAINT chat_title_len CHECK (length(title) < 100) NOT VALID;
ALTER TABLE "Chat" ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON "Chat" FOR SELECT TO PUBLIC USING ("userId" = current_setting('app.user')::int);
ALTER TABLE "Chat" RENAME TO chats;
"""
DROPS = """DROP INDEX "Chat_title_idx";
ALTER TABLE chats DROP CONSTRAINT chat_user_fk;
ALTER TABLE chats DROP CONSTRAINT chat_n_check;
ALTER TABLE chats DROP CONSTRAINT chat_title_len;
ALTER TABLE chats DROP CONSTRAINT "Chat_code_key";
DROP POLICY own ON chats;
"""
POLICIES = "SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2"


def _app(tmp_path: Path, drops: str = DROPS, init: str = INIT) -> Path:
    return make_repo(tmp_path / "app", {"migrations/0001_init.sql": init, "migrations/0002_drop.sql": drops})


def test_dropped_indexes_policies_and_constraints_come_back_as_they_were(tmp_path: Path, pg_database: str) -> None:
    app = _app(tmp_path)
    result = scan(app, "2", use_cache=False)
    steps = {s.statement: s for s in result.rollback}
    assert not any(s.sql.startswith("--") for s in steps.values()), [s.sql for s in steps.values()]
    assert steps[1].sql.startswith('CREATE UNIQUE INDEX IF NOT EXISTS "Chat_title_idx" ON chats ')  # the table's name now
    assert steps[2].sql == 'ALTER TABLE chats ADD CONSTRAINT chat_user_fk FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE;'
    assert steps[4].sql.endswith("NOT VALID;") and steps[5].sql == "ALTER TABLE chats ADD CONSTRAINT \"Chat_code_key\" UNIQUE (code);"
    assert steps[1].note == "as migrations/0001_init.sql:4 created it"
    prepared(pg_database, app, "2")
    before = fingerprint(pg_database), _policies(pg_database)
    with connect(pg_database, autocommit=True) as conn:
        conn.execute(DROPS)
        assert conn.execute(POLICIES).fetchall() == []
        for n in sorted(steps, reverse=True):
            conn.execute(steps[n].sql)
    assert (fingerprint(pg_database), _policies(pg_database)) == before
    assert before[1][0][1] == "own"


def _policies(url: str) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(POLICIES).fetchall()


def test_a_definition_naming_a_column_renamed_since_is_pointed_at_not_rewritten(tmp_path: Path) -> None:
    init = INIT + "CREATE INDEX chat_code ON chats (code);\nALTER TABLE chats RENAME COLUMN code TO slug;\n"
    result = scan(_app(tmp_path, 'DROP INDEX chat_code;\nALTER TABLE chats DROP CONSTRAINT "Chat_code_key";\n', init), "2", use_cache=False)
    steps = {s.statement: s for s in result.rollback}
    assert steps[1].sql == "-- re-create index chat_code from its previous definition"
    assert steps[1].note == "the definition is at migrations/0001_init.sql:9"
    assert steps[2].sql.startswith("-- re-create constraint Chat_code_key") and steps[2].note == "the definition is at migrations/0001_init.sql:2"


def test_impact_rollback_runs_a_migration_that_dropped_an_index(tmp_path: Path, pg_database: str) -> None:
    """It used to refuse: the step was a comment, so the plan 'could not restore everything'."""
    app = _app(tmp_path, 'DROP INDEX "Chat_title_idx";\n')
    prepared(pg_database, app, "2")
    before = fingerprint(pg_database)
    assert run("apply", str(app), "-m", "2", "--database-url", pg_database, "--yes").exit_code == 0
    assert fingerprint(pg_database) != before
    outcome = run("rollback", str(app), "-m", "2", "--database-url", pg_database, "--yes")
    assert outcome.exit_code == 0, outcome.output
    assert fingerprint(pg_database) == before


def test_concurrently_is_dropped_and_the_table_renamed() -> None:
    sql = 'CREATE INDEX CONCURRENTLY "i" ON public."Old" USING gin ("userId", (data->>\'k\')) INCLUDE (a)'
    assert recreate_index(sql, "New", {"userId", "data", "a"}) == \
        'CREATE INDEX IF NOT EXISTS i ON public."New" USING gin ("userId", (data ->> \'k\')) INCLUDE (a);'
    assert recreate_index(sql, "New", {"userId", "a"}) is None  # `data` is gone
    assert recreate_index("ALTER POLICY p ON t USING (true)", "t", {"a"}) is None  # not the kind asked for


def test_a_policy_checks_its_own_columns_not_those_of_a_subquery() -> None:
    sql = "CREATE POLICY p ON docs USING (EXISTS (SELECT 1 FROM members m WHERE m.doc_id = docs.id AND owner = 1))"
    assert recreate_policy(sql, "documents", {"id", "owner"}).startswith("CREATE POLICY p ON documents AS PERMISSIVE")
    assert recreate_policy(sql, "documents", {"id"}) is None  # `owner` renamed or dropped


def test_a_constraint_is_cut_out_of_its_statement_by_name_or_by_postgresqls_name() -> None:
    create = "CREATE TABLE t (id int, a int REFERENCES u (id), b text UNIQUE, CHECK (id > 0), CONSTRAINT t_pair UNIQUE (a, b) DEFERRABLE)"
    cols = {"id", "a", "b"}
    assert recreate_constraint(create, "t_a_fkey", "t", cols) == "ALTER TABLE t ADD CONSTRAINT t_a_fkey FOREIGN KEY (a) REFERENCES u (id);"
    assert recreate_constraint(create, "t_b_key", "t", cols) == "ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b);"
    assert recreate_constraint(create, "t_id_check", "t", cols) == "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0);"
    assert recreate_constraint(create, "t_pair", "t", cols).endswith("UNIQUE (a, b) DEFERRABLE;")
    assert recreate_constraint(create, "t_pair", "t", {"id", "a"}) is None
    assert recreate_constraint("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX i", "k", "t", cols) is None


def test_a_backfill_of_columns_added_here_needs_no_backup_to_roll_back(tmp_path: Path, pg_database: str) -> None:
    """Flowise: ADD COLUMN … DEFAULT FALSE, then UPDATE … SET it WHERE …: no value that existed is
    overwritten; dropping the column undoes the UPDATE. It used to block `impact rollback`."""
    app = _app(tmp_path, 'ALTER TABLE chats ADD COLUMN secret text;\nALTER TABLE chats ADD COLUMN configured boolean DEFAULT FALSE;\n'
                         'UPDATE chats SET configured = TRUE WHERE secret IS NOT NULL;\nUPDATE chats SET title = lower(title);\n')
    result = scan(app, "2", use_cache=False)
    assert [s.statement for s in result.rollback] == [4, 2, 1]  # the backfill (3) needs no step; the other UPDATE does
    assert result.assessment.dimensions["data_loss"].summary.startswith("rows kept, values rewritten: 1 UPDATE")
    backfill_only = _app(tmp_path / "b", 'ALTER TABLE chats ADD COLUMN configured boolean DEFAULT FALSE;\nUPDATE chats SET configured = TRUE WHERE n > 1;\n')
    prepared(pg_database, backfill_only, "2")
    before = fingerprint(pg_database)
    assert run("apply", str(backfill_only), "-m", "2", "--database-url", pg_database, "--yes").exit_code == 0
    outcome = run("rollback", str(backfill_only), "-m", "2", "--database-url", pg_database, "--yes")
    assert outcome.exit_code == 0, outcome.output
    assert fingerprint(pg_database) == before
