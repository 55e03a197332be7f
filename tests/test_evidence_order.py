"""The order a reviewer reads evidence in: the lines that name the column before whole-row ORM
queries (fixed by the model, IMP109), and the code a deploy runs before its tests."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from impact.report.view import build
from impact.test_paths import is_test_path
from tests.conftest import PRISMA_DATASOURCE, make_repo

SCHEMA = PRISMA_DATASOURCE + """
model Website {
  id     Int    @id
  name   String
  status String
}
"""


def _app(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {
        "prisma/schema.prisma": SCHEMA,
        "prisma/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "Website" (id int PRIMARY KEY, name text NOT NULL, status text NOT NULL);',
        "prisma/migrations/20240201000000_drop/migration.sql": 'ALTER TABLE "Website" DROP COLUMN "status";',
        "src/a_write.ts": 'export const make = () => prisma.website.create({ data: { name: "x" } });\n',
        "src/b_read.ts": "export const read = () => prisma.website.findMany({ select: { status: true } });\n",
        "__tests__/a.test.ts": "it('reads', async () => { await prisma.website.findMany({ select: { status: true } }); });\n",
    })


def test_lines_naming_the_column_come_first_then_code_before_tests(tmp_path: Path) -> None:
    result = scan(_app(tmp_path), "20240201000000_drop", use_cache=False)
    finding = next(f for f in result.findings if f.code == "IMP101")
    assert [e.file for e in finding.evidence] == ["src/b_read.ts", "__tests__/a.test.ts", "src/a_write.ts"]
    assert finding.message.endswith("the code still uses it: 2 queries and 1 whole-row ORM write")


def test_the_headline_lists_the_code_before_its_tests_and_counts_them(tmp_path: Path) -> None:
    view = build(scan(_app(tmp_path), "20240201000000_drop", use_cache=False))
    assert view.what_breaks() == "3 queries break (1 in tests): src/a_write.ts:1, src/b_read.ts:1, __tests__/a.test.ts:1"


def test_test_paths() -> None:
    tests = ["tests/x.py", "app/__tests__/a.ts", "a.test.ts", "b.spec.tsx", "pkg/test_models.py", "pkg/models_test.py", "e2e/flow.ts"]
    code = ["src/testing.ts", "app/contest.py", "latest/x.py", "src/attest_test_data.ts"]
    assert all(map(is_test_path, tests)) and not any(map(is_test_path, code))


def test_the_pr_comment_headline_counts_tests_too(tmp_path: Path) -> None:
    from impact.report.markdown import render

    text = render(scan(_app(tmp_path), "20240201000000_drop", use_cache=False))
    assert "**3 queries break (1 in tests):** `src/a_write.ts:1`, `src/b_read.ts:1`, `__tests__/a.test.ts:1`" in text


def test_whole_row_queries_of_each_orm() -> None:
    """A whole-row ORM query uses a column without naming it when the column is one the ORM adds
    (Query.implicit_columns): one rule for every ORM (Tandoor: 41 `Ingredient.objects.create(...)`
    were '44 queries' naming a column none of them wrote)."""
    from impact.judge.engine import whole_row
    from impact.model import Query, QueryKind

    def q(orm: str, kind: QueryKind, columns=(), filters=(), implicit=()) -> Query:
        return Query(file="a", line=1, end_line=1, language="python", extractor=orm, kind=kind, table="t", columns=tuple(columns),
                     filter_columns=tuple(filters), orm=orm, all_columns=True, implicit_columns=tuple(implicit))

    model = ("id", "name", "legacy")
    assert whole_row(q("django", QueryKind.INSERT, model, (), ("id", "legacy")), "legacy")  # create(name=…)
    assert not whole_row(q("django", QueryKind.INSERT, model, (), ("id", "name")), "legacy")  # create(legacy=…)
    assert whole_row(q("django", QueryKind.SELECT_STAR, model, ("id",), ("name", "legacy")), "legacy")
    assert not whole_row(q("django", QueryKind.SELECT_STAR, model, ("legacy",), ("id", "name")), "legacy")  # .filter(legacy=…)
    assert whole_row(q("prisma", QueryKind.UPDATE, ("name",), model, ("id", "legacy")), "legacy")  # returns the row
    assert not whole_row(q("prisma", QueryKind.UPDATE, ("legacy",), model, ("id", "name")), "legacy")  # data: { legacy }
    assert whole_row(q("prisma", QueryKind.SELECT_COLUMNS, model, (), model), "legacy")
    assert not whole_row(q("prisma", QueryKind.SELECT_COLUMNS, model, ("legacy",), ("id", "name")), "legacy")  # where: { legacy }
