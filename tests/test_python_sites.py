"""Whether a line can hold an attribute read or a keyword ending there (impact/extract/python/sites.py)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from impact.extract.python.receivers import typed_attributes
from impact.extract.python.sites import lines_of, may_hold

SOURCE = textwrap.dedent('''\
    class Fields(InputObjectType):
        quantity = graphene.Int(
            required=True)
        total = line.quantity
        split = (line.
                 quantity)
        built = Line(
            quantity=1, other=2)
        spaced = Line(a=1,

                      quantity=2)
        commented = foo(a  # a comment
                        .quantity)
        quantity: int
        text = "quantity"
    ''')


@pytest.mark.parametrize(("line", "key", "expected"), [
    (2, "quantity", False), (2, "=quantity", False),  # an assignment's target, not an attribute nor a keyword
    (4, "quantity", True), (6, "quantity", True),  # `.` on the line, `.` ending the line before
    (8, "=quantity", True), (8, "quantity", False), (11, "=quantity", True),  # `(` ... blank line ... keyword
    (13, "quantity", True),  # a comment on the line before: maybe
    (14, "quantity", False), (15, "quantity", False),  # an annotated name, a name in a string after `"`
])
def test_a_line_holds_an_attribute_or_keyword_only_after_its_token(line: int, key: str, expected: bool) -> None:
    assert may_hold(lines_of(SOURCE), line, key) is expected


def test_every_line_said_to_hold_nothing_holds_nothing_when_parsed() -> None:
    """The parse's answer on every line, for every key: a "no" is never wrong."""
    assert typed_attributes(SOURCE, {"Line"}).keys() <= _attributes(SOURCE)
    for line, name in _attributes(SOURCE):
        assert may_hold(lines_of(SOURCE), line, name), (line, name)


def _attributes(text: str) -> set[tuple[int, str]]:
    """Every attribute name and keyword in the text, at the line the typed-receiver pass records it."""
    tree = ast.parse(text)
    return {(n.end_lineno, n.attr) for n in ast.walk(tree) if isinstance(n, ast.Attribute)} \
        | {(n.lineno, "=" + n.arg) for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg}


def test_a_line_break_the_parser_counts_otherwise_reads_every_line() -> None:
    assert lines_of("a = 1\r\nb = 2\n") is None and lines_of("a = 1\x0cb\n") is None
    assert lines_of("a = 1\nb = 2") == ["a = 1", "b = 2"]
