"""Django migration operations -> the SQL Django's PostgreSQL schema editor would run, and the
model state after them.

Each handler reads the state before the operation, returns its statements and changes the state,
as `Operation.database_forwards` + `state_forwards` do. What cannot be known statically raises
NotStatic (the caller makes it an unknown operation with that reason). Models that are unmanaged
or proxies get no SQL, as in Django.

Known limits (each has an xfail test in tests/test_django_fields.py): AlterField that turns a
column into (or out of) a primary key or an identity column (alter.py); Q() lookups beyond
comparisons and index expressions other than F()/Lower()/Upper() (constraints.py); a field class
that computes its own `db_type()` (fields.py). A RunPython that changes the schema through
`schema_editor` is invisible to the replay: it is reported as a data change of unknown effect.
"""
from __future__ import annotations

from impact.formats.django import fields as conv
from impact.formats.django.constraints import (add_constraint, add_index, alter_together, index_sql, model_constraints_inline,
                                               remove_constraint, remove_index, rename_index)
from impact.formats.django.columns import (column_definition, effective_default, fk_and_indexes, field_indexes, m2m_name,
                                           m2m_table, target)
from impact.formats.django.arguments import lower_or_empty, sql_list, string_arg, together_sets
from impact.formats.django.pyread import Call, Dynamic, Ref
from impact.formats.django.state import FieldState, ModelState, NotStatic, ProjectState

q = conv.quote
DEFERRABLE = " DEFERRABLE INITIALLY DEFERRED"
# State-only operations (AlterConstraint changes only Python-side attributes such as violation_error_message).
NO_SQL = {"AlterModelOptions", "AlterModelManagers", "AlterConstraint"}


def apply_operation(call, state: ProjectState, app_label: str) -> list[str]:
    """The statements one operation runs (state changed in place)."""
    if isinstance(call, Dynamic):
        raise NotStatic(call.reason)
    if not isinstance(call, Call):
        raise NotStatic("the operation is not a call to a migration operation class")
    handler = HANDLERS.get(call.short)
    if handler is None:
        if call.short in NO_SQL:
            return _state_only(call, state, app_label)
        raise NotStatic(f"{call.short} is not a Django operation impact knows (a project's own Operation class?)")
    return handler(call, state, app_label)


# -- models -------------------------------------------------------------------------------------

def create_model(call: Call, state: ProjectState, app_label: str) -> list[str]:
    name = string_arg(call.arg(0, "name"), "CreateModel name")
    options = call.arg(2, "options", {}) or {}
    if not isinstance(options, dict):
        raise NotStatic("CreateModel options are computed at run time")
    field_list = call.arg(1, "fields", [])
    if not isinstance(field_list, (list, tuple)):
        raise NotStatic("CreateModel fields are computed at run time")
    fields, unreadable = {}, []
    for item in field_list:
        if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[0], str):
            raise NotStatic("a CreateModel field is not a (name, field) pair")
        try:
            fields[item[0]] = state.make_field(item[0], item[1])
        except NotStatic as exc:  # the model still enters the state, so later operations on it are read
            unreadable.append(str(exc))
    table = options.get("db_table")
    if table is not None and not isinstance(table, str):
        raise NotStatic("db_table is computed at run time")
    managed = options.get("managed", True) is not False and options.get("proxy") is not True
    model = ModelState(app_label, name, fields, table or conv.default_db_table(app_label, name), managed=managed,
                       explicit_table=table is not None)
    for index in options.get("indexes", []) or []:
        if isinstance(index, Call):
            model.indexes[str(index.kwargs.get("name"))] = index
    for constraint in options.get("constraints", []) or []:
        if isinstance(constraint, Call):
            model.constraints[str(constraint.kwargs.get("name"))] = constraint
    model.unique_together = together_sets(options.get("unique_together"))
    model.index_together = together_sets(options.get("index_together"))
    state.models[model.key] = model
    if unreadable:
        raise NotStatic(unreadable[0])
    if not model.managed:
        return []
    columns, deferred = [], []
    for f in model.fields.values():
        if f.kind in conv.NOT_COLUMNS:
            deferred += m2m_table(model, f, state)
            continue
        definition = column_definition(model, f, state, include_default=False, for_create=True)
        columns.append(f"{q(f.column)} {definition}")
        deferred += fk_and_indexes(model, f, state)
    for names in sorted(model.unique_together):
        deferred += alter_together(model, set(), {names}, "unique")
    for names in sorted(model.index_together):
        deferred += alter_together(model, set(), {names}, "index")
    columns += model_constraints_inline(model, state)
    for index in model.indexes.values():
        deferred.append(index_sql(model, index))
    comments = [_comment("TABLE", q(model.table), options.get("db_table_comment"))]
    comments += [_comment("COLUMN", f"{q(model.table)}.{q(f.column)}", f.opt("db_comment")) for f in model.fields.values() if f.column]
    return [f"CREATE TABLE {q(model.table)} ({', '.join(columns)})"] + [c for c in comments if c] + deferred


