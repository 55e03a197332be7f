"""TS/JS string constants as table and column names in migrations (impact.extract.typescript.constants):
hedgedoc's knex migrations name `TableUser` and `FieldNameUser.photoUrl` from a workspace package."""
from __future__ import annotations

import pytest

from impact.config import Config
from impact.extract.typescript.constants import Constants, read_module
from impact.extract.typescript.scan import scan as scan_ts
from impact.formats import read_migration
from impact.formats.ts_classes import translate_text
from impact.locate import locate
from impact.model import OpKind
from impact.pipeline import scan
from impact.sql.parse import parse_migration
from tests.conftest import FIXTURES, make_repo

APP = FIXTURES / "apps" / "helpdesk-knex-constants"


def _ops(result) -> list[tuple]:
    return [(op.kind, op.table, op.column_name, op.statement.line) for op in result.parsed.operations]


def _translated(text: str) -> list[tuple]:
    pieces, _ = translate_text(text)
    return [("unknown", p.line, p.error) if p.error else (p.sql.split(" (")[0], p.line) for p in pieces]


# -- reading one module's constants ----------------------------------------------------------------
def test_a_module_declares_consts_enums_and_frozen_objects() -> None:
    module = read_module(scan_ts('''// const Commented = 'no'
export const TableUser = 'user'
export const Kind = "k" as const;
export const enum FieldNameUser { id = 'id', photoUrl = 'photo_url', count = 3 }
enum Plain { a = "A" }
export const Cols = { name: 'name', 'display': "display_name", n: 1 } as const
const Loose = { name: 'name' }
let Mutable = 'm'
const Twice = 'a'
function f() { const Twice = 'b' }
const Built = `x_${Kind}`
const Called = name('x')
'''))
    assert module.constants == {
        "TableUser": ("user", 2), "Kind": ("k", 3), "FieldNameUser.id": ("id", 4),
        "FieldNameUser.photoUrl": ("photo_url", 4), "Plain.a": ("A", 5), "Cols.name": ("name", 6),
        "Cols.display": ("display_name", 6)}


def test_imports_requires_and_reexports_are_bound() -> None:
    module = read_module(scan_ts('''import { A, B as C } from './a'
import * as N from "@x/names"
const { D, E: F } = require('../d');
// import { G } from './g'
export * from './types/index.js'
export { H as I } from './h'
'''))
    assert module.imports == {"A": ("A", "./a"), "C": ("B", "./a"), "N": ("*", "@x/names"),
                              "D": ("D", "../d"), "F": ("E", "../d")}
    assert module.reexports == [("*", "./types/index.js"), ("{ H as I }", "./h")]


# -- migrations of the fixture app -----------------------------------------------------------------
def test_a_drop_column_named_by_a_workspace_package_constant() -> None:
    result = scan(APP, "20240201", use_cache=False)
    assert _ops(result) == [(OpKind.DROP_COLUMN, "tickets", "status", 5)]
    assert result.read.notes[:2] == (
        "line 4: `TableTicket` is the constant 'tickets' (database/src/types/ticket.ts:10)",
        "line 5: `Fields.status` is the constant 'status' (database/src/types/ticket.ts:5)")
    assert result.read.extra["down"].operations[0].kind is OpKind.ADD_COLUMN  # down reads them too


