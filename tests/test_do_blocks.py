"""DO blocks of static SQL read as their statements (impact.sql.do_blocks): drizzle-kit's foreign keys
and kaneo's guarded column rename, which was "nothing breaks" while the Drizzle schema mapped the old name."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from impact.sql.parse import parse_migration
from tests.conftest import make_repo

DRIZZLE_FK = '''DO $$ BEGIN
 ALTER TABLE "post" ADD CONSTRAINT "post_author_fk" FOREIGN KEY ("author_id") REFERENCES "public"."user"("id") ON DELETE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
'''
GUARDED_RENAME = '''-- Rename active_workspace_id (idempotent)
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_name = 'session' AND column_name = 'active_workspace_id'
    ) THEN
        ALTER TABLE "session" RENAME COLUMN "active_workspace_id" TO "active_organization_id";
    ELSIF false THEN
        UPDATE "session" SET "active_workspace_id" = NULL;
    ELSE
        RAISE NOTICE 'already renamed';
    END IF;
END $$;
'''


def _ops(sql: str) -> list[tuple]:
    return [(op.kind.value, op.table, op.column_name, op.statement.index, op.statement.line) for op in parse_migration(sql).operations]


def test_the_static_sql_of_a_do_block_is_its_operations() -> None:
    assert _ops(DRIZZLE_FK) == [("add_constraint", "post", None, 1, 1)]
    assert [op.if_exists for op in parse_migration(DRIZZLE_FK + GUARDED_RENAME + "DO $$ BEGIN DROP TABLE t; END $$;").operations] == [
        True, True, True, False]  # an exception handler and an IF guard; a plain block does not
    # Every branch may run: the rename and the ELSIF's update, on the DO statement's line.
    assert _ops(GUARDED_RENAME) == [("rename_column", "session", "active_workspace_id", 1, 2), ("update_rows", "session", None, 1, 2)]


@pytest.mark.parametrize("body", [
    "DECLARE n int; BEGIN SELECT count(*) INTO n FROM t; END",  # a variable
    "BEGIN FOR i IN 1..3 LOOP NULL; END LOOP; END",  # a loop
    "BEGIN EXECUTE 'DROP TABLE ' || 't'; END",  # dynamic SQL
    "BEGIN PERFORM pg_sleep(1); END",
])
def test_a_procedural_body_stays_an_opaque_do_block(body: str) -> None:
    assert [op[0] for op in _ops(f"DO $$ {body} $$;")] == ["do_block"]


def test_another_language_stays_an_opaque_do_block() -> None:
    assert [op[0] for op in _ops("DO LANGUAGE plperl $$ print 1; $$;")] == ["do_block"]


def _kaneo_like(root: Path) -> Path:
    return make_repo(root, {
        "apps/api/src/database/schema.ts": '''import { pgTable, text } from "drizzle-orm/pg-core";

export const sessionTable = pgTable("session", {
  id: text("id").primaryKey(),
  activeOrganizationId: text("active_workspace_id"),
});
''',
        "apps/api/drizzle/0000_init.sql": 'CREATE TABLE "session" ("id" text PRIMARY KEY, "active_workspace_id" text);\n',
        "apps/api/drizzle/0001_rename.sql": GUARDED_RENAME,
    })


def test_a_guarded_rename_names_the_schema_still_mapping_the_old_column(tmp_path: Path) -> None:
    result = scan(_kaneo_like(tmp_path / "app"), "apps/api/drizzle/0001_rename.sql", use_cache=False)
    assert result.assessment.verdict == "breaking"
    declared = next(f for f in result.findings if f.rule_id == "orm-model-declares-changed-column")
    assert [(e.file, e.line) for e in declared.evidence] == [("apps/api/src/database/schema.ts", 5)]


def test_a_guarded_rename_of_a_column_already_renamed_is_no_error(tmp_path: Path) -> None:
    repo = _kaneo_like(tmp_path / "app")
    (repo / "apps/api/drizzle/0000_init.sql").write_text('CREATE TABLE "session" ("id" text PRIMARY KEY, "active_organization_id" text);\n')
    result = scan(repo, "apps/api/drizzle/0001_rename.sql", use_cache=False)
    assert "unknown-column" not in {f.rule_id for f in result.findings}
    # Unguarded, the same rename is said to fail.
    (repo / "apps/api/drizzle/0001_rename.sql").write_text('ALTER TABLE "session" RENAME COLUMN "active_workspace_id" TO "x";\n')
    result = scan(repo, "apps/api/drizzle/0001_rename.sql", use_cache=False)
    assert "unknown-column" in {f.rule_id for f in result.findings}
