"""The TS/JS extractor: supabase-js chains, raw SQL strings, generated files, the fixture app."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from impact.extract import typescript
from impact.extract.typescript.scan import scan
from impact.model import Confidence, QueryKind

FIXTURE_APP = Path(__file__).resolve().parent.parent / "fixtures" / "apps" / "chat-ts"

S, STAR = QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR
INS, UPS, UPD, DEL = QueryKind.INSERT, QueryKind.UPSERT, QueryKind.UPDATE, QueryKind.DELETE


def src(text: str) -> str:
    """Dedent a snippet written as an indented triple-quoted string starting on its first line."""
    return textwrap.dedent(text).lstrip("\n")


def queries(text: str, path: str = "src/code.ts"):
    return typescript.extract(path, src(text)).queries


def rows(text: str, path: str = "src/code.ts"):
    """(line, kind, table, columns, filter_columns) of every query, in source order."""
    return [(q.line, q.kind, q.table, q.columns, q.filter_columns) for q in queries(text, path)]


def only(text: str, path: str = "src/code.ts"):
    found = queries(text, path)
    assert len(found) == 1, found
    return found[0]


# --- supabase-js chains: source -> expected rows ---------------------------------------------

CHAIN_CASES = {
    "single line, double quotes": (
        """
        const { data } = await supabase.from("conversations").select("id, title").eq("user_id", uid);
        """,
        [(1, S, "conversations", ("id", "title"), ("user_id",))],
    ),
    "single quotes and backticks": (
        """
        await supabase.from('notes').select('body')
        await supabase.from(`tags`).select(`name`)
        """,
        [(1, S, "notes", ("body",), ()), (2, S, "tags", ("name",), ())],
    ),
    "multi-line chain with comments, generics, await, returns<T>()": (
        """
        const { data, error } = await supabase
          // which table:
          .from<ConversationRow>("conversations") /* inline */
          /* a block comment
             spanning lines */
          .select("id,title ,  created_at")
          // .eq("ignored", 1)
          .order("created_at", { ascending: false })
          .returns<ConversationRow[]>();
        """,
        [(3, S, "conversations", ("id", "title", "created_at"), ("created_at",))],
    ),
    "select() without arguments is SELECT *": (
        """
        supabase.from("conversations").select().eq("id", id)
        """,
        [(1, STAR, "conversations", (), ("id",))],
    ),
    "select('*') with an extra aliased column: star, the column counts as read": (
        """
        supabase.from("conversations").select("*, owner:user_id")
        """,
        [(1, STAR, "conversations", (), ("user_id",))],
    ),
    "PostgREST column syntax: alias, cast, json path, count": (
        """
        supabase.from("events").select("kind:event_type, total::text, payload->>source, meta->a->b, count")
        """,
        [(1, S, "events", ("event_type", "total", "payload", "meta"), ())],
    ),
    "multi-line template literal select list": (
        """
        supabase
          .from("conversations")
          .select(`
            id,
            title,
            llm_model_id
          `)
        """,
        [(2, S, "conversations", ("id", "title", "llm_model_id"), ())],
    ),
    "embedded resources are reads of their own tables": (
        """
        supabase
          .from("conversations")
          .select(`id, messages!inner(id, content), owner:profiles!conversations_user_id_fkey(*),
                   model:llm_models(display_name), tags(*)`)
        """,
        [
            (2, S, "conversations", ("id",), ()),
            (3, S, "messages", ("id", "content"), ()),
            (3, STAR, "profiles", (), ()),
            (4, S, "llm_models", ("display_name",), ()),
            (4, STAR, "tags", (), ()),
        ],
    ),
    "nested embeds and a spread embed": (
        """
        supabase.from("conversations").select("id, messages(id, message_feedback(rating)), ...profiles(email)")
        """,
        [
            (1, S, "conversations", ("id",), ()),
            (1, S, "messages", ("id",), ()),
            (1, S, "message_feedback", ("rating",), ()),
            (1, S, "profiles", ("email",), ()),
        ],
    ),
    "filter on an embedded table goes to that table": (
        """
        supabase.from("messages").select("id, conversation:conversations!inner(user_id)").eq("conversations.user_id", uid).eq("role", "user")
        """,
        [
            (1, S, "messages", ("id",), ("role",)),
            (1, S, "conversations", ("user_id",), ("user_id",)),
        ],
    ),
    "order and or() with referencedTable go to the embedded table": (
        """
        supabase.from("conversations").select("id, messages(content)")
          .order("created_at", { referencedTable: "messages" })
          .or("role.eq.user,role.eq.system", { referencedTable: "messages" })
          .order("updated_at")
        """,
        [
            (1, S, "conversations", ("id",), ("updated_at",)),
            (1, S, "messages", ("content",), ("created_at", "role")),
        ],
    ),
    "insert: object keys, shorthand keys, nested objects do not leak": (
        """
        await supabase.from("conversations").insert({
          title,
          user_id: user.id,
          "llm_model_id": model ?? null,
          settings: { temperature: 0.2, nested: { deeper: true } },
          tags: ["a", "b"],
          created_at: new Date(Date.now() - 1000 * (a, b)).toISOString(),
        })
        """,
        [(1, INS, "conversations", ("title", "user_id", "llm_model_id", "settings", "tags", "created_at"), ())],
    ),
    "insert of an array of object literals: union of the keys": (
        """
        await supabase.from("messages").insert([
          { conversation_id: id, role: "user", content },
          { conversation_id: id, role: "assistant", content: reply, latency_ms: ms },
        ])
        """,
        [(1, INS, "messages", ("conversation_id", "role", "content", "latency_ms"), ())],
    ),
    "insert(...).select(...) is RETURNING: filter columns": (
        """
        await supabase.from("conversations").insert({ title }).select("id, created_at").single()
        """,
        [(1, INS, "conversations", ("title",), ("id", "created_at"))],
    ),
    "upsert with onConflict": (
        """
        await supabase.from("message_feedback").upsert(
          { message_id: m, user_id: u, rating },
          { onConflict: "message_id, user_id" },
        )
        """,
        [(1, UPS, "message_feedback", ("message_id", "user_id", "rating"), ("message_id", "user_id"))],
    ),
    "supabase-js v1 insert(rows, { upsert: true }) is an upsert": (
        """
        await supabase.from("profiles").insert({ id, email }, { upsert: true })
        """,
        [(1, UPS, "profiles", ("id", "email"), ())],
    ),
    "update with filters and RETURNING": (
        """
        await supabase.from("conversations").update({ archived: true, archived_at: now }).eq("id", id).select("id")
        """,
        [(1, UPD, "conversations", ("archived", "archived_at"), ("id",))],
    ),
    "delete with match()": (
        """
        await supabase.from("conversations").delete().match({ id, user_id: uid })
        """,
        [(1, DEL, "conversations", (), ("id", "user_id"))],
    ),
    "every column filter": (
        """
        supabase.from("t").select("id")
          .neq("a", 1).gt("b", 1).gte("c", 1).lt("d", 1).lte("e", 1)
          .like("f", "x%").ilike("g", "x%").is("h", null).in("i", [1, 2])
          .contains("j", ["x"]).containedBy("k", ["x"]).overlaps("l", ["x"])
          .textSearch("m", "cat & dog").filter("n", "eq", 1).not("o", "is", null)
          .match({ p: 1 }).or("q.eq.1,and(r.gt.2,s.is.null)").rangeGt("u", "[1,2)")
          .order("v").range(0, 9).limit(5).single()
        """,
        [(1, S, "t", ("id",), tuple("abcdefghijklmnopqrsuv"))],
    ),
    "table given by a variable": (
        """
        await supabase.from(tableName).select("id").eq("user_id", uid)
        await supabase.from(`${prefix}_events`).delete().eq("id", 1)
        """,
        [(1, S, None, ("id",), ("user_id",)), (2, DEL, None, (), ("id",))],
    ),
    "two chains in one statement list": (
        """
        const [a, b] = await Promise.all([
          supabase.from("conversations").select("id"),
          supabase.from("messages").select("content").eq("conversation_id", id),
        ]);
        """,
        [(2, S, "conversations", ("id",), ()), (3, S, "messages", ("content",), ("conversation_id",))],
    ),
    "optional chaining and non-null assertions": (
        """
        await client?.from("conversations")!.select("id")?.eq("user_id", uid)
        """,
        [(1, S, "conversations", ("id",), ("user_id",))],
    ),
    "chain inside JSX, after text with an apostrophe and a quote": (
        """
        export const Row = ({ c }) => (
          <li>
            <p>Don't "panic" — it's fine</p>
            <button onClick={async () => {
              await supabase.from("conversations").update({ is_pinned: true }).eq("id", c.id);
            }}>Pin</button>
          </li>
        );
        """,
        [(5, UPD, "conversations", ("is_pinned",), ("id",))],
    ),
    "a regex literal holding a quote does not open a string": (
        """
        const quote = /['"]/g; const half = total / 2; // it's
        supabase.from("conversations").select("id")
        """,
        [(2, S, "conversations", ("id",), ())],
    ),
    "chain inside a template-literal hole is code": (
        """
        const label = `${(await supabase.from("conversations").select("title")).data}`;
        """,
        [(1, S, "conversations", ("title",), ())],
    ),
}


@pytest.mark.parametrize("source, expected", CHAIN_CASES.values(), ids=CHAIN_CASES.keys())
def test_supabase_chains(source, expected):
    assert rows(source) == expected


NOT_A_QUERY = {
    "line comment": '// supabase.from("conversations").select("id")\n',
    "block comment": '/*\n await supabase.from("conversations").delete()\n*/\n',
    "doc comment": '/** Example: `supabase.from("x").select("*")` */\nexport const a = 1;\n',
    "string": "const help = 'use supabase.from(\"x\").select(\"*\") to read';\n",
    "template literal text": 'const md = `run supabase.from("x").select()`;\n',
    "Array.from": "const ids = Array.from(set).map((x) => x.select(1));\n",
    "Buffer.from with a string": 'const b = Buffer.from("abc").toString("hex");\n',
    "from() with no query method": 'const builder = supabase.from("conversations");\n',
    "rpc": 'await supabase.rpc("archive_old_conversations", { days: 30 });\n',
    "storage bucket": 'await supabase.storage.from("avatars").update(path, file);\n',
    "prose that starts with Select": 'const hint = "Select a conversation from the list";\n',
}


@pytest.mark.parametrize("source", NOT_A_QUERY.values(), ids=NOT_A_QUERY.keys())
def test_not_a_query(source):
    assert queries(source) == []


KNOWN_LIMITS = {
    "builder kept in a variable and continued later": (
        'let q = supabase.from("conversations").select("id");\nq = q.eq("user_id", uid);\n',
        [(1, S, "conversations", ("id",), ("user_id",))],
    ),
    "apostrophe in JSX text on the same line as the chain": (
        "<p>Don't {void supabase.from(\"conversations\").select(\"id\")}</p>\n",
        [(1, S, "conversations", ("id",), ())],
    ),
    "regex literal right after a closing parenthesis": (
        "if (ok) /'/.test(s); supabase.from(\"conversations\").select(\"id\")\n",
        [(1, S, "conversations", ("id",), ())],
    ),
}


@pytest.mark.xfail(strict=True, reason="documented limit of the regex-based extractor")
@pytest.mark.parametrize("source, expected", KNOWN_LIMITS.values(), ids=KNOWN_LIMITS.keys())
def test_known_limits(source, expected):
    assert rows(source) == expected


# --- details of the supabase Query records ---------------------------------------------------


def test_chain_lines_snippet_extractor_and_confidence():
    query = only(
        """
        async function load() {
          const { data } = await supabase
            .from("conversations")
            .select("id")
            .eq("user_id", uid)
            .then((r) => r);
        }
        """
    )
    assert (query.line, query.end_line) == (3, 5)  # the chain ends at `.eq(...)`, before `.then`
    assert query.snippet == '.from("conversations")'
    assert query.extractor == "supabase-js"
    assert query.confidence is Confidence.MEDIUM
    assert query.language == "typescript"
    assert query.columns_known and query.note == ""


def test_variable_table_is_low_confidence_with_a_note():
    query = only('await supabase.from(name).select("*")\n')
    assert query.table is None and query.sql is None
    assert query.confidence is Confidence.LOW
    assert query.note == "table given by a variable"


@pytest.mark.parametrize(
    "payload, columns, note",
    [
        ("{ ...base, title }", ("title",), "spreads"),
        ("row", (), "variable"),
        ("rows.map((r) => ({ a: r.a }))", (), "variable"),
        ("[{ a: 1 }, extra]", ("a",), "variable"),
        ("{ [key]: 1, b: 2 }", ("b",), "computed"),
    ],
)
def test_unreadable_payload_marks_columns_unknown(payload, columns, note):
    query = only(f'await supabase.from("t").insert({payload})\n')
    assert query.columns == columns
    assert query.columns_known is False
    assert note in query.note


def test_schema_before_from():
    query = only('await supabase.schema("analytics").from("events").select("id")\n')
    assert (query.schema, query.table) == ("analytics", "events")
    assert query.sql == "SELECT id FROM analytics.events"


def test_select_list_given_by_a_variable():
    query = only('await supabase.from("conversations").select(columns)\n')
    assert query.kind is S and query.columns == () and query.columns_known is False
    assert "select list given by a variable" in query.note


def test_javascript_suffixes_set_the_language():
    for path, language in [("a.js", "javascript"), ("a.mjs", "javascript"), ("a.tsx", "typescript")]:
        assert only('supabase.from("t").select("a")', path).language == language


SQL_CASES = {
    "select with filters and order": (
        'supabase.from("conversations").select("id, title").eq("user_id", u).is("archived_at", null)'
        '.order("created_at", { ascending: false }).order("id")',
        "SELECT id, title FROM conversations WHERE user_id = $1 AND archived_at IS NULL "
        "ORDER BY created_at DESC, id",
    ),
    "select star": ('supabase.from("conversations").select("*")', "SELECT * FROM conversations"),
    "or group and negation": (
        'supabase.from("t").select("a").or("b.eq.1,c.not.is.null").not("d", "eq", 2).in("e", ids)',
        "SELECT a FROM t WHERE (b = $1 OR NOT (c IS NULL)) AND NOT (d = $2) AND e = ANY($3)",
    ),
    "insert returning": (
        'supabase.from("t").insert({ a: 1, b: 2 }).select("id")',
        "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING id",
    ),
    "insert returning star": (
        'supabase.from("t").insert({ a: 1 }).select()',
        "INSERT INTO t (a) VALUES ($1) RETURNING *",
    ),
    "upsert on conflict": (
        'supabase.from("t").upsert({ k: 1, v: 2 }, { onConflict: "k" })',
        "INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
    ),
    "upsert without a conflict target": (
        'supabase.from("t").upsert({ k: 1 })',
        "INSERT INTO t (k) VALUES ($1) ON CONFLICT DO NOTHING",
    ),
    "update": (
        'supabase.from("t").update({ a: 1 }).eq("id", 2)',
        "UPDATE t SET a = $1 WHERE id = $2",
    ),
    "delete": ('supabase.from("t").delete().eq("id", 2)', "DELETE FROM t WHERE id = $1"),
    "reserved and mixed-case identifiers are quoted": (
        'supabase.from("user").select("order, camelCase")',
        'SELECT "order", "camelCase" FROM "user"',
    ),
    "update with an unknown payload cannot be written": (
        'supabase.from("t").update(patch).eq("id", 1)',
        None,
    ),
}


@pytest.mark.parametrize("source, sql", SQL_CASES.values(), ids=SQL_CASES.keys())
def test_equivalent_sql(source, sql):
    assert only(source).sql == sql


def test_equivalent_sql_parses_as_postgres():
    pglast = pytest.importorskip("pglast")
    for source, sql in SQL_CASES.values():
        if sql is not None:
            pglast.parse_sql(sql)


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
