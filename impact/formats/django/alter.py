"""AlterField: the statements of Django's `BaseDatabaseSchemaEditor._alter_field` plus the
PostgreSQL editor's pattern-index handling, in Django's order.

Where Django finds an existing constraint or index by introspection, the name comes from the
field's remembered names (given when it was created) or from the naming convention.
Known limit: primary-key and identity changes, and the re-typing of foreign keys in other tables
that point at an altered primary key, are not translated (NotStatic).
"""
from __future__ import annotations

from impact.formats.django import fields as conv
from impact.formats.django.columns import column_type, default_sql, effective_default, like_index, target
from impact.formats.django.state import FieldState, ModelState, NotStatic, ProjectState

q = conv.quote
DEFERRABLE = " DEFERRABLE INITIALLY DEFERRED"


def alter_field_sql(model: ModelState, old: FieldState, new: FieldState, state: ProjectState) -> list[str]:
    if old.kind in conv.NOT_COLUMNS or new.kind in conv.NOT_COLUMNS:
        new.names = dict(old.names)
        if old.kind == new.kind:
            return []
        raise NotStatic("AlterField between a ManyToManyField and a column is not translated")
    if old.primary_key != new.primary_key or (old.kind in conv.AUTO_FIELDS) != (new.kind in conv.AUTO_FIELDS):
        raise NotStatic(f"AlterField of {model.name}.{new.name} changes the primary key or identity, which is not translated")
    names = dict(old.names)
    new.names = names
    table = q(model.table)
    old_type, new_type = column_type(model, old, state), column_type(model, new, state)
    changed = old.db_options() != new.db_options() or old.kind != new.kind or old_type != new_type
    out: list[str] = []
    fk_dropped = False
    if old.is_relation and old.opt("db_constraint", True) is not False and changed and names.get("fk"):
        out += [f"SET CONSTRAINTS {q(names['fk'])} IMMEDIATE", f"ALTER TABLE {table} DROP CONSTRAINT {q(names['fk'])}"]
        fk_dropped = True
        names.pop("fk")
    if old.unique and not new.unique:
        name = names.pop("unique", None) or conv.index_name(model.table, [old.column], "_uniq")
        out.append(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
    if old.db_index and not old.unique and (not new.db_index or new.unique):
        name = names.pop("index", None) or conv.index_name(model.table, [old.column])
        out.append(f"DROP INDEX IF EXISTS {q(name)}")
    old_check, new_check = conv.check_sql(old.kind, old.column), conv.check_sql(new.kind, new.column)
    if old_check and old_check != new_check:
        out.append(f"ALTER TABLE {table} DROP CONSTRAINT {q(names.pop('check', conv.pg_constraint_name(model.table, old.column, 'check')))}")
    if old.column != new.column:
        out.append(f"ALTER TABLE {table} RENAME COLUMN {q(old.column)} TO {q(new.column)}")
    column = q(new.column)
    actions, null_actions, post = [], [], []
    indexed_text_retyped = (old.db_index or old.unique) and any(
        old_type.startswith(t) and not new_type.startswith(t) for t in ("varchar", "text", "citext"))
    if indexed_text_retyped:  # PostgreSQL's editor drops the pattern index before the type change
        out.append(f"DROP INDEX IF EXISTS {q(names.pop('like', None) or conv.index_name(model.table, [old.column], '_like'))}")
    comment_changed = old.opt("db_comment") != new.opt("db_comment")
    if old_type != new_type or comment_changed:  # Django re-states the type when only the comment changes
        using = "" if conv.internal_type(_type_kind(old, model, state)) == conv.internal_type(_type_kind(new, model, state)) \
            else f" USING {column}::{new_type}"
        actions.append(f"ALTER COLUMN {column} TYPE {new_type}{using}")
    if new.has_db_default:
        if not old.has_db_default or new.opt("db_default") != old.opt("db_default"):
            actions.append(f"ALTER COLUMN {column} SET DEFAULT {default_sql(new.opt('db_default'), new)}")
    elif old.has_db_default:
        actions.append(f"ALTER COLUMN {column} DROP DEFAULT")
    needs_default = False
    new_default = effective_default(new)
    if old.null and not new.null and not new.has_db_default:
        if effective_default(old) != new_default and new_default is not None:
            needs_default = True
            actions.append(f"ALTER COLUMN {column} SET DEFAULT {default_sql(new_default, new)}")
    if old.null != new.null:
        null_actions.append(f"ALTER COLUMN {column} {'DROP' if new.null else 'SET'} NOT NULL")
    four_way = (new_default is not None or new.has_db_default) and old.null and not new.null
    if actions or null_actions:
        if not four_way:
            actions += null_actions
        if actions:
            out.append(f"ALTER TABLE {table} {', '.join(actions)}")
        if four_way:
            value = default_sql(new.opt("db_default"), new) if new.has_db_default else default_sql(new_default, new)
            out.append(f"UPDATE {table} SET {column} = {value} WHERE {column} IS NULL")
            out.append("SET CONSTRAINTS ALL IMMEDIATE")
            out += [f"ALTER TABLE {table} {a}" for a in null_actions]
    out += post
    if comment_changed:  # PostgreSQL's editor writes it after the type change, as its own statement
        text = new.opt("db_comment")
        out.append(f"COMMENT ON COLUMN {table}.{column} IS {conv.sql_literal(text) if isinstance(text, str) and text else 'NULL'}")
    if not old.unique and new.unique:
        name = conv.index_name(model.table, [new.column], "_uniq")
        names["unique"] = name
        out.append(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} UNIQUE ({column})")
    if (not old.db_index or old.unique) and new.db_index and not new.unique:
        names["index"] = conv.index_name(model.table, [new.column])
        out.append(f"CREATE INDEX {q(names['index'])} ON {table} ({column})")
    if new.is_relation and new.opt("db_constraint", True) is not False and (fk_dropped or not old.is_relation
                                                                           or old.opt("db_constraint", True) is False):
        to_table, to_column, _ = target(model, new, state)
        names["fk"] = conv.fk_name(model.table, new.column, to_table, to_column)
        out.append(f"ALTER TABLE {table} ADD CONSTRAINT {q(names['fk'])} FOREIGN KEY ({column}) "
                   f"REFERENCES {q(to_table)} ({q(to_column)}){DEFERRABLE}")
    if new_check and new_check != old_check:
        names["check"] = conv.index_name(model.table, [new.column], "_check")
        out.append(f"ALTER TABLE {table} ADD CONSTRAINT {q(names['check'])} CHECK ({new_check})")
    if needs_default:
        out.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    # PostgreSQL's editor: the varchar/text pattern index follows db_index/unique.
    if (not (old.db_index or old.unique) and new.db_index) or (not old.unique and new.unique) or indexed_text_retyped:
        out += like_index(model, new, state)
    if old.unique and not (new.db_index or new.unique):
        name = names.pop("like", None) or conv.index_name(model.table, [old.column], "_like")
        out.append(f"DROP INDEX IF EXISTS {q(name)}")
    return out


def _type_kind(f: FieldState, model: ModelState, state: ProjectState) -> str:
    """The internal type whose change makes Django add `USING col::type` (relations: the target's)."""
    if not f.is_relation:
        return f.kind
    to = f.opt("to")
    target_model = model if to == "self" else state.models.get(state.model_key(to, model.app_label))
    pk = target_model.pk if target_model else None
    return conv.RELATED_TYPES.get(pk.kind, pk.kind) if pk else "BigAutoField"
