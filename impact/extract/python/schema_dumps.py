"""Keys of a dict dumped from a bound schema's object: the model's fields (via "model-class").

prefect's API hydrates a deployment before writing it: `deployment_dict =
deployment.dict(exclude={"work_pool_name"})`, `deployment_dict["work_pool_queue_id"] = ...`, then
`schemas.core.Deployment(**deployment_dict)`; its model layer does the same before
`sa.update(db.Deployment).values(**update_data)` (4 lines the authors changed with
`deployment.work_pool_queue_id`'s drop, one of them labelled db in the adjudicated sample). The
object's class is bound to the model (impact.extract.python.orm_schemas), so the dict's keys are
the model's fields.

Decisions:
- The object is a parameter of the enclosing function whose annotation names a bound class
  (`deployment: schemas.actions.DeploymentUpdate`, `Optional[DeploymentUpdate]`); the dict is a name
  that function assigns a dump of it (`.dict(`, `.model_dump(`, `.model_dump_for_orm(`).
- Its keys are the strings subscripting it (`d["col"]`, over several lines too) and the strings of
  the dump call's `include=` / `exclude=`; only where the model maps the changed column by that name.
- A file is parsed only when it names a bound class and a dump, and holds an open string reference.
Known limit (xfail in tests/test_orm_schemas.py): a dict passed on to another function, or dumped from an object that is not a parameter
(a local built in the function), is not followed.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import replace

from impact.extract.python.factory_calls import _table
from impact.extract.python.orm_schemas import VIA, Schema
from impact.extract.python.relations import parsed
from impact.model import ColumnReference

DUMPS = frozenset({"dict", "model_dump", "model_dump_for_orm"})


def attribute_dumped_keys(references: list[ColumnReference], texts: Mapping[str, str],
                          schemas: Iterable[Schema]) -> list[ColumnReference]:
    """Name-only strings keying a dict dumped from a parameter typed with a bound class."""
    bound = {s.name: s for s in schemas}
    files = {r.file for r in references if _open(r)}
    if not bound or not files:
        return references
    keys: dict[tuple[str, int, str], Schema] = {}
    for rel in files:
        text = texts.get(rel, "")
        if any(f".{dump}(" in text for dump in DUMPS) and any(name in text for name in bound):
            keys.update({(rel, line, key): schema for (line, key), schema in _keys(parsed(text), bound).items()})
    if not keys:
        return references
    out = []
    for ref in references:
        schema = keys.get((ref.file, ref.line, ref.spelling or ref.column)) if _open(ref) else None
        table = _table(ref, schema.model) if schema is not None else None
        out.append(replace(ref, table=table, via=VIA, inferred=False) if table else ref)
    return out


def _open(ref: ColumnReference) -> bool:
    return ref.via == "name-only" and ref.table is None and ref.context == "string" and not ref.generated \
        and ref.file.endswith((".py", ".pyi"))


def _keys(module: ast.Module | None, bound: Mapping[str, Schema]) -> dict[tuple[int, str], Schema]:
    found: dict[tuple[int, str], Schema] = {}
    for function in (n for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))) if module else ():
        typed = {a.arg: s for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)
                 if a.annotation is not None and (s := _named(a.annotation, bound)) is not None}
        if not typed:
            continue
        dicts: dict[str, Schema] = {}
        for node in ast.walk(function):
            call = node.value if isinstance(node, ast.Assign) else node
            dumped = _dump_of(call, typed)
            if dumped is None:
                continue
            for keyword in call.keywords:
                if keyword.arg in ("include", "exclude"):
                    found.update({(c.lineno, c.value): dumped for c in ast.walk(keyword.value) if _is_str(c)})
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                dicts[node.targets[0].id] = dumped
        for node in ast.walk(function) if dicts else ():
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in dicts and _is_str(node.slice):
                found[(node.slice.lineno, node.slice.value)] = dicts[node.value.id]
    return found


def _dump_of(node: ast.AST, typed: Mapping[str, Schema]) -> Schema | None:
    """`param.model_dump(...)` of a typed parameter: its class."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DUMPS \
            and isinstance(node.func.value, ast.Name):
        return typed.get(node.func.value.id)
    return None


def _named(annotation: ast.expr, bound: Mapping[str, Schema]) -> Schema | None:
    """The bound class an annotation names (`schemas.actions.X`, `Optional[X]`, `"X"`), if one only."""
    names = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(annotation) if isinstance(n, (ast.Name, ast.Attribute))}
    names |= {n.value.rsplit(".", 1)[-1] for n in ast.walk(annotation) if _is_str(n)}
    found = {bound[name].model.name: bound[name] for name in names if name in bound}
    return next(iter(found.values())) if len(found) == 1 else None


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
