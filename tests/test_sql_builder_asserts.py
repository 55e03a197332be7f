"""sqlglot raises a bare AssertionError (not a ParseError) on some SQL; a scan must treat it as
unparseable SQL, never crash. Found by bench/accuracy on langfuse's queryBuilder.ts."""
from __future__ import annotations

from impact.extract.typescript import extract
from impact.sql.queries import analyze_sql

SOURCE = '''const cte = Prisma.sql`
  WITH date_series AS (
    SELECT generate_series(${from}, ${to}, '1 ${Prisma.raw(unit)}') as date
  )`;
const rows = await prisma.$queryRaw`SELECT id FROM traces WHERE project_id = ${id}`;
'''


def test_an_assert_inside_sqlglot_is_unparseable_sql() -> None:
    assert analyze_sql("SELECT generate_series(TRUE, TRUE, '1 TRUE') AS d") is None


def test_a_file_holding_such_sql_still_yields_its_other_queries() -> None:
    queries = extract("src/q.ts", SOURCE).queries
    assert [(q.line, q.table) for q in queries if q.table] == [(5, "traces")]
