"""TS/JS migration files (TypeORM, MikroORM, knex, Kysely) end to end on the fixture apps, and
the translation of each tool's calls."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.config import Config
from impact.errors import EXIT_INPUT
from impact.formats import all_migrations
from impact.formats.ts_classes import translate_text
from impact.locate import locate
from impact.model import OpKind
from impact.pipeline import scan
from impact.sql.parse import parse_migration
from tests.conftest import FIXTURES, make_repo, snapshot, report_of

SHOP = FIXTURES / "apps" / "shop-typeorm"
BLOG = FIXTURES / "apps" / "blog-knex"


def _evidence(result, rule: str) -> list[str]:
    finding = next(f for f in result.findings if f.rule_id == rule)
    return sorted(f"{e.file}:{e.line}" for e in finding.evidence)


def _ops(text: str) -> list[tuple]:
    pieces, _ = translate_text(text)
    out = []
    for piece in pieces:
        if piece.error:
            out.append(("unknown", piece.line))
        elif piece.kind:
            out.append((piece.kind, piece.table, piece.line))
        else:
            out += [(op.kind.value, op.table, op.column_name, piece.line) for op in parse_migration(piece.sql).operations]
    return out


# -- finding them -------------------------------------------------------------------------------------
def test_migration_files_are_found_in_timestamp_order_and_are_not_code() -> None:
    files = [p.name for p in all_migrations(SHOP, Config())]
    assert files == ["1700000000000-Init.ts", "1700000001000-DropOrderNote.ts", "1700000002000-RenameTotal.ts",
                     "1700000003000-RequireChannel.ts", "1700000004000-OrderIndexes.ts"]
    result = scan(SHOP, "DropOrderNote", use_cache=False)
    assert {q.file for q in result.queries} == {"src/orders.repository.ts"}


@pytest.mark.parametrize("ref", ["1700000002000", "RenameTotal", "src/migrations/1700000002000-RenameTotal.ts"])
def test_located_by_timestamp_name_or_path(ref) -> None:
    located = locate(SHOP, ref, Config(), cwd=SHOP)
    assert located.path.name == "1700000002000-RenameTotal.ts" and located.format == "ts-classes"
    assert [p.name for p in located.earlier] == ["1700000000000-Init.ts", "1700000001000-DropOrderNote.ts"]


# -- verdicts and evidence on the fixtures ---------------------------------------------------------------
def test_typeorm_drop_column_names_the_queries_that_break() -> None:
    before = snapshot(SHOP)
    result = scan(SHOP, "DropOrderNote", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _evidence(result, "dropped-column-still-used") == ["src/orders.repository.ts:15", "src/orders.repository.ts:6"]
    assert result.findings[0].operation.statement.line == 5  # the queryRunner.query(...) line
    assert snapshot(SHOP) == before


def test_typeorm_rename_through_the_query_runner_api() -> None:
    result = scan(SHOP, "RenameTotal", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _evidence(result, "renamed-column-still-used") == ["src/orders.repository.ts:11", "src/orders.repository.ts:6"]


def test_typeorm_required_table_column_breaks_inserts() -> None:
    result = scan(SHOP, "RequireChannel", use_cache=False)
    assert _evidence(result, "insert-omits-required-column") == ["src/orders.repository.ts:11"]


def test_typeorm_ignore_comment_and_a_computed_table_name() -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["scan", str(SHOP), "--migration", "OrderIndexes", "--format", "json"])
    assert out.exit_code != EXIT_INPUT, out.output
    data = report_of(out.output)
    assert [s["where"] for s in data["suppressions"]] == ["src/migrations/1700000004000-OrderIndexes.ts:8"]
    flagged = [f for f in data["findings"] if f["rule"] == "require-concurrent-index-creation"]
    assert len(flagged) == 1
    unknown = [op for op in data["operations"] if op["kind"] == "unknown"]
    assert len(unknown) == 1 and "${...} holes" in unknown[0]["error"] and data["confidence"] == "low"


def test_knex_builder_drop_rename_and_required_column() -> None:
    result = scan(BLOG, "reshape", use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert [(op.kind, op.statement.line) for op in result.parsed.operations] == [
        (OpKind.DROP_COLUMN, 3), (OpKind.RENAME_COLUMN, 4), (OpKind.ADD_COLUMN, 5)]
    assert _evidence(result, "dropped-column-still-used") == ["src/posts.js:4"]
    assert _evidence(result, "renamed-column-still-used") == ["src/posts.js:4", "src/posts.js:8"]
    assert _evidence(result, "insert-omits-required-column") == ["src/posts.js:8"]


def test_knex_raw_type_change_and_builder_index() -> None:
    result = scan(BLOG, "post_indexes", use_cache=False)
    assert [op.kind for op in result.parsed.operations] == [OpKind.CREATE_INDEX, OpKind.ALTER_COLUMN_TYPE]
    assert _evidence(result, "retyped-column-used") == ["src/posts.js:12"]
    assert "replay of 2" in result.schema_source


# -- each tool's calls ----------------------------------------------------------------------------------
def test_mikro_orm_add_sql_and_only_up_is_read() -> None:
    assert _ops('''export class Migration20240101 extends Migration {
  async up(): Promise<void> {
    this.addSql('alter table "book" drop column "isbn";');
  }
  async down(): Promise<void> {
    this.addSql('alter table "book" add column "isbn" text;');
  }
}''') == [("drop_column", "book", "isbn", 3)]


def test_kysely_schema_chains_and_sql_templates() -> None:
    ops = _ops('''import { Kysely, sql } from 'kysely'
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('person').dropColumn('age').addColumn('email', 'varchar(200)', (col) => col.notNull()).execute()
  await db.schema.createIndex('person_email_idx').on('person').column('email').execute()
  await sql`UPDATE person SET email = 'x'`.execute(db)
  await db.schema.alterTable('person').alterColumn('name', (col) => col.setDataType('text')).execute()
  await db.deleteFrom('pet').execute()
}''')
    assert ops == [("drop_column", "person", "age", 3), ("add_column", "person", "email", 3), ("create_index", "person", None, 4),
                   ("update_rows", "person", None, 5), ("alter_column_type", "person", "name", 6), ("delete_rows", "pet", 7)]


def test_kysely_constraints_are_translated_not_skipped() -> None:
    # atproto's bsky 20231220 migration: `.dropConstraint(...)` was an unknown statement, and a
    # createTable's `.addPrimaryKeyConstraint(...)` was left out of its CREATE TABLE in silence.
    pieces, _ = translate_text('''export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('blob_takedown')
    .ifNotExists()
    .addColumn('did', 'varchar', (col) => col.notNull())
    .addColumn('cid', 'varchar', (col) => col.notNull())
    .addPrimaryKeyConstraint('blob_takedown_pkey', ['did', 'cid'])
    .addForeignKeyConstraint('blob_takedown_did_fkey', ['did'], 'actor', ['did'], (cb) => cb.onDelete('cascade'))
    .execute()
  await db.schema.alterTable('actor').dropConstraint('actor_takedown_id_fkey').execute()
  await db.schema.alterTable('actor').addUniqueConstraint('actor_handle_key', ['handle']).execute()
  await db.schema.alterTable('actor').addForeignKeyConstraint('actor_org_fkey', ['org'], 'org', ['id']).onDelete('set null').execute()
  await db.schema.alterTable('actor').addCheckConstraint('actor_len', sql`length(handle) < 100`).execute()
}''')
    assert [p.error for p in pieces] == [""] * 5
    assert [p.sql for p in pieces] == [
        "CREATE TABLE IF NOT EXISTS blob_takedown (\n  did varchar NOT NULL,\n  cid varchar NOT NULL,\n"
        "  CONSTRAINT blob_takedown_pkey PRIMARY KEY (did, cid),\n"
        "  CONSTRAINT blob_takedown_did_fkey FOREIGN KEY (did) REFERENCES actor (did) ON DELETE CASCADE\n);",
        "ALTER TABLE actor DROP CONSTRAINT actor_takedown_id_fkey;",
        "ALTER TABLE actor ADD CONSTRAINT actor_handle_key UNIQUE (handle);",
        "ALTER TABLE actor ADD CONSTRAINT actor_org_fkey FOREIGN KEY (org) REFERENCES org (id) ON DELETE SET NULL;",
        "ALTER TABLE actor ADD CONSTRAINT actor_len CHECK (length(handle) < 100);",
    ]
    assert [op.kind.value for p in pieces for op in parse_migration(p.sql).operations] == [
        "create_table", "drop_constraint", "add_constraint", "add_constraint", "add_constraint"]


def test_knex_create_table_with_modifiers_is_one_create_table() -> None:
    pieces, _ = translate_text('''exports.up = (knex) => knex.schema.createTable('tags', (table) => {
  table.increments('id');
  table.string('name', 40).notNullable().unique();
  table.integer('post_id').references('id').inTable('posts');
});''')
    assert len(pieces) == 1 and not pieces[0].error
    assert pieces[0].sql == ("CREATE TABLE tags (\n  id serial NOT NULL PRIMARY KEY,\n  name varchar(40) NOT NULL UNIQUE,\n"
                             "  post_id integer REFERENCES posts (id)\n);")


def test_template_holes_inside_sql_strings_are_values_not_names() -> None:
    ops = _ops('''export class X1 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "chat" SET "type" = '${kind}' WHERE id = '${row.id}'`);
    await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "x" int`);
  }
}''')
    assert ops == [("update_rows", "chat", None, 3), ("unknown", 4)]


def test_unknown_query_runner_calls_are_named() -> None:
    ops = _ops('''export class X1 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createForeignKey("orders", fk);
    await queryRunner.query(sqlFromFile);
  }
}''')
    assert ops == [("unknown", 3), ("unknown", 4)]


def test_transaction_opt_out_and_concurrently_inside_a_transaction(tmp_path) -> None:
    body = '''export class Idx1700000000000 implements MigrationInterface {
  %s
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX CONCURRENTLY "IDX_a" ON "orders" ("a")`);
  }
}'''
    repo = make_repo(tmp_path, {"src/migrations/1700000000000-Idx.ts": body % "",
                                "other/migrations/1700000000000-Idx.ts": body % "transaction = false;"})
    inside = scan(repo, "src/migrations/1700000000000-Idx.ts", use_cache=False).read
    assert inside.transactional and any("line 4: CONCURRENTLY inside" in n for n in inside.notes)
    outside = scan(repo, "other/migrations/1700000000000-Idx.ts", use_cache=False).read
    assert not outside.transactional and not any("CONCURRENTLY" in n for n in outside.notes)


def test_a_ts_file_without_up_is_exit_3(tmp_path) -> None:
    repo = make_repo(tmp_path, {"src/migrations/1700000000000-Init.ts": "export const x = queryRunner;\n"})
    result = CliRunner().invoke(cli, ["scan", str(repo), "--migration", "src/migrations/1700000000000-Init.ts"])
    assert result.exit_code == EXIT_INPUT and "Traceback" not in result.output


def test_a_table_name_in_a_constant_is_followed() -> None:  # the file's own constant (tests/test_ts_constants.py: imported ones)
    ops = _ops('''const TABLE = "orders";
export async function up(knex) { await knex.schema.alterTable(TABLE, (t) => { t.dropColumn("note"); }); }''')
    assert ops == [("drop_column", "orders", "note", 2)]


def test_down_is_read_apart_for_the_rollback_facts() -> None:
    read = scan(SHOP, "DropOrderNote", use_cache=False).read
    assert "`down` runs 1 statement(s), 0 not readable statically" in read.notes
    assert read.extra["down"].operations[0].kind is OpKind.ADD_COLUMN
    assert [op.kind for op in read.parsed.operations] == [OpKind.DROP_COLUMN]  # up only


@pytest.mark.parametrize("app, ref, expected", [
    (SHOP, "OrderIndexes", {("orders", "amount"), ("orders", "channel"), ("customers", "email")}),
    (BLOG, "post_indexes", {("posts", "headline"), ("posts", "views"), ("posts", "created_at")}),
])
def test_the_translated_history_replays_on_postgresql(pg_database, app, ref, expected) -> None:
    from impact.db import connect
    from impact.db.shadow import Shadow, prepare
    from impact.formats import read_migration

    earlier = read_migration(locate(app, ref, Config()), app, "postgres").earlier
    with connect(pg_database, autocommit=True) as conn:
        prepare(conn, earlier, Shadow(pg_database, False))
        columns = {(t, c) for t, c in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")}
    assert expected <= columns
    assert ("orders", "note") not in columns and ("posts", "summary") not in columns


def test_knex_bare_arrow_up_chain_raw_and_table_options() -> None:
    ops = _ops('''exports.up = knex => {
  return knex.schema
    .renameTable('pages', 'pages_old')
    .createTable('pages', table => {
      if (compat.charset) { table.charset('utf8mb4') }
      table.increments('id').primary()
    })
    .raw(`INSERT INTO pages SELECT id FROM pages_old`)
    .dropTable('pages_old')
}
exports.down = knex => knex.schema.dropTable('pages')''')
    assert ops == [("rename_table", "pages", None, 3), ("create_table", "pages", None, 4),
                   ("insert_rows", "pages", None, 8), ("drop_table", "pages_old", None, 9)]


def test_a_filtered_data_change_is_not_one_of_every_row(tmp_path) -> None:
    # wiki.js 2.5.1: `knex('authentication').where('isEnabled', false).del()` was IMP303 "without WHERE".
    repo = make_repo(tmp_path, {
        "migrations/20200101000000_init.js": "exports.up = (knex) => knex.raw('CREATE TABLE authentication (key text, enabled boolean)');\n",
        "migrations/20200201000000_clean.js": '''exports.up = async (knex) => {
  await knex('authentication').where('enabled', false).del();
  await db.deleteFrom('authentication').where('key', '=', 'x').execute();
  await queryInterface.bulkDelete('authentication', { enabled: false });
  await knex('authentication').del();
  await queryInterface.bulkUpdate('authentication', { enabled: true }, {});
};
''',
    })
    result = scan(repo, "20200201000000", use_cache=False)
    flagged = {f.statement_line for f in result.findings if f.rule_id in ("delete-without-where", "update-without-where")}
    assert flagged == {5, 6}  # the unfiltered delete, and bulkUpdate's empty where


def test_a_kysely_column_typed_by_a_raw_sql_type() -> None:
    # atproto's bsync: `.addColumn('payload', sql`bytea`)` made its whole CREATE TABLE unknown, so the
    # next migration's rename ran on a table "created by no earlier migration".
    pieces, _ = translate_text('''export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('operation').addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('payload', sql`bytea`).addColumn('kind', sql`${type}`).execute()
}''')
    assert [p.error for p in pieces] == ["the column type is not a string literal"]
    pieces, _ = translate_text('''export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('operation').addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('payload', sql`bytea`).execute()
}''')
    assert pieces[0].sql == "CREATE TABLE operation (\n  id bigserial NOT NULL PRIMARY KEY,\n  payload bytea\n);"
