"""The Python extractor: SQL strings, supabase-py chains, SQLAlchemy and Django ORM queries.

Most cases are data: a source snippet and the queries expected from it, each as
(line, kind, table, columns, filter_columns, confidence).
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pglast
import pytest

from impact.extract import python as python_extractor
from impact.extract.python import ModelInfo, extract, models_in, resolve_model_queries
from impact.model import Confidence, Query, QueryKind

FIXTURE_APP = Path(__file__).resolve().parent.parent / "fixtures" / "apps" / "notes-py"


def q(line: int, kind: str, table: str | None, columns: str = "", filters: str = "", conf: str = "high") -> tuple:
    """An expected query, written compactly: columns and filters as comma-separated names."""
    split = lambda names: tuple(n.strip() for n in names.split(",") if n.strip())  # noqa: E731
    return (line, kind, table, split(columns), split(filters), conf)


def row(query: Query) -> tuple:
    return (query.line, query.kind.value, query.table, query.columns, query.filter_columns, query.confidence.value)


def found(source: str, path: str = "app/db.py") -> list[tuple]:
    extraction = extract(path, textwrap.dedent(source))
    assert extraction.issues == []
    return sorted((row(query) for query in extraction.queries), key=repr)


def queries(source: str, path: str = "app/db.py") -> list[Query]:
    return extract(path, textwrap.dedent(source)).queries


# -- SQL in strings ---------------------------------------------------------------------------

SQL_CASES = {
    "plain literal at cursor.execute": (
        """
        def f(cur, uid):
            cur.execute("SELECT id, title FROM notes WHERE owner_id = %s", (uid,))
        """,
        [q(3, "select_columns", "notes", "id, title", "owner_id")],
    ),
    "implicit concatenation, line of the first literal": (
        """
        def f(cur):
            cur.execute(
                "SELECT id, title "
                "FROM notes "
                "WHERE archived = false"
            )
        """,
        [q(4, "select_columns", "notes", "id, title", "archived")],
    ),
    "+ concatenation of literals": (
        """
        def f(cur):
            cur.execute("UPDATE notes SET title = %s " + "WHERE id = %s", ("t", 1))
        """,
        [q(3, "update", "notes", "title", "id")],
    ),
    "triple-quoted multi-line JOIN": (
        """
        def f(cur):
            cur.execute(
                '''
                SELECT n.title, u.email
                FROM notes AS n
                JOIN users AS u ON u.id = n.owner_id
                WHERE n.archived = false
                '''
            )
        """,
        [q(4, "select_columns", "notes", "title", "owner_id, archived"),
         q(4, "select_columns", "users", "email", "id")],
    ),
    "f-string with a value hole: medium": (
        """
        def f(cur, uid):
            cur.execute(f"SELECT id FROM notes WHERE owner_id = {uid}")
        """,
        [q(3, "select_columns", "notes", "id", "owner_id", "medium")],
    ),
    "f-string with the table as a hole: unresolved, low": (
        """
        def f(cur, table):
            cur.execute(f"SELECT * FROM {table} WHERE id = 1")
        """,
        [q(3, "select_star", None, "", "id", "low")],
    ),
    "f-string hole filled by a same-file constant: high": (
        """
        COLUMNS = "id, title"
        TABLE = "notes"
        async def f(conn):
            return await conn.fetch(f"SELECT {COLUMNS} FROM {TABLE} WHERE owner_id = $1", 1)
        """,
        [q(5, "select_columns", "notes", "id, title", "owner_id")],
    ),
    "f-string hole on a constant assigned twice is not filled": (
        """
        TABLE = "notes"
        TABLE = "archive"
        def f(cur):
            cur.execute(f"DELETE FROM {TABLE} WHERE id = 1")
        """,
        [q(5, "delete", None, "", "id", "low")],
    ),
    "% formatting: the conversions are holes": (
        """
        def f(cur, t, i):
            cur.execute("UPDATE notes SET title = '%s' WHERE id = %d" % (t, i))
        """,
        [q(3, "update", "notes", "title", "id", "medium")],
    ),
    "% formatting filled by a constant table name": (
        """
        TABLE = "notes"
        def f(cur):
            cur.execute("SELECT body FROM %s WHERE id = 1" % TABLE)
        """,
        [q(4, "select_columns", "notes", "body", "id")],
    ),
    ".format() with literal and unknown arguments": (
        """
        def f(cur, cols):
            cur.execute("SELECT {} FROM {} WHERE id = 1".format(cols, "notes"))
        """,
        [q(3, "select_columns", "notes", "", "id", "medium")],
    ),
    "module constant used later: high at the constant's line": (
        """
        LIST_NOTES = '''
            SELECT id, title FROM notes WHERE owner_id = %(owner)s
        '''

        def f(cur, owner):
            cur.execute(LIST_NOTES, {"owner": owner})
        """,
        [q(2, "select_columns", "notes", "id, title", "owner_id")],
    ),
    "constant defined below the function that runs it": (
        """
        def f(cur):
            cur.execute(DELETE_NOTE, (1,))

        DELETE_NOTE = "DELETE FROM notes WHERE id = %s"
        """,
        [q(5, "delete", "notes", "", "id")],
    ),
    "class constant through self": (
        """
        class Repo:
            BY_ID = "SELECT body FROM notes WHERE id = $1"

            async def get(self, conn, note_id):
                return await conn.fetchrow(self.BY_ID, note_id)
        """,
        [q(3, "select_columns", "notes", "body", "id")],
    ),
    "local variable extended with +=": (
        """
        def f(cur, owner=None):
            sql = "SELECT id FROM notes WHERE true"
            if owner:
                sql += " AND owner_id = %s"
            sql += " ORDER BY created_at"
            cur.execute(sql)
        """,
        [q(3, "select_columns", "notes", "id", "owner_id, created_at")],
    ),
    "a name assigned in both branches: both reach the sink": (
        """
        def f(cur, archived):
            if archived:
                sql = "SELECT id FROM notes WHERE archived"
            else:
                sql = "SELECT id FROM notes WHERE NOT archived"
            cur.execute(sql)
        """,
        [q(4, "select_columns", "notes", "id", "archived"),
         q(6, "select_columns", "notes", "id", "archived")],
    ),
    "SQL-shaped constant never seen at a sink: medium": (
        """
        ARCHIVE_SQL = "UPDATE notes SET archived = true WHERE id = %s"
        """,
        [q(2, "update", "notes", "archived", "id", "medium")],
    ),
    "asyncpg fetch / fetchval / execute / executemany": (
        """
        async def f(conn):
            await conn.fetch("SELECT title FROM notes WHERE owner_id = $1", 1)
            await conn.fetchval("INSERT INTO notes (title) VALUES ($1) RETURNING id", "t")
            await conn.execute("DELETE FROM tags WHERE id = $1", 2)
            await conn.executemany("UPDATE notes SET pinned = $2 WHERE id = $1", [(1, True)])
        """,
        [q(3, "select_columns", "notes", "title", "owner_id"),
         q(4, "insert", "notes", "title", "id"),
         q(5, "delete", "tags", "", "id"),
         q(6, "update", "notes", "pinned", "id")],
    ),
    "SQLAlchemy text() inline and assigned": (
        """
        from sqlalchemy import text
        STMT = text("SELECT email FROM users WHERE id = :id")
        def f(session):
            session.execute(text("UPDATE notes SET body = :body WHERE id = :id"), {"body": "", "id": 1})
            return session.execute(STMT, {"id": 1})
        """,
        [q(3, "select_columns", "users", "email", "id"),
         q(5, "update", "notes", "body", "id")],
    ),
    "pandas read_sql and databases fetch_all(query=...)": (
        """
        import pandas as pd
        async def f(engine, database):
            frame = pd.read_sql("SELECT id, created_at FROM notes", engine)
            rows = await database.fetch_all(query="SELECT name FROM tags WHERE id = :id", values={"id": 1})
        """,
        [q(4, "select_columns", "notes", "id, created_at"),
         q(5, "select_columns", "tags", "name", "id")],
    ),
    "psycopg sql.SQL with sql.Identifier (inline and through a variable)": (
        """
        from psycopg import sql
        def f(conn):
            conn.execute(sql.SQL("SELECT {} FROM {}").format(sql.Identifier("title"), sql.Identifier("notes")))
            table = sql.Identifier("tags")
            conn.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(table), (1,))
        """,
        [q(4, "select_columns", "notes", "title"),
         q(6, "delete", "tags", "", "id")],
    ),
    "psycopg sql.SQL with an unknown field: hole": (
        """
        from psycopg import sql
        def f(conn, table):
            conn.execute(sql.SQL("SELECT id FROM {}").format(sql.Identifier(table)))
        """,
        [q(4, "select_columns", None, "id", "", "low")],
    ),
    "template constant filled with .format(): the template's line": (
        """
        import pandas as pd
        COLUMNS = ("id", "title")
        QUERY = "SELECT {columns} FROM notes WHERE owner_id = %(o)s"
        def f(engine):
            sql = QUERY.format(columns=", ".join(COLUMNS))
            return pd.read_sql(sql, engine)
        """,
        [q(4, "select_columns", "notes", "id, title", "owner_id")],
    ),
    "textwrap.dedent around a triple-quoted query": (
        """
        import textwrap
        def f(cur):
            stmt = textwrap.dedent('''
                INSERT INTO notes (title, body) VALUES (%s, %s)
                ON CONFLICT (title) DO NOTHING
            ''')
            cur.execute(stmt, ("t", "b"))
        """,
        [q(4, "upsert", "notes", "title, body", "title")],
    ),
    "Django raw(): the SQL string is the query, not a queryset": (
        """
        def f():
            return Note.objects.raw("SELECT id, title FROM blog_note WHERE owner_id = %s", [1])
        """,
        [q(3, "select_columns", "blog_note", "id, title", "owner_id")],
    ),
    "a parameter or loop variable hides a same-named constant": (
        """
        table = "notes"
        def f(cur, table):
            cur.execute(f"SELECT id FROM {table}")
        def g(cur):
            for table in ("a", "b"):
                cur.execute(f"DELETE FROM {table}")
        """,
        [q(4, "select_columns", None, "id", "", "low"), q(7, "delete", None, "", "", "low")],
    ),
    "a hole glued to a name makes the whole name unknown": (
        """
        def f(cur, schema, table, suffix):
            cur.execute(f"UPDATE {schema}{table} SET a = 1")
            cur.execute(f"SELECT id FROM notes_{suffix}")
        """,
        [q(3, "update", None, "a", "", "low"), q(4, "select_columns", None, "id", "", "low")],
    ),
    "an imported name is not this file's constant": (
        """
        from app.settings import TABLE
        def f(cur):
            cur.execute("SELECT id FROM %s" % TABLE)
        """,
        [q(4, "select_columns", None, "id", "", "low")],
    ),
    "lower-case SQL with SQL punctuation is still SQL": (
        """
        QUERY = "select id from notes where owner_id = %s"
        """,
        [q(2, "select_columns", "notes", "id", "owner_id", "medium")],
    ),
}


@pytest.mark.parametrize("source, expected", SQL_CASES.values(), ids=SQL_CASES.keys())
def test_sql_strings(source, expected):
    assert found(source) == sorted(expected, key=repr)


SQL_FEATURES = {
    "psycopg %s and %(name)s": ("SELECT id FROM notes WHERE owner_id = %s AND title = %(title)s",
                                [("select_columns", "notes", ("id",), ("owner_id", "title"))]),
    "asyncpg $n": ("SELECT id FROM notes WHERE owner_id = $1 AND title = $2",
                   [("select_columns", "notes", ("id",), ("owner_id", "title"))]),
    "named :param": ("UPDATE notes SET title = :title WHERE id = :id",
                     [("update", "notes", ("title",), ("id",))]),
    "quoted identifiers": ('SELECT "Thread"."createdAt" FROM "Thread" WHERE "Thread"."userId" = $1',
                           [("select_columns", "Thread", ("createdAt",), ("userId",))]),
    "CTE is not a table": ("WITH recent AS (SELECT id, owner_id FROM notes WHERE archived = false) "
                           "SELECT owner_id FROM recent",
                           [("select_columns", "notes", ("id", "owner_id"), ("archived",))]),
    "sub-query": ("DELETE FROM note_tags WHERE note_id IN (SELECT id FROM notes WHERE archived)",
                  [("delete", "note_tags", (), ("note_id",)), ("select_columns", "notes", ("id",), ("archived",))]),
    "RETURNING": ("INSERT INTO notes (owner_id, title) VALUES ($1, $2) RETURNING id, created_at",
                  [("insert", "notes", ("owner_id", "title"), ("id", "created_at"))]),
    "ON CONFLICT DO UPDATE": ("INSERT INTO tags (name, uses) VALUES (%s, 1) "
                              "ON CONFLICT (name) DO UPDATE SET uses = tags.uses + 1",
                              [("upsert", "tags", ("name", "uses"), ("name",))]),
    "INSERT without a column list": ("INSERT INTO tags VALUES (%s, %s)", [("insert", "tags", (), ())]),
}


@pytest.mark.parametrize("sql, expected", SQL_FEATURES.values(), ids=SQL_FEATURES.keys())
def test_sql_features_come_through(sql, expected):
    found_queries = queries(f"def f(cur):\n    cur.execute({sql!r})\n")
    assert sorted((x.kind.value, x.table, x.columns, x.filter_columns) for x in found_queries) == sorted(expected)
    assert all(x.line == 2 and x.confidence is Confidence.HIGH for x in found_queries)
    assert all(x.sql == sql for x in found_queries)


def test_insert_without_column_list_has_unknown_columns():
    (insert,) = queries('def f(cur):\n    cur.execute("INSERT INTO tags VALUES (%s, %s)")\n')
    assert insert.columns_known is False


def test_asyncpg_parameters_without_spaces():
    # sqlglot alone would read `$1,$` as the opening of a dollar-quoted string.
    (insert,) = queries('async def f(c):\n    await c.execute("INSERT INTO notes (a, b) VALUES ($1,$2) RETURNING id")\n')
    assert (insert.kind, insert.columns, insert.filter_columns) == (QueryKind.INSERT, ("a", "b"), ("id",))


@pytest.mark.xfail(strict=True, reason="an outer column in a correlated sub-query is dropped: impact/sql/queries.py")
def test_correlated_subquery_outer_column():
    (notes,) = [x for x in queries(
        'def f(c):\n    c.execute("SELECT count(*) FROM notes AS n WHERE NOT EXISTS '
        '(SELECT 1 FROM note_tags AS t WHERE t.note_id = n.id)")\n') if x.table == "notes"]
    assert "id" in notes.filter_columns


NOT_QUERIES = {
    "prose mentioning select ... from": 'HELP = "Select the notes to export from the list, then choose a format."\n',
    "lower-case prose that sqlglot would parse": 'TIP = "select one from many"\nWHERE = "update your profile set up"\n',
    "function docstring with SQL": 'def f():\n    """SELECT id FROM notes WHERE owner_id = %s"""\n    return 1\n',
    "module docstring with SQL": '"""DELETE FROM notes WHERE id = 1"""\nimport os\n',
    "bare string statement (commented-out query)": 'def f():\n    "UPDATE notes SET title = 1"\n',
    "SELECT 1 names no table": 'def f(conn):\n    conn.execute("SELECT 1")\n',
    "DDL at a sink is not a query": 'def f(cur):\n    cur.execute("CREATE INDEX i ON notes (title)")\n',
    "bytes literal": 'SQL = b"SELECT id FROM notes WHERE id = 1"\n',
    "type annotations as strings": 'def f(x: "SELECT id FROM notes WHERE id = 1") -> None:\n    pass\n',
    "comment": '# SELECT id FROM notes WHERE id = 1\nx = 1\n',
}


@pytest.mark.parametrize("source", NOT_QUERIES.values(), ids=NOT_QUERIES.keys())
def test_not_queries(source):
    assert found(source) == []


def test_sql_query_fields():
    source = 'import os\n\ndef f(cur):\n    cur.execute(\n        "SELECT id FROM notes "\n        "WHERE owner_id = %s",\n        (1,),\n    )\n'
    (query,) = extract("pkg/mod.py", source).queries
    assert (query.file, query.language, query.extractor) == ("pkg/mod.py", "python", "python-sql")
    assert (query.line, query.end_line) == (5, 6)
    assert query.snippet == '"SELECT id FROM notes "'
    assert query.sql == "SELECT id FROM notes WHERE owner_id = %s"


@pytest.mark.parametrize("source, line", [
    ("def f(:\n    pass\n", 1),
    ("x = 1\nif x\n    y = 2\n", 2),
    ("x = (1,\n", 1),
    ('print "hello"\n', 1),
])
def test_syntax_error_is_an_issue_not_an_exception(source, line):
    extraction = extract("bad.py", source)
    assert extraction.queries == []
    (issue,) = extraction.issues
    assert issue.file == "bad.py"
    assert issue.reason.startswith(f"Python syntax error at line {line}: ")
    assert models_in("bad.py", source) == []


def test_interface():
    assert python_extractor.SUFFIXES == (".py", ".pyi")
    assert extract("empty.py", "").queries == []


# -- supabase-py ------------------------------------------------------------------------------

SUPABASE = "from supabase import create_client\nsupabase = create_client(URL, KEY)\n"

SUPABASE_CASES = {
    "select with alias, cast, JSON path, embeds, filters, order": (
        """
        res = (
            supabase.table("notes")
            .select("id, heading:title, body::text, meta->>lang, owner:users!owner_id(email), tags(*)")
            .eq("owner_id", 1)
            .gte("created_at", "2024-01-01")
            .order("updated_at", desc=True)
            .execute()
        )
        """,
        [q(5, "select_columns", "notes", "id, title, body, meta", "owner_id, created_at, updated_at"),
         q(6, "select_columns", "users", "email"),
         q(6, "select_star", "tags")],
    ),
    "select star and the default select()": (
        """
        supabase.table("notes").select("*").is_("deleted_at", None).execute()
        supabase.table("tags").select().execute()
        """,
        [q(4, "select_star", "notes", "", "deleted_at"), q(5, "select_star", "tags")],
    ),
    "insert dict, list of dicts, comprehension, variable payload": (
        """
        supabase.table("notes").insert({"title": "a", "body": "b"}).execute()
        supabase.table("notes").insert([{"title": "a"}, {"title": "b", "pinned": True}]).execute()
        supabase.table("tags").insert([{"name": n} for n in names]).execute()
        supabase.table("notes").insert(payload).execute()
        """,
        [q(4, "insert", "notes", "title, body"), q(5, "insert", "notes", "title, pinned"),
         q(6, "insert", "tags", "name"), q(7, "insert", "notes")],
    ),
    "payload held in a same-file variable": (
        """
        def f():
            row = {"title": "t", "owner_id": 1}
            supabase.table("notes").insert(row).execute()
        """,
        [q(6, "insert", "notes", "title, owner_id")],
    ),
    "upsert with on_conflict, update with filters, delete": (
        """
        supabase.table("notes").upsert({"id": 1, "title": "x"}, on_conflict="id").execute()
        supabase.table("notes").update({"title": "x"}).eq("id", 1).neq("archived", True).execute()
        supabase.table("notes").delete().in_("id", [1, 2]).lt("updated_at", cutoff).execute()
        """,
        [q(4, "upsert", "notes", "id, title", "id"), q(5, "update", "notes", "title", "id, archived"),
         q(6, "delete", "notes", "", "id, updated_at")],
    ),
    "schema(), from_(), match(), like/ilike/contains": (
        """
        supabase.schema("private").from_("audit_log").select("action").match({"actor_id": 1, "entity": "note"}).execute()
        supabase.from_("notes").select("id").like("title", "a%").ilike("body", "%b%").contains("labels", ["x"]).execute()
        """,
        [q(4, "select_columns", "audit_log", "action", "actor_id, entity"),
         q(5, "select_columns", "notes", "id", "title, body, labels")],
    ),
    "table name from a constant; from a variable: low": (
        """
        NOTES = "notes"
        def f(table):
            supabase.table(NOTES).select("id").execute()
            supabase.table(table).select("id").eq("x", 1).execute()
        """,
        [q(6, "select_columns", "notes", "id"), q(7, "select_columns", None, "id", "x", "low")],
    ),
    "a chain built in steps, with not_ and or_": (
        """
        def f(uid, q):
            query = supabase.table("notes").select("id")
            if uid:
                query = query.eq("owner_id", uid)
            query = query.not_.is_("archived_at", "null")
            return query.or_(f"title.ilike.%{q}%,body.ilike.%{q}%").execute()
        """,
        [q(5, "select_columns", "notes", "id", "owner_id, archived_at, title, body")],
    ),
    "filters on an embedded table belong to it": (
        """
        supabase.table("notes").select("title, users(email)").eq("users.email", "a@b.c").execute()
        """,
        [q(4, "select_columns", "notes", "title"), q(4, "select_columns", "users", "email", "email")],
    ),
    "or_ / order on a referenced (embedded) table": (
        """
        (supabase.from_("countries").select("name, cities!inner(name, pop)")
            .or_("country_id.eq.10,name.eq.Paris", reference_table="cities")
            .order("pop", foreign_table="cities").order("name").execute())
        """,
        [q(4, "select_columns", "countries", "name", "name"),
         q(4, "select_columns", "cities", "name, pop", "country_id, name, pop")],
    ),
    "storage buckets are not tables": (
        """
        supabase.storage.from_("avatars").update("a.png", data)
        supabase.storage.from_("avatars").remove(["a.png"])
        """,
        [],
    ),
    "a bare table handle is no query": (
        """
        notes = supabase.table("notes")
        """,
        [],
    ),
}


@pytest.mark.parametrize("source, expected", SUPABASE_CASES.values(), ids=SUPABASE_CASES.keys())
def test_supabase_chains(source, expected):
    assert found(SUPABASE + textwrap.dedent(source)) == sorted(expected, key=repr)


def supabase_queries(source: str) -> list[Query]:
    return [x for x in queries(SUPABASE + textwrap.dedent(source)) if x.extractor == "supabase-py"]


def test_supabase_sql_equivalents():
    sql = [x.sql for x in supabase_queries("""
        supabase.table("notes").select("id, title").eq("owner_id", 1).is_("deleted_at", None).order("created_at", desc=True).limit(5).execute()
        supabase.table("notes").insert([{"title": "a"}, {"title": "b", "order": 2}]).execute()
        supabase.table("notes").upsert({"id": 1, "title": "x"}, on_conflict="id").execute()
        supabase.table("notes").upsert({"id": 1}, ignore_duplicates=True).execute()
        supabase.table("notes").update({"title": "x"}).eq("id", 1).not_.in_("owner_id", [1]).execute()
        supabase.schema("app").table("Thread").delete().eq("userId", 1).execute()
    """)]
    assert sql == [
        "SELECT id, title FROM notes WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 5",
        'INSERT INTO notes (title, "order") VALUES ($1, $2)',
        "INSERT INTO notes (id, title) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title",
        "INSERT INTO notes (id) VALUES ($1) ON CONFLICT DO NOTHING",
        "UPDATE notes SET title = $1 WHERE id = $2 AND NOT (owner_id = ANY($3))",
        'DELETE FROM app."Thread" WHERE "userId" = $1',
    ]


def test_supabase_sql_is_valid_postgresql():
    found_queries = supabase_queries("\n".join(source for source, _expected in SUPABASE_CASES.values()))
    statements = [x.sql for x in found_queries if x.sql is not None]
    assert len(statements) >= 15
    for statement in statements:
        pglast.parse_sql(statement)  # raises on invalid SQL
    for statement in statements:  # no gaps in $n: PREPARE rejects them
        numbers = sorted({int(n) for n in re.findall(r"\$(\d+)", statement)})
        assert numbers == list(range(1, len(numbers) + 1))


def test_supabase_unknown_payload_and_variable_table():
    insert, partly_known, unknown_table = supabase_queries("""
        supabase.table("notes").insert(payload).execute()
        supabase.table("notes").update({"title": t, **extra}).eq("id", 1).execute()
        supabase.table(name).select("id").execute()
    """)
    assert (insert.columns_known, insert.sql, insert.confidence) == (False, None, Confidence.HIGH)
    assert "payload" in insert.note
    assert (partly_known.columns, partly_known.columns_known, partly_known.sql) == (("title",), False, None)
    assert (unknown_table.table, unknown_table.confidence, unknown_table.sql) == (None, Confidence.LOW, None)
    assert "variable" in unknown_table.note


def test_supabase_fields_and_confidence_without_supabase_in_the_file():
    (query,) = supabase_queries('supabase.table("notes").select("id").execute()\n')
    assert (query.extractor, query.language, query.schema, query.end_line) == ("supabase-py", "python", None, 3)
    # `.table("x").insert(...)` also exists in other libraries (TinyDB, ...): without any
    # supabase/postgrest name in the file, the chain is only medium.
    (other,) = queries('db.table("notes").insert({"title": "t"})\n')
    assert (other.table, other.kind, other.confidence) == ("notes", QueryKind.INSERT, Confidence.MEDIUM)


# -- SQLAlchemy -------------------------------------------------------------------------------

SQLALCHEMY_MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select, update, delete, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

class Base(DeclarativeBase):
    pass

class Stamped:
    created_at: Mapped[str] = mapped_column()

class Note(Stamped, Base):
    __tablename__ = "notes"
    __table_args__ = {"schema": "app"}
    id = Column(Integer, primary_key=True)
    title = Column("title_text", String)
    body: Mapped[str]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary = Column(String, name="abstract")
    owner = relationship("User")

metadata = MetaData()
tags = Table("tags", metadata, Column("id", Integer, primary_key=True), Column("label", String), schema="s")
"""
NOTE_COLUMNS = "created_at, id, title_text, body, owner_id, abstract"


