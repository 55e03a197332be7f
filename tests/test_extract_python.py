"""The Python extractor: SQL in strings (literals, f-strings, concatenations, constants, call sites).

Most cases are data: a source snippet and the queries expected from it, each as
(line, kind, table, columns, filter_columns, confidence).
"""
from __future__ import annotations


import pytest

from impact.extract import python as python_extractor
from impact.extract.python import extract, models_in
from impact.model import Confidence, QueryKind
from tests.python_extraction import found, q, queries


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
