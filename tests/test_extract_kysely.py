"""Kysely query-builder chains: tables, aliases, joins, payloads, callbacks; CamelCasePlugin."""
from __future__ import annotations

from impact.extract.typescript.orm.kysely import extract_kysely
from impact.extract.typescript.scan import scan as scan_ts
from impact.pipeline import scan
from tests.conftest import make_repo

CHAINS = '''const people = await db.selectFrom("person as p")
  .innerJoin("pet", "pet.owner_id", "p.id")
  .select(["p.first_name", "pet.name as petName"])
  .where("p.age", ">", 18)
  .execute();
await db.insertInto("person").values({ first_name: "a", age: 3 }).returningAll().execute();
await db.updateTable("person").set({ age: 4 }).where("id", "=", id).execute();
await db.deleteFrom("person").where((eb) => eb("last_name", "=", "x")).execute();
const all = await db.selectFrom("person").selectAll().where("status", "=", "active").orderBy("created_at", "desc").execute();
await trx.insertInto("person").values(rows).execute();
'''


def test_chains_become_queries_on_each_table() -> None:
    got = [(q.line, q.table, q.kind.value, q.columns, q.filter_columns, q.columns_known)
           for q in extract_kysely(scan_ts(CHAINS), "k.ts", "typescript")]
    assert got == [
        (1, "person", "select_columns", ("first_name",), ("id", "age"), True),
        (1, "pet", "select_columns", ("name",), ("owner_id",), True),
        (6, "person", "insert", ("first_name", "age"), (), True),
        (7, "person", "update", ("age",), ("id",), True),
        (8, "person", "delete", (), ("last_name",), True),  # "x" is a value: it follows the operator
        (9, "person", "select_star", (), ("status", "created_at"), True),
        (10, "person", "insert", (), (), False),  # values(rows): columns unknown
    ]


INIT = "CREATE TABLE person (id serial PRIMARY KEY, first_name text NOT NULL, age int, status text);"


def test_drop_column_breaks_kysely_queries(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": INIT,
        "migrations/0002_drop.sql": "ALTER TABLE person DROP COLUMN first_name;",
        "src/people.ts": 'export const names = () => db.selectFrom("person").select(["id", "first_name"]).execute()\n'
                         'export const ages = () => db.selectFrom("person").select("age").execute()\n',
    })
    result = scan(repo, "2", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert [f"{e.file}:{e.line}" for e in finding.evidence] == ["src/people.ts:1"]


def test_camel_case_plugin_maps_code_names_to_snake_case_columns(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": INIT,
        "migrations/0002_rename.sql": "ALTER TABLE person RENAME COLUMN first_name TO given_name;",
        "src/db.ts": "export const db = new Kysely<DB>({ dialect, plugins: [new CamelCasePlugin()] })\n",
        "src/people.ts": 'export const names = () => db.selectFrom("person").select(["id", "firstName"]).execute()\n'
                         'export const add = (firstName: string) => db.insertInto("person").values({ firstName }).execute()\n',
    })
    result = scan(repo, "2", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "renamed-column-still-used")
    assert sorted(f"{e.file}:{e.line}" for e in finding.evidence) == ["src/people.ts:1", "src/people.ts:2"]
    assert {r.spelling for r in result.references if r.via == "orm-call"} == {"firstName"}
