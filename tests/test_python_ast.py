"""The Python extractor reads the standard `ast` tree (it used libcst until issue 13): its lines
are libcst's, the hot path imports no libcst, and where the two trees differ the difference is
pinned here."""
from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from impact.extract.python import extract, models_in
from impact.extract.python.tree import iter_nodes

REPO = Path(__file__).resolve().parent.parent
SPAN_SOURCES = sorted((REPO / "fixtures").rglob("*.py")) + sorted((REPO / "impact" / "extract" / "python").glob("*.py"))

SPAN_EDGE_CASES = """\
x = (
    "SELECT 1"
)
y = f'''a
{x!r:>{10}}
b''' + \\
    'c'
z = [*(
  a), b]
def f(a=("x"
         "y"), *args, **kw) -> "T":
    return (yield
            (a))
match x:
    case 1 | "s": pass
    case {"k": (v)}: pass
lam = lambda q=(
  1): q
w = x if (
  y) else z\r
s = '''\r
'''\r
q = (db
     .table("t")
     .select("a"))
"""


def _libcst_lines(source: str) -> Counter:
    """(kind, first line, last line) of every call, attribute and plain string, as libcst sees them."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    positions = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).resolve(PositionProvider)
    kinds = (cst.Call, cst.Attribute, cst.SimpleString)
    return Counter((type(n).__name__, p.start.line, p.end.line) for n, p in positions.items() if isinstance(n, kinds))


def _ast_lines(source: str) -> Counter:
    names = {ast.Call: "Call", ast.Attribute: "Attribute"}
    lines: Counter = Counter()
    for node in iter_nodes(ast.parse(source)):
        if type(node) is ast.Constant and type(node.value) in (str, bytes):
            lines[("SimpleString", node.lineno, node.end_lineno)] += 1
        elif type(node) in names:
            lines[(names[type(node)], node.lineno, node.end_lineno)] += 1
    return lines


def _comparable(lines: Counter, source: str, strings: bool) -> Counter:
    """Leave out what the two trees model differently: whatever sits on an f-string's lines
    (libcst has no SimpleString in it; ast's parts share the f-string's place on 3.11), import
    statements (a dotted module is an Attribute for libcst, a string for ast) and, when the file
    has implicit concatenations (one ast constant, several libcst strings), the strings."""
    kinds = (ast.JoinedStr, ast.Import, ast.ImportFrom)
    apart = [(n.lineno, n.end_lineno) for n in ast.walk(ast.parse(source)) if type(n) in kinds]
    return Counter({key: count for key, count in lines.items()
                    if (strings or key[0] != "SimpleString")
                    and not any(first <= key[2] and key[1] <= last for first, last in apart)})


@pytest.mark.parametrize("path", SPAN_SOURCES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_ast_lines_are_libcst_lines(path: Path) -> None:
    """The lines every query reports come from `ast` nodes; libcst (the previous tree) gives
    every call, attribute and string literal the same first and last line."""
    source = path.read_text()
    expected, found = _libcst_lines(source), _ast_lines(source)
    strings = _comparable(expected, source, True) == _comparable(found, source, True)
    assert _comparable(found, source, strings)
    assert _comparable(found, source, strings) == _comparable(expected, source, strings)


def test_ast_lines_on_edge_cases() -> None:
    found = _comparable(_ast_lines(SPAN_EDGE_CASES), SPAN_EDGE_CASES, True)
    expected = _comparable(_libcst_lines(SPAN_EDGE_CASES), SPAN_EDGE_CASES, True)
    assert found[("Call", 23, 25)] == found[("Attribute", 23, 24)] == 1  # (db\n .table("t")\n .select("a"))
    # `("x"\n "y")` is one constant on lines 10-11 for ast, two one-line strings for libcst.
    assert expected - found == Counter({("SimpleString", 10, 10): 1, ("SimpleString", 11, 11): 1})
    assert found - expected == Counter({("SimpleString", 10, 11): 1})


def test_children_are_in_source_order() -> None:
    tree = ast.parse('@deco\ndef f(): return {"k1": a, "k2": b} if c else d\n')
    order = [n.id if type(n) is ast.Name else n.value for n in iter_nodes(tree)
             if type(n) is ast.Name or (type(n) is ast.Constant and type(n.value) is str)]
    assert order == ["deco", "k1", "a", "k2", "b", "c", "d"]


def test_extracting_plain_python_imports_no_libcst() -> None:
    """The hot path is `ast` only: libcst takes ~1 s to import and 7-9x `ast`'s time to parse."""
    script = ("import sys\n"
              "from impact.extraction_jobs import _extract\n"
              "result = _extract(('app/db.py', 'def f(cur):\\n    cur.execute(\"SELECT id FROM notes\")\\n'))\n"
              "assert [q.table for q in result.queries] == ['notes'], result\n"
              "print('libcst' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert run.stdout.strip() == "False"


def test_query_lines_of_a_chain_split_over_lines() -> None:
    source = 'rows = (supabase\n    .table("notes")\n    .select("id, title")\n    .execute())\n'
    (query,) = extract("app.py", source).queries
    assert (query.table, query.line, query.end_line) == ("notes", 2, 4)


def test_implicit_concatenation_is_one_literal_now() -> None:
    """libcst read `"no" "tes"` as two strings, and a model's `__tablename__` had to be one
    simple string; `ast` joins them as Python does, so the table is known. (No test pinned the
    old answer: it was a blind spot, not a decision.)"""
    source = 'class Note(Base):\n    __tablename__ = ("no"\n                     "tes")\n    id = Column(Integer, primary_key=True)\n'
    (model,) = models_in("models.py", source)
    assert (model.table, model.columns) == ("notes", ("id",))


def test_embed_line_of_a_concatenated_select_is_the_table_line() -> None:
    """An embedded resource in a concatenated select string keeps the `.table()` line (libcst's
    answer: the pieces' own lines are not in the `ast` tree); a single literal gives its line."""
    source = ('supabase.table("notes").select(\n    "id, "\n    "author:users(name)"\n).execute()\n'
              'supabase.table("notes").select("""id,\n    author:users(name)""").execute()\n')
    embeds = [q for q in extract("app.py", source).queries if q.table == "users"]
    assert [q.line for q in embeds] == [1, 6]


@pytest.mark.xfail(sys.version_info < (3, 12), strict=True,
                   reason="known limit: `ast` parses with the running Python's grammar; 3.12 syntax is an error on 3.11")
def test_syntax_newer_than_the_interpreter_is_read() -> None:
    source = 'type Rows = list[int]\ndef f(cur):\n    cur.execute(f"SELECT {", ".join(cols)} FROM notes")\n'
    result = extract("app.py", source)
    assert not result.issues
    assert [q.table for q in result.queries] == ["notes"]


def test_syntax_error_names_pythons_line() -> None:
    (issue,) = extract("bad.py", "x = 1\ndef f(:\n    pass\n").issues
    assert issue.reason.startswith("Python syntax error at line 2:")


def test_the_garbage_collector_is_paused_per_file_and_restored() -> None:
    import gc

    source = 'def f(cur):\n    cur.execute("SELECT id FROM notes")\n'
    assert gc.isenabled()
    assert [q.table for q in extract("a.py", source).queries] == ["notes"]
    assert gc.isenabled()  # re-enabled after the file
    gc.disable()
    try:
        extract("b.py", source)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
    assert "Python syntax error" in extract("c.py", "def (:\n").issues[0].reason
    assert gc.isenabled()  # also after a file that does not parse
