"""knex query-builder chains: table, selected columns, filters, payloads, upserts."""
from __future__ import annotations


import pytest

from impact.extract.typescript.orm.knex import extract_knex
from impact.extract.typescript.scan import scan as scan_ts
from impact.pipeline import scan
from tests.conftest import make_repo

SOURCE = '''const rows = await knex("users").where({ status: "active" }).select("id", "email");
await db("users").insert({ email, status }).returning("id");
await trx("users").where("id", id).update({ status });
await knex("users").where("id", id).del();
await knex("users").insert(rows).onConflict("email").merge();
const all = await db("users").where("email", "like", "%x").orderBy("created_at", "desc");
await knex.into("audit_log").insert([{ action: "x", user_id: 1 }]);
const notAQuery = db("just a call")
'''


def test_chains_become_queries() -> None:
    got = [(q.line, q.table, q.kind.value, q.columns, q.filter_columns, q.columns_known)
           for q in extract_knex(scan_ts(SOURCE), "k.ts", "typescript")]
    assert got == [
        (1, "users", "select_columns", ("id", "email"), ("status",), True),
        (2, "users", "insert", ("email", "status"), ("id",), True),
        (3, "users", "update", ("status",), ("id",), True),
        (4, "users", "delete", (), ("id",), True),
        (5, "users", "upsert", (), ("email",), False),  # insert(rows): columns unknown
        (6, "users", "select_star", (), ("email", "created_at"), True),  # no select: knex reads *
        (7, "audit_log", "insert", ("action", "user_id"), (), True),
    ]


@pytest.mark.parametrize("change, rule, message", [
    ("ALTER TABLE users ADD COLUMN tenant_id int NOT NULL;", "insert-omits-required-column", None),
    # docmost's comments.space_id: "1 INSERT/upsert query do not provide it" read wrong; the count is said apart now.
    ("ALTER TABLE users ALTER COLUMN status SET NOT NULL;", "not-null-writers-omit-column",
     "users.status becomes NOT NULL: INSERT/upsert queries that do not provide it fail unless the column has a default (1 found)"),
])
def test_required_column_breaks_knex_inserts(tmp_path, change, rule, message) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, status text);",
        "migrations/0002_require.sql": change,
        "src/users.js": 'exports.add = (email) => knex("users").insert({ email })\n'
                        'exports.list = () => knex("users").select("id")\n',
    })
    result = scan(repo, "2", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == rule)
    assert [f"{e.file}:{e.line}" for e in finding.evidence] == ["src/users.js:1"]
    assert message is None or finding.message == message


def test_select_before_from() -> None:
    source = ('const a = await knex.select("id").from("users")\n'
              'const b = await db\n  .select("users.email as e", "name")\n  .from("users")\n  .where({ status: "x" })\n'
              'const c = await knex.first("id").from("accounts").orderBy("created_at")\n'
              'const d = await db.select({ id: users.id }).from(users)\n'  # Drizzle: a table variable, not knex
              'const e = await knex.from("users").select("id")\n')  # the supabase-js shape: read by that reader
    queries = extract_knex(scan_ts(source), "k.ts", "typescript")
    assert [(q.line, q.end_line, q.table, q.kind.value, q.columns, q.filter_columns) for q in queries] == [
        (1, 1, "users", "select_columns", ("id",), ()),
        (2, 5, "users", "select_columns", ("email", "name"), ("status",)),
        (6, 6, "accounts", "select_columns", ("id",), ("created_at",)),
    ]


def _kinds(source: str) -> list[tuple]:
    return [(q.line, q.kind.value, q.columns, q.filter_columns) for q in extract_knex(scan_ts(source), "k.js", "javascript")]


def test_an_aggregate_reads_what_it_names_not_every_column() -> None:
    # kutt's `knex("users").count("users.id as count")` was a SELECT * of users (IMP201 on a dropped column).
    assert _kinds('const n = await knex("users").count("users.id as count").where("banned", false);\n') == [
        (1, "select_columns", (), ("id", "banned"))]


def test_first_or_select_without_names_reads_every_column() -> None:
    assert _kinds('const u = await trx("users").where("id", id).first();\nconst v = await db("users").select().where("a", 1);\n') == [
        (1, "select_star", (), ("id",)), (2, "select_star", (), ("a",))]


def test_a_chain_held_in_a_variable_takes_its_verb_from_the_later_call() -> None:
    source = '''async function bump(id, changes) {
  const updateQuery = trx("users").where("id", id);
  updateQuery.increment("visits");
  await updateQuery.update({ updated_at: now });
}
async function read(id) {
  const query = knex("links").where("id", id);
  return query;
}
async function other() {
  const query = knex("hosts").where("banned", true);
  await query.del();
}
'''
    assert _kinds(source) == [
        (2, "update", ("updated_at",), ("id",)),
        (7, "select_star", (), ("id",)),  # awaited as is: every column; hosts' `query.del()` is another variable's
        (11, "delete", (), ("banned",)),
    ]


def test_knex_held_by_another_object_and_the_verb_before_the_table() -> None:
    # nango's `db.knex.update({ is_capped }).from<DBTeam>(`_nango_accounts`)`: no query was read, so the
    # drop of is_capped found nothing to break.
    source = '''const a = await db.knex.select('*').from<DBTeam>(`accounts`).where({ name });
await db.knex.update({ is_capped }).from<DBTeam>(`accounts`).where({ id: accountId });
await knex.insert({ name, plan }).into("accounts");
const r = await this.knex("accounts").where("id", id).first();
const n = await knex.count("id as n").from("accounts");
'''
    assert [(q.line, q.table, q.kind.value, q.columns, q.filter_columns) for q in extract_knex(scan_ts(source), "a.ts", "typescript")] == [
        (4, "accounts", "select_star", (), ("id",)),
        (1, "accounts", "select_star", (), ("name",)),
        (2, "accounts", "update", ("is_capped",), ("id",)),
        (3, "accounts", "insert", ("name", "plan"), ()),  # once: its `.into("accounts")` is not a chain of its own
        (5, "accounts", "select_columns", (), ("id",)),
    ]


def test_a_table_named_by_a_string_constant_of_the_file_with_a_row_type() -> None:
    # nango's `trx<DBFunctionDryrun>(tableName)` with `const tableName = 'function_dryruns'`: no query before.
    source = '''const tableName = 'function_dryruns';
export async function create(trx = db.knex) {
    const [row] = await trx<DBFunctionDryrun>(tableName).insert({ environment_id: 1, status: 'waiting' }).returning('*');
    return knex<DBFunctionDryrun>('function_dryruns').where({ id: row.id }).first();
}
'''
    assert [(q.line, q.table, q.kind.value, q.columns, q.orm) for q in extract_knex(scan_ts(source), "a.ts", "typescript")] == [
        (4, "function_dryruns", "select_star", (), None),
        (3, "function_dryruns", "insert", ("environment_id", "status"), None),
    ]
