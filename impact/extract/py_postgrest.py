"""PostgREST's small languages, as supabase clients write them.

- the `select` column list: `*`, `alias:col`, `col::type`, `json->>key`, `col.sum()`, and embedded
  resources `other(cols)` / `alias:other!hint(cols)` / `...other(cols)`, which read table `other`;
- filter operators (`eq`, `in_`, `contains`, ...) and their PostgreSQL equivalent;
- the `or_("a.eq.1,b.gt.2")` filter string, whose column names are what matter here.

These are tiny, fixed grammars of PostgREST (not code), so a hand-written splitter is exact.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
# supabase-py method (or PostgREST operator) -> SQL template over {col} and {param}.
CONDITIONS = {
    "eq": "{col} = {param}", "neq": "{col} <> {param}", "gt": "{col} > {param}", "gte": "{col} >= {param}",
    "lt": "{col} < {param}", "lte": "{col} <= {param}", "like": "{col} LIKE {param}",
    "ilike": "{col} ILIKE {param}", "in": "{col} = ANY({param})", "cs": "{col} @> {param}",
    "cd": "{col} <@ {param}", "ov": "{col} && {param}", "sr": "{col} >> {param}", "sl": "{col} << {param}",
    "nxl": "{col} &> {param}", "nxr": "{col} &< {param}", "adj": "{col} -|- {param}",
    "fts": "{col} @@ to_tsquery({param})", "plfts": "{col} @@ plainto_tsquery({param})",
    "phfts": "{col} @@ phraseto_tsquery({param})", "wfts": "{col} @@ websearch_to_tsquery({param})",
    "match": "{col} ~ {param}", "imatch": "{col} ~* {param}",
    "like_all_of": "{col} LIKE ALL({param})", "like_any_of": "{col} LIKE ANY({param})",
    "ilike_all_of": "{col} ILIKE ALL({param})", "ilike_any_of": "{col} ILIKE ANY({param})",
    "is": "{col} IS NULL", "is:true": "{col} IS TRUE", "is:false": "{col} IS FALSE",
}
# supabase-py spells some operators differently from PostgREST.
ALIASES = {
    "in_": "in", "is_": "is", "is_:true": "is:true", "is_:false": "is:false", "contains": "cs",
    "contained_by": "cd", "overlaps": "ov", "range_gt": "sr", "range_lt": "sl", "range_gte": "nxl",
    "range_lte": "nxr", "range_adjacent": "adj", "text_search": "fts",
}
OR_FILTER = re.compile(r"(?:^|[,(])\s*([A-Za-z_][\w]*)(?:->>?[\w']+)*\.(?:not\.)?([a-z_]+)\.", re.ASCII)
SIMPLE_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# PostgreSQL reserved words: a column named like one must be quoted.
RESERVED = frozenset("""all analyse analyze and any array as asc asymmetric both case cast check collate column
constraint create current_catalog current_date current_role current_time current_timestamp current_user default
deferrable desc distinct do else end except false fetch for foreign from grant group having in initially intersect
into lateral leading limit localtime localtimestamp not null offset on only or order placing primary references
returning select session_user some symmetric system_user table then to trailing true union unique user using
variadic when where window with""".split())


@dataclass
class Embed:
    name: str  # the embedded table (PostgREST resolves it through a foreign key)
    alias: str | None
    offset: int = 0  # where it starts in the select text (to tell its line)
    star: bool = False
    columns: list[str] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)


@dataclass
class SelectSpec:
    star: bool = False
    columns: list[str] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)

    def all_embeds(self) -> list[Embed]:
        found, pending = [], list(self.embeds)
        while pending:
            embed = pending.pop(0)
            found.append(embed)
            pending.extend(embed.embeds)
        return found


def parse_select(text: str) -> SelectSpec:
    spec = SelectSpec()
    _read_items(text, spec, 0)
    return spec


def _read_items(text: str, into: SelectSpec | Embed, base_offset: int) -> None:
    offset = base_offset
    for raw in split_top_level(text):
        start = offset + len(raw) - len(raw.lstrip())
        offset += len(raw) + 1  # the comma
        item = raw.strip().removeprefix("...")
        if not item:
            continue
        if item == "*":
            into.star = True
        elif item.endswith(")") and "(" in item:
            _read_parenthesized(item, into, start + len(raw.strip()) - len(item))
        else:
            column = filter_column(item)
            if column and column not in into.columns:
                into.columns.append(column)


def _read_parenthesized(item: str, into: SelectSpec | Embed, offset: int) -> None:
    head, inner = item[: item.index("(")], item[item.index("(") + 1 : -1]
    alias, _, name = head.rpartition(":") if ":" in head.replace("::", "") else ("", "", head)
    name = name.split("!")[0].strip().strip('"')
    if "." in name:  # `col.sum()`: an aggregate over a column of this table
        column = filter_column(name.rsplit(".", 1)[0])
        if column and column not in into.columns:
            into.columns.append(column)
        return
    if name in AGGREGATES and not inner.strip():
        return  # `count()`: no column
    embed = Embed(name, alias.strip() or None, offset)
    _read_items(inner, embed, offset + len(head) + 1)
    into.embeds.append(embed)


def split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses and double quotes."""
    items, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return items


def filter_column(item: str) -> str:
    """The column of a select item or filter argument: drop alias, cast and JSON path."""
    item = item.strip().split("::")[0]
    if ":" in item:
        item = item.split(":", 1)[1]
    item = re.split(r"->>?", item)[0]
    return item.strip().strip('"')


def split_column_list(text: str) -> list[str]:
    """`on_conflict="a, b"` -> [a, b]."""
    return [c.strip().strip('"') for c in text.split(",") if c.strip()]


def is_filter(operator: str) -> bool:
    return ALIASES.get(operator, operator) in CONDITIONS


def filter_condition(operator: str, column_sql: str, next_parameter: Callable[[], str]) -> str | None:
    """`eq` -> `col = $1`; None for a method that is not a filter (`execute`, `single`, ...).
    A parameter is taken only when the condition has one: PREPARE rejects gaps in `$n`."""
    template = CONDITIONS.get(ALIASES.get(operator, operator))
    if template is None:
        return None
    return template.format(col=column_sql, param=next_parameter() if "{param}" in template else "")


def or_filters(text: str) -> list[tuple[str, str]]:
    """(column, operator) of a PostgREST logic filter: `title.ilike.%x%,and(a.eq.1,b.gt.2)`."""
    found = []
    for match in OR_FILTER.finditer(text):
        if match.group(1) not in ("and", "or", "not"):
            found.append((match.group(1), match.group(2)))
    return found


def quote(name: str) -> str:
    if SIMPLE_IDENTIFIER.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'
