"""Small readers of class bodies and calls, for impact.extract.python.models (and its helpers)."""
from __future__ import annotations

import ast

from impact.extract.python.literals import literal_text
from impact.extract.python.tree import full_name, is_true, keyword, last_name

SQLALCHEMY_COLUMNS = frozenset({"Column", "mapped_column"})
SQLALCHEMY_WRAPPERS = frozenset({"deferred", "column_property"})  # deferred(Column(...))
DJANGO_RELATIONS_WITH_ID = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
# Fields that are not a column of the model's own table.
DJANGO_NOT_COLUMNS = frozenset({"ManyToManyField", "ParentalManyToManyField", "GenericRelation", "GenericForeignKey"})


def _body_statements(node: ast.ClassDef) -> list[ast.stmt]:
    return node.body


def _declarations(statement: ast.stmt) -> list[tuple[str, ast.expr | None, ast.expr | None]]:
    """(attribute, annotation, value) for `a = v`, `a: T = v`, `a: T`."""
    if type(statement) is ast.Assign:
        return [(t.id, None, statement.value) for t in statement.targets if type(t) is ast.Name]
    if type(statement) is ast.AnnAssign and type(statement.target) is ast.Name:
        return [(statement.target.id, statement.annotation, statement.value)]
    return []


def _assignments(class_node: ast.ClassDef) -> dict[str, ast.expr]:
    found = {}
    for statement in _body_statements(class_node):
        for attribute, _annotation, value in _declarations(statement):
            if value is not None:
                found[attribute] = value
    return found


def _sqlalchemy_column(value: ast.expr | None) -> ast.Call | None:
    if type(value) is not ast.Call:
        return None
    name = last_name(value.func)
    if name in SQLALCHEMY_COLUMNS:
        return value
    if name in SQLALCHEMY_WRAPPERS and value.args:
        return _sqlalchemy_column(value.args[0])
    return None


def _sqlalchemy_column_name(attribute: str, call: ast.Call | None) -> str:
    """`Column("title_text", String)` or `Column(String, name="title_text")` rename the column."""
    if call is None:
        return attribute
    first = call.args[0] if call.args else None
    return literal_text(first) or literal_text(keyword(call, "name")) or attribute


def _is_mapped(annotation: ast.expr | None) -> bool:
    """SQLAlchemy 2.0: `title: Mapped[str]` alone declares a column."""
    if type(annotation) is not ast.Subscript:
        return False
    return last_name(annotation.value) == "Mapped"


def _django_field(value: ast.expr | None, bare_names_allowed: bool, modules_allowed: bool = False) -> str | None:
    """`models.CharField(...)`; a bare `CharField(...)` only in a class based on models.Model
    (forms and serializers have `CharField`s too); `fields.ForeignKey(...)`, a field of the project's
    own module, only in a class already told a Django model (`modules_allowed`: bookwyrm's models
    declare most fields through `from . import fields`; their columns were unknown)."""
    if type(value) is not ast.Call:
        return None
    dotted = full_name(value.func) or ""
    module = dotted.count(".") == 1 and dotted.split(".")[0] not in _NOT_FIELD_MODULES
    if not (dotted.startswith(("models.", "django.db.models.")) or (bare_names_allowed and "." not in dotted)
            or (modules_allowed and module)):
        return None
    name = dotted.split(".")[-1]
    if name.endswith("Field") or name in DJANGO_RELATIONS_WITH_ID or name in DJANGO_NOT_COLUMNS:
        return name
    return None


_NOT_FIELD_MODULES = frozenset({"forms", "serializers", "filters", "graphene", "strawberry", "marshmallow"})


def _keyword_is_true(call: ast.Call, name: str) -> bool:
    return is_true(keyword(call, name))


def _meta_true(model, option: str) -> bool:  # a models._ClassModel
    return is_true(model.meta.get(option))


def _dict_items(node: ast.expr | None) -> dict[str, ast.expr]:
    """A dict literal, or the trailing dict of a `__table_args__` tuple."""
    if type(node) is ast.Tuple and node.elts:
        node = node.elts[-1]
    if type(node) is not ast.Dict:
        return {}
    items = {literal_text(key): value for key, value in zip(node.keys, node.values) if key is not None}
    return {key: value for key, value in items.items() if key}