def test_sqlalchemy_models():
    note, tags = models_in("app/models.py", SQLALCHEMY_MODELS)
    assert note == ModelInfo(
        name="Note", table="notes", file="app/models.py", line=12, framework="sqlalchemy",
        columns=("created_at", "id", "title_text", "body", "owner_id", "abstract"),
        attributes=(("created_at", "created_at"), ("id", "id"), ("title", "title_text"), ("body", "body"),
                    ("owner_id", "owner_id"), ("summary", "abstract"), ("pk", "id")),
        primary_key=("id",), schema="app",
    )
    assert (tags.name, tags.table, tags.framework, tags.columns, tags.primary_key, tags.schema) == (
        "tags", "tags", "sqlalchemy-core", ("id", "label"), ("id",), "s")


def test_sqlalchemy_inheritance_and_non_models():
    source = """
    class Base(DeclarativeBase): pass
    class Person(Base):
        __tablename__ = "people"
        id = Column(Integer, primary_key=True)
        kind = Column(String)
    class Admin(Person):  # single-table inheritance: same table
        level = Column(Integer)
    class Invoice(Person):  # joined-table inheritance: its own table, its own columns
        __tablename__ = "invoices"
        id = Column(ForeignKey("people.id"), primary_key=True)
    class Mixin:
        flag = Column(Integer)
    class Settings:
        debug = False
    """
    found_models = {m.name: (m.table, m.columns) for m in models_in("m.py", textwrap.dedent(source))}
    assert found_models == {
        "Person": ("people", ("id", "kind")),
        "Admin": ("people", ("id", "kind", "level")),
        "Invoice": ("invoices", ("id",)),
    }


