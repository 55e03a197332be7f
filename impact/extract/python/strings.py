"""The text of a Python string expression, as far as it can be known statically.

Literal parts are kept; whatever is only known at run time (an f-string `{x}`, a `%s` or `{}`
filled by Python formatting) becomes a placeholder `impact_hole_N`, which the SQL layer treats as
opaque and which lowers the confidence of the query. A hole whose value is a same-file string
constant (`TABLE = "notes"`; `f"SELECT * FROM {TABLE}"`) is filled in instead.
"""
from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m
from libcst.helpers import get_full_name_for_node

from impact.extract.python.facts import STRING_WRAPPERS, Binding, Facts, Scope, is_stringish, literal_text
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

    def render(self, node: cst.BaseExpression, scope: Scope, *, braces_are_holes: bool = False,
               format_args: cst.Call | None = None) -> str | None:
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

    def constant(self, node: cst.BaseExpression, scope: Scope, depth: int) -> str | None:
        """The value of a name bound once in this file to a string with no holes, else None."""
        binding = self.single_binding(node, scope)
        if binding is None or depth >= MAX_DEPTH or not is_stringish(binding.value):
            return None
        render = _Render(self, binding.scope, depth + 1)
        text = render.expr(binding.value) + "".join(render.expr(p) for p in binding.appended)
        return None if render.holes else text

    def single_binding(self, node: cst.BaseExpression, scope: Scope) -> Binding | None:
        """The one assignment a name can hold (None if several, or if it may be a parameter,
        a loop variable, an import...)."""
        bindings, complete = self._resolve(node, scope)
        return bindings[0] if complete and len(bindings) == 1 else None

    def bindings_of(self, node: cst.BaseExpression, scope: Scope) -> list[Binding]:
        """The assignments a name (`x`) or class constant (`self.X`, `cls.X`, `Repo.X`) may hold."""
        return self._resolve(node, scope)[0]

    def _resolve(self, node: cst.BaseExpression, scope: Scope) -> tuple[list[Binding], bool]:
        if isinstance(node, cst.Name):
            return scope.resolve(node.value)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = node.value.value
            body = scope.enclosing_class() if owner in ("self", "cls") else scope.module().classes.get(owner)
            if body is not None:
                return body.own(node.attr.value)
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

    def value(self, node: cst.BaseExpression) -> str:
        """A value interpolated into a string: a known constant, or a hole."""
        if is_stringish(node):
            return self.expr(node)
        known = self.renderer.constant(node, self.scope, self.depth)
        return self.hole() if known is None else known

    def receiver(self, node: cst.BaseExpression) -> str:
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

    def expr(self, node: cst.BaseExpression) -> str:
        kind = type(node)
        if kind is cst.SimpleString:
            return self.simple(node)
        if kind is cst.ConcatenatedString:
            return self.concatenated(node)
        if kind is cst.FormattedString:
            return self.formatted(node)
        if kind is cst.BinaryOperation:
            operator = type(node.operator)
            if operator is cst.Add:
                return self.added(node)
            if operator is cst.Modulo:
                return self.percent(node)
        elif kind is cst.Call and is_stringish(node):
            if _is_wrapper(node):
                return self.wrapped(node)
            if type(node.func) is cst.Attribute:
                return self.method(node)
        return self.value(node)

    def simple(self, node: cst.SimpleString) -> str:
        value = literal_text(node)
        return self.hole() if value is None else value

    def concatenated(self, node: cst.ConcatenatedString) -> str:
        return self.expr(node.left) + self.expr(node.right)

    def formatted(self, node: cst.FormattedString) -> str:
        raw = "r" in node.prefix.lower()
        pieces = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("{{", "{").replace("}}", "}")
                pieces.append(text if raw else _unescape(text))
            else:
                pieces.append(self.value(part.expression))
        return "".join(pieces)

    def added(self, node: cst.BinaryOperation) -> str:
        return self.expr(node.left) + self.expr(node.right)

    def percent(self, node: cst.BinaryOperation) -> str:
        """`"... %s ..." % args`: Python fills the conversions, so each one is a value."""
        template = self.expr(node.left)
        right = node.right
        positional = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
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

    def method(self, node: cst.Call) -> str:
        receiver = self.receiver(node.func.value)
        name = node.func.attr.value
        if name == "format":
            return self.fill_fields(receiver, node)
        if name == "join":
            items = node.args[0].value if node.args else None
            binding = self.renderer.single_binding(items, self.scope) if items is not None else None
            items = binding.value if binding is not None else items  # ", ".join(COLUMNS)
            if m.matches(items, m.List() | m.Tuple()) and all(is_stringish(e.value) for e in items.elements):
                return receiver.join(self.expr(e.value) for e in items.elements)
            return self.hole()
        return getattr(receiver, name)()  # strip / lstrip / rstrip

    def wrapped(self, node: cst.Call) -> str:
        return self.expr(node.args[0].value)  # dedent keeps the SQL the same

    def fill_fields(self, template: str, call: cst.Call | None) -> str:
        """Replace `{}` fields with the matching `.format(...)` argument, or a hole."""
        args = call.args if call is not None else ()
        positional = [a.value for a in args if a.keyword is None and not a.star]
        named = {a.keyword.value: a.value for a in args if a.keyword is not None}
        auto = iter(range(len(positional) + 1000))

        def fill(match: re.Match[str]) -> str:
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]
            key = re.split(r"[!:.\[]", match.group("field"), maxsplit=1)[0]
            value = named.get(key) if key and not key.isdigit() else None
            if not key or key.isdigit():
                index = int(key) if key else next(auto)
                value = positional[index] if index < len(positional) else None
            return self.hole() if value is None else self.format_value(value)

        return FORMAT_FIELD.sub(fill, template)

    def format_value(self, node: cst.BaseExpression) -> str:
        """A `.format()` argument; psycopg's `sql.Identifier("t")` is a quoted name."""
        binding = self.renderer.single_binding(node, self.scope)
        if binding is not None and isinstance(binding.value, cst.Call):
            node = binding.value  # table = sql.Identifier("notes"); ....format(table)
        name = get_full_name_for_node(node.func) if isinstance(node, cst.Call) else None
        if name and name.split(".")[-1] == "Identifier":
            parts = [literal_text(a.value) or self.renderer.constant(a.value, self.scope, self.depth)
                     for a in node.args]
            if parts and all(parts):
                return ".".join('"' + p.replace('"', '""') + '"' for p in parts)
        if name and name.split(".")[-1] == "Placeholder":
            return "%s"
        return self.value(node)


def _dict_values(node: cst.BaseExpression) -> dict[str, cst.BaseExpression]:
    if not isinstance(node, cst.Dict):
        return {}
    values = {}
    for element in node.elements:
        if m.matches(element, m.DictElement(key=m.SimpleString())):
            key = literal_text(element.key)
            if key is not None:
                values[key] = element.value
    return values


def _unescape(text: str) -> str:
    """Backslash escapes of a non-raw f-string part (`\\n`), as Python would read them."""
    if "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return text


def _is_wrapper(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and get_full_name_for_node(node.func) in STRING_WRAPPERS

