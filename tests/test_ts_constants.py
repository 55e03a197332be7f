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


# -- the code: `FieldNameTicket.status` spells tickets.status (impact.orm.ts_constants) --------------
def _evidence(result, rule: str) -> list[str]:
    finding = next(f for f in result.findings if f.rule_id == rule)
    return sorted(f"{e.file}:{e.line}" for e in finding.evidence)


def test_a_field_group_paired_with_its_table_constant_is_a_model() -> None:
    from impact.orm.ts_constants import read_models

    models = read_models("t.ts", '''export enum FieldNameUser { id = 'id', photoUrl = 'photo_url' }
export const TableUser = 'user'
export const TableMediaUpload = 'media_upload'
export const MediaUploadColumns = { fileName: 'file_name' } as const
export enum FieldNameOther { x = 'x' }
export enum MediaBackendType { S3 = 's3' }
''')
    assert sorted((m.name, m.table, [(f.name, f.column, f.line) for f in m.fields]) for m in models) == [
        ("FieldNameUser", "user", [("FieldNameUser.id", "id", 1), ("FieldNameUser.photoUrl", "photo_url", 1)]),
        ("MediaUploadColumns", "media_upload", [("MediaUploadColumns.fileName", "file_name", 4)])]
    # one table constant and one group: paired; a group telling no table is no model (its table
    # constant alone is a model without fields: `knex(PostTable)` tells the table)
    def shape(text: str) -> list[tuple]:
        return [(m.name, m.table, len(m.fields), m.accessors) for m in read_models("p.ts", text)]

    assert shape("export const PostTable = 'posts'\nexport enum PostFields { a = 'a' }\n") == [("PostFields", "posts", 1, ("PostTable",))]
    assert shape("export const PostTable = 'posts'\nexport enum Cols { a = 'a' }\n") == [("PostTable", "posts", 0, ("PostTable",))]
    assert shape("export const TableA = 'a'\nexport const TableB = 'b'\nexport enum Fields { x = 'x' }\n") == [
        ("TableA", "a", 0, ("TableA",)), ("TableB", "b", 0, ("TableB",))]
    assert shape("export const TableA = 'a'\n") == []  # no enum or `as const` beside it: not read


def test_knex_queries_on_a_table_constant_are_evidence() -> None:
    dropped = scan(APP, "20240201", use_cache=False)
    assert _evidence(dropped, "dropped-column-still-used") == ["src/ticketService.ts:8", "src/tickets.js:5"]  # transaction(\n TableTicket,\n)
    query = next(q for q in dropped.queries if q.file == "src/tickets.js" and q.line == 5)
    assert (query.table, query.kind.value, query.filter_columns) == ("tickets", "select_star", ("project_id", "status"))
    renamed = scan(APP, "20240301", use_cache=False)
    assert _evidence(renamed, "renamed-column-still-used") == ["src/tickets.js:13", "src/tickets.js:9"]
    assert next(q for q in renamed.queries if q.line == 9).columns == ("id", "assignee_name")
    write = next(q for q in renamed.queries if q.line == 13)  # `{ [FieldNameTicket.assigneeName]: name }`
    assert (write.kind.value, write.columns, write.columns_known) == ("update", ("assignee_name",), True)
    assert not next(q for q in renamed.queries if q.line == 17).columns_known  # `.update(changes)`: to review
    # the declaration of the names is not a model reading rows (no "model still declares" finding)
    assert not [f for f in dropped.findings if f.rule_id == "orm-model-declares-changed-column"]


def test_a_field_constant_outside_a_query_is_a_spelling_of_its_column(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "names.ts": "export enum FieldNameUser { photoUrl = 'photo_url' }\nexport const TableUser = 'user'\n",
        "migrations/20240101000000_x.ts": "export async function up(knex) {\n  await knex.schema.alterTable('user', (t) => { t.dropColumn('photo_url') })\n}\n",
        "src/a.ts": "import { FieldNameUser } from '../names'\nconst photoUrl = 1\nexport const row = { [FieldNameUser.photoUrl]: photoUrl }\n",
        "src/b.ts": "export const x = knex(someTable).where(FieldNameUser.photoUrl, 1)\n",
    })
    result = scan(repo, "20240101", use_cache=False)
    assert _evidence(result, "changed-column-referenced") == ["src/a.ts:3", "src/b.ts:1"]
    assert [(r.file, r.line, r.table, r.spelling) for r in result.references if r.file == "src/a.ts"] == [
        ("src/a.ts", 3, "user", "FieldNameUser.photoUrl")]  # the bare `photoUrl` variable is not the column
    assert not [q for q in result.queries if q.file == "src/b.ts"]  # `someTable` is no table constant: no query


@pytest.mark.xfail(strict=True, reason="known limit: a field group imported under another name is not its spelling")
def test_an_aliased_field_group_is_the_same_spelling(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "names.ts": "export enum FieldNameUser { photoUrl = 'photo_url' }\nexport const TableUser = 'user'\n",
        "migrations/20240101000000_x.ts": "export async function up(knex) {\n  await knex.schema.alterTable('user', (t) => { t.dropColumn('photo_url') })\n}\n",
        "src/a.ts": "import { FieldNameUser as F } from '../names'\nexport const row = { [F.photoUrl]: null }\n",
    })
    result = scan(repo, "20240101", use_cache=False)
    assert [(r.file, r.table) for r in result.references if r.file == "src/a.ts"] == [("src/a.ts", "user")]
