"""Matchers of the database objects (views, functions, triggers, policies, indexes: impact.judge.catalog)
a changed column's rules look at (`objects = "..."` in rules/*.toml)."""
from __future__ import annotations

import re

from impact.judge.context import OpContext
from impact.judge.predicates import object_matcher


def _word(text: str, word: str | None) -> bool:
    return bool(word) and re.search(rf"(?<![\w$]){re.escape(word)}(?![\w$])", text, re.IGNORECASE) is not None


def _on_table(ctx: OpContext, obj) -> bool:
    """The object belongs to the op's table: attached to it, or (views, functions) naming it or
    run by a trigger on it (a trigger function reads NEW.col without naming the table)."""
    table = (ctx.op.table or "").lower()
    if obj.table is not None:
        return obj.table.lower() == table
    if obj.kind == "function":
        triggered = {o.function for o in ctx.before.objects if o.kind == "trigger" and (o.table or "").lower() == table}
        return obj.name in triggered or _word(obj.text, table)
    return _word(obj.text, table)


@object_matcher
def uses_column(ctx: OpContext, obj) -> bool:
    return obj.kind != "trigger" and _on_table(ctx, obj) and _word(obj.text, ctx.op.column_name) \
        and not _index_of_column_alone(ctx, obj)


def _index_of_column_alone(ctx: OpContext, obj) -> bool:
    """An index naming no other column of the table than the changed one (Django's `<col>_like`
    index, a unique index on the column) goes with it and protects nothing else: dropping the
    column is what it is for. One that also names another column (`(a, col)`, a partial
    `(email) WHERE col IS NULL`) loses the others' index or uniqueness: still reported. Where the
    table's columns are not known, it is reported."""
    if obj.kind != "index":
        return False
    info = ctx.before.get(ctx.op.table, ctx.op.schema)
    if info is None or not info.columns:
        return False
    column = (ctx.op.column_name or "").lower()
    others = {name.lower() for name in info.columns} - {column}
    return not any(word.lower() in others for word in re.findall(r"[A-Za-z_]\w*", obj.text))


@object_matcher
def function_uses_column(ctx: OpContext, obj) -> bool:
    """Function bodies are stored as text: a rename does not follow into them (views, policies and indexes do)."""
    return obj.kind == "function" and uses_column(ctx, obj)


@object_matcher
def view_or_policy_uses_column(ctx: OpContext, obj) -> bool:
    return obj.kind in ("view", "policy") and uses_column(ctx, obj)
