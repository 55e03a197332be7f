"""Pydantic schemas bound to an ORM model: their fields and their calls' keywords are the model's (via "model-class").

A FastAPI-style project mirrors each ORM model with pydantic classes the ORM writes or reads:
prefect's server schemas `class FlowRun(ORMBaseModel)` (read from rows: `FlowRun.model_validate(row)`,
written as `db.FlowRun(**flow_run.model_dump_for_orm())`), `VariableCreate` / `VariableUpdate`
(`sa.update(db.Variable).values(**variable.model_dump())`) and `VariableFilter` (its field `value`
builds `db.Variable.value.in_(...)`). A class is bound to model M when
- its name is M's, or M's followed by one of READ_SUFFIXES (`FlowRunResponse`), and it reads rows:
  ORM mode on it or a base (impact.extract.python.orm_mode); or
- its name is M's followed by one of SUFFIXES (`FlowRunNotificationPolicyUpdate`, `VariableFilter`);
and, either way, it is pydantic's (it or a base declared in a module importing pydantic or SQLModel)
and lies in M's package: under the folder holding M's module's folder (prefect's
models in src/prefect/server/database/, its server schemas in src/prefect/server/schemas/). The
client's classes of the same names (src/prefect/client/schemas/, ORM mode on too) are an API's
payloads, labelled not-db in the adjudicated sample: not bound.
What is taken, only where the model maps the changed column by that name (factory_calls._table):
- a field the bound class declares at its own level (`value: Optional[str] = Field(`, `work_pool_queue_id: UUID`);
- a keyword of a call of a suffixed class (`schemas.actions.VariableCreate(value=...)`,
  `VariableFilter(value=VariableFilterValue(...))`) in its own file or in a file importing its module
  (a dotted path of an import is part of the class's file's: `from prefect.server.schemas.filters
  import VariableFilter`, `from prefect.server import schemas`). A call of a class named as its
  model (`schemas.core.FlowRun(work_pool_queue_id=...)`) is left to the typed receivers
  (impact.extract.python.typed_references), which take it as the model's constructor already.
- for a dropped table, each line naming a bound class in such a file, and each use of a
  parameter typed with one (impact.extract.python.schema_names).
Measured (bench/accuracy, the six Alembic projects, with schema_dumps and schema_names): prefect's mined
recall 26 -> 55 of 176 lines, no false positive added (its DROP TABLE: 1 -> 24 of 27); polar +1
(`OrganizationUpdate.notification_settings`); warehouse, redash, ctfd and mealie unchanged, and so are
the Django projects using pydantic (saleor, healthchecks). Adjudicated sample: 38 -> 43 of 49 DB-reaching lines.
Cost: a file is parsed only when one of its classes binds, told from the texts first (its name, its
bases followed through the project's modules: saleor's GraphQL mutations `CheckoutCreate(ModelMutation)`
are named so, and are no pydantic classes); the parse is kept between scans (impact.pickle_cache) keyed
by those files' texts, the models and this code. saleor DROP: 14-16 ms a scan (bench/scan_speed.md).
Known limits (xfail tests in tests/test_orm_schemas.py): `self.value` in a bound class's method
(prefect's VariableFilter._get_filter_list) is not followed; a class bound only by how the project
writes it (`db.M(**x.model_dump())` of an `x` of another name) is not bound.
"""
from __future__ import annotations

import ast
import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from impact import pickle_cache
from impact.cache import _source_hash
from impact.collector import no_cycle_collection
from impact.extract.python.blocks import parsed_skeleton
from impact.extract.python.factory_calls import CALL_LINES, _open as _open_keyword, _table
from impact.extract.python.model_classes import _classes, _declared_here, _open
from impact.extract.python.models import ModelInfo
from impact.extract.python.orm_mode import OrmMode
from impact.model import ColumnReference
from impact.orm.wrappers import called_wrapper

VIA = "model-class"
SUFFIXES = ("Create", "Update", "Filter")
# Suffixes of classes that carry a model's rows out (prefect's `FlowRunResponse(ORMBaseModel)`): bound
# only with ORM mode on, as a class named as its model is.
READ_SUFFIXES = ("Response", "Read")
CODE = ("extract/python/orm_schemas.py", "extract/python/blocks.py", "extract/python/model_classes.py")
_CLASS = re.compile(r"class[ \t]+(\w+)")  # led by its literal: a `^`-led pattern took 0.15 s on saleor's 516 files
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w.]+))", re.M)


@dataclass(frozen=True)
class Schema:
    """A class bound to a model: its name, file, first and last line, its methods' line ranges, the model."""
    name: str
    file: str
    first: int
    last: int
    methods: tuple[tuple[int, int], ...]
    model: ModelInfo

    @property
    def suffixed(self) -> bool:
        return self.name != self.model.name


def schema_classes(texts: Mapping[str, str], models: Mapping[str, ModelInfo], read: Callable[[str], str | None],
                   use_cache: bool = False) -> list[Schema]:
    """The classes of `texts` bound to one of `models` (class name -> ModelInfo); `read(rel)`: any
    file of the repository (a base class's module), None if absent."""
    models = {name: m for name, m in models.items() if m.table}
    if not models:
        return []
    model_files = {m.file for m in models.values()}
    orm_mode = OrmMode(lambda rel: texts.get(rel) if rel in texts else read(rel))
    # Only files with a class that binds are parsed: what binds is told from the texts (its name, its
    # bases' modules); saleor's GraphQL mutations `CheckoutCreate(ModelMutation)` are named so too.
    wanted = {rel: text for rel, text in texts.items() if rel.endswith((".py", ".pyi")) and rel not in model_files
              and any(_binds(rel, text, name, models, orm_mode) for name in set(_CLASS.findall(text)))}
    where = pickle_cache.folder("orm-schemas", use_cache) if wanted else None
    key = _key(wanted, models) if where is not None else None
    found = pickle_cache.load(where, key, dict)
    if found is None:
        with no_cycle_collection():
            found = {rel: _candidates(parsed_skeleton(text), models) for rel, text in wanted.items()}
        pickle_cache.store(where, key, found)
    return [Schema(name, rel, first, last, methods, models[model_name]) for rel, classes in found.items()
            for name, first, last, methods, model_name in classes if _binds(rel, wanted[rel], name, models, orm_mode)]


