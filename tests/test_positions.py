"""The windowed table-position test (impact/positions.py) answers as the whole-file pattern does."""
from __future__ import annotations

import pytest

from impact.positions import DYNAMIC_TABLE, query_position_pattern
from impact.files import walk
from impact.source_text import read_source
from impact.positions import WINDOW, TablePositions
from tests.conftest import FIXTURES

TABLES = [["users"], ["conversations", "messages"], ["items"], ["profiles"], ["orders", "order_items"],
          ["listen"], ["user"], ["traces"], ["posts"], ["accounts"]]


def _both(tables: list[str], orm_calls: str | None = None) -> tuple:
    full = query_position_pattern(tables, orm_calls)
    return full, TablePositions(tables, full, DYNAMIC_TABLE, orm_calls)


def test_every_fixture_file_gets_the_whole_file_patterns_answer() -> None:
    files, _ = walk(FIXTURES, suffixes={".py", ".ts", ".tsx", ".js", ".sql", ".prisma"})
    texts = [t for t in (read_source(f) for f in files) if isinstance(t, str)]
    assert len(texts) > 100
    checked = found = 0
    for tables in TABLES:
        full, windowed = _both(tables)
        for text in texts:
            expected = full.search(text) is not None
            assert windowed.search(text) == expected, (tables, text[:200])
            checked += 1
            found += expected
    assert 0 < found < checked  # both answers occur


@pytest.mark.parametrize("text", [
    'cur.execute("SELECT * FROM Users WHERE id = 1")', "q = `update public.users set a = 1`",
    "supabase.from('users').select()", "x = 'users_archive'", "SELECT 1 FROM users_archive",
    "db.from(tableName).select()", "sql = f'SELECT a FROM {t}'", 'q = "DELETE FROM " + t',
    "INSERT INTO %s VALUES (1)", "const t = users", "from users import x", "İİİ FROM users", "İ users",
    "prisma.user.findMany()",
])
def test_small_cases_agree(text: str) -> None:
    full, windowed = _both(["users"], r"\.\s*(?:user)\s*\.")
    assert windowed.search(text) == (full.search(text) is not None)


@pytest.mark.xfail(strict=True, reason="known limit: a keyword more than WINDOW characters before the name is not seen")
def test_a_keyword_far_before_the_name() -> None:
    text = "SELECT a FROM" + " " * (WINDOW + 10) + "users"
    full, windowed = _both(["users"])
    assert full.search(text) and windowed.search(text)
