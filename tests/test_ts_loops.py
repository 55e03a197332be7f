"""A migration's loop over a fixed list of table names, unrolled (impact.formats.ts_loops), and a
template hole holding a string constant (impact.formats.ts_args): nango's
soft-deletes migration added columns to six tables in one `for ... of`, and a later drop of one of
them was "names a column the table does not have" once the loop was read with an unknown table."""
from __future__ import annotations

from pathlib import Path

from impact.formats.ts_classes import translate_text
from impact.pipeline import scan
from tests.conftest import make_repo

SOFT_DELETES = '''const JOBS_TABLE = '_jobs';
const tables = ['_syncs', JOBS_TABLE];

exports.up = async function (knex) {
    for (const table of tables) {
        await knex.schema.alterTable(table, function (t) {
            t.boolean('deleted').defaultTo(false);
        });
    }
};
'''


def _sql(text: str) -> list[str]:
    return [p.sql if not p.error else f"unknown: {p.error}" for p in translate_text(text)[0]]


def test_each_turn_of_a_loop_over_fixed_names_is_read() -> None:
    assert _sql(SOFT_DELETES) == ["ALTER TABLE _syncs ADD COLUMN deleted boolean DEFAULT FALSE;",
                                  "ALTER TABLE _jobs ADD COLUMN deleted boolean DEFAULT FALSE;"]


def test_for_each_and_map_over_an_array_literal() -> None:
    text = '''exports.up = async (knex) => {
  await Promise.all(['a', 'b'].map((name) => knex.schema.alterTable(name, (t) => { t.dropColumn('x'); })));
  ['c'].forEach(async (n) => { await knex.schema.dropTable(n); });
};'''
    assert _sql(text) == ["ALTER TABLE a DROP COLUMN x;", "ALTER TABLE b DROP COLUMN x;", "DROP TABLE c;"]


def test_a_list_that_is_not_fixed_keeps_the_name_unknown() -> None:
    text = SOFT_DELETES.replace("const tables = ['_syncs', JOBS_TABLE];", "const tables = await listTables();")
    assert _sql(text) == ["unknown: `table` is not a string literal (a name computed at run time)"]


def test_a_later_drop_of_the_loops_column_names_a_column_the_table_has(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {
        "migrations/20230101000000_init.cjs": "exports.up = (knex) => knex.raw('CREATE TABLE _syncs (id int); CREATE TABLE _jobs (id int)');\n",
        "migrations/20230201000000_soft_deletes.cjs": SOFT_DELETES,
        "migrations/20250101000000_drop.cjs": "exports.up = (knex) => knex.raw('ALTER TABLE \"_jobs\" DROP COLUMN \"deleted\"');\n",
    })
    result = scan(repo, "20250101000000", use_cache=False)
    assert "unknown-column" not in {f.rule_id for f in result.findings}
    assert "drop-column-loses-data" in {f.rule_id for f in result.findings}


def test_a_template_hole_holding_a_string_constant_is_the_name() -> None:
    # nango's `CREATE TABLE IF NOT EXISTS ${table} (...)` with `const table = 'function_dryruns'`.
    text = '''const table = 'function_dryruns';
exports.up = async function (knex) {
    await knex.schema.raw(`CREATE TABLE IF NOT EXISTS ${table} (id uuid PRIMARY KEY, note text DEFAULT '${table}')`);
    await knex.raw(`ALTER TABLE ${computeName()} DROP COLUMN x`);
};
'''
    sql = _sql(text)
    assert sql[0] == "CREATE TABLE IF NOT EXISTS function_dryruns (id uuid PRIMARY KEY, note text DEFAULT 'function_dryruns')"
    assert sql[1].startswith("unknown: the SQL template has ${...} holes computed at run time")
