"""Relations between models, for typed receivers: what `order.product` or `checkout.lines` holds.

`relations(text, models)` reads the model classes of one file (`models`: the class names known to
the scan) and returns (class, attribute) -> ("row" | "rows", class):
  - Django `ForeignKey(Target)` / `OneToOneField` -> a row of Target; `ManyToManyField` -> rows;
  - their reverse side on Target: `related_name` (or Django's default `<class>_set`, and for a
    OneToOneField the lower-cased class name) -> rows of the declaring class (one row for 1:1);
  - SQLAlchemy `x: Mapped[Target] = relationship(...)` -> a row; `Mapped[list[Target]]` -> rows.

Decisions: the target is read as written (`Target`, `"Target"`, `"app.Target"` -> Target);
`related_name="+"` (no reverse accessor) and `%(class)s` patterns are left out. A ForeignKey's
target need not be a model the scan knows: its reverse accessor still holds rows of the declaring
(known) class (`product.order_set` -> Order rows, Product's own table unknown).
"""
from __future__ import annotations

import ast
import warnings
from collections.abc import Collection

from impact.collector import no_cycle_collection
from impact.extract.python.tree import breadth_first, keyword, last_name

Kind = tuple[str, str]
FORWARD = {"ForeignKey": "row", "OneToOneField": "row", "ParentalKey": "row", "ManyToManyField": "rows",
           "ParentalManyToManyField": "rows"}


def parsed(text: str) -> ast.Module | None:
    """The module, or None when it does not parse (the file's extraction reports why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def relations(text: str, models: Collection[str]) -> dict[tuple[str, str], Kind]:
    from impact.extract.python.blocks import parsed_skeleton  # (blocks imports this module)

    with no_cycle_collection():  # a model file's tree, freed on return (impact.collector)
        return _relations(parsed_skeleton(text), models)  # classes are read, not function bodies


def _relations(module: ast.Module | None, models: Collection[str]) -> dict[tuple[str, str], Kind]:
    if module is None:
        return {}
    found: dict[tuple[str, str], Kind] = {}
    for node in breadth_first(module):
        if type(node) is ast.ClassDef and node.name in models:
            for statement in node.body:
                _read(node.name, statement, models, found)
    return found


def _read(owner: str, statement: ast.stmt, models: Collection[str], found: dict) -> None:
    if type(statement) is ast.Assign and len(statement.targets) == 1 and type(statement.targets[0]) is ast.Name:
        name, value, annotation = statement.targets[0].id, statement.value, None
    elif type(statement) is ast.AnnAssign and type(statement.target) is ast.Name:
        name, value, annotation = statement.target.id, statement.value, statement.annotation
    else:
        return
    if type(value) is not ast.Call:
        return
    field = last_name(value.func)
    if field in FORWARD and value.args:
        target = _target(value.args[0], owner)
        if target:  # known or not: `product.order_set` holds rows of the known declaring class
            found[(owner, name)] = (FORWARD[field], target)
            reverse = _reverse_name(value, owner, field)
            if reverse:
                found.setdefault((target, reverse), ("row" if field == "OneToOneField" else "rows", owner))
    elif field == "relationship" and annotation is not None:
        kind = _mapped(annotation, models)
        if kind:
            found[(owner, name)] = kind


def _target(node: ast.expr, owner: str) -> str | None:
    if type(node) is ast.Constant and isinstance(node.value, str):
        return owner if node.value == "self" else node.value.rsplit(".", 1)[-1]
    return last_name(node) or None


def _reverse_name(call: ast.Call, owner: str, field: str) -> str | None:
    given = keyword(call, "related_name")
    if given is not None:
        text = given.value if type(given) is ast.Constant and isinstance(given.value, str) else None
        return None if not text or "+" in text or "%" in text else text
    return owner.lower() if field == "OneToOneField" else f"{owner.lower()}_set"


def _mapped(annotation: ast.expr, models: Collection[str]) -> Kind | None:
    """`Mapped[Target]`, `Mapped["Target"]`, `Mapped[list[Target]]`, `Mapped[Target | None]`."""
    annotation = _unquoted(annotation)
    if type(annotation) is not ast.Subscript or last_name(annotation.value) != "Mapped":
        return None
    inner = _unquoted(annotation.slice)
    kind = "row"
    if type(inner) is ast.Subscript and last_name(inner.value) in ("list", "List", "set", "Set"):
        inner, kind = _unquoted(inner.slice), "rows"
    if type(inner) is ast.BinOp:  # Target | None
        sides = [_unquoted(side) for side in (inner.left, inner.right)]
        named = [side for side in sides if not (type(side) is ast.Constant and side.value is None)]
        inner = named[0] if len(named) == 1 else inner
    name = last_name(inner)
    return (kind, name) if name in models else None


def _unquoted(node: ast.expr) -> ast.expr:
    """A string annotation (`"Target"`, `"app.Target | None"`) as the expression it spells."""
    if type(node) is ast.Constant and isinstance(node.value, str):
        try:
            return ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return node
    return node
