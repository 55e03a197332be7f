"""PostgREST's small languages (impact.extract.postgrest), shared by supabase-py and supabase-js."""
from __future__ import annotations

import pytest

from impact.extract.postgrest import (
    column_list, condition_sql, filter_target, is_filter, parse_or, parse_select, split_top_level,
)
from impact.sql.identifiers import quote


def shape(select) -> tuple:
    """(star, columns, complete, [(table, alias, nested shape)]) of a parsed select list."""
    return (select.star, select.columns, select.complete,
            [(e.table, e.alias, shape(e.select)) for e in select.embeds])


def leaf(*columns: str, star: bool = False, complete: bool = True) -> tuple:
    return (star, list(columns), complete, [])


SELECT_CASES = {
    "star": ("*", leaf(star=True)),
    "empty": ("", leaf()),
    "plain columns, spaces and newlines": ("id,  title ,\n body", leaf("id", "title", "body")),
    "alias, cast and JSON path": ("id, a:b::text, c->>d, e->f->>g::int", leaf("id", "b", "c", "e")),
    "quoted names keep dots, colons and commas": ('"a.b", x:"c:d", "e,f"', leaf("a.b", "c:d", "e,f")),
    "dashed alias": ("my-alias:col", leaf("col")),
    "duplicates kept once": ("id, id, x:id", leaf("id")),
    # PostgREST answers `count` / `count()` with a number of rows; `amount.sum()` reads amount.
    "aggregates": ("count, count(), total.sum(), n:amount.avg()::int, data->x::numeric.max()",
                   leaf("total", "amount", "data")),
    # Only `count()` stands without a column: bare `sum`, `max` are ordinary column names.
    "aggregate names as columns": ("sum, max, min", leaf("sum", "max", "min")),
    "aggregate with output cast": ("amount.sum()::int, count()::text", leaf("amount")),
    "quoted count is a column": ('"count"', leaf("count")),
    "embedded resource": ("id, messages(id, body)", (False, ["id"], True, [("messages", None, leaf("id", "body"))])),
    "alias, hint and join type": ("author:users!author_id!inner(email)",
                                  (False, [], True, [("users", "author", leaf("email"))])),
    "spread embedding": ("id, ...profiles(name)", (False, ["id"], True, [("profiles", None, leaf("name"))])),
    "nested embeds, counted embeds": ("*, a(b(*), c(count))",
                                      (True, [], True, [("a", None, (False, [], True, [
                                          ("b", None, leaf(star=True)), ("c", None, leaf())]))])),
    # `rel!inner()`: filter on the relation without embedding any of its columns.
    "embed with empty list": ("id, film_category!inner()",
                              (False, ["id"], True, [("film_category", None, leaf())])),
    "the TS extractor's original example": (
        "id, a:b::text, c->>d, e!inner(f, g(h)), count, total.sum(), *",
        (True, ["id", "b", "c", "total"], True,
         [("e", None, (False, ["f"], True, [("g", None, leaf("h"))]))])),
    "interpolated column": ("id, impact_hole_0", leaf("id", complete=False)),
    "interpolation glued to a name": ("id, impact_hole_0_at", leaf("id", complete=False)),
    "interpolated embed": ("id, impact_hole_1(x)", leaf("id", complete=False)),
    "unclosed parenthesis: nothing made up": ("id, a(b, c", leaf("id")),
}


@pytest.mark.parametrize("text, expected", SELECT_CASES.values(), ids=SELECT_CASES.keys())
def test_parse_select(text, expected):
    assert shape(parse_select(text)) == expected


def test_embed_offsets_point_at_the_table_name_in_the_original_text():
    source = 'q.select(`\n  id,\n  author:users!fk(\n    email,\n    ...teams(name)\n  )\n`)'
    start, end = source.index("`") + 1, source.rindex("`")
    select = parse_select(source, start, end)
    users, teams = select.all_embeds()
    assert (source[users.offset:users.offset + 5], source[teams.offset:teams.offset + 5]) == ("users", "teams")
    assert source[:users.offset].count("\n") == 2 and source[:teams.offset].count("\n") == 4
    assert users.answers_to("author") and users.answers_to("users") and not users.answers_to("teams")


def test_all_embeds_in_source_order():
    select = parse_select("a(b(c(x)), d(y)), e(f)")
    assert [e.table for e in select.all_embeds()] == ["a", "b", "c", "d", "e"]


SPLIT_CASES = {
    "plain": ("a,b", [(0, "a"), (2, "b")]),
    "parentheses": ("a(b,c),d", [(0, "a(b,c)"), (7, "d")]),
    "array braces": ("tags.cs.{a,b},x.eq.1", [(0, "tags.cs.{a,b}"), (14, "x.eq.1")]),
    "quotes with an escaped quote": ('n.eq."a\\",b",c', [(0, 'n.eq."a\\",b"'), (13, "c")]),
    "stray closing bracket": ("a),b", [(0, "a)"), (3, "b")]),
}


