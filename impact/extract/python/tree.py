"""Small readers of the standard `ast` tree the Python extractor works on.

The extractor parses with `ast` (CPython's own parser, written in C: 7-9x cheaper than libcst's
`parse_module` on the same files, and no concrete-syntax nodes to walk). What libcst gave for
free is rebuilt here:

- lines: every expression node carries `lineno`/`end_lineno`, which exclude its parentheses as
  libcst's syntactic positions do (a parenthesised tuple and a generator expression are the
  exceptions: `ast` counts their parentheses). An attribute name (`.filter` on its own line) has
  no node of its own: its line is the `Attribute`'s `end_lineno`.
- source order: a class's `_fields` are in source order except for decorators (listed after the
  body), dict displays (all keys, then all values) and conditional expressions (`body if test
  else orelse`); `children` puts those back in order, and skips what holds no node worth a
  visit (expression contexts on every name, operators: a third of `ast.iter_child_nodes`).
- call arguments: `ast.Call` keeps positional arguments (`args`, `*x` as `Starred`) apart from
  keywords (`keywords`, `**x` with `arg=None`); Python's grammar puts positional ones first.

Known limit: `True`, `False` and `None` are `Constant`s in `ast` (libcst: `Name`s); helpers that
matched the name match the constant.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator

# Fields that never hold a node worth walking: names and flags (str, int), expression contexts
# (`Load`/`Store`, on every name) and operators. Import names are read by the hooks themselves.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "name", "asname", "module", "level",
                          "kind", "type_comment", "conversion", "is_async", "simple", "names", "tag",
                          "kwd_attrs", "rest"})
# Classes whose `_fields` order is not source order (decorators come first in the source).
_ORDER = {
    ast.IfExp: ("body", "test", "orelse"),
    ast.FunctionDef: ("decorator_list", "type_params", "args", "returns", "body"),
    ast.AsyncFunctionDef: ("decorator_list", "type_params", "args", "returns", "body"),
    ast.ClassDef: ("decorator_list", "type_params", "bases", "keywords", "body"),
}
_NO_CHILDREN = (ast.Constant, ast.MatchSingleton)
# What the fact pass leaves out: annotations are types, not data (`x: "Note"`, `-> "Note"`).
_UNWALKED = {ast.AnnAssign: {"annotation"}, ast.FunctionDef: {"returns"}, ast.AsyncFunctionDef: {"returns"},
             ast.arg: {"annotation"}}
_SPECS: dict[type, tuple[str, ...]] = {}
_WALK_SPECS: dict[type, tuple[str, ...]] = {}


def _spec(cls: type, walked: bool) -> tuple[str, ...]:
    if cls in _NO_CHILDREN:
        fields: tuple[str, ...] = ()
    else:
        fields = tuple(f for f in _ORDER.get(cls, cls._fields) if f in cls._fields and f not in _LEAF_FIELDS)
    if walked:
        fields = tuple(f for f in fields if f not in _UNWALKED.get(cls, ()))
    (_WALK_SPECS if walked else _SPECS)[cls] = fields
    return fields


def walk_fields(cls: type) -> tuple[str, ...]:
    """The fields `children(node, walked=True)` reads, for any class but `ast.Dict` (cached)."""
    return _WALK_SPECS.get(cls) or _spec(cls, True)


def children(node: ast.AST, walked: bool = False) -> list[ast.AST]:
    """The node's child nodes in source order (`walked`: without annotations). A list may hold
    None (`arguments.kw_defaults`): callers skip it."""
    cls = node.__class__
    if cls is ast.Dict:
        pairs: list[ast.AST] = []
        for key, value in zip(node.keys, node.values):
            if key is not None:
                pairs.append(key)
            pairs.append(value)
        return pairs
    fields = (_WALK_SPECS if walked else _SPECS).get(cls)
    if fields is None:
        fields = _spec(cls, walked)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name)
        if value.__class__ is list:
            found.extend(value)
        elif value is not None:
            found.append(value)
    return found


def breadth_first(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`: the same nodes in the same order (breadth first), about twice as fast, its
    two generators per node (`iter_child_nodes`, `iter_fields`) inlined (issue 13, s12speed: whole-module
    walks of the parameter-value, relation, model-argument and factory readers, ~36k nodes a cold
    saleor DROP)."""
    todo = [node]
    at = 0
    while at < len(todo):
        node = todo[at]
        at += 1
        for name in node._fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        todo.append(item)
        yield node


def iter_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (itself included), in source order (iterative: no recursion)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if current is not None:
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


def bound_model_name(node: ast.AST | None) -> str | None:
    """The class a `model = …` binding names: `M`, `models.M`, or Django's lazy reference
    `"app_label.M"` (taiga's factories: `model = "userstories.UserStory"`) -> "M"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count(".") == 1:
        label, name = node.value.split(".")
        return name if label.isidentifier() and name.isidentifier() and name[:1].isupper() else None
    return None


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


def first_argument(call: ast.Call) -> ast.expr | None:
    """The first argument written, positional or named (`session.add(instance=note)`)."""
    if call.args:
        return call.args[0]
    return call.keywords[0].value if call.keywords else None
