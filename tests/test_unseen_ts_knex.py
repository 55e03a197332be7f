"""What Unleash (db-migrate migrations, knex stores) showed: a db-migrate migration's `db.runSql(...)`
is its SQL, a store's `this.db(`${TABLE} as tokens`)` chain is a query on the constant's table, and a
select-list fragment given to `db.raw('(SELECT COUNT(*) FROM t …) as n')` reads what it names, not `*`."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

INIT = '''exports.up = function (db, cb) {
    db.runSql(
        `CREATE TABLE api_tokens (secret text PRIMARY KEY, username text, environment text, created_at timestamptz);
         CREATE TABLE environments (name text PRIMARY KEY);`,
        cb,
    );
};

exports.down = function (db, cb) {
    db.runSql(`DROP TABLE api_tokens; DROP TABLE environments;`, cb);
};
'''
RENAME = '''exports.up = function (db, cb) {
    db.runSql(
        `
        ALTER TABLE api_tokens RENAME COLUMN username TO token_name;
        `,
        cb,
    );
};

exports.down = function (db, cb) {
    db.runSql(`ALTER TABLE api_tokens RENAME COLUMN token_name TO username;`, cb);
};
'''
STORE = '''const TABLE = 'api_tokens';

export class ApiTokenStore {
    getAll() {
        return this.db(`${TABLE} as tokens`)
            .leftJoin('api_token_project as link', 'tokens.secret', 'link.secret')
            .select('tokens.secret', 'username', 'environment', 'link.project');
    }

    insert(token) {
        return this.db(TABLE).insert(toRow(token));
    }

    counts() {
        return this.db('environments').select(
            '*',
            this.db.raw('(SELECT COUNT(*) FROM api_tokens WHERE api_tokens.environment = environments.name) as token_count'),
        );
    }
}
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("unleash"), {"src/migrations/20230101000000-init.js": INIT,
                                "src/migrations/20230426110026-rename-api-token-username.js": RENAME,
                                "src/lib/db/api-token-store.ts": STORE})
    return scan(repo, "20230426110026", use_cache=False)


def test_a_db_migrate_migration_runs_its_sql(result) -> None:
    ops = [(c.op.kind.value, c.op.table, c.op.column_name, c.op.new_name) for c in result.contexts]
    assert ops == [("rename_column", "api_tokens", "username", "token_name")]
    assert not result.parsed.unknown  # `db.runSql(...)` was read, not named unknown
    assert result.schema_source.startswith("replay of 1 earlier")


def test_a_store_chain_on_an_aliased_table_constant_breaks(result) -> None:
    renamed = next(f for f in result.findings if f.rule_id == "renamed-column-still-used")
    assert [f"{e.file}:{e.line}" for e in renamed.evidence] == ["src/lib/db/api-token-store.ts:5"]
    # The joined table's `link.project` is not the chain's column.
    assert renamed.evidence[0].detail.startswith("select_columns api_tokens(secret, username, environment)")


def test_a_counting_subquery_fragment_is_no_select_star(result) -> None:
    (count,) = [q for q in result.queries if q.table == "api_tokens" and q.line == 17]
    assert (count.kind.value, count.filter_columns) == ("select_columns", ("environment",))
    assert not any(f.rule_id == "select-star-shape-change" for f in result.findings)


def test_a_knex_alter_restating_the_type_has_no_lossy_type_rollback(tmp_path) -> None:
    # planka: `table.bigInteger('list_id').notNullable().alter()` only adds NOT NULL; knex restates the type.
    repo = make_repo(tmp_path, {
        "db/migrations/20180722003614_create_card.js": (
            "module.exports.up = (knex) => knex.schema.createTable('card', (table) => {\n"
            "  table.bigInteger('id').primary();\n  table.bigInteger('list_id');\n});\n"
            "module.exports.down = (knex) => knex.schema.dropTable('card');\n"),
        "db/migrations/20221225224651_list_not_null.js": (
            "module.exports.up = (knex) => knex.schema.alterTable('card', (table) => {\n"
            "  table.bigInteger('list_id').notNullable().alter();\n});\n"
            "module.exports.down = (knex) => knex.schema.alterTable('card', (table) => {\n"
            "  table.bigInteger('list_id').alter();\n});\n"),
    })
    result = scan(repo, "20221225224651", use_cache=False)
    assert any(c.op.kind.value == "alter_column_type" for c in result.contexts)
    assert [s.sql for s in result.rollback if "TYPE" in s.sql] == []
    assert "ALTER TABLE card ALTER COLUMN list_id DROP NOT NULL;" in [s.sql for s in result.rollback]


def test_a_knex_write_of_a_variable_payload_says_so(result) -> None:
    (write,) = next(f for f in result.findings if f.rule_id == "write-with-unknown-columns").evidence
    assert write.detail == "insert api_tokens() — knex builder; payload is a variable: written columns unknown"


def test_db_migrate_builder_calls_make_the_schema_they_describe(tmp_path) -> None:
    # Unleash's settings table is made by `db.createTable(...)`, later altered with runSql.
    repo = make_repo(tmp_path, {
        "src/migrations/20200227202711-settings.js": (
            "exports.up = function (db, cb) {\n"
            "    return db.createTable('settings', {\n"
            "        name: { type: 'string', length: 255, primaryKey: true, notNull: true },\n"
            "        content: { type: 'json' },\n"
            "        created_at: { type: 'timestamp', defaultValue: 'now()' },\n"
            "    }, cb);\n};\n"
            "exports.down = function (db, cb) {\n    return db.dropTable('settings', cb);\n};\n"),
        "src/migrations/20200805094311-add-stale.js": (
            "exports.up = function (db, cb) {\n"
            "    db.addColumn('settings', 'stale', { type: 'boolean', defaultValue: false }, cb);\n};\n"),
        "src/migrations/20230302133740-drop-content.js": (
            "exports.up = function (db, cb) {\n    db.removeColumn('settings', 'content', cb);\n};\n"),
    })
    result = scan(repo, "20230302133740", use_cache=False)
    assert [(c.op.kind.value, c.op.table, c.op.column_name) for c in result.contexts] == [("drop_column", "settings", "content")]
    assert result.schema_source.startswith("replay of 2 earlier")
    before = result.contexts[0].before.get("settings", None)
    assert before is not None and {"name", "content", "created_at", "stale"} <= set(before.columns)
    assert [s.sql for s in result.rollback] == ["ALTER TABLE settings ADD COLUMN content JSON;"]
