"""The TS/JS extractor: raw SQL strings, generated files, the lexical scan and PostgREST's mini-languages, the fixture app."""
from __future__ import annotations

import re

import pytest

from impact.extract import typescript
from impact.extract.typescript.scan import scan
from impact.model import Confidence
from tests.typescript_extraction import DEL, FIXTURE_APP, INS, S, STAR, UPD, only, queries, src


# --- raw SQL ---------------------------------------------------------------------------------

RAW_SQL_CASES = {
    "pg pool.query": (
        'const r = await pool.query("SELECT id, title FROM conversations WHERE user_id = $1", [u]);',
        [(1, S, "conversations", ("id", "title"), ("user_id",), Confidence.HIGH)],
    ),
    "pg client.query with a multi-line template: line of the SQL text": (
        """
        await client.query(
          `
            UPDATE conversations
            SET title = $1
            WHERE id = $2`,
          [title, id],
        );
        """,
        [(3, UPD, "conversations", ("title",), ("id",), Confidence.HIGH)],
    ),
    "postgres.js tagged template with holes": (
        "const rows = await sql`SELECT id FROM conversations WHERE user_id = ${uid} AND title = ${t}`;",
        [(1, S, "conversations", ("id",), ("user_id", "title"), Confidence.MEDIUM)],
    ),
    "postgres.js sql.unsafe": (
        'await sql.unsafe("DELETE FROM conversations WHERE archived")',
        [(1, DEL, "conversations", (), ("archived",), Confidence.HIGH)],
    ),
    "knex raw": (
        'await knex.raw("INSERT INTO conversations (user_id, title) VALUES (?, ?)", [u, t])',
        [(1, INS, "conversations", ("user_id", "title"), (), Confidence.HIGH)],
    ),
    "prisma $queryRaw tagged, no holes": (
        "await prisma.$queryRaw`SELECT count(*) FROM conversations`",
        [(1, S, "conversations", (), (), Confidence.HIGH)],
    ),
    "prisma $executeRawUnsafe": (
        "await prisma.$executeRawUnsafe('UPDATE conversations SET archived = true WHERE id = $1', id)",
        [(1, UPD, "conversations", ("archived",), ("id",), Confidence.HIGH)],
    ),
    "Prisma.sql fragment": (
        "const q = Prisma.sql`SELECT title FROM conversations`;",
        [(1, S, "conversations", ("title",), (), Confidence.HIGH)],
    ),
    "slonik sql.type(...)": (
        "await pool.one(sql.type(Row)`SELECT id FROM conversations`)",
        [(1, S, "conversations", ("id",), (), Confidence.HIGH)],
    ),
    "drizzle db.execute(sql`...`)": (
        "await db.execute(sql`SELECT title FROM conversations`)",
        [(1, S, "conversations", ("title",), (), Confidence.HIGH)],
    ),
    "a const SQL string, not at a sink": (
        'const LIST = "SELECT id FROM conversations ORDER BY created_at";',
        [(1, S, "conversations", ("id",), ("created_at",), Confidence.MEDIUM)],
    ),
    "a join: one query per table": (
        'pool.query("SELECT c.id, m.content FROM conversations c JOIN messages m ON m.conversation_id = c.id")',
        [
            (1, S, "conversations", ("id",), ("id",), Confidence.HIGH),
            (1, S, "messages", ("content",), ("conversation_id",), Confidence.HIGH),
        ],
    ),
    "concatenated literals": (
        """
        const q = "SELECT id, title " +
          "FROM conversations " +
          "WHERE user_id = $1";
        """,
        [(1, S, "conversations", ("id", "title"), ("user_id",), Confidence.MEDIUM)],
    ),
    "concatenation with an operand in between: table unresolved": (
        'db.query("SELECT id FROM " + table + " WHERE id = $1")',
        [(1, S, None, ("id",), ("id",), Confidence.LOW)],
    ),
    "interpolated table in a template": (
        "await sql.unsafe(`SELECT * FROM ${table}`)",
        [(1, STAR, None, (), (), Confidence.LOW)],
    ),
    "quotes inside the SQL string": (
        """const a = "SELECT id FROM conversations WHERE title = 'don''t'";\n"""
        """const b = 'SELECT title FROM messages WHERE content <> \\'it\\'\\'s\\'';""",
        [
            (1, S, "conversations", ("id",), ("title",), Confidence.MEDIUM),
            (2, S, "messages", ("title",), ("content",), Confidence.MEDIUM),
        ],
    ),
    "packed $1,$2 parameters": (
        'pool.query("INSERT INTO t (a,b) VALUES ($1,$2)")',
        [(1, INS, "t", ("a", "b"), (), Confidence.HIGH)],
    ),
    # A set-returning function in FROM is no table: not an unresolved one lowering the confidence
    # and counted as a query on whatever the migration changes (graphile-worker's add_job).
    "a function in FROM, its schema interpolated": (
        "await tx.query(`SELECT * FROM ${schema}.add_job(identifier => $1::text, payload => $2::json)`)",
        [],
    ),
    "a function in FROM beside a table: the table's query only": (
        'pool.query("SELECT u.id FROM generate_series(1, 3) g JOIN users u ON u.rank = g")',
        [(1, S, "users", ("id",), ("rank",), Confidence.MEDIUM)],  # `g`: the function's or users'
    ),
    # A value hole and a clause hole in one query (civitai): neither uniform filling parses; each
    # hole read by what precedes it does, and the explicit columns are kept (not a pattern's SELECT *).
    "a value hole and a clause hole together": (
        "await db.$queryRaw`\n  SELECT mv.id, mv.name\n  FROM \"ModelVersion\" mv\n  WHERE mv.id = ${id}\n    ${andNsfw}\n    AND (mv.level & ${level}) != 0\n`",
        [(2, S, "ModelVersion", ("id", "name"), ("id", "level"), Confidence.MEDIUM)],
    ),
    "SQL in comments is not code": (
        "// pool.query('SELECT id FROM conversations')\n/* sql`DELETE FROM conversations` */\n",
        [],
    ),
}


