"""The model state a Django migration runs against, replayed from the migrations before it.

Like Django's ProjectState, but only what the schema editor needs: each model's table, fields
(class name + options as read from the migration), Meta indexes/constraints and the
unique/index_together sets. Each field also remembers the names its database objects were given
when they were created (foreign key, index, pattern index, unique, check), because Django finds
those by introspection later and they keep their names across table and column renames.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from impact.formats.django import fields as conv
from impact.formats.django.pyread import Call, Dynamic, Ref

# Models of django.contrib apps, whose migrations are not in the scanned repo: their tables (integer `id`).
CONTRIB_MODELS = {"auth.user": "auth_user", "auth.group": "auth_group", "auth.permission": "auth_permission",
                  "contenttypes.contenttype": "django_content_type", "sites.site": "django_site",
                  "admin.logentry": "django_admin_log", "flatpages.flatpage": "django_flatpage", "redirects.redirect": "django_redirect"}
# Options that do not change the database (Django's non_db_attrs, and the ones read elsewhere).
NON_DB_OPTIONS = frozenset({"blank", "choices", "editable", "error_messages", "help_text", "limit_choices_to", "on_delete",
                            "related_name", "related_query_name", "validators", "verbose_name", "serialize", "auto_created",
                            "upload_to", "storage", "max_length_validator", "default", "auto_now", "auto_now_add",
                            "to", "parent_link", "symmetrical"})


class NotStatic(Exception):
    """This operation cannot be read statically; the message says why (becomes an unknown operation)."""


@dataclass
class FieldState:
    name: str
    kind: str  # field class name: "CharField", "ForeignKey", "ArrayField", a custom class
    options: dict
    names: dict[str, str] = field(default_factory=dict)  # "fk" | "index" | "like" | "unique" | "check" -> name

    def opt(self, key: str, default=None):
        return self.options.get(key, default)

    @property
    def null(self) -> bool:
        return self.opt("null") is True

    @property
    def primary_key(self) -> bool:
        return self.opt("primary_key") is True

    @property
    def unique(self) -> bool:
        return self.opt("unique") is True or self.primary_key or self.kind == "OneToOneField"

    @property
    def is_relation(self) -> bool:
        return self.kind in conv.RELATIONS

    @property
    def db_index(self) -> bool:
        default = self.is_relation  # ForeignKey indexes its column unless told not to
        return self.opt("db_index", default) is True

    @property
    def column(self) -> str | None:
        return conv.column_name(self.name, self.kind, self.options)

    @property
    def has_db_default(self) -> bool:
        return "db_default" in self.options

    def db_options(self) -> dict:
        return {k: v for k, v in self.options.items() if k not in NON_DB_OPTIONS}


@dataclass
class ModelState:
    app_label: str
    name: str
    fields: dict[str, FieldState]
    table: str
    indexes: dict[str, Call] = field(default_factory=dict)  # name -> models.Index(...)
    constraints: dict[str, Call] = field(default_factory=dict)
    unique_together: set = field(default_factory=set)
    index_together: set = field(default_factory=set)
    # (kind, field names) -> the name its constraint/index got when created (kept across renames).
    together_names: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)
    managed: bool = True  # False (managed=False or a proxy): Django runs no SQL for it
    explicit_table: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.app_label, self.name.lower()

    @property
    def pk(self) -> FieldState | None:
        return next((f for f in self.fields.values() if f.primary_key), None)

    def field_named(self, name: str) -> FieldState:
        found = self.fields.get(name) or next((f for f in self.fields.values() if f.name.lower() == name.lower()), None)
        if found is None:
            found = next((f for f in self.fields.values() if f.column == name), None)  # `author_id` names the FK
        if found is None:
            raise NotStatic(f"field {name!r} of {self.app_label}.{self.name} is not in the replayed model state")
        return found


@dataclass
class ProjectState:
    models: dict[tuple[str, str], ModelState] = field(default_factory=dict)
    user_model: str = "auth.User"  # settings.AUTH_USER_MODEL
    notes: list[str] = field(default_factory=list)
    # A project's own field classes -> the Django field they subclass (discover.field_aliases).
    field_aliases: dict[str, str] = field(default_factory=dict)

    def make_field(self, name: str, value) -> "FieldState":
        return field_from_call(name, value, self.field_aliases)

    def clone(self) -> "ProjectState":
        """A copy whose models and fields can change without touching this one (values read from the
        migration, Call/Ref, are immutable and shared; a deepcopy costs 100x more on big histories)."""
        models = {}
        for key, m in self.models.items():
            fields = {name: replace(f, options=dict(f.options), names=dict(f.names)) for name, f in m.fields.items()}
            models[key] = replace(m, fields=fields, indexes=dict(m.indexes), constraints=dict(m.constraints),
                                  unique_together=set(m.unique_together), index_together=set(m.index_together),
                                  together_names=dict(m.together_names))
        return ProjectState(models, self.user_model, list(self.notes), self.field_aliases)

    def model_key(self, ref, app_label: str) -> tuple[str, str]:
        """`"app.Model"`, `"Model"` (same app), settings.AUTH_USER_MODEL -> (app_label, model lower)."""
        if isinstance(ref, Ref) and ref.name.endswith("AUTH_USER_MODEL"):
            ref = self.user_model
        if isinstance(ref, Call) and ref.short == "swappable_dependency":
            ref = self.user_model
        if not isinstance(ref, str):
            raise NotStatic(f"model reference {getattr(ref, 'name', None) or getattr(ref, 'reason', ref)!s} is not a string")
        if "." in ref:
            app, _, name = ref.rpartition(".")
            return app, name.lower()
        return app_label, ref.lower()

    def get(self, ref, app_label: str) -> ModelState:
        key = self.model_key(ref, app_label)
        model = self.models.get(key)
        if model is None:
            raise NotStatic(f"model {key[0]}.{key[1]} is not in the replayed migrations")
        return model

    def target(self, relation: FieldState, app_label: str) -> tuple[str, str, str]:
        """(table, column, type) a relation points at."""
        to = relation.opt("to")
        key = self.model_key(to if to != "self" else None, app_label) if to != "self" else None
        model = self.models.get(key) if key else None
        if to == "self" or key is None:
            raise NotStatic("relation to 'self' must be resolved by the caller")
        if model is None:
            label = f"{key[0]}.{key[1]}"
            if label in CONTRIB_MODELS:
                return CONTRIB_MODELS[label], "id", "integer"
            self.notes.append(f"{label} is not in the repo's migrations: a relation to it is assumed to store a bigint id")
            return conv.default_db_table(*key), "id", "bigint"
        return self.target_in(model, relation.opt("to_field"))

    def target_in(self, model: ModelState, to_field=None) -> tuple[str, str, str]:
        target = model.field_named(to_field) if isinstance(to_field, str) else model.pk
        if target is None:
            return model.table, "id", "bigint"
        if target.is_relation:  # a OneToOne primary key (multi-table inheritance): follow it
            _, _, kind = self.target(target, model.app_label)
            return model.table, target.column, kind
        kind = conv.related_type(target.kind, target.options)
        if kind is None:
            raise NotStatic(f"{model.app_label}.{model.name}.{target.name} is a {target.kind}, whose column type is not known")
        return model.table, target.column, kind


def builtin_kind(kind: str, aliases: dict[str, str]) -> str:
    """The Django field class a project's or a package's field class stores like."""
    for _ in range(6):  # a short chain of subclasses; a cycle stops here
        if kind in conv.DATA_TYPES or kind in conv.RELATIONS or kind in conv.NOT_COLUMNS or kind in ("ArrayField", *conv.ARRAY_FIELDS):
            return kind
        kind = aliases.get(kind) or conv.THIRD_PARTY.get(kind) or kind
    return kind


def field_from_call(name: str, value, aliases: dict[str, str] | None = None) -> FieldState:
    """`models.CharField(max_length=20)` as read from the migration -> FieldState."""
    if isinstance(value, Dynamic):
        raise NotStatic(f"field {name!r}: {value.reason}")
    if not isinstance(value, Call):
        raise NotStatic(f"field {name!r} is not a field class call")
    options = dict(value.kwargs)
    kind = builtin_kind(value.short, aliases or {})
    if kind == "ForeignKey" and value.args and "to" not in options:
        options["to"] = value.args[0]
    if kind in ("OneToOneField", "ManyToManyField", "ParentalKey") and value.args and "to" not in options:
        options["to"] = value.args[0]
    if kind in conv.ARRAY_FIELDS:  # djorm-pgarray: the element's field is in the class name
        element = {"max_length": options["max_length"]} if "max_length" in options else {}
        kind, options["base_field"] = "ArrayField", (conv.ARRAY_FIELDS[kind], element)
    elif kind == "ArrayField":
        base = options.get("base_field", value.args[0] if value.args else None)
        if isinstance(base, Call):
            inner = field_from_call(f"{name}[]", base, aliases)  # nested arrays and their options too
            options["base_field"] = (inner.kind, inner.options)
    for key, item in options.items():
        if isinstance(item, Dynamic) and key not in NON_DB_OPTIONS:
            raise NotStatic(f"field {name!r}: {key} {item.reason}")
    return FieldState(name, kind, options)