def test_sqlmodel_tables():
    source = """
    from sqlmodel import Field, Relationship, SQLModel, select
    class HeroBase(SQLModel):
        name: str = Field(index=True)
        secret_name: str
    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        team_id: int | None = Field(default=None, foreign_key="team.id")
        power: int = Field(sa_column=Column("power_level", Integer))
        team: Team | None = Relationship(back_populates="heroes")
        registry: ClassVar[dict] = {}
    class HeroCreate(HeroBase):
        pass
    class Team(SQLModel, table=True):
        __tablename__ = "teams"
        id: int = Field(primary_key=True)
    def heroes(session):
        return session.exec(select(Hero).where(Hero.power > 3)).all()
    """
    source = textwrap.dedent(source)
    hero, team = models_in("app/models.py", source)
    assert (hero.name, hero.table, hero.framework, hero.primary_key) == ("Hero", "hero", "sqlmodel", ("id",))
    assert hero.columns == ("name", "secret_name", "id", "team_id", "power_level")
    assert (team.table, team.columns) == ("teams", ("id",))
    (select_query,) = queries(source)
    assert row(select_query) == q(18, "select_star", "hero", "name, secret_name, id, team_id, power_level",
                                  "power_level", "medium")


SQLALCHEMY_CASES = {
    "select(Model) loads every mapped column": (
        "session.execute(select(Note).where(Note.owner_id == 1).order_by(Note.created_at.desc()))",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "owner_id, created_at", "medium")],
    ),
    "select of attributes, joined model, filter on it": (
        "session.execute(select(Note.id, Note.title).join(User, User.id == Note.owner_id).where(User.email == 'x'))",
        [q(1, "select_columns", "notes", "id, title_text", "owner_id", "medium"),
         q(1, "select_columns", None, "", "id, email", "low")],
    ),
    "legacy query API, filter_by, attribute named differently from its column": (
        "session.query(Note).filter(Note.id > 3).filter_by(title='x', summary='y').all()",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "id, title_text, abstract", "medium")],
    ),
    "query(...).update({...}) and .delete()": (
        "session.query(Note).filter(Note.id == 1).update({Note.title: 'y', 'body': 'z'})\n"
        "session.query(Note).filter_by(owner_id=2).delete()",
        [q(1, "update", "notes", "title_text, body", "id", "medium"),
         q(2, "delete", "notes", "", "owner_id", "medium")],
    ),
    "update / delete / insert statements": (
        "session.execute(update(Note).where(Note.id == 1).values(title='z'))\n"
        "session.execute(delete(Note).where(Note.owner_id == 2))\n"
        "session.execute(insert(Note).values([{'title': 'a'}, {'body': 'b'}]))",
        [q(1, "update", "notes", "title_text", "id", "medium"),
         q(2, "delete", "notes", "", "owner_id", "medium"),
         q(3, "insert", "notes", "title_text, body", "", "medium")],
    ),
    "postgresql insert (imported under another name) with on_conflict_do_update": (
        "session.execute(pg_insert(Note).values(id=1, title='t')"
        ".on_conflict_do_update(index_elements=[Note.id], set_={'title': 't'}))",
        [q(1, "upsert", "notes", "id, title_text", "id", "medium")],
    ),
    "session.add of a construction, inline and through a variable; add_all": (
        "session.add(Note(title='a', body='b', owner_id=1))\n"
        "note = Note(title='c')\n"
        "session.add(note)\n"
        "session.add_all([Note(body='d'), Note(owner_id=2)])",
        [q(1, "insert", "notes", "title_text, body, owner_id", "", "medium"),
         q(2, "insert", "notes", "title_text", "", "medium"),
         q(4, "insert", "notes", "body", "", "medium"),
         q(4, "insert", "notes", "owner_id", "", "medium")],
    ),
    "session.get and session.delete of the fetched row": (
        "got = session.get(Note, 5)\nsession.delete(got)",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "id", "medium"),
         q(2, "delete", "notes", "", "id", "medium")],
    ),
    "a statement built in steps": (
        "stmt = select(Note)\nif x:\n    stmt = stmt.where(Note.body == 'x')\nsession.scalars(stmt)",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "body", "medium")],
    ),
    "Flask-SQLAlchemy Model.query": (
        "Note.query.filter_by(title='x').first()",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "title_text", "medium")],
    ),
    "Core table: select columns, insert, update": (
        "session.execute(select(tags.c.label).where(tags.c.id == 3))\n"
        "session.execute(tags.insert().values(label='x'))\n"
        "session.execute(tags.update().where(tags.c.id == 1).values(label='y'))",
        [q(1, "select_columns", "tags", "label", "id", "medium"),
         q(2, "insert", "tags", "label", "", "medium"),
         q(3, "update", "tags", "label", "id", "medium")],
    ),
    "a model defined elsewhere: table unknown, attribute names kept": (
        "session.execute(select(Attachment).where(Attachment.note_id == 1))",
        [q(1, "select_star", None, "", "note_id", "low")],
    ),
    "select(func.count()) takes its model from select_from; with none it is no query": (
        "session.scalar(select(func.count()).select_from(Note).where(Note.owner_id == 1))\n"
        "session.scalar(select(func.now()))",
        [q(1, "select_columns", "notes", "", "owner_id", "medium")],
    ),
    "not ORM: dict.update, set.add (even of a model), enum constants": (
        "settings.update(other)\nseen.add(Note(title='x'))\nsession.execute(select(Note.id).where(Note.title == Status.ACTIVE))",
        [q(3, "select_columns", "notes", "id", "title_text", "medium")],
    ),
}