@pytest.mark.parametrize("source, expected", RAW_SQL_CASES.values(), ids=RAW_SQL_CASES.keys())
def test_raw_sql(source, expected):
    found = queries(source)
    assert [(q.line, q.kind, q.table, q.columns, q.filter_columns, q.confidence) for q in found] == expected
    assert all(q.extractor == "ts-sql" for q in found)


def test_raw_sql_record_fields():
    query = only(
        """
        export async function list(uid) {
          return sql`
            SELECT id
            FROM conversations
            WHERE user_id = ${uid}
          `;
        }
        """
    )
    assert (query.line, query.end_line) == (3, 6)
    assert query.snippet == "SELECT id"
    assert query.note == "SQL built with interpolation; holes treated as opaque"
    assert "impact_hole_0" in query.sql


# --- generated files -------------------------------------------------------------------------

GENERATED = {
    "supabase gen types": """
        export type Json = string | number
        export type Database = {
          public: {
            Tables: {
              conversations: { Row: { id: string; title: string } }
            }
          }
        }
        """,
    "DO NOT EDIT header": """
        // Code generated by a tool. DO NOT EDIT.
        export const q = supabase.from("conversations").select("id");
        """,
    "@generated header": """
        /**
         * @generated
         */
        export const q = pool.query("SELECT id FROM conversations");
        """,
}


@pytest.mark.parametrize("source", GENERATED.values(), ids=GENERATED.keys())
def test_generated_files_are_flagged_and_yield_nothing(source):
    extraction = typescript.extract("lib/x.ts", src(source))
    assert extraction.generated is True
    assert extraction.queries == []


def test_ordinary_file_mentioning_generated_is_not_generated():
    extraction = typescript.extract("a.ts", '// titles are generated by the model\nsupabase.from("t").select("a")\n')
    assert extraction.generated is False
    assert len(extraction.queries) == 1


# --- the lexical scan and the PostgREST mini-languages ---------------------------------------


def test_masked_text_keeps_offsets_and_lines():
    text = src(
        """
        const a = "x.from('y')"; // c.from("z")
        const b = `t ${ `inner ${c}` } /* not a comment */`;
        /* block
           comment */ const re = /[/"]+/;
        """
    )
    scanned = scan(text)
    assert len(scanned.masked) == len(text)
    assert [i for i, ch in enumerate(text) if ch == "\n"] == [i for i, ch in enumerate(scanned.masked) if ch == "\n"]
    assert ".from" not in scanned.masked
    assert "not a comment" not in scanned.masked
    assert "${" in scanned.masked  # template holes stay code
    assert scanned.unterminated == []


def test_unterminated_template_is_reported_as_an_issue():
    extraction = typescript.extract("bad.ts", 'supabase.from("t").select("a");\nconst s = `never closed\n')
    assert len(extraction.queries) == 1
    assert len(extraction.issues) == 1 and "template literal" in extraction.issues[0].reason


