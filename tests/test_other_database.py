"""Raw SQL that runs on another database is set apart, never evidence (impact.extract.other_database)."""
from __future__ import annotations

import pytest

from impact.extract.other_database import other_database_reason
from impact.model import Query, QueryKind
from impact.pipeline import scan
from impact.report.json_report import to_dict
from tests.conftest import make_repo

INIT = 'CREATE TABLE "traces" ("id" TEXT PRIMARY KEY, "name" TEXT NOT NULL);\n'
# langfuse's shape: PostgreSQL through Prisma and raw SQL, ClickHouse tables of the same names beside it.
POSTGRES = '''import { prisma, Prisma } from "./db";

export async function oldTraces(projectId: string) {
  return prisma.$queryRaw(Prisma.sql`
    SELECT id, name FROM traces WHERE project_id = ${projectId}
  `);
}

export async function countTraces(pool: any) {
  return pool.query("SELECT count(*) FROM traces");
}
'''
CLICKHOUSE = '''import { queryClickhouse, clickhouseClient } from "./clickhouse/client";

export async function latest(projectId: string) {
  const query = `
    SELECT id, name
    FROM traces t FINAL
    WHERE t.project_id = {projectId: String}
    LIMIT 1 BY id
  `;
  return queryClickhouse({ query, params: { projectId } });
}

export async function names() {
  return clickhouseClient().query({
    query: `SELECT name FROM traces`,
  });
}
'''
FRAGMENT = '''export const tracesCte = `SELECT id FROM traces WHERE name = 'x'`;
'''
# The known limit: plain SQL in a variable, handed to a ClickHouse client far below, in no ClickHouse folder.
FAR = '''export async function plain(client: any) {
  const sql = `SELECT id FROM traces WHERE name = 'x'`;
  const rows = [];
  rows.push(1);
  rows.push(2);
  rows.push(3);
  return client.clickhouse.query({ query: sql });
}
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("otherdb"), {
        "migrations/001_init.sql": INIT, "migrations/002_drop.sql": 'DROP TABLE "traces";\n',
        "src/postgres.ts": POSTGRES, "src/analytics.ts": CLICKHOUSE, "src/clickhouse/fragments.ts": FRAGMENT,
        "src/far.ts": FAR,
    })
    return scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)


def _evidence(result) -> set[str]:
    finding = next(f for f in result.findings if f.rule_id == "dropped-table-still-used")
    return {f"{e.file}:{e.line}" for e in finding.evidence}


def test_postgresql_queries_stay_evidence(result) -> None:
    assert {"src/postgres.ts:5", "src/postgres.ts:10"} <= _evidence(result)


def test_clickhouse_queries_are_set_apart_with_their_reason(result) -> None:
    apart = {(q.file, q.line): why for q, why in result.other_database}
    assert apart[("src/analytics.ts", 5)] == "ClickHouse SQL (FINAL)"
    assert apart[("src/analytics.ts", 15)] == "passed to a ClickHouse client"
    assert apart[("src/clickhouse/fragments.ts", 1)] == "in a ClickHouse folder"
    assert not {"src/analytics.ts:5", "src/analytics.ts:15", "src/clickhouse/fragments.ts:1"} & _evidence(result)
    assert all(q.file != "src/analytics.ts" for q in result.queries)


def test_the_report_counts_them_and_the_json_lists_them(result) -> None:
    assert "3 queries on traces run on another database" in result.unattributed_note()
    listed = to_dict(result)["other_database"]
    assert {"file": "src/analytics.ts", "line": 15, "table": "traces", "reason": "passed to a ClickHouse client"} in listed


@pytest.mark.parametrize("sql", [
    "SELECT id FROM traces PREWHERE project_id = 1",
    "SELECT toDateTime(ts) FROM traces",
    "SELECT arrayJoin(tags) FROM traces",
    "SELECT count() FROM traces",
    "CREATE TABLE traces (id String) ENGINE = MergeTree ORDER BY id",
])
def test_syntax_postgresql_does_not_have(sql: str) -> None:
    query = Query("a.ts", 1, 1, "typescript", "ts-sql", QueryKind.SELECT_COLUMNS, "traces", sql=sql)
    assert other_database_reason(query, f"const q = `{sql}`;\n").startswith("ClickHouse SQL")


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM traces WHERE final = true",  # a column named final
    "SELECT id FROM traces WHERE website_id = {{websiteId::uuid}}",  # umami's PostgreSQL placeholders
    "SELECT id FROM traces LIMIT 10",
])
def test_postgresql_sql_is_not_taken_for_another_database(sql: str) -> None:
    query = Query("src/db/queries.ts", 1, 1, "typescript", "ts-sql", QueryKind.SELECT_COLUMNS, "traces", sql=sql)
    assert other_database_reason(query, f"const q = `{sql}`;\n") is None


def test_postgresql_only_api_in_a_clickhouse_folder_stays_postgresql() -> None:
    text = "export const rows = () => prisma.$queryRaw`SELECT id FROM traces`;\n"
    query = Query("src/clickhouse/sync.ts", 1, 1, "typescript", "ts-sql", QueryKind.SELECT_COLUMNS, "traces", sql="SELECT id FROM traces")
    assert other_database_reason(query, text) is None


@pytest.mark.xfail(reason="known limit: plain SQL kept in a variable and handed to a ClickHouse client lines later is taken for PostgreSQL's",
                   strict=True)
def test_plain_sql_in_a_variable_far_from_its_clickhouse_call(result) -> None:
    assert "src/far.ts:2" not in _evidence(result)


def test_set_apart_answers_as_other_database_reason_for_each_query() -> None:
    """set_apart skips the client and folder checks in files that cannot meet them (issue 13):
    its answers must be other_database_reason's, query by query, on files of each kind."""
    from impact.extract.other_database import key, set_apart

    sql = "SELECT id FROM traces"
    cases = [  # (file, text): a client call spelled with another case, a folder, neither, a ClickHouse syntax
        ("src/a.ts", f"const r = await ClickHouseClient().query({{ query: `{sql}` }});\n"),
        ("src/clickhouse/b.ts", f"const r = pool.query(`{sql}`);\n"),
        ("src/c.ts", f"const r = pool.query(`{sql}`);\n"),
        ("src/d.ts", "const r = pool.query(`SELECT count() FROM traces`);\n"),
        ("src/e.ts", f"const r = prisma.$queryRaw`{sql}`;\n"),
    ]
    texts = []
    for file, text in cases:
        quoted = text.split("`")[1]
        queries = [Query(file, 1, 1, "typescript", "ts-sql", QueryKind.SELECT_COLUMNS, "traces", sql=quoted),
                   Query(file, 1, 1, "typescript", "ts-sql", QueryKind.SELECT_COLUMNS, "traces", sql=quoted, orm="prisma")]
        texts.append((file, text, queries))
    expected = {key(q): reason for file, text, queries in texts for q in queries
                if (reason := other_database_reason(q, text))}
    assert set_apart(texts) == expected
    assert sorted(k[0] for k in expected) == ["src/a.ts", "src/clickhouse/b.ts", "src/d.ts"]


@pytest.mark.parametrize("text", ["x = ClickHouse()", "x = CLICKHOUSE", "x = clickhouſe", "x = clıckhouse", "x = clicKhouse",
                                  "x = click_house", "x = clickhous", ""])
def test_the_clickhouse_spelling_check_agrees_with_the_client_call_pattern(text: str) -> None:
    """The cheap check gating the client-call search must say yes wherever _CLICKHOUSE matches."""
    from impact.extract.other_database import _CLICKHOUSE, spells_clickhouse

    assert spells_clickhouse(text) == (_CLICKHOUSE.search(text) is not None)