def delete_model(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "name"), app_label)
    del state.models[model.key]
    if not model.managed:
        return []
    m2m = [f"DROP TABLE {q(m2m_name(model, f))} CASCADE" for f in model.fields.values()
           if f.kind in conv.NOT_COLUMNS and f.kind.endswith("ManyToManyField") and not f.opt("through")]
    return m2m + [f"DROP TABLE {q(model.table)} CASCADE"]


def rename_model(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "old_name"), app_label)
    new_name = string_arg(call.arg(1, "new_name"), "RenameModel new_name")
    del state.models[model.key]
    old_table = model.table
    model.name = new_name
    if not model.explicit_table:
        model.table = conv.default_db_table(app_label, new_name)
    state.models[model.key] = model
    old_name = lower_or_empty(call.arg(0, "old_name"))
    pointing = _repoint_relations(state, (app_label, old_name), model)
    if not model.managed:
        return []
    out = [f"ALTER TABLE {q(old_table)} RENAME TO {q(model.table)}"] if old_table != model.table else []
    for other, f in pointing:  # Django re-creates their foreign keys, named after the new table
        if f.names.get("fk") and other.managed:
            out += [f"SET CONSTRAINTS {q(f.names['fk'])} IMMEDIATE", f"ALTER TABLE {q(other.table)} DROP CONSTRAINT {q(f.names['fk'])}"]
            to_table, to_column, _ = target(other, f, state)
            f.names["fk"] = conv.fk_name(other.table, f.column, to_table, to_column)
            out.append(f"ALTER TABLE {q(other.table)} ADD CONSTRAINT {q(f.names['fk'])} FOREIGN KEY ({q(f.column)}) "
                       f"REFERENCES {q(to_table)} ({q(to_column)}){DEFERRABLE}")
    out += _rename_m2m_tables(model, old_table)
    # Through tables of other models' ManyToManyFields to it name their column after it.
    for other in state.models.values():
        for f in other.fields.values():
            if _auto_m2m(f) and other is not model and state.model_key(f.opt("to"), other.app_label) == model.key:
                out.append(f"ALTER TABLE {q(m2m_name(other, f))} RENAME COLUMN {q(old_name + '_id')} TO {q(model.name.lower() + '_id')}")
    for f in model.fields.values():
        if _auto_m2m(f) and f.opt("to") != "self" and state.model_key(f.opt("to"), app_label) != model.key:
            out.append(f"ALTER TABLE {q(m2m_name(model, f))} RENAME COLUMN {q(old_name + '_id')} TO {q(model.name.lower() + '_id')}")
    return out


def alter_model_table(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "name"), app_label)
    table = call.arg(1, "table")
    if table is not None and not isinstance(table, str):
        raise NotStatic(f"AlterModelTable table {getattr(table, 'reason', '')} is computed at run time")
    old_table = model.table
    model.table = table or conv.default_db_table(app_label, model.name)
    model.explicit_table = table is not None
    if not model.managed or old_table == model.table:
        return []
    return [f"ALTER TABLE {q(old_table)} RENAME TO {q(model.table)}"] + _rename_m2m_tables(model, old_table)


def _auto_m2m(f: FieldState) -> bool:
    return f.kind.endswith("ManyToManyField") and not f.opt("through")


def _rename_m2m_tables(model: ModelState, old_table: str) -> list[str]:
    """Auto-created through tables are named after the model's table: Django renames them with it."""
    out = []
    for f in model.fields.values():
        if _auto_m2m(f) and not isinstance(f.opt("db_table"), str):
            old, new = conv.truncate_name(f"{old_table}_{f.name}"), m2m_name(model, f)
            if old != new:
                out.append(f"ALTER TABLE {q(old)} RENAME TO {q(new)}")
    return out


# -- fields ---------------------------------------------------------------------------------------

