"""The cut of a file to the functions holding wanted lines (impact/extract/python/blocks.py)."""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from impact.extract.python.blocks import _outermost_blocks, functions_blanked, functions_holding, parsed_cut
from impact.extract.python.receivers import typed_attributes

SOURCE = textwrap.dedent('''\
    from shop.models import Line

    TOTAL = Line.objects.first()


    class Service:
        @property
        def first(self) -> int:
            line = Line.objects.get(pk=1)
            return line.quantity

        def many(
            self,
            lines: list[Line],
        ) -> int:
            return sum(
                line.quantity for line in lines
            )


    def loose():
        SQL = """
    SELECT quantity FROM line
    """
        line = Line.objects.last()
        return line.quantity
    ''')


def test_only_the_functions_holding_the_lines_are_kept_at_their_own_line_numbers() -> None:
    cut = functions_holding(SOURCE, {10})
    kept = [n for n, row in enumerate(cut.split("\n"), 1) if row.strip()]
    assert kept == [8, 9, 10]  # the method, dedented; the decorator, class and module lines blanked
    module = ast.parse(cut)
    assert module.body[0].lineno == 8 and module.body[0].end_lineno == 10


def test_a_header_and_a_call_closed_on_their_own_lines_stay_in_the_block() -> None:
    cut = functions_holding(SOURCE, {17})
    assert [n for n, row in enumerate(cut.split("\n"), 1) if row.strip()] == list(range(12, 19))
    ast.parse(cut)


def test_a_line_outside_any_function_asks_for_the_whole_file() -> None:
    assert functions_holding(SOURCE, {3}) is None


def test_a_string_at_column_zero_never_changes_the_answer() -> None:
    """The string's lines end the cut block early: the wanted line falls outside (None) or the cut
    does not parse; either way typed_attributes reads the whole file and finds the same."""
    assert functions_holding(SOURCE, {26}) is None
    assert typed_attributes(SOURCE, {"Line"}, lines={26}) == {(26, "quantity"): {"Line"}}


def test_the_cut_types_what_the_whole_file_types() -> None:
    wanted = {10, 17, 26}
    assert typed_attributes(SOURCE, {"Line"}, lines=wanted) == typed_attributes(SOURCE, {"Line"}, lines=None) \
        == {(10, "quantity"): {"Line"}, (17, "quantity"): {"Line"}, (26, "quantity"): {"Line"}}


TRIMMED = textwrap.dedent('''\
    def total(rows: list[Line]) -> int:
        for line in rows:
            count = line.quantity
            other = (
        1)
        after = 2
        return after


    def split(line: Line) -> int:
        size = line.quantity + len("""
        SELECT quantity FROM line
        """)
        return size
    ''')


def test_a_block_ends_before_the_first_statement_of_its_body_after_the_last_wanted_line() -> None:
    cut = functions_holding(TRIMMED, {3})
    assert [n for n, row in enumerate(cut.split("\n"), 1) if row.strip()] == [1, 2, 3, 4]
    untrimmed = functions_holding(TRIMMED, {3}, trim=False)
    assert [n for n, row in enumerate(untrimmed.split("\n"), 1) if row.strip()] == [1, 2, 3, 4, 5, 6, 7]


def test_a_trimmed_cut_that_does_not_parse_falls_back_to_the_untrimmed_one() -> None:
    """Line 5 (`1)`) and line 12 (the string's) sit at the body's indent: the trimmed texts end
    inside a statement and do not parse; the untrimmed cut finds the same as the whole file."""
    for wanted in ({4}, {11}):
        try:
            ast.parse(functions_holding(TRIMMED, wanted))
        except SyntaxError:
            pass
        else:
            raise AssertionError(f"the trimmed cut for {wanted} parses")
    assert typed_attributes(TRIMMED, {"Line"}, lines={3, 11}) \
        == {(3, "quantity"): {"Line"}, (11, "quantity"): {"Line"}} \
        == {k: v for k, v in typed_attributes(TRIMMED, {"Line"}).items() if k[0] in (3, 11)}


def test_a_model_named_only_after_the_trimming_point_is_still_read() -> None:
    """The trimmed cut (line 2) names no model and does not parse; the untrimmed one names `Line`."""
    source = "def rows():\n    counts = [r.quantity\n    for r in Line.objects.all()]\n    return counts\n"
    assert "Line" not in functions_holding(source, {2})
    assert typed_attributes(source, {"Line"}, lines={2}) == {(2, "quantity"): {"Line"}}
    assert typed_attributes(source.replace("Line.objects", "rows"), {"Line"}, lines={2}) == {}


