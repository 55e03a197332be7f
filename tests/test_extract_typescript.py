"""The TS/JS extractor: supabase-js chains and the details of their Query records."""
from __future__ import annotations


import pytest

from impact.model import Confidence
from tests.typescript_extraction import DEL, INS, S, STAR, UPD, UPS, only, queries, rows


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
