"""ORM models defined in a Python file: which table each maps, and through which columns.

Covers SQLAlchemy declarative classes (`__tablename__` + `Column`/`mapped_column`/`Mapped[...]`),
SQLAlchemy Core `Table("t", metadata, Column("c", ...))`, SQLModel `table=True` classes and
Django `models.Model` subclasses (and custom user models on django.contrib.auth's abstract ones,
whose fields are known: DJANGO_AUTH_BASES).
Inheritance is followed here within the file (mixins, abstract bases, single-table inheritance).
A SQLAlchemy class whose table a base of another file computes (`__tablename__` a `declared_attr`:
python.waiting_models) is listed with `table=None`; impact/orm/computed_tables.py names its table.
A model whose bases come from other files lists where they come from (`bases`), and the classes
that only lend columns (a Django abstract model, a SQLAlchemy mixin) are listed too when `unnamed`:
impact/orm/inherited_columns.py adds their columns to the models across files.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import ast

from impact.extract.python.class_readers import (DJANGO_NOT_COLUMNS, DJANGO_RELATIONS_WITH_ID, _assignments, _body_statements,
                                                  _declarations, _dict_items, _django_field, _is_mapped, _keyword_is_true,
                                                  _meta_true, _sqlalchemy_column, _sqlalchemy_column_name)
from impact.extract.python.blocks import names_a_model
from impact.extract.python.class_factories import declared_attr_column, factory_bases, is_declarative_base
from impact.extract.python.facts import ClassFacts, Facts
from impact.extract.python.literals import literal_text
from impact.extract.python import waiting_models
from impact.extract.python.tree import full_name, is_true, keyword, last_name

FLASK_MODEL = re.compile(r"^\w+\.Model$")  # Flask-SQLAlchemy's `db.Model`
DJANGO_BASES = frozenset({"models.Model", "Model", "django.db.models.Model"})
# django.contrib.auth's abstract models: a custom user model's columns it inherits from outside the
# repository (netbox's `class User(AbstractUser)` drops `is_staff`).
_BASE_USER = ("password", "last_login")
DJANGO_AUTH_BASES = {"AbstractBaseUser": _BASE_USER, "PermissionsMixin": ("is_superuser",),
                     "AbstractUser": (*_BASE_USER, "is_superuser", "username", "first_name", "last_name", "email",
                                      "is_staff", "is_active", "date_joined")}


@dataclass(frozen=True)
class ModelInfo:
    """One model class (or Core `Table` variable) and the table it maps."""

    name: str  # class name, or the variable holding a Core Table
    table: str | None  # None: not known from this file (e.g. a Django model at the repo root)
    file: str
    line: int
    framework: str  # "sqlalchemy" | "sqlalchemy-core" | "sqlmodel" | "django"
    columns: tuple[str, ...]  # mapped columns, declaration order (inherited ones first)
    # Python-side names -> column: attribute names, Django's `author_id` attname and `pk`.
    attributes: tuple[tuple[str, str], ...] = ()
    primary_key: tuple[str, ...] = ()
    schema: str | None = None
    # SQLAlchemy columns with a Python-side `default=`: every INSERT of the model writes them.
    client_defaults: tuple[str, ...] = ()
    # Listed with table None (python.waiting_models): its bases' origins, computed `__tablename__`, `__abstract__`.
    bases: tuple[str, ...] = ()
    table_rule: str | None = None
    abstract: bool = False
    # Columns inherited from a base of another file (impact.orm.inherited_columns):
    # (attribute, the base's file, the base's class line), where the declaration is.
    inherited: tuple[tuple[str, str, int], ...] = ()
    # A Django model whose table is `<app label>_<model>` by default: its app's folder, whose
    # apps.py may set another label than the folder's name (python.app_labels).
    app_folder: str | None = None

    def column_for(self, attribute: str) -> str | None:
        return dict(self.attributes).get(attribute)


@dataclass
class _ClassModel:
    """What a class body declares, before inheritance and table names are settled."""

    name: str
    line: int
    framework: str | None = None
    table: str | None = None
    schema: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    meta: dict[str, ast.expr] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)
    client_defaults: list[str] = field(default_factory=list)
    abstract: bool = False  # SQLAlchemy's `__abstract__ = True`
    flask: bool = False  # derives from Flask-SQLAlchemy's `db.Model` (directly or through same-file bases)
    table_rule: str | None = None  # a computed `__tablename__` (own or a same-file base's): table_naming
    origins: list[str] = field(default_factory=list)  # bases from other files (table_naming.origin_of)


# What a file declaring a model must spell (see may_declare_models).
# models.Model, Model, django.db.models.Model, and Django's auth bases (`class User(AbstractUser)`).
# Each a whole word: found as a substring (blocks.names_a_model), then its boundaries checked; the
# pattern `(?<!\w)(?:Model|...)(?!\w)` is led by no literal and tried every offset (4x slower, issue 13).
_MODEL_BASES = frozenset({"Model", *DJANGO_AUTH_BASES})
_DJANGO_FIELD = re.compile(r"models(?:\s|\\|#[^\n]*)*\.(?:\s|\\|#[^\n]*)*(?:fields\s*\.\s*)?\w*(?:Field|ForeignKey|ParentalKey)(?!\w)")
# `from django.db.models import ForeignKey, JSONField` (bookwyrm's import jobs): apart, as its `^` would
# make _DJANGO_FIELD try every line; searched only in a text spelling `django.db.models`.
_DJANGO_FIELD_IMPORT = re.compile(r"^\s*from\s+django\.db\.models\s+import\s+[^\n]*?(?:Field|ForeignKey)\b", re.MULTILINE)


def may_declare_models(text: str) -> bool:
    """False when `find_models` finds nothing in the text, told without parsing it (the scan's
    model markers also match `model = models.Order` in a graphene type: saleor has ~20 such files).
    A model needs a table or Django: `__tablename__` (SQLAlchemy, inherited ones included),
    `SQLModel`, a Core `Table(`, a Django base `Model` (or an auth base: `AbstractUser`...) as a whole word, or a `models.<...>Field(`,
    `models.ForeignKey(` or `models.ParentalKey(` declaration (spaces, comments and `\\` line
    breaks allowed around the dot), or a SQLAlchemy column (`Column(`, `mapped_column`, `Mapped[`: a
    class whose table a base of another file computes declares no `__tablename__`)."""
    return ("__tablename__" in text or "SQLModel" in text or "Table" in text or "Column(" in text
            or "mapped_column" in text or "Mapped[" in text
            or names_a_model(text, _MODEL_BASES) or _DJANGO_FIELD.search(text) is not None
            or ("django.db.models" in text and _DJANGO_FIELD_IMPORT.search(text) is not None))


def find_models(facts: Facts, unnamed: bool = False) -> list[ModelInfo]:
    """The file's models. `unnamed`: also the SQLAlchemy classes listed without a table (mixins,
    declarative bases, models whose table a base of another file may compute: _model_info)."""
    declared: dict[str, _ClassModel] = {}
    models: list[ModelInfo] = []
    naming = waiting_models.file_naming(facts)  # tables a declarative base computes
    assembled = factory_bases(facts.module, facts.classes)  # classes a function assembles from mixins
    imported = _django_field_imports(facts.module)
    django_module = is_models_module(facts.path) and facts.mentions("django")
    for class_facts in facts.classes:
        model = _read_class(class_facts, facts, declared, imported, assembled.get(id(class_facts.node)))
        waiting_models.before(naming, model, class_facts.node)
        _inherit(model, declared)
        model.table = model.table or _flask_table(model)
        bare = django_module and model.framework is None and _field_less(class_facts.node, model, declared)
        model.framework = "django" if bare else model.framework
        waiting_models.after(naming, model, declared)
        if bare and len(model.origins) != len(model.bases):
            model.framework = None  # a base that is no project class of another file: not told a model
        declared[model.name] = model
        info = _model_info(model, facts.path)
        if info is not None and (info.table or unnamed or (info.framework != "sqlalchemy" and not info.abstract)):
            models.append(info)
    for name, line, base in waiting_models.factory_bases(naming, declared):  # Base = declarative_base(cls=C)
        info = _model_info(dataclasses.replace(base, name=name, line=line), facts.path)
        models += [info] if info is not None and unnamed else []
    from impact.extract.python.core_tables import core_tables  # here: it reads this module's helpers

    models.extend(core_tables(facts))
    return models


def _field_less(node: ast.ClassDef, model: _ClassModel, declared: dict[str, _ClassModel]) -> bool:
    """A class of a Django models module declaring nothing (`pass`, a docstring, a `Meta`) on bases
    imported by name: a model on another file's base (wagtail's `class NotYetRegisteredSiteSetting(
    BaseSiteSetting): pass`, whose DROP TABLE found no code), if those bases are project classes."""
    return bool(model.bases) and all(base.isidentifier() and base not in declared for base in model.bases) and all(
        type(s) is ast.Pass or (type(s) is ast.Expr and type(s.value) is ast.Constant)
        or (type(s) is ast.ClassDef and s.name == "Meta") for s in node.body)


def _django_field_imports(module: ast.Module) -> frozenset[str]:
    """Names a module imports from Django's field modules (`from django.db.models import
    ForeignKey, JSONField`): called bare in any class, they are Django fields (bookwyrm's import jobs
    derive from a project base of another file, so nothing else tells their class a model)."""
    return frozenset(alias.asname or alias.name for node in module.body if type(node) is ast.ImportFrom
                     and node.module in ("django.db.models", "django.contrib.postgres.fields") for alias in node.names)


def _read_class(class_facts: ClassFacts, facts: Facts, declared: dict[str, _ClassModel],
                imported: frozenset[str] = frozenset(), bases: list[str] | None = None) -> _ClassModel:
    node = class_facts.node
    model = _ClassModel(node.name, node.lineno)
    model.bases = bases or [full_name(base) or "" for base in node.bases]
    model.abstract = is_declarative_base(node)
    if _is_sqlmodel(model, declared):
        _read_sqlmodel(model, node)
        return model
    django_base = any(base in DJANGO_BASES for base in model.bases)
    for base in model.bases:
        if base.split(".")[-1] in DJANGO_AUTH_BASES and base not in declared:
            django_base = True
            model.attributes.update((name, name) for name in DJANGO_AUTH_BASES[base.split(".")[-1]])
    declarations = []
    for statement in _body_statements(node):
        if type(statement) is ast.ClassDef and statement.name == "Meta":
            model.meta = _assignments(statement)
            continue
        declarations += _declarations(statement) or _declared_attr(statement)
    # A class declaring one `models.<X>Field` is a Django model: its `fields.ForeignKey(…)` are fields too.
    bare = lambda value: django_base or (type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in imported)  # noqa: E731
    # A same-file Django base (bookwyrm's `class Series(BookDataModel)`) makes it one too.
    parent = any(getattr(declared.get(base), "framework", None) == "django" for base in model.bases)
    modules = django_base or parent or any(_django_field(value, bare(value)) is not None for _, _, value in declarations)
    for attribute, annotation, value in declarations:
        _read_declaration(model, attribute, annotation, value, bare(value), modules)
    if django_base and model.framework is None:
        model.framework = "django"
    return model


def _declared_attr(statement: ast.stmt) -> list[tuple[str, None, ast.Call]]:
    """`@declared_attr def flow_run_id(cls): return Column(...)` declares `flow_run_id` (class_factories)."""
    found = declared_attr_column(statement) if type(statement) is ast.FunctionDef else None
    return [(found[0], None, found[1])] if found else []


def _read_declaration(model: _ClassModel, attribute: str, annotation: ast.expr | None,
                      value: ast.expr | None, django_base: bool, modules: bool = False) -> None:
    if attribute == "__tablename__":
        model.framework, model.table = "sqlalchemy", literal_text(value)
    elif attribute == "__abstract__":
        model.abstract = is_true(value)
    elif attribute == "__table_args__":
        model.schema = literal_text(_dict_items(value).get("schema")) or model.schema
    elif _sqlalchemy_column(value) is not None or (value is None and _is_mapped(annotation)):
        column_call = _sqlalchemy_column(value)
        model.framework = model.framework or "sqlalchemy"
        model.attributes[attribute] = _sqlalchemy_column_name(attribute, column_call)
        if column_call is not None and _keyword_is_true(column_call, "primary_key"):
            model.primary_key.append(model.attributes[attribute])
        if column_call is not None and keyword(column_call, "default") is not None:
            model.client_defaults.append(model.attributes[attribute])
    elif _django_field(value, bare_names_allowed=django_base, modules_allowed=modules) is not None:
        _read_django_field(model, attribute, value)


def _is_sqlmodel(model: _ClassModel, declared: dict[str, _ClassModel]) -> bool:
    return any(base.split(".")[-1] == "SQLModel" or getattr(declared.get(base), "framework", None) == "sqlmodel"
               for base in model.bases)


def _read_sqlmodel(model: _ClassModel, node: ast.ClassDef) -> None:
    """`class Hero(HeroBase, table=True)`: every annotated field is a column, except
    relationships and class variables; the table defaults to the lower-cased class name."""
    model.framework = "sqlmodel"
    if any(k.arg == "table" and is_true(k.value) for k in node.keywords):
        model.table = node.name.lower()
    for statement in _body_statements(node):
        for attribute, annotation, value in _declarations(statement):
            if attribute == "__tablename__":
                model.table = literal_text(value) or model.table
            elif annotation is not None and not _is_relationship_or_classvar(annotation, value):
                field_call = value if type(value) is ast.Call and last_name(value.func) == "Field" else None
                column = _sqlalchemy_column(keyword(field_call, "sa_column"))
                name = _sqlalchemy_column_name(attribute, column) if column is not None else attribute
                name = literal_text(_dict_items(keyword(field_call, "sa_column_kwargs")).get("name")) or name
                model.attributes[attribute] = name
                if field_call is not None and _keyword_is_true(field_call, "primary_key"):
                    model.primary_key.append(name)


def _is_relationship_or_classvar(annotation: ast.expr, value: ast.expr | None) -> bool:
    if type(value) is ast.Call and last_name(value.func) == "Relationship":
        return True
    annotated = annotation.value if type(annotation) is ast.Subscript else annotation
    return last_name(annotated) == "ClassVar"


def _read_django_field(model: _ClassModel, attribute: str, call: ast.Call) -> None:
    kind = _django_field(call, bare_names_allowed=True, modules_allowed=True)
    if kind in DJANGO_NOT_COLUMNS:
        return
    model.framework = "django"
    column = literal_text(keyword(call, "db_column"))
    if kind in DJANGO_RELATIONS_WITH_ID:
        column = column or f"{attribute}_id"
        model.attributes[f"{attribute}_id"] = column  # `author_id=` works in lookups too
    model.attributes[attribute] = column or attribute
    if _keyword_is_true(call, "primary_key"):
        model.primary_key.append(model.attributes[attribute])


def _inherit(model: _ClassModel, declared: dict[str, _ClassModel]) -> None:
    """Columns of same-file bases: mixins, abstract Django models, single-table inheritance."""
    inherited: dict[str, str] = {}
    model.flask = any(FLASK_MODEL.match(name) and name != "models.Model" for name in model.bases)
    for base_name in model.bases:
        base = declared.get(base_name)
        if base is None:
            continue
        model.framework = model.framework or base.framework
        model.flask = model.flask or base.flask
        model.table_rule = model.table_rule or base.table_rule
        concrete_django_parent = base.framework == "django" and not _meta_true(base, "abstract") \
            and not _meta_true(model, "proxy")
        if concrete_django_parent:
            # Multi-table inheritance: the parent's fields live in the parent's table.
            pointer = f"{base.name.lower()}_ptr_id"
            inherited[f"{base.name.lower()}_ptr"] = pointer
            model.primary_key = model.primary_key or [pointer]
            continue
        if base.table and model.table and base.table != model.table:
            continue  # joined-table inheritance: the parent's columns live in the parent's table
        inherited.update(base.attributes)
        model.client_defaults = list(dict.fromkeys(base.client_defaults + model.client_defaults))
        model.primary_key = model.primary_key or list(base.primary_key)
        if base.table and model.table is None and (model.framework == "sqlalchemy" or _meta_true(model, "proxy")):
            model.table, model.schema = base.table, model.schema or base.schema  # same table
    model.attributes = {**inherited, **model.attributes}


def _flask_table(model: _ClassModel) -> str | None:
    """Flask-SQLAlchemy names the table of a `db.Model` class that declares none: its class name in
    snake case (`WrongKeys` -> wrong_keys), when the class maps a primary key and is not
    `__abstract__` (without a key of its own it shares its parent's table: _inherit). Read from a
    base spelled `<name>.Model` (`db.Model`; Django's is `models.Model`)."""
    if not model.flask or model.abstract or model.framework != "sqlalchemy" or not model.primary_key:
        return None
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", model.name).lower().lstrip("_")


def _model_info(model: _ClassModel, path: str) -> ModelInfo | None:
    if model.framework == "django":
        return _django_info(model, path)
    if model.framework in ("sqlalchemy", "sqlmodel") and model.table:
        attributes = dict(model.attributes)
        if model.primary_key:
            attributes.setdefault("pk", model.primary_key[0])  # what `session.get(M, x)` filters on
        info = _info(model, path, model.framework, model.table, attributes, model.primary_key)
        return dataclasses.replace(info, bases=tuple(model.origins)) if model.origins else info
    if waiting_models.listed_without_table(model) or (model.framework == "sqlalchemy" and model.attributes):
        # a base, a model waiting for one's table, or a mixin lending its columns (inherited_columns.py)
        info = _info(model, path, "sqlalchemy", None, dict(model.attributes), model.primary_key)
        return dataclasses.replace(info, bases=tuple(model.origins), table_rule=model.table_rule, abstract=model.abstract)
    return None


def _django_info(model: _ClassModel, path: str) -> ModelInfo | None:
    if _meta_true(model, "abstract"):  # lends its fields to models of other files (inherited_columns.py)
        info = _info(model, path, "django", None, dict(model.attributes), model.primary_key)
        return dataclasses.replace(info, bases=tuple(model.origins), abstract=True)
    attributes = dict(model.attributes)
    primary_key = list(model.primary_key)
    if not primary_key:
        attributes = {"id": "id", **attributes}  # Django's implicit AutoField
        primary_key = ["id"]
    attributes["pk"] = primary_key[0]
    app_label = literal_text(model.meta.get("app_label")) or _django_app_label(path)
    table = literal_text(model.meta.get("db_table")) or model.table
    folder = None
    if table is None and app_label:
        table = f"{app_label}_{model.name.lower()}"
        folder = None if model.meta.get("app_label") is not None else _django_app_folder(path)
    info = _info(model, path, "django", table, attributes, primary_key)
    return dataclasses.replace(info, app_folder=folder, bases=tuple(model.origins))


def _info(model: _ClassModel, path: str, framework: str, table: str | None,
          attributes: dict[str, str], primary_key: list[str]) -> ModelInfo:
    columns = tuple(dict.fromkeys(attributes.values()))
    return ModelInfo(model.name, table, path, model.line, framework, columns,
                     tuple(attributes.items()), tuple(primary_key), model.schema, tuple(model.client_defaults))


def is_models_module(path: str) -> bool:
    """A Django models module by its place: `models.py`, or a module of a `models/` package. The scan
    reads them all: one may name neither an affected table nor its column (healthchecks' `api_check.user_id`
    is `user = models.ForeignKey(User, ...)` in hc/api/models.py, the table named by the app label)."""
    parts = PurePosixPath(path).parts
    return path.endswith(".py") and (parts[-1] == "models.py" or "models" in parts[:-1])


def _django_app_folder(path: str) -> str | None:
    """The folder of the app a models module belongs to: `src/blog/models/post.py` -> src/blog."""
    parent = PurePosixPath(path).parent
    while parent.name == "models":
        parent = parent.parent
    return parent.as_posix() if parent.name else None


def _django_app_label(path: str) -> str | None:
    """The app a models module belongs to: `blog/models.py` and `blog/models/post.py` -> blog."""
    folder = _django_app_folder(path)
    return PurePosixPath(folder).name if folder else None