@pytest.mark.parametrize("code, expected", SQLALCHEMY_CASES.values(), ids=SQLALCHEMY_CASES.keys())
def test_sqlalchemy_queries(code, expected):
    offset = SQLALCHEMY_MODELS.count("\n") + 1  # the models, then `def run`, then `code`
    source = SQLALCHEMY_MODELS + "def run(session, x):\n" + textwrap.indent(code, "    ") + "\n"
    found_queries = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    shifted = [(line + offset, *rest) for line, *rest in expected]
    assert sorted((row(x) for x in found_queries), key=repr) == sorted(shifted, key=repr)


def test_orm_query_notes_and_fields():
    source = SQLALCHEMY_MODELS + "\ndef run(session):\n    session.execute(select(Note))\n    session.execute(select(Tag.name))\n"
    note_query, tag_query = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    assert note_query.note == "model=Note; ORM loads all mapped columns"
    assert (note_query.schema, note_query.language, note_query.sql) == ("app", "python", None)
    assert note_query.snippet == "session.execute(select(Note))"
    assert (tag_query.table, tag_query.columns, tag_query.confidence) == (None, ("name",), Confidence.LOW)
    assert tag_query.note == "model=Tag; model defined in another file"


def test_a_query_on_a_session_bound_at_module_level_starts_at_its_own_line():
    """redash: `db = SQLAlchemyExt(...)` at the top, `db.session.query(Query)` 1,000 lines later:
    the query starts where it is written, not where `db` was bound."""
    source = "db = SQLAlchemy(session_options={})\n" + SQLALCHEMY_MODELS + "\ndef run():\n    return (db.session.query(Note)\n            .filter(Note.title == 'x'))\n"
    (query,) = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    start = source.splitlines().index("    return (db.session.query(Note)") + 1
    assert (query.line, query.end_line) == (start, start + 1)


