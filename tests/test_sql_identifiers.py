"""impact.sql.identifiers: names written back into SQL as PostgreSQL reads them."""
from __future__ import annotations

import pytest
from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

from impact.sql.identifiers import MUST_QUOTE, qualified, quote


def test_the_written_out_keywords_are_pglasts() -> None:
    assert MUST_QUOTE == RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS


@pytest.mark.parametrize("name, written", [
    ("items", "items"), ("group", '"group"'), ("order", '"order"'), ("User", '"User"'), ("isAdmin", '"isAdmin"'),
    ("with space", '"with space"'), ('q"uote', '"q""uote"'), ("name", "name"), ("_x$1", "_x$1"), ("1st", '"1st"'),
])
def test_quote(name: str, written: str) -> None:
    assert quote(name) == written


def test_qualified_leaves_public_implicit() -> None:
    assert qualified("User", "public") == '"User"'
    assert qualified("group", "auth") == 'auth."group"'
    assert qualified("t", None) == "t"