def _blocks_line_by_line(source: list[str]) -> list[tuple[int, int, int]]:
    """The line loop `_outermost_blocks` replaced (issue 13), kept as the reference it must match."""
    blocks: list[tuple[int, int, int]] = []
    open_block: tuple[int, int] | None = None
    last = 0
    for number, row in enumerate(source, 1):
        stripped = row.strip()
        if not stripped or stripped.startswith("#"):
            continue
        closing = stripped.startswith((")", "]", "}"))
        indent = len(row) - len(row.lstrip(" \t"))
        if open_block is not None and not closing and indent <= open_block[1]:
            blocks.append((open_block[0], last, open_block[1]))
            open_block = None
        if open_block is None and re.match(r"[ \t]*(?:async[ \t]+)?def[ \t]", row):
            open_block = (number, indent)
        last = number
    if open_block is not None:
        blocks.append((open_block[0], last, open_block[1]))
    return blocks


EDGES = [
    "", "def", "def f(): pass", "def f():\n  x\n", "x = 1\n", "undef x\n  def  g():\n y\n",
    "  def g():\n\n# c\n)\n  y\nz\n", "def a():\n x\n\f  def b():\n y\n", "def a():\n\tx\n \tdef b():\n  y\n",
    "x\r\ndef a():\r\n  b\r\n\r\nc\r\n", "async  def a():\n    b\n  # c\n\n  ]\nasync\tdef b():\n  c",
    "class C:\n    def a(self):\n        pass\n    x = '''\ndef fake():\n'''\n    def b(self): return 1\n",
    "def a():\n    s = 'def b():'\n    return s\n\u2028def c():\n  d\n\x0c\ndef e():\n  f\n   # end",
]


def test_the_blocks_are_those_of_the_line_loop() -> None:
    """On edge texts and every Python file of this repository (tests, fixtures, code)."""
    root = Path(__file__).resolve().parent.parent
    texts = EDGES + [p.read_text(encoding="utf-8", errors="surrogateescape")
                     for folder in ("impact", "tests", "fixtures", "bench") for p in sorted((root / folder).rglob("*.py"))]
    assert len(texts) > 300
    for text in texts:
        source = text.split("\n")
        assert _outermost_blocks(text, source) == _blocks_line_by_line(source), text[:200]


def test_functions_holding_no_line_are_blanked_at_their_own_line_numbers() -> None:
    """late_parses.parse_late: `first` holds line 10; `many`'s body is blanked (its first and last
    line kept, as `def _():` and `pass`); `loose` is kept, its block having ended inside a string
    (an odd number of triple quotes)."""
    blanked = functions_blanked(SOURCE, {10})
    rows, source = blanked.split("\n"), SOURCE.split("\n")
    assert len(rows) == len(source)
    assert rows[:11] == source[:11] and rows[18:] == source[18:]  # module code, `first`, `loose`
    assert rows[11:18] == ["    def _():"] + [""] * 5 + ["     pass"]
    service = ast.parse(blanked).body[2]
    assert [(f.lineno, f.end_lineno) for f in service.body] == [(8, 10), (12, 18)]  # as in the file
    assert (service.lineno, service.end_lineno) == (6, 18)
    assert functions_blanked(SOURCE, {10, 3}) is None  # line 3 is module code
    assert functions_blanked(SOURCE, {10, 17, 22}) == SOURCE
    assert functions_blanked(SOURCE, {26}) is None  # `loose` seems to end at the string: line 26 is outside it
    assert functions_blanked("def f():\r    return x\n", {1}) is None  # a line break the parser counts otherwise


def test_a_function_naming_no_model_is_left_out_of_the_cut() -> None:
    """Its rows could only come from a model class it spells: it types nothing, so it is not parsed."""
    source = SOURCE + "\n\ndef plain(line):\n    return line.quantity\n"
    assert functions_holding(source, {10, 30}).split("\n")[29] == "    return line.quantity"
    assert functions_holding(source, {10, 30}, models={"Line"}).split("\n")[28:30] == ["", ""]
    assert [f.name for f in parsed_cut(source, {10, 30}, {"Line"}).body] == ["first"]
    assert parsed_cut(source, {30}, {"Line"}).body == []
    assert typed_attributes(source, {"Line"}, lines={10, 30}) == {(10, "quantity"): {"Line"}}


def test_what_keeps_a_function_whole_is_found_as_the_pattern_finds_it() -> None:
    # blocks._keeps finds _KEEP's class statement and backslash-continued line from literals (issue 13, s12speed)
    from impact.extract.python.blocks import _KEEP, _keeps

    bodies = ["def f():\n    class A:\n        pass", "def f():\n\tclass\tA: pass", "def f():\n    x = A.__class__",
              "def f():\n    return classes", "def f():\n    x = 1 + \\\n        2", "def f():\n    s = 'a\\\\'", "def f(): \\",
              "class A: pass", "def f():\n    klass = 1", "def f():\n    # class Foo\n    pass", "def f():\n  classA = 1", ""]
    for body in bodies:
        assert _keeps(body) is (_KEEP.search(body) is not None), body
