"""One field's column as Django's PostgreSQL schema editor writes it: type, definition, the
default it writes into existing rows, and the foreign key and indexes that come with it."""
from __future__ import annotations

import json

from impact.formats.django import fields as conv
from impact.formats.django.pyread import Call, Ref
from impact.formats.django.state import FieldState, ModelState, NotStatic, ProjectState

q = conv.quote
DEFERRABLE = " DEFERRABLE INITIALLY DEFERRED"
TIMEDELTA_UNITS = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001}


def column_type(model: ModelState, f: FieldState, state: ProjectState) -> str:
    if f.is_relation:
        return target(model, f, state)[2]
    kind = conv.db_type(f.kind, f.options)
    if kind is None:
        raise NotStatic(f"{model.name}.{f.name} is a {f.kind}, whose database type is not known statically")
    return kind


def target(model: ModelState, f: FieldState, state: ProjectState) -> tuple[str, str, str]:
    if f.opt("to") == "self" or state.model_key(f.opt("to"), model.app_label) == model.key:
        return state.target_in(model, f.opt("to_field"))
    return state.target(f, model.app_label)


def column_definition(model: ModelState, f: FieldState, state: ProjectState, *, include_default: bool, for_create: bool) -> str:
    parts = [column_type(model, f, state)]
    if f.has_db_default:
        parts.append(f"DEFAULT {default_sql(f.opt('db_default'), f)}")
    elif include_default and effective_default(f) is not None:
        parts.append(f"DEFAULT {default_sql(effective_default(f), f)}")
    parts.append("NULL" if f.null else "NOT NULL")
    if f.primary_key:
        parts.append("PRIMARY KEY")
    elif f.unique:
        parts.append("UNIQUE")
        f.names["unique"] = conv.pg_constraint_name(model.table, f.column, "key")
    check = conv.check_sql(f.kind, f.column)
    suffix = conv.type_suffix(f.kind)
    tail = [f"CHECK ({check})"] if check else []
    tail = tail + [suffix] if for_create else [suffix] + tail
    if check:
        f.names["check"] = conv.pg_constraint_name(model.table, f.column, "check")
    return " ".join(parts + [t for t in tail if t])


def effective_default(f: FieldState):
    """What Django writes into existing rows when it adds the column (None: nothing)."""
    if "default" in f.options and f.opt("default") is not None:
        return f.opt("default")
    if f.opt("auto_now") is True or f.opt("auto_now_add") is True:
        return Ref("django.utils.timezone.now")
    if not f.null and f.opt("blank") is True and conv.internal_type(f.kind) in ("CharField", "TextField", "SlugField", "FileField", "FilePathField"):
        return ""
    return None


def default_sql(value, f: FieldState) -> str:
    literal = conv.sql_literal(value)
    if literal is not None:
        if conv.internal_type(f.kind) == "FloatField" and isinstance(value, int) and not isinstance(value, bool):
            return repr(float(value))
        return literal
    if f.kind == "HStoreField" and value in ({}, Ref("dict")):
        return "''"
    if isinstance(value, Call) and value.short == "timedelta" and not value.args:
        seconds = sum(value.kwargs.get(unit, 0) * factor for unit, factor in TIMEDELTA_UNITS.items()
                      if isinstance(value.kwargs.get(unit, 0), (int, float)))
        return f"'{int(seconds) if seconds == int(seconds) else seconds} seconds'::interval"
    if isinstance(value, (list, tuple)) and f.kind == "ArrayField":
        items = [conv.sql_literal(v) for v in value]
        if any(i is None for i in items):
            return _typed_placeholder(f)
        return "'{" + ",".join(i.strip("'").replace('"', '\\"') if i.startswith("'") else i for i in items) + "}'"
    if isinstance(value, (dict, list)):
        return conv.sql_literal(json.dumps(value)) + ("::jsonb" if f.kind == "JSONField" else "")
    if isinstance(value, Ref):
        # A callable (timezone.now, uuid4, dict): Django calls it once and writes that constant.
        # Its value is not known statically: a constant of the column's type stands for it.
        if f.kind == "JSONField":
            return {"dict": "'{}'", "list": "'[]'"}.get(value.name.rsplit(".", 1)[-1], "'{}'") + "::jsonb"
        return _typed_placeholder(f)
    if isinstance(value, Call):
        return _typed_placeholder(f)
    raise NotStatic(f"default of {f.name} {getattr(value, 'reason', 'is not a plain value')}")


