"""The typed-receiver pass's textual look before a parse (impact/extract/python/row_flow.py) says
"maybe" wherever the walker types a wanted line: on texts written to reach each branch, and on every
function of this repository's Python files (their capitalised names taken as model classes)."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from impact.extract.python.blocks import _outermost_blocks, functions_holding, parsed_cut
from impact.extract.python.receivers import typed_attributes
from impact.extract.python.row_flow import followed, may_type

ROOT = Path(__file__).resolve().parent.parent
MODELS = frozenset({"Line", "Order"})


def _rows(source: str) -> list[str]:
    return textwrap.dedent(source).split("\n")


def _wanted(rows: list[str], key: str) -> dict[int, set[str]]:
    name = key.lstrip("=")
    return {index: {key} for index, row in enumerate(rows) if index and re.search(rf"(?<!\w){name}(?!\w)", row)}


@pytest.mark.parametrize("source, key, expected", [
    ("def f(x):\n    line = Line.objects.get()\n    return line.quantity", "quantity", True),
    ("def f(line):\n    return line.quantity", "quantity", False),  # nothing spells a model class
    ("def f(x: 'Line'):\n    return x.quantity", "quantity", True),  # an annotation
    ("def f(x):\n    y = Line.objects.all()\n    line = x.first()\n    return line.quantity", "quantity", False),
    ("def f(x):\n    rows = Line.objects.all()\n    for line in rows:\n        print(line.quantity)", "quantity", True),
    ("def f(x):\n    rows = Line.objects.all()\n    return [r.quantity for r in\n        rows]", "quantity", True),
    ("def f(x):\n    order = Order.objects.get()\n    line = order.lines.first()\n    return line.quantity", "quantity", True),
    ("def f(x):\n    line = (\n        Line.objects.get()\n    )\n    return line.quantity", "quantity", True),
    ("def f(x):\n    rows = Line.objects.all()\n    line = list(\n        rows)[0]\n    return line.quantity", "quantity", True),
    ("def f(x):\n    s = select(Line)\n    line = session.scalars(s).first()\n    return line.quantity", "quantity", True),
    ("def f(x):\n    y = Line.objects.all()\n    return helper(x).quantity", "quantity", True),  # not a dotted chain: maybe
    ("def f(x):\n    y = Line.objects.all()\n    return (x\n        .quantity)", "quantity", True),  # `.` on the line before
    ("def f(x):\n    return Line(quantity=1)", "=quantity", True),
    ("def f(x):\n    Line.objects.all()\n    return g(quantity=1)", "=quantity", False),  # no model class called
    ("def f(x):\n    if (line := Line.objects.first()):\n        return line.quantity", "quantity", True),
    ("def f(x):\n    line = x = '''\n)'''; Line\n    return line.quantity", "quantity", True),  # extent unsure: maybe
    ("def f(x: Line):\n    line = x.helper()\n    return line.quantity", "quantity", False),  # not a relation nor a row method
    ("def f(x: Line):\n    line = x.parent\n    return line.quantity", "quantity", True),  # `follow`: a relation
    ("def f(x):\n    Line.objects.all()\n    g(a,\n      quantity)", "quantity", False),  # opens its line, no dot before
    ("def f(x):\n    line = Line()\n    g(line.\n      quantity)", "quantity", True),  # the dot closes the line before
])
def test_may_type_says_maybe_where_a_binding_can_type_the_receiver(source, key, expected) -> None:
    rows = _rows(source)
    assert may_type(rows, _wanted(rows, key), MODELS, followed({("Line", "parent"): ("row", "Line"), ("Order", "lines"): ("rows", "Line")})) is expected


@pytest.mark.xfail(reason="known limit: a value continued on a line indented no deeper, after a closing bracket in a string, is cut short", strict=True)
def test_a_value_continued_on_a_dedented_line_after_a_bracket_in_a_string() -> None:
    rows = _rows("def f(x):\n    line = g(')',\n    Line.objects.get())\n    return line.quantity")
    assert may_type(rows, {3: {"quantity"}}, MODELS)


def test_a_function_no_wanted_receiver_can_reach_is_not_parsed() -> None:
    source = "def f(line):\n    Line.objects.all()\n    return line.quantity\n\ndef g():\n    line = Line()\n    return line.quantity\n"
    cut = functions_holding(source, {3, 7}, False, MODELS, {3: {"quantity"}, 7: {"quantity"}})
    assert cut.split("\n")[:3] == ["", "", ""] and "line.quantity" in cut.split("\n")[6]
    assert typed_attributes(source, MODELS, lines={3, 7}, keys={3: {"quantity"}, 7: {"quantity"}}) == {(7, "quantity"): {"Line"}}


def _capitalised(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"(?<![\w.])[A-Z]\w*", text))


def test_every_function_the_walker_types_is_a_maybe_on_this_repository() -> None:
    checked = typed = 0
    for path in sorted((ROOT / "impact").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "fixtures").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        models = _capitalised(text)
        source = text.split("\n")
        for start, end, _ in _outermost_blocks(text, source):
            lines = set(range(start + 1, end + 1))
            module = parsed_cut(text, lines, models)
            if module is None:
                continue
            found = typed_attributes(text, models, lines=lines)
            checked += 1
            for (line, key), _classes in found.items():
                typed += 1
                assert may_type(source[start - 1:end], {line - start: {key}}, models, followed({})), (path, line, key)
    assert checked > 1000 and typed > 50
