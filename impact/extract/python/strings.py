"""The text of a Python string expression, as far as it can be known statically.

Literal parts are kept; whatever is only known at run time (an f-string `{x}`, a `%s` or `{}`
filled by Python formatting) becomes a placeholder `impact_hole_N`, which the SQL layer treats as
opaque and which lowers the confidence of the query. A hole whose value is a same-file string
constant (`TABLE = "notes"`; `f"SELECT * FROM {TABLE}"`) is filled in instead.
"""
from __future__ import annotations

import re

import ast

from impact.extract.python.facts import Binding, Facts, Scope
from impact.extract.python.literals import STRING_WRAPPERS, is_stringish, literal_text
from impact.extract.python.tree import full_name, is_sequence, positional
from impact.sql.queries import HOLE

# printf-style conversion: %s, %(name)s, %-5d, %%.
PERCENT_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)
# str.format field: {}, {0}, {name}, {name!r:>10}; doubled braces are literal.
FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}]*)\}")
MAX_DEPTH = 8  # constants defined through other constants: stop at cycles and absurd depth
# A hole glued to other identifier characters (`notes_{suffix}`, `{schema}{table}`): the whole
# identifier is unknown, so it becomes one hole (else `notes_impact_hole_0` reads as a table).
GLUED_HOLE = re.compile(rf"\w*({HOLE}_\d+)\w*")


