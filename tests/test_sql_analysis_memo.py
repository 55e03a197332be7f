"""sqlglot's analysis of one SQL text is done once per process and shared (impact.sql.queries._analysis)."""
from __future__ import annotations

from impact.model import QueryKind
from impact.sql.queries import _analysis, queries_from_sql


def _queries(sql: str, line: int):
    return queries_from_sql(sql, file="a.py", line=line, language="python", extractor="python-sql")


def test_the_same_sql_at_two_places_is_analysed_once_with_the_same_result() -> None:
    sql = "SELECT id, title FROM memo_notes WHERE owner_id = %s"
    hits = _analysis.cache_info().hits
    first, second = _queries(sql, 3), _queries(sql, 9)
    assert _analysis.cache_info().hits == hits + 1
    assert [(q.line, q.table, q.kind, q.columns, q.filter_columns) for q in first + second] == [
        (3, "memo_notes", QueryKind.SELECT_COLUMNS, ("id", "title"), ("owner_id",)),
        (9, "memo_notes", QueryKind.SELECT_COLUMNS, ("id", "title"), ("owner_id",)),
    ]


def test_a_retried_analysis_keeps_its_note_when_served_again() -> None:
    sql = "UPDATE memo_notes SET impact_hole_0 WHERE id = %s"  # parses only once the hole is removed
    first, second = _queries(sql, 1), _queries(sql, 2)
    assert first[0].note == second[0].note != ""
    assert (first[0].table, first[0].columns_known) == (second[0].table, second[0].columns_known) == ("memo_notes", False)
