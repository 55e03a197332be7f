"""The Python extractor: supabase-py query chains."""
from __future__ import annotations

import re
import textwrap

import pglast
import pytest

from impact.model import Confidence, Query, QueryKind
from tests.python_extraction import found, q, queries


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