def test_insert_statement_without_values_has_unknown_columns():
    source = SQLALCHEMY_MODELS + "\ndef run(session, rows):\n    session.execute(insert(Note), rows)\n"
    (insert_query,) = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    assert (insert_query.kind, insert_query.columns_known) == (QueryKind.INSERT, False)


def test_resolve_model_queries_across_files():
    models = {m.name: m for m in models_in("app/models.py", SQLALCHEMY_MODELS)}
    elsewhere = queries("""
        from app.models import Note
        def run(session):
            session.execute(select(Note.title, Note.owner).where(Note.summary == "x"))
            session.add(Note(body="b", owner_id=1))
            session.execute(select(Widget.id))
    """, path="app/repo.py")
    assert all(x.table is None and x.confidence is Confidence.LOW for x in elsewhere)
    resolved = resolve_model_queries(elsewhere, models)
    # `owner` is a relationship, no column: dropped. Widget is no model anywhere: dropped.
    assert sorted(row(x) for x in resolved) == sorted([
        q(4, "select_columns", "notes", "title_text", "abstract", "medium"),
        q(5, "insert", "notes", "body, owner_id", "", "medium"),
    ])
    assert [x.note for x in resolved] == ["model=Note", "model=Note"]
    assert len(resolve_model_queries(elsewhere, models, drop_unknown=False)) == 3
    star = resolve_model_queries(queries("session.execute(select(Note))\n"), models)
    assert star[0].columns == ("created_at", "id", "title_text", "body", "owner_id", "abstract")


