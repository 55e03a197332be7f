"""Per file, the SQLAlchemy classes whose table a declarative base computes (issue 8): models.find_models
calls `before` and `after` around its same-file inheritance (models._inherit).

A base of the same file names its models at once; a class whose bases come from other files is
listed without a table (`waits`) with their origins (table_naming.imported_names), for the
repository-level pass (impact/orm/computed_tables.py). Read only where it can matter: a computed
`__tablename__` in a file naming `declared_attr`, origins of SQLAlchemy (or `__abstract__`) classes:
a Django models file costs two substring checks more.

SQLAlchemy 1.x spells the base `Base = declarative_base(cls=CustomBase)` (Netflix dispatch until
2025), the rule on a plain class: `factory_bases` lists `Base` as a base with CustomBase's rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import ast

from impact.extract.python.facts import Facts
from impact.extract.python.table_naming import (UNKNOWN, computes_table_name, imported_names, origin_of, pending_imports, table_for,
                                                table_rule)


@dataclass
class FileNaming:
    """What `before` and `after` share over one file."""

    facts: Facts
    computes: bool
    imported: dict[str, str] | None = None
    own: dict[str, tuple] = field(default_factory=dict)  # class -> (own table, own key, own rule)


def file_naming(facts: Facts) -> FileNaming:
    return FileNaming(facts, computes_table_name(facts.text))


def before(state: FileNaming, model, node: ast.ClassDef) -> None:
    """Before inheritance: what the class declares itself (table, key, computed `__tablename__`)."""
    rule = table_rule(node, state.facts.module, state.facts.path) if state.computes else None
    state.own[model.name] = (model.table, bool(model.primary_key), rule)
    model.table_rule = rule


def after(state: FileNaming, model, declared: dict) -> None:
    """After inheritance (its bases' rule, key and table known): the class's table when a same-file
    base computes it, else where its other-file bases come from."""
    own_table, own_key, own_rule = state.own.pop(model.name)
    if model.framework in ("sqlalchemy", "django") or model.abstract or model.table_rule:
        if state.imported is None:
            state.imported = imported_names(state.facts.module, state.facts.path)
        model.origins = [o for b in model.bases for o in _origins(b, declared, state.imported, state.facts.path)]
    if not own_key and any(waits(declared[b]) for b in model.bases if b in declared):
        model.primary_key = []  # its parent's key: the parent's table (computed_tables.py)
    if own_table is None and own_rule is None and model.table_rule and not model.abstract and (own_key or model.table is None):
        # A base computes it; with no key of its own and a mapped parent it shares the parent's.
        model.framework = model.framework or "sqlalchemy"
        if model.framework == "sqlalchemy" and pending_imports(model.table_rule):
            _wait_for_imports(state, model, declared)
        else:
            model.table = table_for(model.table_rule, model.name) if model.framework == "sqlalchemy" else model.table
    elif own_table is None and own_rule not in (None, UNKNOWN) and not model.abstract and model.framework == "sqlalchemy" \
            and any(declared[b].table_rule for b in model.bases if b in declared):
        # A model of a declarative base naming its own table with a `declared_attr` (`return "events"`).
        model.table = table_for(own_rule, model.name)


def _wait_for_imports(state: FileNaming, model, declared: dict) -> None:
    """The base's rule imports a constant or helper of another file (`CAMEL_TO_SNAKE.sub(...)`): the
    class waits for the repository-level pass, its origin the same-file base computing the rule."""
    stem = "=" + state.facts.path.rsplit(".", 1)[0].removesuffix("/__init__")
    model.origins = [f"{stem}:{b}" for b in model.bases if b in declared and declared[b].table_rule == model.table_rule]
    model.table_rule = None


def listed_without_table(model) -> bool:
    """A declarative base computing table names, or a class (a model, an abstract base) whose base in
    another file may compute its table: listed without one. A mixin of no other file's base is not
    (its columns are not followed)."""
    return bool(model.table_rule or (model.origins and (model.framework == "sqlalchemy" or model.abstract)))


def waits(model) -> bool:
    """A SQLAlchemy model whose table a base of another file may compute (listed without one)."""
    return model.framework == "sqlalchemy" and model.table is None and not model.abstract and bool(model.origins) \
        and model.table_rule is None


def _origins(base: str, declared: dict, imported: dict[str, str], path: str) -> list[str]:
    """A base of another file (its origin), or a same-file base's own such bases; a same-file model
    still waiting for its table itself (a mapped parent: single-table inheritance)."""
    parent = declared.get(base)
    if parent is not None and waits(parent):
        return [f"={path.rsplit('.', 1)[0].removesuffix('/__init__')}:{base}"]
    if parent is not None:
        return parent.origins
    origin = origin_of(base, imported)
    return [origin] if origin and origin.split("/", 1)[0].split(":", 1)[0] not in LIBRARIES else []


# The ORMs' own packages and the standard library's: a base from them is never a file of the repository.
LIBRARIES = frozenset({"django", "sqlalchemy", "sqlmodel", "flask_sqlalchemy", "typing", "abc", "enum",
                       "dataclasses", "pydantic", "uuid", "datetime", "collections"})


def factory_bases(state: FileNaming, declared: dict) -> list[tuple[str, int, object]]:
    """(name, line, the class whose rule it takes) for each module-level `X = declarative_base(cls=C)`
    (or `sqlalchemy.orm.declarative_base`, `registry().generate_base(cls=C)`) whose C computes table names."""
    if not state.computes or "cls=" not in state.facts.text:
        return []
    found = []
    for statement in state.facts.module.body:
        if type(statement) is not ast.Assign or len(statement.targets) != 1 or type(statement.targets[0]) is not ast.Name:
            continue
        call = statement.value
        if type(call) is not ast.Call or _called(call.func) not in ("declarative_base", "generate_base"):
            continue
        given = next((k.value for k in call.keywords if k.arg == "cls"), None)
        base = declared.get(given.id) if type(given) is ast.Name else None
        if base is not None and base.table_rule:
            found.append((statement.targets[0].id, statement.lineno, base))
    return found


def _called(func: ast.expr) -> str:
    return func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else ""