class StringRenderer:
    """Renders string expressions of one file; holes are numbered per rendered string."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def render(self, node: ast.expr, scope: Scope, *, braces_are_holes: bool = False,
               format_args: ast.Call | None = None) -> str | None:
        """The text of `node` (with appended `+=` parts when it is a binding's value).

        braces_are_holes: the string is a template whose `{}` fields are filled later (psycopg's
        `sql.SQL("... {} ...").format(...)`, whose `.format` call is `format_args`).
        """
        if not is_stringish(node):
            return None
        render = _Render(self, scope, depth=0)
        text = render.expr(node)
        binding = self.facts.binding_of_value.get(id(node))
        if binding is not None and binding.value is node:
            text += "".join(render.expr(part) for part in binding.appended)
        if braces_are_holes:
            text = render.fill_fields(text, format_args)
        return GLUED_HOLE.sub(r"\1", text) if render.holes else text

    def constant(self, node: ast.expr, scope: Scope, depth: int) -> str | None:
        """The value of a name bound once in this file to a string with no holes, else None."""
        binding = self.single_binding(node, scope)
        if binding is None or depth >= MAX_DEPTH or not is_stringish(binding.value):
            return None
        render = _Render(self, binding.scope, depth + 1)
        text = render.expr(binding.value) + "".join(render.expr(p) for p in binding.appended)
        return None if render.holes else text

    def single_binding(self, node: ast.expr, scope: Scope) -> Binding | None:
        """The one assignment a name can hold (None if several, or if it may be a parameter,
        a loop variable, an import...)."""
        bindings, complete = self._resolve(node, scope)
        return bindings[0] if complete and len(bindings) == 1 else None

    def bindings_of(self, node: ast.expr, scope: Scope) -> list[Binding]:
        """The assignments a name (`x`) or class constant (`self.X`, `cls.X`, `Repo.X`) may hold."""
        return self._resolve(node, scope)[0]

    def _resolve(self, node: ast.expr, scope: Scope) -> tuple[list[Binding], bool]:
        if type(node) is ast.Name:
            return scope.resolve(node.id)
        if type(node) is ast.Attribute and type(node.value) is ast.Name:
            owner = node.value.id
            body = scope.enclosing_class() if owner in ("self", "cls") else scope.module().classes.get(owner)
            if body is not None:
                return body.own(node.attr)
        return [], False


class _Render:
    def __init__(self, renderer: StringRenderer, scope: Scope, depth: int) -> None:
        self.renderer = renderer
        self.scope = scope
        self.depth = depth
        self.holes = 0

    def hole(self) -> str:
        name = f"{HOLE}_{self.holes}"
        self.holes += 1
        return name

    def value(self, node: ast.expr) -> str:
        """A value interpolated into a string: a known constant, or a hole."""
        if is_stringish(node):
            return self.expr(node)
        known = self.renderer.constant(node, self.scope, self.depth)
        return self.hole() if known is None else known

    def receiver(self, node: ast.expr) -> str:
        """The string a method is called on: a literal, or a same-file constant (a template)."""
        if is_stringish(node):
            return self.expr(node)
        binding = self.renderer.single_binding(node, self.scope)
        if binding is not None and is_stringish(binding.value) and self.depth < MAX_DEPTH:
            inner = _Render(self.renderer, binding.scope, self.depth + 1)
            inner.holes = self.holes
            text = inner.expr(binding.value)
            self.holes = inner.holes
            return text
        return self.hole()

    def expr(self, node: ast.expr) -> str:
        kind = type(node)
        if kind is ast.Constant:
            value = literal_text(node)  # implicit concatenations are one constant already
            return self.hole() if value is None else value
        if kind is ast.JoinedStr:
            return self.formatted(node)
        if kind is ast.BinOp:
            operator = type(node.op)
            if operator is ast.Add:
                return self.expr(node.left) + self.expr(node.right)
            if operator is ast.Mod:
                return self.percent(node)
        elif kind is ast.Call and is_stringish(node):
            if _is_wrapper(node):
                return self.wrapped(node)
            if type(node.func) is ast.Attribute:
                return self.method(node)
        return self.value(node)

    def formatted(self, node: ast.JoinedStr) -> str:
        """An f-string: its text parts (escapes and `{{` already read by Python), a value each
        `{...}` (its conversion and format spec do not change what SQL it is)."""
        pieces = []
        for part in node.values:
            if type(part) is ast.FormattedValue:
                pieces.append(self.value(part.value))
            else:
                pieces.append(part.value)
        return "".join(pieces)

    def percent(self, node: ast.BinOp) -> str:
        """`"... %s ..." % args`: Python fills the conversions, so each one is a value."""
        template = self.expr(node.left)
        right = node.right
        positional = list(right.elts) if type(right) is ast.Tuple else [right]
        named = _dict_values(right)
        position = iter(positional)

        def fill(match: re.Match[str]) -> str:
            if match.group("conv") == "%":
                return "%"
            if match.group("key") is not None:
                value = named.get(match.group("key"))
            else:
                value = next(position, None)
            return self.hole() if value is None else self.value(value)

        return PERCENT_SPEC.sub(fill, template)

    def method(self, node: ast.Call) -> str:
        receiver = self.receiver(node.func.value)
        name = node.func.attr
        if name == "format":
            return self.fill_fields(receiver, node)
        if name == "join":
            items = node.args[0] if node.args else None
            binding = self.renderer.single_binding(items, self.scope) if items is not None else None
            items = binding.value if binding is not None else items  # ", ".join(COLUMNS)
            if is_sequence(items) and all(is_stringish(e) for e in items.elts):
                return receiver.join(self.expr(e) for e in items.elts)
            return self.hole()
        return getattr(receiver, name)()  # strip / lstrip / rstrip

    def wrapped(self, node: ast.Call) -> str:
        return self.expr(node.args[0])  # dedent keeps the SQL the same

    def fill_fields(self, template: str, call: ast.Call | None) -> str:
        """Replace `{}` fields with the matching `.format(...)` argument, or a hole."""
        arguments = positional(call)
        named = {k.arg: k.value for k in call.keywords if k.arg is not None} if call is not None else {}
        auto = iter(range(len(arguments) + 1000))

        def fill(match: re.Match[str]) -> str:
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]
            key = re.split(r"[!:.\[]", match.group("field"), maxsplit=1)[0]
            value = named.get(key) if key and not key.isdigit() else None
            if not key or key.isdigit():
                index = int(key) if key else next(auto)
                value = arguments[index] if index < len(arguments) else None
            return self.hole() if value is None else self.format_value(value)

        return FORMAT_FIELD.sub(fill, template)

    def format_value(self, node: ast.expr) -> str:
        """A `.format()` argument; psycopg's `sql.Identifier("t")` is a quoted name."""
        binding = self.renderer.single_binding(node, self.scope)
        if binding is not None and type(binding.value) is ast.Call:
            node = binding.value  # table = sql.Identifier("notes"); ....format(table)
        name = full_name(node.func) if type(node) is ast.Call else None
        if name and name.split(".")[-1] == "Identifier":
            parts = [literal_text(a) or self.renderer.constant(a, self.scope, self.depth)
                     for a in node.args + [k.value for k in node.keywords]]
            if parts and all(parts):
                return ".".join('"' + p.replace('"', '""') + '"' for p in parts)
        if name and name.split(".")[-1] == "Placeholder":
            return "%s"
        return self.value(node)


def _dict_values(node: ast.expr) -> dict[str, ast.expr]:
    if type(node) is not ast.Dict:
        return {}
    values = {}
    for key, value in zip(node.keys, node.values):
        text = literal_text(key)
        if text is not None:
            values[text] = value
    return values


def _is_wrapper(node: ast.expr) -> bool:
    return type(node) is ast.Call and full_name(node.func) in STRING_WRAPPERS

