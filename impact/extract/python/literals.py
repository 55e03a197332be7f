"""Which Python expressions build a `str` from literals, and what a plain literal says.

Shared by the fact pass (impact.extract.python.facts: the outermost string expressions) and the
finders reading its facts (strings, sql_calls, sqlalchemy, supabase).
"""
from __future__ import annotations

import ast

from impact.extract.python.tree import full_name, iter_nodes

# Methods that keep a string a string: `"...".format(x)`, `"...".strip()`, `" ".join([...])`.
STRING_METHODS = frozenset({"format", "strip", "lstrip", "rstrip", "join"})
# Functions that return their (string) argument reshaped but still the same SQL.
STRING_WRAPPERS = frozenset({"dedent", "textwrap.dedent", "inspect.cleandoc", "cleandoc"})



def is_stringish(node: ast.AST | None) -> bool:
    """Does this expression build a `str` out of at least one literal?

    Called for every string, operator and call the pass meets, hence a dispatch on the node
    type."""
    kind = type(node)
    if kind is ast.Constant:
        return type(node.value) is str
    if kind is ast.JoinedStr:
        return True
    if kind is ast.BinOp:
        operator = type(node.op)
        if operator is ast.Add:
            return is_stringish(node.left) or is_stringish(node.right)
        return operator is ast.Mod and is_stringish(node.left)
    if kind is ast.Call:
        return _stringish_call(node)
    return False


def _stringish_call(node: ast.Call) -> bool:
    func = node.func
    if node.args and full_name(func) in STRING_WRAPPERS:
        return is_stringish(node.args[0])  # dedent("...")
    if type(func) is not ast.Attribute:
        return False
    if func.attr == "format" and type(func.value) in (ast.Name, ast.Attribute):
        return True  # TEMPLATE.format(...): str.format is the only common `.format` method
    return func.attr in STRING_METHODS and is_stringish(func.value)


def literal_text(node: ast.AST | None) -> str | None:
    """The value of a plain `str` literal (implicit concatenations included); None for anything
    else (bytes, f-strings)."""
    if type(node) is ast.Constant and type(node.value) is str:
        return node.value
    return None


def first_literal(node: ast.AST) -> ast.AST:
    """The first string literal inside a string expression: its line is the query's line."""
    for child in iter_nodes(node):
        if type(child) is ast.JoinedStr or (type(child) is ast.Constant and type(child.value) in (str, bytes)):
            return child
    return node
