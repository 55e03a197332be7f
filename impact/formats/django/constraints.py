"""Meta indexes and constraints (models.Index, UniqueConstraint, CheckConstraint), unique/index
together, and the Q() conditions they carry, as Django's PostgreSQL schema editor writes them.

Known limit: Q() conditions are read for plain lookups (exact, gt/gte/lt/lte, isnull, in) joined
by AND/OR/NOT; other lookups and index/constraint expressions other than F()/Lower()/Upper() are
not static here (NotStatic with the reason).
"""
from __future__ import annotations

from impact.formats.django import fields as conv
from impact.formats.django.pyread import Call
from impact.formats.django.state import FieldState, ModelState, NotStatic, ProjectState

q = conv.quote
INDEX_METHODS = {"GinIndex": "gin", "GistIndex": "gist", "BrinIndex": "brin", "HashIndex": "hash", "SpGistIndex": "spgist",
                 "BloomIndex": "bloom", "BTreeIndex": ""}
LOOKUPS = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def add_index(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    index = call.arg(1, "index")
    if not isinstance(index, Call):
        raise NotStatic("the index is computed at run time")
    model.indexes[str(index.kwargs.get("name"))] = index
    return [index_sql(model, index, concurrently=call.short == "AddIndexConcurrently")] if model.managed else []


def index_sql(model: ModelState, index: Call, concurrently: bool = False) -> str:
    name = index.kwargs.get("name")
    if not isinstance(name, str):
        raise NotStatic("the index has no literal name")
    using = INDEX_METHODS.get(index.short, "")
    columns = _index_columns(model, index)
    opclasses = index.kwargs.get("opclasses") or ()
    if opclasses:
        columns = [f"{c} {o}" for c, o in zip(columns, opclasses)]
    sql = f"CREATE INDEX{' CONCURRENTLY' if concurrently else ''} {q(name)} ON {q(model.table)}{f' USING {using}' if using else ''} ({', '.join(columns)})"
    include = index.kwargs.get("include")
    if include:
        sql += f" INCLUDE ({', '.join(q(model.field_named(n).column) for n in include)})"
    condition = index.kwargs.get("condition")
    if condition is not None:
        sql += f" WHERE {q_sql(condition, model)}"
    return sql


def remove_index(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    name = call.arg(1, "name")
    if not isinstance(name, str):
        raise NotStatic("RemoveIndex name is computed at run time")
    model.indexes.pop(name, None)
    if not model.managed:
        return []
    concurrently = " CONCURRENTLY" if call.short == "RemoveIndexConcurrently" else ""
    return [f"DROP INDEX{concurrently} IF EXISTS {q(name)}"]


def rename_index(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    new_name, old_name, old_fields = call.kwargs.get("new_name"), call.kwargs.get("old_name"), call.kwargs.get("old_fields")
    if not isinstance(new_name, str):
        raise NotStatic("RenameIndex new_name is computed at run time")
    if isinstance(old_name, str):
        index = model.indexes.pop(old_name, None)
        if index is not None:
            model.indexes[new_name] = Call(index.name, index.args, {**index.kwargs, "name": new_name})
    elif isinstance(old_fields, (list, tuple)):
        # An unnamed index_together index gets its name: Django finds the old one by introspection.
        columns = [model.field_named(n).column for n in old_fields]
        old_name = conv.index_name(model.table, columns, "_idx")
        model.index_together.discard(tuple(old_fields))
        model.indexes[new_name] = Call("models.Index", (), {"fields": list(old_fields), "name": new_name})
    else:
        raise NotStatic("RenameIndex names neither old_name nor old_fields")
    return [f"ALTER INDEX {q(old_name)} RENAME TO {q(new_name)}"] if model.managed else []


def add_constraint(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    constraint = call.arg(1, "constraint")
    if not isinstance(constraint, Call):
        raise NotStatic("the constraint is computed at run time")
    model.constraints[str(constraint.kwargs.get("name"))] = constraint
    if not model.managed:
        return []
    sql = constraint_sql(model, constraint, inline=False)
    if call.short == "AddConstraintNotValid":
        sql += " NOT VALID"
    return [sql]


def remove_constraint(call: Call, state: ProjectState, app_label: str) -> list[str]:
    model = state.get(call.arg(0, "model_name"), app_label)
    name = call.arg(1, "name")
    if not isinstance(name, str):
        raise NotStatic("RemoveConstraint name is computed at run time")
    constraint = model.constraints.pop(name, None)
    if not model.managed:
        return []
    if constraint is not None and constraint.short == "UniqueConstraint" and _unique_as_index(constraint):
        return [f"DROP INDEX IF EXISTS {q(name)}"]
    return [f"ALTER TABLE {q(model.table)} DROP CONSTRAINT {q(name)}"]


def model_constraints_inline(model: ModelState, state: ProjectState) -> list[str]:
    """Meta.constraints written inside CREATE TABLE (Django does so when no default needs params);
    a partial or expression unique constraint is an index, created after the table."""
    return [constraint_sql(model, c, inline=True) for c in model.constraints.values()
            if not (c.short == "UniqueConstraint" and _unique_as_index(c))]


def constraint_sql(model: ModelState, constraint: Call, inline: bool) -> str:
    name = constraint.kwargs.get("name")
    if not isinstance(name, str):
        raise NotStatic("the constraint has no literal name")
    if constraint.short == "CheckConstraint":
        condition = constraint.kwargs.get("condition", constraint.kwargs.get("check"))
        body = f"CHECK ({q_sql(condition, model)})"
    elif constraint.short == "UniqueConstraint":
        if _unique_as_index(constraint):
            return _unique_index(model, constraint, name)
        fields = constraint.kwargs.get("fields") or ()
        deferrable = _deferrable(constraint)
        nulls = " NULLS NOT DISTINCT" if constraint.kwargs.get("nulls_distinct") is False else ""
        body = f"UNIQUE{nulls} ({', '.join(q(model.field_named(n).column) for n in fields)}){deferrable}"
    else:
        raise NotStatic(f"{constraint.short} is not a constraint class impact translates")
    return f"CONSTRAINT {q(name)} {body}" if inline else f"ALTER TABLE {q(model.table)} ADD CONSTRAINT {q(name)} {body}"


def alter_together(model: ModelState, old: set, new: set, kind: str) -> list[str]:
    out = []
    suffix = "_uniq" if kind == "unique" else "_idx"
    for names in sorted(old - new):
        columns = [model.field_named(n).column for n in names]
        # Django finds the old one by introspection: the name it was created with.
        name = model.together_names.pop((kind, tuple(names)), None) or conv.index_name(model.table, columns, suffix)
        out.append(f"ALTER TABLE {q(model.table)} DROP CONSTRAINT {q(name)}" if kind == "unique" else f"DROP INDEX IF EXISTS {q(name)}")
    for names in sorted(new - old):
        columns = [model.field_named(n).column for n in names]
        name = conv.index_name(model.table, columns, suffix)
        model.together_names[(kind, tuple(names))] = name
        cols = ", ".join(q(c) for c in columns)
        out.append(f"ALTER TABLE {q(model.table)} ADD CONSTRAINT {q(name)} UNIQUE ({cols})" if kind == "unique"
                   else f"CREATE INDEX {q(name)} ON {q(model.table)} ({cols})")
    return out


def q_sql(condition, model: ModelState) -> str:
    """A Q() object as the SQL condition Django compiles it to (plain lookups only)."""
    if not isinstance(condition, Call) or condition.short != "Q":
        raise NotStatic("a condition other than Q(...) is not translated statically")
    parts = [q_sql(arg, model) if isinstance(arg, Call) else _lookup(arg, model) for arg in condition.args]
    parts += [_lookup((key, value), model) for key, value in condition.kwargs.items() if not key.startswith("_")]
    joiner = " OR " if condition.kwargs.get("_connector") == "OR" else " AND "
    sql = joiner.join(parts)
    if len(parts) > 1:
        sql = f"({sql})"
    return f"NOT {sql}" if condition.kwargs.get("_negated") else sql


def _lookup(pair, model: ModelState) -> str:
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise NotStatic("a Q() argument is computed at run time")
    key, value = pair
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    f = model.field_named(name)
    column = q(f.column)
    if lookup == "isnull":
        return f"{column} IS NULL" if value else f"{column} IS NOT NULL"
    if lookup == "in" and isinstance(value, (list, tuple)):
        return f"{column} IN ({', '.join(_literal(v, f) for v in value)})"
    if lookup in LOOKUPS:
        if value is None and lookup == "exact":
            return f"{column} IS NULL"
        return f"{column} {LOOKUPS[lookup]} {_literal(value, f)}"
    raise NotStatic(f"the Q() lookup {key!r} is not translated statically")


def _literal(value, f: FieldState) -> str:
    if isinstance(value, Call) and value.short == "F" and value.args:
        return q(value.args[0])
    if conv.internal_type(f.kind) == "FloatField" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    literal = conv.sql_literal(value)
    if literal is None:
        raise NotStatic(f"the value compared with {f.name} is computed at run time")
    return literal


def _index_columns(model: ModelState, index: Call) -> list[str]:
    fields = index.kwargs.get("fields") or ()
    if fields:
        out = []
        for name in fields:
            descending = name.startswith("-")
            column = q(model.field_named(name.lstrip("-")).column)
            out.append(f"{column} DESC" if descending else column)
        return out
    return [_expression(e, model) for e in index.args]


def _expression(expr, model: ModelState) -> str:
    if isinstance(expr, Call) and expr.short == "F" and expr.args and isinstance(expr.args[0], str):
        return q(model.field_named(expr.args[0]).column)
    if isinstance(expr, Call) and expr.short in ("Lower", "Upper") and expr.args:
        inner = expr.args[0]
        column = q(model.field_named(inner).column) if isinstance(inner, str) else _expression(inner, model)
        return f"({expr.short.upper()}({column}))"
    if isinstance(expr, Call) and expr.short == "OrderBy" or (isinstance(expr, Call) and expr.short == "desc"):
        raise NotStatic("an ordered index expression is not translated statically")
    raise NotStatic(f"the index expression {getattr(expr, 'name', expr)!s} is not translated statically")


def _unique_as_index(constraint: Call) -> bool:
    return bool(constraint.kwargs.get("condition") is not None or constraint.args or constraint.kwargs.get("expressions")
                or constraint.kwargs.get("opclasses"))


def _unique_index(model: ModelState, constraint: Call, name: str) -> str:
    if constraint.args:
        columns = [_expression(e, model) for e in constraint.args]
    else:
        columns = [q(model.field_named(n).column) for n in constraint.kwargs.get("fields") or ()]
    sql = f"CREATE UNIQUE INDEX {q(name)} ON {q(model.table)} ({', '.join(columns)})"
    condition = constraint.kwargs.get("condition")
    return sql + (f" WHERE {q_sql(condition, model)}" if condition is not None else "")


def _deferrable(constraint: Call) -> str:
    value = constraint.kwargs.get("deferrable")
    name = getattr(value, "name", "")
    if name.endswith("DEFERRED"):
        return " DEFERRABLE INITIALLY DEFERRED"
    if name.endswith("IMMEDIATE"):
        return " DEFERRABLE INITIALLY IMMEDIATE"
    return ""
