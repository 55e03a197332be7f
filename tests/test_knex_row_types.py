"""A TypeScript row type bound to a table by a typed knex query (impact.orm.knex_row_types): its
members declare the table's columns and the keys of literals declared with it are the table's
(nango's `DBTeam` for `_nango_accounts`, whose is_capped drop had only name-only lines)."""
from __future__ import annotations

from pathlib import Path

from impact.model import ColumnReference
from impact.orm.knex_row_types import attribute_knex_row_types, bound_types
from impact.pipeline import scan
from tests.conftest import make_repo

TYPES = '''export interface DBTeam extends Timestamps {
    id: number;
    is_capped: boolean;
    settings: {
        is_capped: boolean;
    };
}
'''
SERVICE = '''import type { DBTeam } from "./types";

export async function cap(id: number, is_capped: boolean) {
    await db.knex.update({ is_capped }).from<DBTeam>(`accounts`).where({ id });
}
'''
FIXTURE = '''import type { DBTeam } from "../src/types";

const account: DBTeam = {
    id: 1,
    is_capped: true,
};
const other = { is_capped: false };
'''


def test_the_binding_is_read_from_typed_knex_calls() -> None:
    assert bound_types({"src/a.ts": SERVICE, "src/b.ts": 'const rows = await knex<Plan>("plans").select("*");\n'}) == {
        "DBTeam": "accounts", "Plan": "plans"}
    # One type on two tables: neither's.
    assert bound_types({"a.ts": 'knex<Row>("a");\n', "b.ts": 'knex<Row>("b");\n'}) == {}


def test_members_and_typed_literal_keys_are_the_tables() -> None:
    texts = {"src/types.ts": TYPES, "src/service.ts": SERVICE, "test/fixture.ts": FIXTURE}
    refs = [ColumnReference("src/types.ts", 3, "is_capped", None, "property"),
            ColumnReference("src/types.ts", 5, "is_capped", None, "property"),  # nested: another object's
            ColumnReference("test/fixture.ts", 5, "is_capped", None, "property"),
            ColumnReference("test/fixture.ts", 7, "is_capped", None, "property")]  # an untyped literal
    placed = [(r.file, r.line, r.table, r.via) for r in attribute_knex_row_types(refs, texts)]
    assert placed == [("src/types.ts", 3, "accounts", "model-declaration"), ("src/types.ts", 5, None, "name-only"),
                      ("test/fixture.ts", 5, "accounts", "typed-receiver"), ("test/fixture.ts", 7, None, "name-only")]


def test_dropping_the_column_names_the_member_and_the_fixture(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {
        "src/types.ts": TYPES, "src/service.ts": SERVICE, "test/fixture.ts": FIXTURE,
        "migrations/20240101000000_init.js": "exports.up = (knex) => knex.raw('CREATE TABLE accounts (id int, is_capped boolean)');\n",
        "migrations/20240201000000_drop.js": "exports.up = (knex) => knex.raw('ALTER TABLE accounts DROP COLUMN is_capped');\n",
    })
    result = scan(repo, "20240201000000", use_cache=False)
    evidence = {(f.rule_id, e.file, e.line) for f in result.findings for e in f.evidence}
    assert ("row-type-declares-changed-column", "src/types.ts", 3) in evidence  # a type makes no SQL: not IMP109
    assert ("orm-model-declares-changed-column", "src/types.ts", 3) not in evidence
    assert ("dropped-column-still-used", "src/service.ts", 4) in evidence
    assert ("changed-column-referenced", "test/fixture.ts", 5) in evidence
    assert not any(e[1] == "test/fixture.ts" and e[2] == 7 for e in evidence)


def test_a_table_named_by_a_constant_of_the_file_binds_too() -> None:
    text = "const tableName = 'function_dryruns';\nconst rows = await trx<DBFunctionDryrun>(tableName).where({ id });\n"
    assert bound_types({"src/dryruns.ts": text}) == {"DBFunctionDryrun": "function_dryruns"}
