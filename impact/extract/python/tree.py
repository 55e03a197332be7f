"""Small readers of the standard `ast` tree the Python extractor works on.

The extractor parses with `ast` (CPython's own parser, written in C: 7-9x cheaper than libcst's
`parse_module` on the same files, and no concrete-syntax nodes to walk). What libcst gave for
free is rebuilt here:

- lines: every expression node carries `lineno`/`end_lineno`, which exclude its parentheses as
  libcst's syntactic positions do (a parenthesised tuple and a generator expression are the
  exceptions: `ast` counts their parentheses). An attribute name (`.filter` on its own line) has
  no node of its own: its line is the `Attribute`'s `end_lineno`.
- source order: `ast.iter_child_nodes` follows each class's `_fields`, which is source order
  except for decorators (listed after the body), dict displays (all keys, then all values) and
  conditional expressions (`body if test else orelse`); `children` puts those back in order.
- call arguments: `ast.Call` keeps positional arguments (`args`, `*x` as `Starred`) apart from
  keywords (`keywords`, `**x` with `arg=None`); Python's grammar puts positional ones first.

Known limit: `True`, `False` and `None` are `Constant`s in `ast` (libcst: `Name`s); helpers that
matched the name match the constant.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def children(node: ast.AST) -> list[ast.AST]:
    """The node's child nodes in source order."""
    kind = type(node)
    if kind is ast.Dict:
        pairs: list[ast.AST] = []
        for key, value in zip(node.keys, node.values):
            if key is not None:
                pairs.append(key)
            pairs.append(value)
        return pairs
    if kind is ast.IfExp:
        return [node.body, node.test, node.orelse]
    if kind in _DEFINITIONS:
        rest = [child for child in ast.iter_child_nodes(node) if child not in node.decorator_list]
        return [*node.decorator_list, *rest]
    return list(ast.iter_child_nodes(node))


def iter_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (itself included), in source order (iterative: no recursion)."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(children(current)))


def full_name(node: ast.AST | None) -> str | None:
    """`a.b.c` for a name, an attribute, a call's function or a subscript's value (what libcst's
    get_full_name_for_node gives, `None.attr` included when the receiver has no name)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{full_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return full_name(node.func)
    if isinstance(node, ast.Subscript):
        return full_name(node.value)
    return None


def last_name(node: ast.AST | None) -> str:
    """The last part of `full_name` ("" when none): `sqlalchemy.Column` -> Column."""
    return (full_name(node) or "").split(".")[-1]


def positional(call: ast.Call | None) -> list[ast.expr]:
    """The positional arguments, `*args` left out."""
    return [arg for arg in call.args if type(arg) is not ast.Starred] if call is not None else []


def keyword(call: ast.Call | None, name: str) -> ast.expr | None:
    for item in call.keywords if call is not None else ():
        if item.arg == name:
            return item.value
    return None


def keyword_names(call: ast.Call) -> list[str]:
    return [item.arg for item in call.keywords if item.arg is not None]


def all_keywords(call: ast.Call) -> bool:
    """Every argument is a named one (`Note(title=t)`), so the written columns are known."""
    return not call.args and all(item.arg is not None for item in call.keywords)


def argument_values(call: ast.Call) -> list[ast.expr]:
    """Every argument's value, in source order (starred ones as `Starred`)."""
    return [*call.args, *(item.value for item in call.keywords)]


def is_true(node: ast.AST | None) -> bool:
    return type(node) is ast.Constant and node.value is True


def is_sequence(node: ast.AST | None) -> bool:
    return type(node) in (ast.List, ast.Tuple)


def name_line(node: ast.expr) -> int:
    """The line of the name a call or attribute ends with (`.filter` on its own line)."""
    func = node.func if type(node) is ast.Call else node
    return func.end_lineno if type(func) is ast.Attribute else func.lineno


def first_argument(call: ast.Call) -> ast.expr | None:
    """The first argument written, positional or named (`session.add(instance=note)`)."""
    if call.args:
        return call.args[0]
    return call.keywords[0].value if call.keywords else None
