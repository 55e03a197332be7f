"""Classes bound to one model: names of its fields written in them are that model's (via "model-class").

Django and its ecosystem tie a class to one model by a class attribute `model = M`, on the class
itself (generic views, DRF viewsets' tests, netbox's view test cases) or on its inner `Meta`
(ModelForm, DRF ModelSerializer, django-filter FilterSet, django-tables2 Table, factory_boy
factories), by registering it for the model (`admin.site.register(M, MAdmin)`) or by a decorator
given the model (`@admin.register(M)`, strawberry-django's
`@strawberry_django.type(M)` / `filter_type(M)`). Such a class lists, declares and reads the
model's fields by name: `fields = ('id', 'key', ...)`, `key = forms.CharField(...)`,
`self.fields['key']`, `{'rear_port_position': 1}` posted by the test case. A model class is bound to
itself: `ordering = ("id",)`, `self.save(update_fields=["total_paid_amount"])`,
`MoneyField(amount_field="captured_value")` name its own fields; a dict key in its methods
(`d["options"] = ...` in to_dict()) is an API payload's, not taken.

Decisions:
- Where: at the class's own level (its attributes and inner classes) the fields it declares
  (`key = forms.CharField(`, `device: DeviceType | None`), keys and strings are taken; inside its
  methods only string literals (`self.fields['key']`, `data['device']`,
  `cleaned_data.get('device')`): a method's bare `key` is as often a local variable. A method's
  decorators are part of it: `@extend_schema(description="…")` names the decorator's parameter.
- Which names: a name the bound model maps to the changed column (its attribute, `author_id`),
  or the changed column itself when the bound model maps the changed table (a field inherited
  from a base outside the repository, `AbstractUser.is_staff`, is not declared in it).
- A class bound to a model of another table takes the name for that table (never evidence for
  the changed one): `fields = ('key', ...)` of another model's form is not about this column.
- The innermost bound class holding the line wins (a form nested in a test case).
Known limit (xfail test in tests/test_model_classes.py): a class that inherits its `model` from
a base class is not bound.
Known limit (xfail test in tests/test_cold_prechecks.py): the file is parsed only when its text
shows a binding (`BINDING`: a `model =` line, a `register(` call, a binding decorator given a name);
a file binding a class only by a one-line `class Meta: model = M` is not read.
"""
from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from impact import pickle_cache
from impact.collector import no_cycle_collection
from impact.cache import _source_hash
from impact.extract.python.models import ModelInfo
from impact.extract.python.blocks import parsed_skeleton
from impact.extract.python.tree import bound_model_name
from impact.model import ColumnReference

# Decorators whose first argument is the class's model: `@admin.register(M)`, strawberry-django.
CODE = ("extract/python/model_classes.py", "extract/python/relations.py", "extract/python/models.py", "extract/python/class_readers.py", "extract/python/blocks.py",
        "extract/python/sites.py", "extract/python/class_factories.py")
BINDING_DECORATORS = frozenset({"register", "type", "filter", "filter_type", "input", "partial", "order", "order_type"})
# What a file binding a class to a model holds somewhere (a model's own file is read anyway): a
# `model =` line, a `register(` call, or one of BINDING_DECORATORS given a name first — only those
# (`@admin.register(M)`, not `@patch.object(Logger, ...)`: 10 of saleor DROP's 31 parsed files,
# 26k lines of tests and helpers, matched by such decorators alone and bound nothing).
_DECORATOR = rf"@(?:[\w.]*\.)?(?:{'|'.join(sorted(BINDING_DECORATORS))})\(\s*[\w.]+\s*[,)]"
BINDING = re.compile(rf"^[ \t]*model\s*=|\bregister\(|^[ \t]*{_DECORATOR}", re.M)
# BINDING's line-led branches after a newline (a literal first: re scans for it instead of trying
# every branch at every offset, ~13x faster on saleor's files) and its `register(` branch.
_BINDING_LINE = re.compile(rf"\n[ \t]*(?:model\s*=|{_DECORATOR})")
_REGISTER = re.compile(r"\bregister\(")
# A bound class: its first and last line, its methods' line ranges, its model, whether it is the model itself.
Bound = tuple[int, int, list[tuple[int, int]], ModelInfo, bool]


