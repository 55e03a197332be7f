"""Static values of Python expressions in a migration: strings, numbers, lists, `sa.text(...)`,
f-strings and names bound to such values earlier in the module or in `upgrade()`.

Anything else is `Dynamic` with the reason, so the operation using it becomes an `unknown`
operation that says why, never a guess.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Dynamic:
    reason: str


@dataclass(frozen=True)
class TableRef:
    """`sa.table("t", ...)` / `sa.Table("t", metadata, ...)`: a table named in the migration."""

    name: str


@dataclass(frozen=True)
class EnumType:
    """`sa.Enum("a", "b", name="x")` / `postgresql.ENUM(...)`: `.create(bind)` makes the type."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    """An alembic_utils entity (`PGFunction(schema=, signature=, definition=)`, PGTrigger, ...)."""

    kind: str
    schema: str
    signature: str
    definition: str
    on_entity: str = ""


ENTITY_KINDS = {"PGFunction", "PGTrigger", "PGExtension", "PGView", "PGMaterializedView", "PGPolicy"}


@dataclass(frozen=True)
class Text:
    """`sa.text("...")` / `text("...")`: SQL given verbatim."""

    sql: str


@dataclass(frozen=True)
class SequenceRef:
    """`sa.Sequence("s")`: a sequence by its name (privacyidea hands one to a helper,
    `create_seq(Sequence("policycondition_seq"))`, that runs `op.execute(CreateSequence(seq))`)."""

    name: str


def call_name(node: ast.AST) -> str:
    """`op.add_column` -> "op.add_column"; `sa.Column` -> "sa.Column"; else ""."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # op.get_context().autocommit_block()
        inner = call_name(node)
        return ".".join([inner + "()"] + list(reversed(parts))) if inner else ""
    return ""


def last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class Scope:
    """Names bound to static values: module constants, then `upgrade()`'s own assignments."""

    def __init__(self, parent: "Scope | None" = None) -> None:
        self.values: dict[str, object] = {}
        self.parent = parent
        # The project's own column types (custom_types.CustomTypes), shared by the child scopes.
        self.custom_types = parent.custom_types if parent is not None else None

    def child(self) -> "Scope":
        return Scope(self)

    def lookup(self, name: str) -> object:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return Dynamic(f"`{name}` is not a value known before the migration runs")

    def bind(self, target: ast.AST, value: object) -> None:
        if isinstance(target, ast.Name):
            self.values[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value if isinstance(value, (list, tuple)) and len(value) == len(target.elts) else None
            for i, elt in enumerate(target.elts):
                self.bind(elt, items[i] if items is not None else Dynamic("unpacked from a computed value"))

    def eval(self, node: ast.AST | None) -> object:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.eval(e) for e in node.elts]
            bad = next((i for i in items if isinstance(i, Dynamic)), None)
            return bad if bad is not None else items
        if isinstance(node, ast.Dict) and None not in node.keys:
            pairs = [(self.eval(k), self.eval(v)) for k, v in zip(node.keys, node.values)]
            bad = next((x for pair in pairs for x in pair if isinstance(x, Dynamic)), None)
            return bad if bad is not None else dict((k, v) for k, v in pairs if isinstance(k, (str, int, tuple)))
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(node.op, ast.Mod) and isinstance(left, str) and not isinstance(right, Dynamic):
                try:
                    return left % (tuple(right) if isinstance(right, list) else right)
                except (TypeError, ValueError, KeyError):
                    pass
            return Dynamic("a string built from computed parts")
        if isinstance(node, ast.Call):
            name = last(call_name(node))
            if name in ("f", "quoted_name", "conv", "str") and node.args:  # op.f("ix_name"): the name as written
                return self.eval(node.args[0])
            if name in ("list", "tuple", "sorted", "reversed") and len(node.args) == 1 and not isinstance(node.func, ast.Attribute):
                items = self.eval(node.args[0])
                if isinstance(items, dict):
                    items = list(items)
                if isinstance(items, list):
                    return list(reversed(items)) if name == "reversed" else sorted(items, key=str) if name == "sorted" else items
                return items if isinstance(items, Dynamic) else Dynamic(f"`{ast.unparse(node)[:40]}` is not a static list")
            if name in ("items", "keys", "values") and isinstance(node.func, ast.Attribute) and not node.args:
                mapping = self.eval(node.func.value)
                if isinstance(mapping, dict):
                    return [list(p) for p in mapping.items()] if name == "items" else list(getattr(mapping, name)())
            if name in ENTITY_KINDS:
                kw = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
                if all(isinstance(kw.get(k, ""), str) for k in ("schema", "signature", "definition", "on_entity")) and kw.get("signature"):
                    return Entity(name, kw.get("schema") or "public", kw["signature"], kw.get("definition", ""), kw.get("on_entity", ""))
                return Dynamic(f"the {name} has computed parts")
            if name == "Sequence" and node.args:
                sequence = self.eval(node.args[0])
                return SequenceRef(sequence) if isinstance(sequence, str) else Dynamic("a sequence with a computed name")
            if name in ("table", "Table") and node.args:
                table = self.eval(node.args[0])
                return TableRef(table) if isinstance(table, str) else Dynamic("a table object with a computed name")
            if name in ("Enum", "ENUM"):
                enum_name = self.eval(keywords(node).get("name"))
                values = [self.eval(a) for a in node.args]
                if isinstance(enum_name, str) and all(isinstance(v, str) for v in values):
                    return EnumType(enum_name, tuple(values))
            if name in ("bindparams", "execution_options", "columns") and isinstance(node.func, ast.Attribute):
                inner = self.eval(node.func.value)  # text("...").bindparams(x=1): still that SQL
                if isinstance(inner, Text):
                    return inner
            if name in ("text", "literal_column", "DDL") and node.args:
                inner = self.eval(node.args[0])
                return Text(inner) if isinstance(inner, str) else inner
            if name == "dedent" and node.args:
                import textwrap

                inner = self.eval(node.args[0])
                return textwrap.dedent(inner) if isinstance(inner, str) else inner
            if name == "format" and isinstance(node.func, ast.Attribute):
                base = self.eval(node.func.value)
                args = [self.eval(a) for a in node.args]
                kwargs = {k.arg: self.eval(k.value) for k in node.keywords if k.arg}
                if isinstance(base, str) and not any(isinstance(v, Dynamic) for v in [*args, *kwargs.values()]):
                    try:
                        return base.format(*args, **kwargs)
                    except (IndexError, KeyError, ValueError):
                        pass
            return Dynamic(f"the value of `{ast.unparse(node)[:60]}` is computed when the migration runs")
        return Dynamic(f"`{ast.unparse(node)[:60]}` is computed when the migration runs")

    def _fstring(self, node: ast.JoinedStr) -> object:
        pieces = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append(str(part.value))
                continue
            value = self.eval(part.value) if isinstance(part, ast.FormattedValue) else Dynamic("f-string")
            if isinstance(value, Dynamic) or part.format_spec is not None:
                return Dynamic(f"the f-string `{ast.unparse(node)[:60]}` has computed parts")
            pieces.append(str(value))
        return "".join(pieces)

    def string(self, node: ast.AST | None) -> str | Dynamic:
        value = self.eval(node)
        if isinstance(value, str):
            return value
        if isinstance(value, Dynamic):
            return value
        return Dynamic(f"`{ast.unparse(node)[:60] if node is not None else 'nothing'}` is not a string")


def keywords(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def argument(call: ast.Call, position: int, name: str) -> ast.AST | None:
    """The argument given at `position` or as `name=`."""
    if position < len(call.args) and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return keywords(call).get(name)
