"""Calls given a model class: a keyword argument is a field of that model (via "model-class").

`get_object_or_404(Query, schedule=...)`, `baker.make(Query, schedule=...)`,
`get_or_create(session, Query, schedule=...)`, a project's own `ModelFactory(redash.models.Query,
schedule=None)`: a call that takes the model class as a positional argument builds, finds or reads a
row of it, and its keywords are the model's fields, as they are in a call of the model itself.
Followed one step further, as a factory_boy factory's calls are (impact.extract.python.factory_calls):
- a module-level name assigned such a call (`query_factory = ModelFactory(Query, ...)`) stands for the model:
  its calls and its methods' calls (`query_factory.create(schedule=300)`) take the model's fields;
- a function taking `**kwargs` and passing a `**` mapping to one of those calls (`def
  create_query(self, **kwargs): args.update(kwargs); return query_factory.create(**args)`) takes them too: `self.factory.create_query(schedule="60")`
  (redash's tests: the rows of the query whose `schedule` column changed type).

Decisions:
- Only a keyword (`schedule=`) on a name-only Python reference is taken, and only when the model
  maps the changed column by that name (another model's call leaves the name alone); the model is
  the positional argument naming a model class of an affected table by its class name (`Query`,
  `models.Query`), the first such argument. A file is parsed only where its text says the parse
  can tell something (an assignment of a call given a model; a `**` passed to such a name; a model
  or such a name on an open keyword's line or up to CALL_LINES above it).
- Names assigned and functions wrapping are collected over the files the scan reads, by name: a
  function wrapping calls of two models' names says nothing.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import replace

from impact.extract.python.factory_calls import CALL_LINES, _open, _table
from impact.extract.python.models import ModelInfo
from impact.extract.python.relations import parsed
from impact.extract.python.tree import breadth_first
from impact.model import ColumnReference

VIA = "model-class"


def attribute_model_argument_calls(references: list[ColumnReference], texts: Mapping[str, str],
                                   models: Mapping[str, ModelInfo]) -> list[ColumnReference]:
    """Name-only keywords in calls given a model class (or a name standing for one) mapping the column;
    `models`: the affected tables' model classes by name."""
    open_refs = [r for r in references if _open(r)]
    models = {name: m for name, m in models.items() if m.table}
    if not open_refs or not models:
        return references
    # A file is parsed only where its text says the parse can tell something (saleor's drop of
    # `order_orderline.id` leaves thousands of `id=` keywords open in hundreds of files): a name
    # assigned a call given a model; a function passing `**` to such a name; an open keyword with a
    # model or such a name on its line or up to CALL_LINES above it.
    py = {rel: text for rel, text in texts.items() if rel.endswith((".py", ".pyi"))}
    classes = _words(models)
    # A line's start as a line break (searched in "\n" + text): `^` with re.M tried every offset (issue 13,
    # s12speed: 18 ms of a cold saleor DROP over the 114 texts naming a model, ~5x less led by `\n`).
    assigned = re.compile(rf"\n\w+\s*=\s*[\w.]+\s*\([^()]{{0,200}}?{classes.pattern}\s*[,)]")
    # `in` first: the class's name must be in the text for the pattern to match, and a regex led by
    # `^` tries every position of every file (63 ms a warm saleor scan, against ~1 ms)
    bound = _bound((parsed(text) for text in py.values() if _names_any(text, models) and assigned.search("\n" + text)), models)
    spread = _words(bound)
    wrappers = _wrappers((parsed(text) for text in py.values() if spread and "**" in text and spread.search(text)), models, bound)
    near = [p for p in (classes, _words({**bound, **wrappers})) if p is not None]
    keywords: dict[tuple[str, int, str], ModelInfo] = {}
    by_file: dict[str, list[int]] = {}
    for ref in open_refs:
        by_file.setdefault(ref.file, []).append(ref.line)
    named = {**models, **bound, **wrappers}
    for rel, numbers in by_file.items():
        if not _names_any(py.get(rel, ""), named):
            continue
        lines = py[rel].splitlines()
        if not any(p.search(line) for n in numbers for line in lines[max(n - CALL_LINES, 0):n] for p in near):
            continue
        for call in _calls(parsed(py[rel])):
            model = _model_of(call, models, bound, wrappers)
            for kw in call.keywords if model is not None else ():
                if kw.arg:
                    keywords.setdefault((rel, kw.lineno, kw.arg), model)
    if not keywords:
        return references
    out = []
    for ref in references:
        model = keywords.get((ref.file, ref.line, ref.spelling or ref.column))
        model = model if model is not None and _open(ref) else None
        table = _table(ref, model) if model is not None else None
        out.append(replace(ref, table=table, via=VIA, inferred=False) if table else ref)
    return out


def _names_any(text: str, names) -> bool:
    return any(name in text for name in names)


def _words(names) -> re.Pattern | None:
    """One of `names` as a word (`Query`, `models.Query`, `query_factory.create`, `.create_query`)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?!\w)") if names else None


def _bound(trees, models: Mapping[str, ModelInfo]) -> dict[str, ModelInfo]:
    """Module-level names assigned a call given a model (a name assigned calls of two models says
    nothing). A local one is a row or a query set (`line = get_object_or_404(OrderLine, pk=pk)`),
    whose methods take other things than the model's fields."""
    bound: dict[str, ModelInfo | None] = {}
    for tree in trees:
        for node in tree.body if isinstance(tree, ast.Module) else ():
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
                target, model = node.targets[0], _argument_model(node.value, models)
                if isinstance(target, ast.Name) and model is not None:
                    bound[target.id] = model if bound.get(target.id, model) is model else None
    return {name: model for name, model in bound.items() if model is not None}


def _wrappers(trees, models: Mapping[str, ModelInfo], bound: Mapping[str, ModelInfo]) -> dict[str, ModelInfo]:
    """Functions taking `**kwargs` that pass a `**` mapping to a call given a model or of a bound name."""
    wrappers: dict[str, ModelInfo | None] = {}
    for tree in trees:
        for node in breadth_first(tree) if tree is not None else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.kwarg is not None:
                for call in _calls(node):
                    model = _model_of(call, models, bound, {})
                    if model is not None and any(kw.arg is None for kw in call.keywords):
                        wrappers[node.name] = model if wrappers.get(node.name, model) is model else None
    return {name: model for name, model in wrappers.items() if model is not None}


def _calls(tree) -> list[ast.Call]:
    return [n for n in breadth_first(tree) if isinstance(n, ast.Call)] if tree is not None else []


def _model_of(call: ast.Call, models: Mapping[str, ModelInfo], bound: Mapping[str, ModelInfo],
              wrappers: Mapping[str, ModelInfo]) -> ModelInfo | None:
    """The model a call is about: given as an argument, or called through a name standing for it."""
    model = _argument_model(call, models)
    if model is not None:
        return model
    func = call.func
    owner = func.value if isinstance(func, ast.Attribute) else func
    if isinstance(owner, ast.Name) and owner.id in bound:  # `query_factory(...)`, `query_factory.create(...)`
        return bound[owner.id]
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return wrappers.get(name or "")


def _argument_model(call: ast.Call, models: Mapping[str, ModelInfo]) -> ModelInfo | None:
    for arg in call.args:
        name = arg.id if isinstance(arg, ast.Name) else arg.attr if isinstance(arg, ast.Attribute) else None
        model = models.get(name or "")
        if model is not None and model.table:
            return model
    return None