# -- Django -----------------------------------------------------------------------------------

DJANGO_MODELS = """
from django.db import models
from django.db.models import F, Q, Count
from django.shortcuts import get_object_or_404

class Stamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    class Meta:
        abstract = True

class Post(Stamped):
    title = models.CharField(max_length=200)
    body = models.TextField(db_column="content")
    author = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    tags = models.ManyToManyField("Tag")
    views = models.IntegerField(default=0)

class Tag(models.Model):
    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=50)
    class Meta:
        db_table = "tags"
"""
POST_COLUMNS = "id, created_at, title, content, author_id, views"
TAG_COLUMNS = "code, name"


def test_django_models():
    post, tag = models_in("blog/models.py", DJANGO_MODELS)
    assert (post.name, post.table, post.framework, post.columns, post.primary_key) == (
        "Post", "blog_post", "django", ("id", "created_at", "title", "content", "author_id", "views"), ("id",))
    assert post.column_for("author") == post.column_for("author_id") == "author_id"
    assert post.column_for("body") == "content" and post.column_for("tags") is None
    assert post.column_for("pk") == "id"
    assert (tag.table, tag.columns, tag.primary_key) == ("tags", ("code", "name"), ("code",))


@pytest.mark.parametrize("path, table", [
    ("blog/models.py", "blog_post"),
    ("src/shop/models/post.py", "shop_post"),
    ("models.py", None),
])
def test_django_default_table_from_app_label(path, table):
    (post,) = models_in(path, "from django.db import models\nclass Post(models.Model):\n    title = models.CharField()\n")
    assert post.table == table


