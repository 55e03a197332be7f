"""A changed column's name in a Python docstring is prose: counted, never attributed to a table
(pretalx's `:param position: Helper field…` was listed under IMP204 as a use of reviewphase.position).
A triple-quoted SQL string is not a docstring."""
from __future__ import annotations

from pathlib import Path

from impact.extract.references import docstring_lines
from impact.pipeline import scan
from tests.conftest import make_repo

CODE = '''"""Phases; each has a position."""
from app.db import cursor


def reorder(phases):
    """Sort the phases.

    :param position: where the phase goes
    """
    cursor.execute("""
        SELECT id, position FROM phases ORDER BY position
    """)
    rows = {"position": 1}
    return rows


class Phase:
    \'\'\'A phase: position tells the order.\'\'\'

    QUERY = """SELECT position FROM phases"""
'''


def test_docstring_lines_are_those_after_a_header_or_at_the_top() -> None:
    assert docstring_lines(CODE) == frozenset({1, 6, 7, 8, 9, 18})


def test_a_docstring_naming_the_column_is_text_and_sql_keeps_its_table(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": "CREATE TABLE phases (id int PRIMARY KEY, position int);\n",
                                "migrations/0002_drop.sql": "ALTER TABLE phases DROP COLUMN position;\n", "app/phases.py": CODE})
    result = scan(repo, "2", use_cache=False)
    by_line = {r.line: r for r in result.references if r.file == "app/phases.py"}
    assert {by_line[n].context for n in (1, 8, 18)} == {"text"} and all(by_line[n].table is None for n in (1, 8, 18))
    assert by_line[11].table == "phases" and by_line[20].table == "phases"  # the SQL strings
    evidence = {e.line for f in result.findings for e in f.evidence if e.file == "app/phases.py"}
    assert evidence.isdisjoint({1, 8, 18}) and {10, 20} <= evidence  # a query is cited at its first line
