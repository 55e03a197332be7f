"""Names whose calls return rows of a model without spelling it: factories (via "typed-receiver").

`user = UserFactory.create()` then `user.ip_address`, or `query = self.factory.create_query(schedule="1")`
then `query.schedule`: the call builds a row of the factory's model, so the name holds one, as it
would after `user = User(...)` (impact.extract.python.receivers). This module says which names
make rows, read from the files the scan reads; the typed-receiver walk follows them.
- a factory_boy factory (impact.extract.python.factory_calls: `Meta.model = M`): `F(...)`,
  `F.create(...)`, `F.build(...)`, `F.stub(...)` make a row, `F.create_batch(n)`, `F.build_batch(n)` rows;
- a module-level name assigned a call given the model (`query_factory = ModelFactory(Query, ...)`,
  impact.extract.python.model_argument_calls): `query_factory.create(...)`, `.build(...)` make a row
  (not a call of the name itself: `QueryForm = modelform_factory(Query)` makes forms);
- a function whose every `return` gives one of those calls, or calls the model class itself
  (`def create_query(self, **kwargs): ... return query_factory.create(**args)`): its calls
  (`create_query(...)`, `self.factory.create_query(...)`) make a row, unless it is spelled like a
  query's or a factory's own method (`create`, `get`, `first`: VOCABULARY).

Decisions:
- A name that makes rows of two models says nothing (dropped), as in model_argument_calls.
- A function is known by its name alone (a method is called on an instance whose class is not
  known): a name making rows of one model in one file and something else in another is dropped
  (a function returning anything else anywhere: a `return` that is not such a call).
- Only the files whose text can hold one are parsed: a factory class (factory_calls.declares_factory),
  a module-level assignment of a call naming a model class; for a `return` of a call of a factory, a
  bound name or a model class, only the functions holding one (blocks.functions_holding).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

from impact.extract.python.blocks import functions_holding
from impact.extract.python.factory_calls import declares_factory, factories_in
from impact.extract.python.model_argument_calls import _bound
from impact.extract.python.models import ModelInfo
from impact.extract.python.receivers import ONE_ROW, PAIRS, ROWS_KEPT
from impact.extract.python.relations import parsed
from impact.extract.python.tree import breadth_first

ONE = frozenset({"create", "build", "stub"})
MANY = frozenset({"create_batch", "build_batch"})
# A function spelled like a query's, a queryset's or a factory's own method (`get`, `create`) is not
# known by its name: `x.create(...)` is every class's.
VOCABULARY = ONE | MANY | ONE_ROW | ROWS_KEPT | PAIRS
# (role, model class): "factory" a factory_boy class, "bound" a name standing for a model, "returns" a function
Producer = tuple[str, str]


def row_producers(texts: Iterable[tuple[str, str]], models: Mapping[str, ModelInfo]) -> dict[str, Producer]:
    """Name -> (role, model class) for the names whose calls make rows of a model of `models`."""
    models = {name: m for name, m in models.items() if m.table}
    py = [(rel, text) for rel, text in texts if rel.endswith((".py", ".pyi"))]
    if not models or not py:
        return {}
    found: dict[str, Producer | None] = {}
    factories = {}
    for _, text in py:
        if declares_factory(text):
            factories.update(factories_in(text, models))
    for name, model in factories.items():
        _add(found, name, ("factory", _class_of(model, models)))
    trees = [parsed(text) for _, text in py if _assigns_a_call_given(text, models)]
    for name, model in _bound(trees, models).items():
        _add(found, name, ("bound", _class_of(model, models)))
    known = {name: p for name, p in found.items() if p is not None}
    makers = {**known, **models}
    for _, text in py:
        # Only the functions holding a `return M(...)` / `return F.create(...)` line are parsed
        # (blocks.functions_holding): a file parsed whole for them cost saleor's cold scan 3 s.
        lines = {text.count("\n", 0, m.start()) + 1 for m in _RETURN_CALL.finditer(text) if _makes(m.group(1), makers)} \
            if "return" in text else ()
        if lines:
            cut = functions_holding(text, lines, trim=False)
            for name, model in _returning_functions(parsed(cut) if cut is not None else parsed(text), known, models):
                if name not in VOCABULARY:
                    _add(found, name, ("returns", model) if model else None)
    return {name: p for name, p in found.items() if p is not None}


# Fixed patterns, led by a literal (`re` skips ahead to it); the names are checked in Python, not in an
# alternation of every model class (one with a lookbehind cost 0.85 s over saleor's 10 MB).
_RETURN_CALL = re.compile(r"return[ \t]+(?:await[ \t]+)?([\w.]+)[ \t]*\(")
_MODULE_CALL = re.compile(r"\n\w+[ \t]*=[ \t]*[\w.]+[ \t]*\(")
_WORD = re.compile(r"\w+")


def _makes(called: str, makers: Mapping[str, object]) -> bool:
    """`Query`, `models.Query`, `query_factory.create`, `TicketFactory.build`: a call making a row."""
    parts = called.split(".")
    return parts[-1] in makers or (len(parts) > 1 and parts[-1] in ONE | MANY and parts[-2] in makers)


def _assigns_a_call_given(text: str, models: Mapping[str, ModelInfo]) -> bool:
    """A module-level `name = f(..., M, ...)` (what model_argument_calls._bound reads), M a model
    class among the call's first arguments, before any other bracket."""
    text = "\n" + text  # the first line is a line too
    for match in _MODULE_CALL.finditer(text):
        window = text[match.end():match.end() + 200]
        cut = min((at for at in (window.find("("), window.find(")")) if at >= 0), default=len(window))
        if any(word in models for word in _WORD.findall(window, 0, cut)):
            return True
    return False