def _typed_placeholder(f: FieldState) -> str:
    """A constant of the column's type standing for a value Python computes at migration time."""
    kind = conv.internal_type(f.kind)
    return {"DateTimeField": "now()", "DateField": "CURRENT_DATE", "UUIDField": "gen_random_uuid()", "DurationField": "'0'::interval",
            "HStoreField": "''", "JSONField": "'{}'::jsonb", "ArrayField": "'{}'",
            "BooleanField": "false", "TimeField": "CURRENT_TIME"}.get(kind, "0" if "Integer" in kind or kind in ("FloatField", "DecimalField") else "''")


def fk_and_indexes(model: ModelState, f: FieldState, state: ProjectState) -> list[str]:
    out = []
    if f.is_relation and f.opt("db_constraint", True) is not False:
        to_table, to_column, _ = target(model, f, state)
        f.names["fk"] = conv.fk_name(model.table, f.column, to_table, to_column)
        out.append(f"ALTER TABLE {q(model.table)} ADD CONSTRAINT {q(f.names['fk'])} FOREIGN KEY ({q(f.column)}) "
                   f"REFERENCES {q(to_table)} ({q(to_column)}){DEFERRABLE}")
    return out + field_indexes(model, f, state)


def field_indexes(model: ModelState, f: FieldState, state: ProjectState) -> list[str]:
    out = []
    if f.db_index and not f.unique:
        f.names["index"] = conv.index_name(model.table, [f.column])
        out.append(f"CREATE INDEX {q(f.names['index'])} ON {q(model.table)} ({q(f.column)})")
    if f.db_index or f.unique:
        out += like_index(model, f, state)
    return out


def like_index(model: ModelState, f: FieldState, state: ProjectState) -> list[str]:
    opclass = conv.like_opclass(None if f.is_relation else column_type(model, f, state))
    if opclass is None or f.opt("db_collation"):
        return []
    f.names["like"] = conv.index_name(model.table, [f.column], "_like")
    return [f"CREATE INDEX {q(f.names['like'])} ON {q(model.table)} ({q(f.column)} {opclass})"]


def m2m_name(model: ModelState, f: FieldState) -> str:
    table = f.opt("db_table")
    return table if isinstance(table, str) else conv.truncate_name(f"{model.table}_{f.name}")


def m2m_table(model: ModelState, f: FieldState, state: ProjectState) -> list[str]:
    if not f.kind.endswith("ManyToManyField") or f.opt("through"):
        return []  # a through model is a model of its own, created by its own CreateModel
    table = m2m_name(model, f)
    src_table, src_col, src_type = state.target_in(model)
    self_ref = f.opt("to") == "self" or state.model_key(f.opt("to"), model.app_label) == model.key
    to_table, to_col, to_type = state.target_in(model) if self_ref else state.target(f, model.app_label)
    src_name = f"from_{model.name.lower()}" if self_ref else model.name.lower()
    to_name = f"to_{model.name.lower()}" if self_ref else state.model_key(f.opt("to"), model.app_label)[1]
    out = [f"CREATE TABLE {q(table)} (\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "
           f"{q(src_name + '_id')} {src_type} NOT NULL, {q(to_name + '_id')} {to_type} NOT NULL)"]
    uniq = conv.index_name(table, [f"{src_name}_id", f"{to_name}_id"], "_uniq")
    out.append(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(uniq)} UNIQUE ({q(src_name + '_id')}, {q(to_name + '_id')})")
    for column, ref_table, ref_col in ((f"{src_name}_id", src_table, src_col), (f"{to_name}_id", to_table, to_col)):
        fk = conv.fk_name(table, column, ref_table, ref_col)
        out.append(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(fk)} FOREIGN KEY ({q(column)}) REFERENCES {q(ref_table)} ({q(ref_col)}){DEFERRABLE}")
        out.append(f"CREATE INDEX {q(conv.index_name(table, [column]))} ON {q(table)} ({q(column)})")
    return out