@pytest.mark.parametrize("text, expected", SPLIT_CASES.values(), ids=SPLIT_CASES.keys())
def test_split_top_level(text, expected):
    assert split_top_level(text) == expected


OR_CASES = {
    "flattened groups, negation, JSON path": (
        "a.eq.1,or(b.gt.2,and(c.is.null,d.not.in.(1,2))),e->>f.eq.x",
        [("a", "eq", False), ("b", "gt", False), ("c", "is", False), ("d", "in", True), ("e", "eq", False)]),
    "negated group": ("not.and(a.eq.1,b.eq.2)", [("a", "eq", False), ("b", "eq", False)]),
    "comma and dots inside a quoted value": ('title.eq."x,y.eq.z",id.gt.1', [("title", "eq", False), ("id", "gt", False)]),
    "array value": ("tags.ov.{a,b},id.eq.1", [("tags", "ov", False), ("id", "eq", False)]),
    "operator modifiers": ("tsv.fts(english).cat,id.eq(any).{1,2}", [("tsv", "fts(english)", False), ("id", "eq(any)", False)]),
    "decimal value": ("score.gte.3.5", [("score", "gte", False)]),
    "quoted column with a dot": ('"a.b".eq.1', [("a.b", "eq", False)]),
    "upper-case operator and spaces": (" a.EQ.1 , b.is.NULL", [("a", "eq", False), ("b", "is", False)]),
    "interpolated column and junk skipped": ("impact_hole_0.eq.1,nonsense,,b.eq.2", [("b", "eq", False)]),
}


@pytest.mark.parametrize("text, expected", OR_CASES.values(), ids=OR_CASES.keys())
def test_parse_or(text, expected):
    assert [(t.column, t.operator, t.negated) for t in parse_or(text)] == expected


FILTER_TARGETS = {
    "messages.role": ("messages", "role"),
    "meta->>kind": (None, "meta"),
    "a.b->>c.d": ("a", "b"),
    "a.b.c": ("a.b", "c"),
    "x::text": (None, "x"),
    ' "Mixed Case" ': (None, "Mixed Case"),
}


@pytest.mark.parametrize("key, expected", FILTER_TARGETS.items(), ids=FILTER_TARGETS.keys())
def test_filter_target(key, expected):
    assert filter_target(key) == expected


CONDITIONS = {
    # PostgREST abbreviations, supabase-js method names, supabase-py method names: one table.
    "eq": "c = $1", "neq": "c <> $1", "gte": "c >= $1", "in": "c = ANY($1)", "in_": "c = ANY($1)",
    "is": "c IS NULL", "is_": "c IS NULL", "is_:true": "c IS TRUE", "is:false": "c IS FALSE",
    "isDistinct": "c IS DISTINCT FROM $1", "match": "c ~ $1", "imatch": "c ~* $1",
    "cs": "c @> $1", "contains": "c @> $1", "containedBy": "c <@ $1", "contained_by": "c <@ $1",
    "overlaps": "c && $1", "rangeGt": "c >> $1", "range_lt": "c << $1", "rangeGte": "c &> $1",
    "range_lte": "c &< $1", "rangeAdjacent": "c -|- $1", "adj": "c -|- $1",
    "textSearch": "c @@ to_tsquery($1)", "text_search": "c @@ to_tsquery($1)", "fts(english)": "c @@ to_tsquery($1)",
    "plfts": "c @@ plainto_tsquery($1)", "phfts": "c @@ phraseto_tsquery($1)", "wfts": "c @@ websearch_to_tsquery($1)",
    "likeAllOf": "c LIKE ALL($1)", "like_any_of": "c LIKE ANY($1)", "ilikeAllOf": "c ILIKE ALL($1)",
    "like(all)": "c LIKE ALL($1)", "eq(any)": "c = ANY($1)",
    "execute": None, "single": None, "order": None, "select": None,
}


@pytest.mark.parametrize("operator, expected", CONDITIONS.items(), ids=CONDITIONS.keys())
def test_condition_sql(operator, expected):
    count = iter(range(1, 10))
    assert condition_sql(operator, "c", lambda: f"${next(count)}") == expected
    assert is_filter(operator) is (expected is not None)


def test_condition_without_parameter_takes_none():
    taken = []
    assert condition_sql("is", "c", lambda: taken.append(1) or "$1") == "c IS NULL" and taken == []


QUOTES = {"title": "title", "user_id": "user_id", "a$b": "a$b", "userId": '"userId"', "order": '"order"',
          "left": '"left"', "user": '"user"', "my col": '"my col"', 'x"y': '"x""y"', "1abc": '"1abc"'}


@pytest.mark.parametrize("name, expected", QUOTES.items(), ids=QUOTES.keys())
def test_quote(name, expected):
    assert quote(name) == expected


def test_column_list():
    assert column_list(' a, "b" ,,c ') == ["a", "b", "c"]
