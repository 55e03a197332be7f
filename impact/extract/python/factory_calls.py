"""Calls of factory_boy factories: a keyword argument is a field of the factory's model (via "model-class").

`UserUniqueLoginFactory.create(user=user, ip_address=REMOTE_ADDR)` builds a row of the model the
factory's `Meta.model` names, so `ip_address=` is that model's field, like a keyword of the model's
own constructor. impact.extract.python.model_classes binds the factory class itself (its declared
fields); this module follows the factory into the files that call it (tests, mostly).

Decisions:
- A factory is a class whose base's name ends in `Factory` (`factory.Factory`,
  `SQLAlchemyModelFactory`, `DjangoModelFactory`, a project's own `WarehouseFactory`) and whose
  inner `Meta` says `model = M`; M is read as written (`M`, `models.M`, `"app_label.M"`).
- A call is the factory's name called, or its class methods that build rows: `F(...)`,
  `F.create(...)`, `F.build(...)`, `F.stub(...)`, `F.create_batch(n, ...)`, `F.build_batch(n, ...)`,
  with its keyword arguments on the call's line or up to CALL_LINES lines below while its
  parenthesis is open (a test builds a row with one keyword a line: warehouse's publishers, 7).
- Only a keyword (`ip_address=`) is taken, and only when the model maps the changed column by that
  name (a factory of another table's model leaves the name alone).
- Factories are read from the files the scan reads: a factory file names its model's class, and
  the scan reads every file naming a model of an affected table.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import replace

from impact.extract.python.models import ModelInfo
from impact.extract.python.relations import parsed
from impact.extract.python.tree import bound_model_name, breadth_first
from impact.model import ColumnReference
from impact.orm.wrappers import called_wrapper

CALL_LINES = 30
BUILDERS = ("create", "build", "stub", "create_batch", "build_batch")
FACTORY_CLASS = re.compile(r"^[ \t]*class\s+\w+\([^)]*Factory\b", re.M)


def declares_factory(text: str) -> bool:
    """A factory class in `text`. `in` first: FACTORY_CLASS, `^`-led, has no literal to skip to and
    tried every line of every file read (0.056 s of a cold or warm saleor DROP, where one file of 516
    says "Factory")."""
    return "Factory" in text and FACTORY_CLASS.search(text) is not None


def attribute_factory_calls(references: list[ColumnReference], texts: Mapping[str, str],
                            models: Mapping[str, ModelInfo]) -> list[ColumnReference]:
    """Name-only keywords in calls of a factory of a model mapping the column: that model's table."""
    open_refs = [r for r in references if _open(r)]
    if not open_refs or not models:
        return references
    factories: dict[str, ModelInfo] = {}
    for rel, text in texts.items():
        if rel.endswith((".py", ".pyi")) and declares_factory(text):
            factories.update(factories_in(text, models))
    if not factories:
        return references
    pattern = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, sorted(factories, key=len, reverse=True)))
                         + r")(?:\s*\.\s*(?:" + "|".join(BUILDERS) + r"))?\s*\(")
    lines_of: dict[str, list[str]] = {}
    out = []
    for ref in references:
        table = None
        if _open(ref):
            lines = lines_of.setdefault(ref.file, texts.get(ref.file, "").splitlines())
            factory = called_wrapper(lines, ref.line, ref.spelling or ref.column, pattern, CALL_LINES) if lines else None
            table = _table(ref, factories[factory]) if factory else None
        out.append(replace(ref, table=table, via="model-class", inferred=False) if table else ref)
    return out


def _open(ref: ColumnReference) -> bool:
    """A bare `name=` keyword of a Python line whose table is not told."""
    if not (ref.via == "name-only" and ref.table is None and ref.context == "identifier" and not ref.generated
            and ref.file.endswith((".py", ".pyi"))):
        return False  # the cheap tests first: this runs on every reference of a scan, twice
    name = re.escape(ref.spelling or ref.column)
    return re.search(rf"(?<![\w.]){name}\s*=(?!=)", ref.snippet) is not None


def _table(ref: ColumnReference, model: ModelInfo) -> str | None:
    mapped = model.column_for(ref.spelling or ref.column)
    return model.table if mapped is not None and mapped.lower() == ref.column.lower() else None


def factories_in(text: str, models: Mapping[str, ModelInfo]) -> dict[str, ModelInfo]:
    """Factory class name -> the model its `Meta.model` names, among `models` (by class name)."""
    module = parsed(text)
    found = {}
    for node in breadth_first(module) if module is not None else ():
        if isinstance(node, ast.ClassDef) and any((_last(base) or "").endswith("Factory") for base in node.bases):
            model = _meta_model(node, models)
            if model is not None and model.table:
                found[node.name] = model
    return found


def _meta_model(node: ast.ClassDef, models: Mapping[str, ModelInfo]) -> ModelInfo | None:
    for meta in (c for c in node.body if isinstance(c, ast.ClassDef) and c.name == "Meta"):
        for statement in meta.body:
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model" for t in statement.targets):
                return models.get(bound_model_name(statement.value) or "")
    return None


def _last(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