def add_field(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    f = state.make_field(string_arg(call.arg(1, "name"), "AddField name"), call.arg(2, "field"))
    model.fields[f.name] = f
    if not model.managed:
        return []
    if f.kind in conv.NOT_COLUMNS:
        return m2m_table(model, f, state)
    definition = column_definition(model, f, state, include_default=True, for_create=False)
    out = [f"ALTER TABLE {q(model.table)} ADD COLUMN {q(f.column)} {definition}"]
    if f.is_relation and f.opt("db_constraint", True) is not False:
        to_table, to_column, _ = target(model, f, state)
        f.names["fk"] = conv.fk_name(model.table, f.column, to_table, to_column)
        out[0] += f" CONSTRAINT {q(f.names['fk'])} REFERENCES {q(to_table)}({q(to_column)}){DEFERRABLE}"
        out.append(f"SET CONSTRAINTS {q(f.names['fk'])} IMMEDIATE")
    if not f.has_db_default and effective_default(f) is not None:
        out.append(f"ALTER TABLE {q(model.table)} ALTER COLUMN {q(f.column)} DROP DEFAULT")
    out.append(_comment("COLUMN", f"{q(model.table)}.{q(f.column)}", f.opt("db_comment")))
    return [o for o in out if o] + field_indexes(model, f, state)


def remove_field(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    f = model.field_named(string_arg(call.arg(1, "name"), "RemoveField name"))
    del model.fields[f.name]
    if not model.managed:
        return []
    if f.kind in conv.NOT_COLUMNS:
        return [] if f.opt("through") or not f.kind.endswith("ManyToManyField") else [f"DROP TABLE {q(m2m_name(model, f))} CASCADE"]
    out = []
    if f.names.get("fk"):
        out += [f"SET CONSTRAINTS {q(f.names['fk'])} IMMEDIATE", f"ALTER TABLE {q(model.table)} DROP CONSTRAINT {q(f.names['fk'])}"]
    return out + [f"ALTER TABLE {q(model.table)} DROP COLUMN {q(f.column)} CASCADE"]


def rename_field(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    f = model.field_named(string_arg(call.arg(1, "old_name"), "RenameField old_name"))
    new_name = string_arg(call.arg(2, "new_name"), "RenameField new_name")
    old_column = f.column
    del model.fields[f.name]
    f.name = new_name
    model.fields[new_name] = f
    _rename_in_together(model, call.arg(1, "old_name"), new_name)
    if not model.managed or old_column == f.column or f.column is None:
        return []
    return [f"ALTER TABLE {q(model.table)} RENAME COLUMN {q(old_column)} TO {q(f.column)}"]


def alter_field(call: Call, state: ProjectState, app_label: str) -> list[str]:
    from impact.formats.django.alter import alter_field_sql

    model = state.get(call.arg(0, "model_name"), app_label)
    name = string_arg(call.arg(1, "name"), "AlterField name")
    old = model.field_named(name)
    new = state.make_field(old.name, call.arg(2, "field"))
    model.fields[old.name] = new
    if not model.managed:
        new.names = dict(old.names)
        return []
    return alter_field_sql(model, old, new, state)


def run_sql(call: Call, state: ProjectState, app_label: str) -> list[str]:
    for op in call.kwargs.get("state_operations", []) or []:
        apply_operation(op, state, app_label)
    return sql_list(call.arg(0, "sql"), "RunSQL sql")


def run_python(call: Call, state: ProjectState, app_label: str) -> list[str]:
    code = call.arg(0, "code")
    label = code.name if isinstance(code, Ref) else "<code>"
    # A DO block is how the SQL side names "procedural code of unknown effect"; it runs nothing.
    return [f"DO $impact$ BEGIN /* RunPython({label}): Python code that may change data */ END $impact$"]


def separate(call: Call, state: ProjectState, app_label: str) -> list[str]:
    database_ops = call.kwargs.get("database_operations", call.args[0] if call.args else []) or []
    state_ops = call.kwargs.get("state_operations", call.args[1] if len(call.args) > 1 else []) or []
    if not isinstance(database_ops, list) or not isinstance(state_ops, list):
        raise NotStatic("SeparateDatabaseAndState operations are computed at run time")
    scratch = state.clone()  # database operations run against their own copy of the state
    out = []
    for op in database_ops:
        out += apply_operation(op, scratch, app_label)
    for op in state_ops:
        apply_operation(op, state, app_label)  # the model state only: its SQL is never run
    return out


def create_extension(call: Call, state: ProjectState, app_label: str) -> list[str]:
    names = {"HStoreExtension": "hstore", "TrigramExtension": "pg_trgm", "UnaccentExtension": "unaccent",
             "BtreeGinExtension": "btree_gin", "BtreeGistExtension": "btree_gist", "CITextExtension": "citext",
             "CryptoExtension": "pgcrypto", "BloomExtension": "bloom"}
    name = names.get(call.short) or string_arg(call.arg(0, "name"), "CreateExtension name")
    return [f"CREATE EXTENSION IF NOT EXISTS {q(name)}"]


def collation(call: Call, state: ProjectState, app_label: str) -> list[str]:
    name = string_arg(call.arg(0, "name"), "collation name")
    if call.short == "RemoveCollation":
        return [f"DROP COLLATION {q(name)}"]
    parts = [f"locale={conv.sql_literal(string_arg(call.arg(1, 'locale'), 'collation locale'))}"]
    provider = call.kwargs.get("provider", "libc")
    if provider != "libc":
        parts.append(f"provider={conv.sql_literal(string_arg(provider, 'collation provider'))}")
    if call.kwargs.get("deterministic") is False:
        parts.append("deterministic=false")
    return [f"CREATE COLLATION {q(name)} ({', '.join(parts)})"]


def alter_order_with_respect_to(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "name"), app_label)
    had = "_order" in model.fields
    target = call.arg(1, "order_with_respect_to")
    if target and not had:
        model.fields["_order"] = FieldState("_order", "IntegerField", {"default": 0})
        return [f"ALTER TABLE {q(model.table)} ADD COLUMN \"_order\" integer DEFAULT 0 NOT NULL",
                f"ALTER TABLE {q(model.table)} ALTER COLUMN \"_order\" DROP DEFAULT"]
    if not target and had:
        del model.fields["_order"]
        return [f"ALTER TABLE {q(model.table)} DROP COLUMN \"_order\" CASCADE"]
    return []


def _comment(kind: str, target: str, text) -> str:
    """Django's db_comment / db_table_comment (PostgreSQL takes them as separate statements)."""
    if not isinstance(text, str) or not text:
        return ""
    return f"COMMENT ON {kind} {target} IS {conv.sql_literal(text)}"


def alter_table_comment(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "name"), app_label)
    text = call.arg(1, "table_comment")
    return [_comment("TABLE", q(model.table), text) or f"COMMENT ON TABLE {q(model.table)} IS NULL"] if model.managed else []


def _state_only(call: Call, state: ProjectState, app_label: str) -> list[str]:
    if call.short == "AlterModelOptions":
        model = state.models.get(state.model_key(call.arg(0, "name"), app_label))
        options = call.arg(1, "options", {}) or {}
        if model is not None and isinstance(options, dict) and "managed" in options:
            model.managed = options["managed"] is not False
    return []


HANDLERS = {
    "CreateModel": create_model, "DeleteModel": delete_model, "RenameModel": rename_model,
    "AlterModelTable": alter_model_table, "AddField": add_field, "RemoveField": remove_field,
    "RenameField": rename_field, "AlterField": alter_field, "RunSQL": run_sql, "RunPython": run_python,
    "SeparateDatabaseAndState": separate, "AddIndex": add_index, "AddIndexConcurrently": add_index,
    "RemoveIndex": remove_index, "RemoveIndexConcurrently": remove_index, "RenameIndex": rename_index,
    "AddConstraint": add_constraint, "AddConstraintNotValid": add_constraint, "RemoveConstraint": remove_constraint,
    "AlterUniqueTogether": lambda c, s, a: _together_op(c, s, a, "unique"),
    "AlterIndexTogether": lambda c, s, a: _together_op(c, s, a, "index"),
    "CreateExtension": create_extension, "HStoreExtension": create_extension, "TrigramExtension": create_extension,
    "UnaccentExtension": create_extension, "BtreeGinExtension": create_extension, "BtreeGistExtension": create_extension,
    "CITextExtension": create_extension, "CryptoExtension": create_extension, "BloomExtension": create_extension,
    "AlterOrderWithRespectTo": alter_order_with_respect_to, "AlterModelTableComment": alter_table_comment,
    "CreateCollation": collation, "RemoveCollation": collation,
}


# -- helpers ----------------------------------------------------------------------------------------

def _together_op(call: Call, state: ProjectState, app_label: str, kind: str) -> list[str]:
    model = state.get(call.arg(0, "name"), app_label)
    new = together_sets(call.arg(1, f"{kind}_together"))
    attr = f"{kind}_together"
    old = getattr(model, attr)
    setattr(model, attr, new)
    return alter_together(model, old, new, kind) if model.managed else []


def _rename_in_together(model: ModelState, old: str, new: str) -> None:
    def renamed(names: tuple) -> tuple:
        return tuple(new if n == old else n for n in names)

    for attr in ("unique_together", "index_together"):
        setattr(model, attr, {renamed(names) for names in getattr(model, attr)})
    model.together_names = {(kind, renamed(names)): name for (kind, names), name in model.together_names.items()}


def _repoint_relations(state: ProjectState, old_key: tuple[str, str], model: ModelState) -> list[tuple[ModelState, FieldState]]:
    """Relations to the renamed model now name it by its new name; the column relations among them are returned."""
    label = f"{model.app_label}.{model.name.lower()}"
    found = []
    for other in state.models.values():
        for f in other.fields.values():
            to = f.opt("to")
            if isinstance(to, str) and to != "self" and state.model_key(to, other.app_label) == old_key:
                f.options["to"] = label
                if f.is_relation:
                    found.append((other, f))
    return found
