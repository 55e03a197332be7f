"""Static values of a Django migration operation's arguments, read or refused.

A value that exists only at run time (a call, a name imported from elsewhere, a computed
expression) raises NotStatic with the reason; the caller turns it into an unknown operation.
"""
from __future__ import annotations

from impact.formats.django.pyread import Call, Dynamic, Ref
from impact.formats.django.state import NotStatic


def together_sets(value) -> set:
    if not value:
        return set()
    if isinstance(value, (Dynamic, Ref)):
        raise NotStatic("unique_together/index_together is computed at run time")
    items = list(value)
    if items and isinstance(items[0], str):
        items = [tuple(items)]  # unique_together = ("a", "b") means one set
    return {tuple(i) for i in items}


def sql_list(value, what: str) -> list[str]:
    if isinstance(value, Ref) and value.name.endswith("noop"):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
                out.append(item[0])  # (sql, params): the statement's shape is in the SQL
            else:
                out += sql_list(item, what)
        return out
    if isinstance(value, Call):
        raise NotStatic(f"{what} is `{value.name}(...)`, called at run time")
    if isinstance(value, Ref):
        raise NotStatic(f"{what} is `{value.name}`, a value from outside this module")
    raise NotStatic(f"{what}: {getattr(value, 'reason', 'not a string or a list of strings')}")


def string_arg(value, what: str) -> str:
    if not isinstance(value, str):
        raise NotStatic(f"{what} is computed at run time")
    return value


def lower_or_empty(value) -> str:
    return value.lower() if isinstance(value, str) else ""