def attribute_model_classes(references: list[ColumnReference], texts: Iterable[tuple[str, str]],
                            models: Mapping[str, ModelInfo], tables: Iterable[str], use_cache: bool = False) -> list[ColumnReference]:
    """Name-only references in Python classes bound to a model: that model's table (via "model-class").
    The bound classes of the files read are kept between scans (impact.pickle_cache), keyed by those
    files' texts, the models and this module's code: a warm scan parses none of them again."""
    open_files = {r.file for r in references if _open(r)}
    if not open_files or not models:
        return references
    affected = {t.lower() for t in tables}
    model_files = {m.file for m in models.values()}
    # a cheap look first: most files naming a changed column bind no class (saleor's `id`: ~1,000 files)
    read = {rel: text for rel, text in texts if rel in open_files and (rel in model_files or binds(text))}
    bound = _bound_in(read, models, use_cache)
    out = []
    for ref in references:
        model = _model_at(ref, bound.get(ref.file, ())) if _open(ref) else None
        table = _table_for(ref, model, affected) if model is not None else None
        out.append(replace(ref, table=table, via="model-class", inferred=False) if table else ref)
    return out


def _bound_in(read: Mapping[str, str], models: Mapping[str, ModelInfo], use_cache: bool) -> dict[str, list[Bound]]:
    where = pickle_cache.folder("model-classes", use_cache) if read else None
    key = _key(read, models) if where is not None else None
    kept = pickle_cache.load(where, key, dict)
    if kept is None:
        by_object = {id(model): name for name, model in models.items()}
        kept = {rel: [(a, b, methods, by_object[id(model)], itself) for a, b, methods, model, itself in _bound_classes(rel, text, models)]
                for rel, text in read.items()}
        pickle_cache.store(where, key, kept)
    # kept by the model's name in `models` (part of the key), so a hit never holds a stale ModelInfo
    return {rel: [(a, b, methods, models[name], itself) for a, b, methods, name, itself in found] for rel, found in kept.items()}