def test_long_minified_line_is_handled():
    """A ~2 MB single line (minified bundle style). Linear by construction; measured by hand."""
    unit = 'a.b(c)+"x\\"y"+/re[/]/.test(d)/2;`t${e}`;q.from("conversations").select("id").eq("k",1);'
    text = unit * (2_000_000 // len(unit))
    extraction = typescript.extract("bundle.min.js", text)
    assert len(extraction.queries) == 2_000_000 // len(unit)
    assert extraction.queries[0].filter_columns == ("k",)


def test_pathological_unclosed_brackets_do_not_explode():
    text = "supabase.from(" * 20_000 + '"t").select("a")'
    assert typescript.extract("x.js", text).queries[-1].table == "t"


# --- the fixture app -------------------------------------------------------------------------

_ROW = re.compile(r"^\|\s*`(?P<file>[^`]+):(?P<line>\d+)`\s*\|(?P<rest>.*)\|\s*$")


def _expected_tables() -> dict[str, set[tuple]]:
    """The tables of EXPECTED.md: section heading -> {(file, line, kind, columns, filters, known)}."""
    tables: dict[str, set[tuple]] = {}
    section = ""
    for line in (FIXTURE_APP / "EXPECTED.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:]
            continue
        match = _ROW.match(line)
        if match:
            kind, columns, filters, known = (cell.strip() for cell in match["rest"].split("|"))
            tables.setdefault(section, set()).add(
                (match["file"], int(match["line"]), kind, _names(columns), _names(filters), known == "yes")
            )
    return tables


def _names(cell: str) -> tuple[str, ...]:
    return () if cell == "—" else tuple(name.strip() for name in cell.split(","))


def _app_extractions():
    for path in sorted(FIXTURE_APP.rglob("*")):
        relative = path.relative_to(FIXTURE_APP)
        if path.suffix in typescript.SUFFIXES and "node_modules" not in relative.parts:
            yield relative.as_posix(), typescript.extract(relative.as_posix(), path.read_text())


def _as_row(query) -> tuple:
    return (query.file, query.line, query.kind.value, query.columns, query.filter_columns, query.columns_known)


def test_fixture_app_queries():
    expected = _expected_tables()
    on_conversations = next(rows for title, rows in expected.items() if title.startswith("Queries on"))
    unresolved = next(rows for title, rows in expected.items() if "variable" in title)
    found = [q for _path, extraction in _app_extractions() for q in extraction.queries]

    # Sorted lists, not sets: a query reported twice must fail the comparison too.
    assert sorted(_as_row(q) for q in found if q.table == "conversations") == sorted(on_conversations)
    assert sorted(_as_row(q) for q in found if q.table is None) == sorted(unresolved)
    assert len(on_conversations) == 36
    assert len({row[0] for row in on_conversations}) == 18  # the seed's "18 files checked"


def test_fixture_app_has_one_generated_file_and_no_new_columns_yet():
    extractions = dict(_app_extractions())
    assert [path for path, e in extractions.items() if e.generated] == ["lib/database.types.ts"]
    assert all(not e.issues for e in extractions.values())
    for extraction in extractions.values():
        for query in extraction.queries:
            assert not {"session_id", "experiment_name"} & set(query.columns + query.filter_columns)
    types = (FIXTURE_APP / "lib" / "database.types.ts").read_text()
    assert "llm_model_id" in types and "session_id" not in types and "experiment_name" not in types


def test_fixture_migration_11_is_the_seeds_sql():
    migration = (FIXTURE_APP / "docs" / "schema_updates" / "11_session_tracking.sql").read_text()
    assert migration.startswith("-- Session Tracking for A/B Testing & Model Comparison\nALTER TABLE conversations")
    assert migration.count("CREATE INDEX IF NOT EXISTS") == 3
    names = sorted(p.name for p in (FIXTURE_APP / "docs" / "schema_updates").glob("*.sql"))
    assert [name[:2] for name in names] == [f"{i:02d}" for i in range(1, 12)]


def test_sql_that_does_not_parse_is_kept_at_low_confidence() -> None:
    """Never dropped silently: a pattern hit on the table, columns unknown, and a note saying why."""
    queries = typescript.extract("lib/q.ts", 'const s = "SELECT id FROM conversations WHERE (";\n').queries
    assert [(q.table, q.confidence.value, q.columns_known) for q in queries] == [("conversations", "low", False)]
    assert "did not parse" in queries[0].note