def test_django_custom_user_models_inherit_the_auth_fields():
    source = """
    from django.contrib.auth.models import AbstractUser
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import PermissionsMixin
    class User(AbstractUser):
        email = models.EmailField(db_column="mail")
        tenant = models.ForeignKey("Tenant", on_delete=models.CASCADE)
    class Member(AbstractBaseUser, PermissionsMixin):
        nick = models.CharField(max_length=20)
    """
    user, member = models_in("accounts/models.py", textwrap.dedent(source))
    assert (user.name, user.table, user.framework) == ("User", "accounts_user", "django")
    assert user.column_for("is_staff") == "is_staff" and user.column_for("date_joined") == "date_joined"
    assert user.column_for("email") == "mail" and user.column_for("tenant") == "tenant_id"  # its own fields win
    assert member.table == "accounts_member" and member.column_for("is_superuser") == "is_superuser"
    assert member.column_for("last_login") == "last_login" and member.column_for("is_staff") is None


def test_django_forms_and_serializers_are_not_models():
    source = """
    from django import forms
    class NoteForm(forms.Form):
        title = forms.CharField()
    class NoteSerializer(serializers.Serializer):
        title = serializers.CharField()
    """
    assert models_in("blog/forms.py", textwrap.dedent(source)) == []


DJANGO_CASES = {
    "filter lookups, exclude, order_by": (
        "Post.objects.filter(author__username='x', views__gte=3).exclude(title__icontains='y').order_by('-created_at')",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "author_id, views, title, created_at", "medium")],
    ),
    "values / values_list / only": (
        "Post.objects.values('title', 'author__email')\n"
        "Post.objects.filter(pk=1).values_list('views', flat=True)\n"
        "Post.objects.only('body')",
        [q(1, "select_columns", "blog_post", "title, author_id", "", "medium"),
         q(2, "select_columns", "blog_post", "views", "id", "medium"),
         q(3, "select_columns", "blog_post", "content, id", "", "medium")],
    ),
    "update with F(), create, delete with Q(), count": (
        "Post.objects.filter(pk=1).update(views=F('views') + 1)\n"
        "Post.objects.create(title='t', body='b', author=user)\n"
        "Post.objects.filter(Q(title='a') | Q(body='b')).delete()\n"
        "Post.objects.filter(views__gt=1).count()",
        [q(1, "update", "blog_post", "views", "id, views", "medium"),
         q(2, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(3, "delete", "blog_post", "", "title, content", "medium"),
         q(4, "select_columns", "blog_post", "", "views", "medium")],
    ),
    "get_or_create reads then inserts; custom primary key": (
        "Tag.objects.get_or_create(name='x', defaults={'code': 'X'})",
        [q(1, "select_star", "tags", "code, name", "name", "medium"),
         q(1, "insert", "tags", TAG_COLUMNS, "", "medium")],
    ),
    "bulk_create and bulk_update": (
        "Post.objects.bulk_create([Post(title='a'), Post(title='b', views=2)])\n"
        "Post.objects.bulk_update(posts, ['title', 'views'])",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(2, "update", "blog_post", "title, views", "id", "medium")],
    ),
    "get_object_or_404 then save(update_fields)": (
        "post = get_object_or_404(Post, pk=pk)\npost.title = 'new'\npost.save(update_fields=['title'])",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "id", "medium"),
         q(3, "update", "blog_post", "title", "id", "medium")],
    ),
    "a fetched row saved whole, and deleted": (
        "post = Post.objects.get(pk=1)\npost.views = 0\npost.save()\npost.delete()",
        [q(1, "select_star", "blog_post", POST_COLUMNS, "id", "medium"),
         q(3, "update", "blog_post", POST_COLUMNS, "id", "medium"),
         q(4, "delete", "blog_post", "", "id", "medium")],
    ),
    "Model(...).save() inserts": (
        "Post(title='n', author=user).save()\np = Post(views=1)\np.save()",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),  # every concrete field, given or defaulted
         q(2, "insert", "blog_post", POST_COLUMNS, "", "medium")],
    ),
    "a method of a field of the row is no save; auth's create_user inserts": (
        "image = Post.objects.create(title='t')\nimage.file.save('a.png', data)\n"
        "User.objects.create_user(username='u', email='e')",
        [q(1, "insert", "blog_post", POST_COLUMNS, "", "medium"),
         q(3, "insert", None, "username, email", "", "low")],
    ),
    "a queryset built in steps": (
        "qs = Post.objects.all()\nif request:\n    qs = qs.filter(title__startswith='a')\nreturn qs.values_list('id')",
        [q(1, "select_columns", "blog_post", "id", "title", "medium")],
    ),
    "a model of another file": (
        "Comment.objects.filter(post_id=1, author__name='x')",
        [q(1, "select_star", None, "", "post_id, author", "low")],
    ),
}