def made(node: ast.Call, producers: Mapping[str, Producer]) -> tuple[str, str] | None:
    """What a call makes through `producers`: ("row" | "rows", model class), or None."""
    func = node.func
    if type(func) is ast.Name:
        producer = producers.get(func.id)
        if producer is not None and producer[0] in ("factory", "returns"):
            return ("row", producer[1])
        return None
    if type(func) is not ast.Attribute:
        return None
    owner = func.value.id if type(func.value) is ast.Name else func.value.attr if type(func.value) is ast.Attribute else None
    producer = producers.get(owner or "")
    if producer is not None and producer[0] in ("factory", "bound"):
        if func.attr in ONE:
            return ("row", producer[1])
        if func.attr in MANY and producer[0] == "factory":
            return ("rows", producer[1])
    producer = producers.get(func.attr)
    if producer is not None and producer[0] == "returns":
        return ("row", producer[1])
    return None


def _add(found: dict[str, Producer | None], name: str, producer: Producer | None) -> None:
    found[name] = producer if found.get(name, producer) == producer else None


def _class_of(model: ModelInfo, models: Mapping[str, ModelInfo]) -> str:
    return next((name for name, m in models.items() if m is model), model.name)


def _returning_functions(tree: ast.AST | None, producers: Mapping[str, Producer],
                         models: Mapping[str, ModelInfo]) -> list[tuple[str, str | None]]:
    """(function name, model class or None) for each function returning a row-making call: None
    when its returns make rows of several models or something else as well."""
    out = []
    for node in breadth_first(tree) if tree is not None else ():
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        kinds = set()
        for ret in _returns(node):
            value = ret.value
            if isinstance(value, ast.Await):
                value = value.value
            kind = None
            if isinstance(value, ast.Call):
                func = value.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if name in models and models[name].table:
                    kind = ("row", name)
                else:
                    kind = made(value, {n: p for n, p in producers.items() if p[0] != "returns"})
            kinds.add(kind)
        if kinds and None not in kinds:
            if len(kinds) == 1 and next(iter(kinds))[0] == "row":
                out.append((node.name, next(iter(kinds))[1]))
            else:
                out.append((node.name, None))
        elif any(k is not None for k in kinds):
            out.append((node.name, None))
    return out


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Return]:
    """The function's own `return` statements (not those of functions or classes nested in it)."""
    found, pending = [], list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            found.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
    return found