def _key(read: Mapping[str, str], models: Mapping[str, ModelInfo]) -> str:
    digest = hashlib.sha256(("model-classes\0" + _source_hash(CODE)).encode())
    digest.update(repr(sorted(models.items())).encode())
    for rel in sorted(read):
        digest.update(b"\1" + rel.encode("utf-8", "surrogateescape") + b"\0" + read[rel].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def binds(text: str) -> bool:
    """`BINDING.search(text)`, faster: it was 0.3 s of a cold saleor DROP (421 files)."""
    return _BINDING_LINE.search(text) is not None or ("register(" in text and _REGISTER.search(text) is not None) \
        or (text[:1] in ("m", "@", " ", "\t") and BINDING.match(text) is not None)


def _open(ref: ColumnReference) -> bool:
    return ref.via == "name-only" and ref.table is None and ref.file.endswith((".py", ".pyi")) and not ref.generated \
        and ref.context in ("string", "identifier", "property")


def _model_at(ref: ColumnReference, classes: Iterable[Bound]) -> ModelInfo | None:
    """The innermost bound class holding the line; inside one of its methods, string literals only."""
    holding = [c for c in classes if c[0] <= ref.line <= c[1]]
    if not holding:
        return None
    start, end, methods, model, itself = max(holding, key=lambda c: c[0])
    if any(a <= ref.line <= b for a, b in methods):
        if itself and _keyed(ref):
            return None  # `d["options"] = self.options...` in the model's to_dict(): a payload's key
        return model if ref.context == "string" else None
    if ref.context == "identifier" and not _declared_here(ref):
        return None  # a word of a help text, an argument's value: not the field's declaration
    return model


def _keyed(ref: ColumnReference) -> bool:
    """`["name"]` or `"name":`: a dict's key (redash's models build their API payloads in to_dict():
    the authors remapped `options` and kept every such key)."""
    name = re.escape(ref.spelling or ref.column)
    return re.search(rf"""[\w)\]]\[\s*(['"]){name}\1\s*\]|(['"]){name}\2\s*:""", ref.snippet) is not None


def _declared_here(ref: ColumnReference) -> bool:
    """`key = forms.CharField(`, `device: Annotated[...] | None = ...`: the class declares the field."""
    return re.match(rf"{re.escape(ref.spelling or ref.column)}\s*(?::|=(?!=))", ref.snippet) is not None


def _table_for(ref: ColumnReference, model: ModelInfo, affected: set[str]) -> str | None:
    name = ref.spelling or ref.column
    mapped = model.column_for(name)
    if mapped is not None:
        return model.table if mapped.lower() == ref.column.lower() else None
    if name == ref.column and model.table and model.table.lower() in affected:
        return model.table  # not declared in the repository (inherited from a library's base)
    return None


def _bound_classes(rel: str, text: str, models: Mapping[str, ModelInfo]) -> list[Bound]:
    # The collector paused: each whole-file tree set off collections that traversed it (~0.035 s of
    # a cold saleor DROP's 21 files); it is freed when _bound_in_tree returns, before the pause ends.
    # Only classes, their bodies and module-level calls are read, and the methods' first and last
    # lines: a function's body is not parsed (blocks.functions_blanked keeps those lines).
    with no_cycle_collection():
        return _bound_in_tree(rel, parsed_skeleton(text), models)


def _bound_in_tree(rel: str, module: ast.Module | None, models: Mapping[str, ModelInfo]) -> list[Bound]:
    if module is None:
        return []
    registered = _registered(module, models)
    found = []
    for node in _classes(module):
        own = models.get(node.name)
        itself = own is not None and own.file == rel and own.line == node.lineno
        model = own if itself else registered.get(node.name) or _bound_model(node, models)
        if model is not None and model.table:
            # a method's decorators are its own (plane's `@extend_schema(description="…")` on a
            # viewset's method names the decorator's parameter, not the model's field)
            methods = [(min([f.lineno, *(d.lineno for d in f.decorator_list)]), f.end_lineno or f.lineno) for f in node.body
                       if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
            found.append((node.lineno, node.end_lineno or node.lineno, methods, model, itself))
    return found


def _classes(module: ast.Module) -> list[ast.ClassDef]:
    """Every class of the module, at any depth. A class is a statement: only statement lists are
    walked (bodies, branches, handlers, match cases), not the expressions ast.walk also visits
    (~4x fewer nodes). The order differs from ast.walk's, which _model_at does not depend on."""
    found, lists = [], [module.body]
    while lists:
        for statement in lists.pop():
            if type(statement) is ast.ClassDef:
                found.append(statement)
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(statement, name, None)
                if type(inner) is list:
                    lists.append(inner)
            for part in getattr(statement, "handlers", None) or getattr(statement, "cases", None) or ():
                lists.append(part.body)
    return found


def _registered(module: ast.Module, models: Mapping[str, ModelInfo]) -> dict[str, ModelInfo]:
    """`admin.site.register(Profile, ProfileAdmin)`: the admin class -> the model it is registered for."""
    found = {}
    for statement in module.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(call, ast.Call) and _last_name(call.func) == "register" and len(call.args) == 2:
            model, admin = models.get(_last_name(call.args[0]) or ""), _last_name(call.args[1])
            if model is not None and admin:
                found[admin] = model
    return found


def _bound_model(node: ast.ClassDef, models: Mapping[str, ModelInfo]) -> ModelInfo | None:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and decorator.args and _last_name(decorator.func) in BINDING_DECORATORS:
            model = models.get(_last_name(decorator.args[0]) or "")
            if model is not None:
                return model
    for body in (node.body, *(c.body for c in node.body if isinstance(c, ast.ClassDef) and c.name == "Meta")):
        for statement in body:
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model" for t in statement.targets):
                model = models.get(bound_model_name(statement.value) or "")
                if model is not None:
                    return model
    return None


def _last_name(node: ast.expr) -> str | None:
    """`M` / `models.M` -> "M"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None