@pytest.mark.parametrize("code, expected", DJANGO_CASES.values(), ids=DJANGO_CASES.keys())
def test_django_queries(code, expected):
    offset = DJANGO_MODELS.count("\n") + 1
    source = DJANGO_MODELS + "def view(request, pk, user, posts, data):\n" + textwrap.indent(code, "    ") + "\n"
    found_queries = [x for x in queries(source, path="blog/models.py") if x.extractor == "django"]
    shifted = [(line + offset, *rest) for line, *rest in expected]
    assert sorted(row(x) for x in found_queries) == sorted(shifted)


def test_django_query_resolved_from_another_file():
    models = {m.name: m for m in models_in("blog/models.py", DJANGO_MODELS)}
    views = queries("from blog.models import Post\ndef v():\n    Post.objects.filter(author__email='x').values('body')\n",
                    path="blog/views.py")
    (resolved,) = resolve_model_queries(views, models)
    assert row(resolved) == q(3, "select_columns", "blog_post", "content", "author_id", "medium")


# -- the fixture app --------------------------------------------------------------------------

def _expected_tables() -> dict[str, list[tuple]]:
    """The markdown tables of EXPECTED.md, by section title."""
    tables: dict[str, list[tuple]] = {}
    title = ""
    for line in (FIXTURE_APP / "EXPECTED.md").read_text().splitlines():
        if line.startswith("## "):
            title = line[3:]
        elif line.startswith("| `"):
            location, kind, columns, filters, confidence = [c.strip() for c in line.strip("|").split("|")]
            names = lambda text: () if text == "—" else tuple(n.strip() for n in text.split(","))  # noqa: E731
            tables.setdefault(title, []).append((location.strip("`"), kind, names(columns), names(filters), confidence))
    return tables


def _app_queries() -> list[Query]:
    files = {p.relative_to(FIXTURE_APP).as_posix(): p.read_text() for p in sorted(FIXTURE_APP.rglob("*.py"))}
    models = {model.name: model for rel, text in files.items() for model in models_in(rel, text)}
    found_queries = []
    for rel, text in files.items():
        extraction = extract(rel, text)
        assert extraction.issues == [], rel
        found_queries += resolve_model_queries(extraction.queries, models)
    return found_queries


def _as_row(query: Query) -> tuple:
    return (f"{query.file}:{query.line}", query.kind.value, query.columns, query.filter_columns, query.confidence.value)


def test_fixture_app_queries():
    expected = _expected_tables()
    on_notes = next(rows for title, rows in expected.items() if title.startswith("Queries on `notes`"))
    unresolved = next(rows for title, rows in expected.items() if "variable" in title)
    found_queries = _app_queries()
    # Sorted lists, not sets: a query reported twice must fail the comparison too.
    assert sorted(_as_row(x) for x in found_queries if x.table == "notes") == sorted(on_notes)
    assert sorted(_as_row(x) for x in found_queries if x.table is None) == sorted(unresolved)
    assert len(on_notes) == 26
    assert len({location.split(":")[0] for location, *_ in on_notes}) == 7


def test_fixture_app_models_and_migrations():
    models = models_in("notes_app/models.py", (FIXTURE_APP / "notes_app" / "models.py").read_text())
    assert {m.name: m.table for m in models} == {
        "User": "users", "Note": "notes", "Tag": "tags", "AuditEntry": "audit_log", "note_tags": "note_tags"}
    note = next(m for m in models if m.name == "Note")
    migrations = sorted((FIXTURE_APP / "migrations").glob("*.sql"))
    assert [p.name[:4] for p in migrations] == ["0001", "0002", "0003", "0004", "0005"]
    schema = "\n".join(p.read_text() for p in migrations)
    for column in note.columns:  # every mapped column exists in the migrated schema
        assert re.search(rf"^\s+{column}\s|ADD COLUMN {column}\s", schema, re.MULTILINE), column


def test_sqlalchemy_python_side_defaults_are_written_by_every_insert():
    source = '''from sqlalchemy import Column, String
from sqlalchemy.orm import Mapped, mapped_column


class Base:
    created_by = Column(String, default="system")


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column("state", String(20), default="open")
    note: Mapped[str] = mapped_column(String, server_default="")


def open_ticket(session, title):
    session.add(Ticket(title=title))
'''
    ticket, = [m for m in models_in("app/models.py", source) if m.name == "Ticket"]
    assert ticket.client_defaults == ("created_by", "state")  # server_default: the database's, not written
    insert, = [q for q in resolve_model_queries(extract("app/models.py", source).queries, {"Ticket": ticket}) if q.kind.value == "insert"]
    assert insert.columns == ("title", "created_by", "state")
