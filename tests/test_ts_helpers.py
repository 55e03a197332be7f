"""A knex migration calling a project function with its connection (impact.formats.ts_helpers), the
`hasColumn` guard (impact.formats.ts_guards), knex's table options and the table function's columns as
declarations (impact.orm.knex_schema_code), on a small kutt-like app:
tables created by `models.createUserTable(knex)` in server/models/, a later migration dropping columns
only when they exist."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.extract.typescript.constants import Constants, resolving
from impact.formats.ts_classes import translate_text
from impact.pipeline import scan
from impact.sql.parse import parse_migration
from tests.conftest import make_repo

USER_MODEL = '''const { ROLES } = require("../consts");

async function createUserTable(knex) {
  const hasTable = await knex.schema.hasTable("users");
  if (!hasTable) {
    await knex.schema.createTable("users", table => {
      table.increments("id").primary();
      table.string("email").unique().notNullable();
      table.enu("role", [ROLES.USER, ROLES.ADMIN]).notNullable().defaultTo(ROLES.USER);
      table.dateTime("cooldown").nullable();
      table.integer("malicious_attempts").notNullable().defaultTo(0);
      table.timestamps(false, true);
    });
  }
}

module.exports = { createUserTable };
'''
INIT = '''const models = require("../models");

async function up(knex) {
  await models.createUserTable(knex);
}

async function down() {}

module.exports = { up, down };
'''
DROP = '''async function up(knex) {
  const hasCooldown = await knex.schema.hasColumn("users", "cooldown");
  if (hasCooldown) {
    await knex.schema.alterTable("users", table => {
      table.dropColumn("cooldown");
    });
  }
  if (!(await knex.schema.hasColumn("users", "legacy"))) {
    await knex.schema.alterTable("users", table => table.dropColumn("malicious_attempts"));
  }
}

module.exports = { up, down: async () => {} };
'''
QUERIES = '''const knex = require("../knex");

async function find(email) {
  return knex("users").where("email", email).first();
}

async function strike(user) {
  return knex("users").where("id", user.id).update({ malicious_attempts: user.malicious_attempts + 1 });
}

module.exports = { find, strike };
'''


def _app(root: Path, extra: dict[str, str] | None = None) -> Path:
    return make_repo(root, {
        "server/models/user.model.js": USER_MODEL,
        "server/models/index.js": 'module.exports = {\n  ...require("./user.model"),\n};\n',
        "server/consts.js": 'exports.ROLES = { USER: "USER", ADMIN: "ADMIN" };\n',
        "server/migrations/20200211220920_init.js": INIT,
        "server/migrations/20250106070444_remove_cooldown.js": DROP,
        "server/queries/user.queries.js": QUERIES,
        **(extra or {}),
    })


def _sql(repo: Path, rel: str) -> list[str]:
    constants = Constants(repo.resolve())
    with resolving(constants, rel):
        pieces, _ = translate_text((repo / rel).read_text())
    return [p.sql if not p.error else f"unknown: {p.error}" for p in pieces]


def test_the_function_given_the_connection_is_read_as_the_migrations(tmp_path: Path) -> None:
    repo = _app(tmp_path / "app")
    sql = _sql(repo, "server/migrations/20200211220920_init.js")
    create = next(s for s in sql if s.startswith("CREATE TABLE"))
    # dateTime is datetime; timestamps(false, true) are NOT NULL DEFAULT now(); the computed default
    # of role leaves the column in the table and is said, not skipped.
    assert "cooldown timestamptz" in create and "created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP" in create
    assert "role text NOT NULL" in create
    assert sql[-1].startswith("unknown: default `ROLES.USER` is computed: the column is created without it")
    result = scan(repo, "20200211220920", use_cache=False)
    assert {op.table for op in result.parsed.operations if op.kind.value == "create_table"} == {"users"}
    assert "line 4: `models.createUserTable(knex)` runs server/models/user.model.js:3, read as part of the migration" in result.read.notes


def test_a_later_migration_knows_the_tables_the_function_created(tmp_path: Path) -> None:
    repo = _app(tmp_path / "app")
    result = scan(repo, "20250106070444", use_cache=False)
    rules = {f.rule_id for f in result.findings}
    assert "unknown-table" not in rules and "unknown-column" not in rules
    # The drop of malicious_attempts (not guarded by its own hasColumn) breaks the update writing it.
    broken = {(result.queries[p.query].file, result.queries[p.query].line) for p in result.pairs if p.status == "breaks"}
    assert ("server/queries/user.queries.js", 8) in broken


def test_a_drop_guarded_by_has_column_is_if_exists(tmp_path: Path) -> None:
    repo = _app(tmp_path / "app")
    sql = _sql(repo, "server/migrations/20250106070444_remove_cooldown.js")
    # The negated check on another column guards nothing.
    assert sql == ["ALTER TABLE users DROP COLUMN IF EXISTS cooldown;", "ALTER TABLE users DROP COLUMN malicious_attempts;"]


@pytest.mark.parametrize("written", ["if (await knex.schema.hasColumn('users', 'cooldown')) {", "if (hasCooldown && ready) {"])
def test_the_check_written_in_the_condition_or_joined_by_and(written: str) -> None:
    text = DROP.replace("if (hasCooldown) {", written)
    pieces, _ = translate_text(text)
    assert pieces[0].sql == "ALTER TABLE users DROP COLUMN IF EXISTS cooldown;"


def test_a_function_impact_cannot_find_is_unknown_never_skipped(tmp_path: Path) -> None:
    migration = 'const { seedEverything } = require("some-package");\n\nexports.up = async (knex) => {\n  await seedEverything(knex);\n};\n'
    repo = _app(tmp_path / "app", {"server/migrations/20250201000000_seed.js": migration})
    result = scan(repo, "20250201000000", use_cache=False)
    unknown = result.parsed.unknown
    assert [op.statement.line for op in unknown] == [4]
    assert "its schema changes are not read" in unknown[0].statement.error
    assert result.assessment.verdict != "safe"


def test_a_function_of_the_migration_file_itself(tmp_path: Path) -> None:
    migration = ('async function addFlag(knex) {\n  await knex.schema.alterTable("users", (t) => { t.boolean("flag").defaultTo(false); });\n}\n\n'
                 'exports.up = async (knex) => {\n  await addFlag(knex);\n};\n')
    repo = _app(tmp_path / "app", {"server/migrations/20250201000000_flag.js": migration})
    assert _sql(repo, "server/migrations/20250201000000_flag.js") == ["ALTER TABLE users ADD COLUMN flag boolean DEFAULT FALSE;"]
    assert [op.kind.value for op in parse_migration(_sql(repo, "server/migrations/20250201000000_flag.js")[0]).operations] == ["add_column"]


@pytest.mark.xfail(strict=True, reason="known limit: the function's parameters are not bound to the call's arguments")
def test_a_table_name_given_as_an_argument(tmp_path: Path) -> None:
    helper = 'async function addFlag(knex, name) {\n  await knex.schema.alterTable(name, (t) => { t.boolean("flag"); });\n}\nmodule.exports = { addFlag };\n'
    migration = 'const { addFlag } = require("../helpers");\nexports.up = async (knex) => {\n  await addFlag(knex, "users");\n};\n'
    repo = _app(tmp_path / "app", {"server/helpers.js": helper, "server/migrations/20250201000000_flag.js": migration})
    assert _sql(repo, "server/migrations/20250201000000_flag.js") == ["ALTER TABLE users ADD COLUMN flag boolean;"]


def test_a_method_of_the_migration_class_given_the_query_runner() -> None:
    text = '''export class DropNote1700000001000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.dropNote(queryRunner);
  }

  private async dropNote(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "order" DROP COLUMN "note"`);
  }
}
'''
    constants = Constants(Path("/nonexistent-repo"))
    with resolving(constants, "src/migrations/1700000001000-DropNote.ts"):
        pieces, _ = translate_text(text)
    assert [(p.sql, p.line) for p in pieces] == [('ALTER TABLE "order" DROP COLUMN "note"', 3)]


def test_the_table_function_in_code_declares_the_dropped_columns(tmp_path: Path) -> None:
    # kutt's authors removed `table.datetime("cooldown")` from server/models/user.model.js with the drop.
    repo = _app(tmp_path / "app")
    result = scan(repo, "20250106070444", use_cache=False)
    declared = next(f for f in result.findings if f.rule_id == "orm-model-declares-changed-column")
    lines = {(e.file, e.line) for f in result.findings if f.rule_id == "orm-model-declares-changed-column" for e in f.evidence}
    assert declared.evidence and lines == {("server/models/user.model.js", 10), ("server/models/user.model.js", 11)}