def _binds(rel: str, text: str, name: str, models: Mapping[str, ModelInfo], orm_mode: OrmMode) -> bool:
    model_name = _model_named(name, models)
    if model_name is None or not _local(rel, models[model_name]):
        return False
    if (name == model_name or name.endswith(READ_SUFFIXES)) and not orm_mode.enabled(rel, text, name):
        return False  # a class named as the model that reads no rows: another thing of that name
    # a Django view or a GraphQL mutation `ProductUpdate` is not pydantic's: bound by its `model =` if at all
    return orm_mode.pydantic(rel, text, name)


def _model_named(name: str, models: Mapping[str, ModelInfo]) -> str | None:
    if name in models:
        return name
    for suffix in (*SUFFIXES, *READ_SUFFIXES):
        if name.endswith(suffix) and name[:-len(suffix)] in models:
            return name[:-len(suffix)]
    return None


def _candidates(module: ast.Module | None, models: Mapping[str, ModelInfo]) -> list[tuple]:
    found = []
    for node in _classes(module) if module is not None else ():
        model = _model_named(node.name, models)
        if model is not None and node.bases:
            methods = tuple((min([f.lineno, *(d.lineno for d in f.decorator_list)]), f.end_lineno or f.lineno) for f in node.body
                            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)))
            found.append((node.name, node.lineno, node.end_lineno or node.lineno, methods, model))
    return found


def _key(wanted: Mapping[str, str], models: Mapping[str, ModelInfo]) -> str:
    digest = hashlib.sha256(("orm-schemas\0" + _source_hash(CODE)).encode())
    digest.update(repr(sorted(models)).encode())
    for rel in sorted(wanted):
        digest.update(b"\1" + rel.encode("utf-8", "surrogateescape") + b"\0" + wanted[rel].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _local(rel: str, model: ModelInfo) -> bool:
    """Under the folder holding the model's module's folder (the model's package)."""
    root = posixpath.dirname(posixpath.dirname(model.file))
    return not root or rel.startswith(root + "/")


def attribute_schema_classes(references: list[ColumnReference], texts: Mapping[str, str],
                             schemas: Iterable[Schema]) -> list[ColumnReference]:
    """Name-only fields bound classes declare, and keywords of calls of suffixed bound classes."""
    schemas = list(schemas)
    if not schemas:
        return references
    by_file: dict[str, list[Schema]] = {}
    for schema in schemas:
        by_file.setdefault(schema.file, []).append(schema)
    called = {s.name: s for s in schemas if s.suffixed}
    pattern = re.compile(r"(?<![\w$])(" + "|".join(map(re.escape, sorted(called, key=len, reverse=True))) + r")\s*\(") if called else None
    lines_of: dict[str, list[str]] = {}
    out = []
    for ref in references:
        model = _declaring(ref, by_file.get(ref.file, ())) if _open(ref) else None
        if model is None and pattern is not None and _open_keyword(ref):
            lines = lines_of.setdefault(ref.file, texts.get(ref.file, "").splitlines())
            name = called_wrapper(lines, ref.line, ref.spelling or ref.column, pattern, CALL_LINES) if lines else None
            model = called[name].model if name and imports_module(ref.file, texts.get(ref.file, ""), called[name].file) else None
        table = _table(ref, model) if model is not None else None
        out.append(replace(ref, table=table, via=VIA, inferred=False) if table else ref)
    return out


def _declaring(ref: ColumnReference, schemas: Iterable[Schema]) -> ModelInfo | None:
    """The bound class declaring the field at its own level on the reference's line (the innermost)."""
    if ref.context not in ("identifier", "property") or not _declared_here(ref):  # `value: str` reads as a property
        return None
    holding = [s for s in schemas if s.first <= ref.line <= s.last and not any(a <= ref.line <= b for a, b in s.methods)]
    return max(holding, key=lambda s: s.first).model if holding else None


def imports_module(rel: str, text: str, schema_file: str) -> bool:
    """`rel` is the class's own file, or imports its module or a package at most two levels above it
    (`from prefect.server.schemas.actions import X`, `from prefect.server import schemas`; not
    `import prefect`, which every file of the project could say: prefect's client named its own
    `FlowRunNotificationPolicyCreate` so, 13 lines of the dropped table's case)."""
    if rel == schema_file:
        return True
    parts = schema_file.rsplit(".", 1)[0].split("/")
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    for absolute, plain in _IMPORT.findall(text):
        module = absolute or plain
        if module.startswith("."):  # relative: from the importing file's folder
            dots = len(module) - len(module.lstrip("."))
            folder = posixpath.dirname(rel)
            for _ in range(dots - 1):
                folder = posixpath.dirname(folder)
            module = ".".join(p for p in (folder.replace("/", "."), module.lstrip(".")) if p)
        wanted = module.split(".")
        if any(parts[end - len(wanted):end] == wanted for end in range(max(len(parts) - 2, len(wanted)), len(parts) + 1)):
            return True
    return False