def test_the_earlier_create_tables_replay_with_their_constants(pg_database) -> None:
    from impact.db import connect
    from impact.db.shadow import Shadow, prepare

    earlier = read_migration(locate(APP, "20240301", Config()), APP, "postgres").earlier
    with connect(pg_database, autocommit=True) as conn:
        prepare(conn, earlier, Shadow(pg_database, False))
        columns = {(t, c) for t, c in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")}
    assert {("tickets", "assignee_name"), ("tickets", "project_id"), ("projects", "status")} <= columns
    assert ("tickets", "status") not in columns  # dropped by 20240201, named by constants


def test_a_rename_column_in_a_typescript_migration_with_imports() -> None:
    result = scan(APP, "20240301", use_cache=False)
    assert _ops(result) == [(OpKind.RENAME_COLUMN, "tickets", "assignee_name", 6)]
    assert result.parsed.operations[0].new_name == "assignee"
    assert "line 6: `FieldNameTicket.assigneeName` is the constant 'assignee_name' (database/src/types/ticket.ts:6)" in result.read.notes


def test_renamed_reexport_and_a_relative_require_but_a_call_stays_unknown() -> None:
    result = scan(APP, "20240401", use_cache=False)
    assert _ops(result) == [(OpKind.DROP_COLUMN, "projects", "status", 7), (OpKind.UNKNOWN, None, None, 9)]
    assert result.parsed.operations[1].statement.error == \
        "`tableFor('projects')` is not a string literal (a name computed at run time)"
    assert "line 7: `ProjectFields.status` is the constant 'status' (database/src/types/project.ts:6)" in result.read.notes


def test_unresolved_names_stay_unknown_never_a_guess(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "names.ts": "export let TableA = 'a'\nexport const TableB = 'b'\nexport const Cols = { x: 'x' }\n",
        "migrations/20240101000000_x.ts": '''import { TableA, TableB, Cols } from '../names'
import { TableC } from 'some-package'
export async function up(knex) {
  await knex.schema.alterTable(TableA, (t) => { t.dropColumn('c') })
  await knex.schema.alterTable(TableB, (t) => { t.dropColumn(Cols.x) })
  await knex.schema.alterTable(TableC, (t) => { t.dropColumn('c') })
  await knex.schema.alterTable(TableB, (t) => { t.dropColumn(Missing.x) })
}
'''})
    result = scan(repo, "20240101", use_cache=False)
    assert [(op.kind, op.statement.line) for op in result.parsed.operations] == [
        (OpKind.UNKNOWN, 4), (OpKind.UNKNOWN, 5), (OpKind.UNKNOWN, 6), (OpKind.UNKNOWN, 7)]
    assert result.parsed.operations[1].statement.error == "`Cols.x` is not a string literal (a name computed at run time)"


def test_kysely_typeorm_and_column_lists_read_constants_too(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "src/names.ts": "export enum Col { a = 'a', b = 'b' }\nexport const T = 'orders'\n",
        "src/migrations/1700000000000-Names.ts": '''import { Col, T } from '../names'
import * as N from '../names'
export class Names1700000000000 {
  async up(queryRunner) {
    await queryRunner.dropColumn(T, Col.a)
    await queryRunner.renameColumn(N.T, N.Col.b, 'c')
  }
}
'''})
    result = scan(repo, "1700000000000", use_cache=False)
    assert _ops(result) == [(OpKind.DROP_COLUMN, "orders", "a", 5), (OpKind.RENAME_COLUMN, "orders", "b", 6)]
    constants = Constants(tmp_path.resolve())
    text = (repo / "src/migrations/1700000000000-Names.ts").read_text()
    scanned = scan_ts(text)
    at = text.index("N.Col.b")
    assert constants.value("src/migrations/1700000000000-Names.ts", scanned, at, at + 7).file == "src/names.ts"


def test_a_files_own_constants_without_a_repository() -> None:
    assert _translated('''const T = 'orders'
const C = { a: 'a', b: 'b' } as const
export async function up(db) {
  await db.schema.alterTable(T).dropColumn(C.a).execute()
  await knex.schema.alterTable(T, (t) => { t.index([C.a, C.b]) })
}''') == [("ALTER TABLE orders DROP COLUMN a;", 4), ("CREATE INDEX orders_a_b_index ON orders", 5)]


@pytest.mark.xfail(strict=True, reason="known limit: a constant built from constants is not folded")
def test_a_constant_built_from_constants_is_folded() -> None:
    ops = parse_migration(translate_text('''const PREFIX = 'app_'
const T = PREFIX + 'users'
export async function up(knex) { await knex.schema.alterTable(T, (t) => { t.dropColumn('c') }) }''')[0][0].sql).operations
    assert ops[0].table == "app_users"


@pytest.mark.xfail(strict=True, reason="known limit: E['m'] is not read as E.m")
def test_a_member_in_brackets_is_read() -> None:
    pieces, _ = translate_text('''enum E { t = 'orders' }
export async function up(knex) { await knex.schema.dropTable(E['t']) }''')
    assert pieces[0].sql == "DROP TABLE orders;"
