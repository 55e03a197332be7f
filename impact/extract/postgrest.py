"""PostgREST's small languages, as the supabase clients (supabase-py, supabase-js) write them.

    select:  "id, title:name, meta->>kind, total::text, amount.sum(), ...author:users!fk(email)"
    filter:  "status.eq.active,and(score.gt.3,deleted_at.is.null)"      (`or`, `not.or`, `and`)
    key:     "messages.role", "meta->>kind"                            (a filter's column)

plus the PostgreSQL condition each filter operator stands for, and identifier quoting. One
module serves both extractors: supabase-py (python/supabase) and supabase-js (typescript/supabase,
typescript/supabase_sql). These are tiny fixed grammars (PostgREST's `QueryParams` parser), so a
hand-written splitter is exact; every function is linear in the length of its input.

Offsets: `split_top_level` and `parse_select` take `start`/`end` and report offsets in the text
they were given, so a caller can parse a string in place within a whole source file and turn an
embedded resource's offset into a line number.

Where the two former implementations differed, this one follows PostgREST:
- a bare `count` in a select list is not a column: PostgREST answers `rel(count)` with the number
  of related rows (supabase documents `select("name, tweets(count)")`); `count()` likewise. Bare
  `sum`/`avg`/`min`/`max` are ordinary column names to PostgREST (only `count()` may stand
  without a column), so they stay columns.
- `name()` with an empty list is `count()` (or an invalid aggregate) when `name` is an aggregate
  and an embed otherwise (`rel!inner()` filters on the relation without embedding columns);
  `name(...)` with items is always an embedded resource, whatever its name.
- an alias is PostgREST's field name followed by a single `:` (`a:b`; `a::int` is a cast), so
  the alias is the *first* name (a quoted name may contain `:`), not the text before the last `:`.
- commas inside `(...)`, `{...}` (array values: `tags.cs.{a,b}`), `[...]` and double quotes
  (`name.eq."a,b"`, with `\\"` escapes) do not split items: PostgREST reads these as one value.
- a logic filter is parsed into terms (not matched by a regex), so a comma or `x.eq.` inside a
  quoted value is never taken for another term, and operator modifiers (`fts(english)`,
  `eq(any)`) are understood.
- an interpolated part (`impact_hole_N`) in a column or table name makes that item unknown
  (`SelectList.complete` is False) instead of yielding a made-up name.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


from impact.sql.holes import HOLE_RE

AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
_OPEN, _CLOSE = "([{", ")]}"
# `alias:` before a field: a (possibly quoted, possibly dashed) name, then one `:` (not `::`).
_ALIAS = re.compile(r'\s*(?:"(?:[^"\\]|\\.)*"|[\w$]+(?:-(?!>)[\w$]+)*)\s*:(?!:)\s*')
# Where a field name ends: a cast, a JSON path, an aggregate (`.sum()`) or a call's parenthesis.
_NAME_END = re.compile(r"::|->|[.(]")
_LOGICAL = re.compile(r"(?:not\.)?(and|or)\s*\(", re.IGNORECASE)


# -- select lists --------------------------------------------------------------------------------

@dataclass
class SelectList:
    """What a select string reads: its own columns and the embedded resources."""

    star: bool = False
    columns: list[str] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)
    complete: bool = True  # False when part of the list was interpolated

    def add_column(self, name: str) -> None:
        if HOLE_RE.search(name):
            self.complete = False
        elif name and name not in self.columns:
            self.columns.append(name)

    def all_embeds(self) -> list[Embed]:
        """Every embedded resource, nested ones included, in source order."""
        found = []
        for embed in self.embeds:
            found.append(embed)
            found.extend(embed.select.all_embeds())
        return found


@dataclass
class Embed:
    """`alias:table!hint(select)`: a read of another table through a foreign key."""

    table: str
    alias: str | None
    select: SelectList
    offset: int  # of the table name in the text given to parse_select (to compute its line)

    def answers_to(self, name: str) -> bool:
        return name in (self.table, self.alias)


def split_top_level(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
    """The comma-separated items of text[start:end], each with its offset in `text`.
    Commas inside brackets of any kind or double quotes do not split."""
    end = len(text) if end is None else end
    items, depth, item_start, quoted, escaped = [], 0, start, False, False
    for pos in range(start, end):
        char = text[pos]
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)  # unbalanced input: never let one `)` hide the rest
        elif char == "," and depth == 0:
            items.append((item_start, text[item_start:pos]))
            item_start = pos + 1
    items.append((item_start, text[item_start:end]))
    return items


def parse_select(text: str, start: int = 0, end: int | None = None) -> SelectList:
    """Parse the select list text[start:end]; it may contain `impact_hole_N` placeholders."""
    result = SelectList()
    for offset, raw in split_top_level(text, start, end):
        item = raw.strip()
        if not item:
            continue
        lead = offset + len(raw) - len(raw.lstrip())
        if item.startswith("..."):  # spread embedding: `...profiles(name)`
            spread = item[3:].lstrip()
            item, lead = spread, lead + len(item) - len(spread)
        if item == "*":
            result.star = True
        elif item.endswith(")") and "(" in item:
            _parse_parenthesised(text, lead, item, result)
        else:
            _parse_column(item, result)
    return result


def _parse_parenthesised(text: str, lead: int, item: str, into: SelectList) -> None:
    """`count()`, `amount.sum()`, or an embedded resource `alias:table!hint(...)`."""
    open_at = item.index("(")
    head = item[:open_at]
    alias_match = _ALIAS.match(head)
    alias = _unquote(alias_match.group().strip().rstrip(":")) if alias_match else None
    name_part = head[alias_match.end():] if alias_match else head
    inner_start, inner_end = lead + open_at + 1, lead + len(item) - 1
    empty = not text[inner_start:inner_end].strip()
    if "." in name_part:  # an aggregate over a column: `amount.sum()`, `data->x::int.avg()`
        into.add_column(column_name(name_part.rsplit(".", 1)[0]))
        return
    table = _unquote(name_part.split("!", 1)[0].strip())
    if empty and table.lower() in AGGREGATES:
        return  # `count()`: no column
    if not table or HOLE_RE.search(table):
        into.complete = False
        return
    name_offset = lead + (alias_match.end() if alias_match else 0)
    into.embeds.append(Embed(table, alias, parse_select(text, inner_start, inner_end), name_offset))


def _parse_column(item: str, into: SelectList) -> None:
    alias_match = _ALIAS.match(item)
    name = column_name(item[alias_match.end():] if alias_match else item)
    if name.lower() == "count" and not _quoted_at_start(item, alias_match):
        return  # `rel(count)`: the number of related rows, not a column
    into.add_column(name)


def _quoted_at_start(item: str, alias_match: re.Match | None) -> bool:
    return item[alias_match.end() if alias_match else 0:].lstrip().startswith('"')


def column_name(field_text: str) -> str:
    """The column a field names: `"my col"->>x::text` -> `my col`; `count()` -> ``."""
    field_text = field_text.strip()
    if field_text.startswith('"'):
        close = _closing_quote(field_text)
        return _unquote(field_text[: close + 1]) if close > 0 else field_text.strip('"')
    name_end = _NAME_END.search(field_text)
    if name_end is not None and name_end.group() == "(":
        return ""  # a function call (`count()`), not a column
    return (field_text[: name_end.start()] if name_end else field_text).strip()


def _closing_quote(text: str) -> int:
    escaped = False
    for pos in range(1, len(text)):
        if escaped:
            escaped = False
        elif text[pos] == "\\":
            escaped = True
        elif text[pos] == '"':
            return pos
    return -1


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


# -- filters ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrTerm:
    """One `column.operator.value` of a logic filter."""

    column: str
    operator: str  # as PostgREST spells it, lowercased: eq, is, in, fts(english), eq(any), ...
    negated: bool = False


def filter_target(key: str) -> tuple[str | None, str]:
    """A filter's column argument: `messages.role` -> ("messages", "role") (a filter on an embedded
    resource); `meta->>kind` -> (None, "meta"); `a.b->>c.d` -> ("a", "b")."""
    key = key.strip()
    path = None
    if "." in key.split("->", 1)[0]:
        path, key = key.rsplit(".", 1) if "->" not in key else key.split(".", 1)
    return path, column_name(key)


def parse_or(text: str) -> list[OrTerm]:
    """Terms of a logic filter string (`.or()`, `.not(..., "or", ...)`), nested groups flattened."""
    terms: list[OrTerm] = []
    for _offset, raw in split_top_level(text):
        item = raw.strip()
        logical = _LOGICAL.match(item)
        if logical and item.endswith(")"):
            terms.extend(parse_or(item[logical.end():-1]))
            continue
        column_end = _column_end(item)
        parts = item[column_end:].split(".")  # ["", operator, value...] or ["", "not", operator, ...]
        if len(parts) < 2 or parts[0]:
            continue
        negated = len(parts) > 2 and parts[1].lower() == "not"
        operator = (parts[2] if negated else parts[1]).lower()
        column = column_name(item[:column_end])
        if column and not HOLE_RE.search(column):
            terms.append(OrTerm(column, operator, negated))
    return terms


def _column_end(item: str) -> int:
    """Where the field of `field.op.value` ends (a quoted field may hold dots)."""
    if item.startswith('"'):
        close = _closing_quote(item)
        start = close + 1 if close > 0 else 0
    else:
        start = 0
    dot = item.find(".", start)
    return dot if dot >= 0 else len(item)


def column_list(text: str) -> list[str]:
    """`on_conflict="a, b"` / `onConflict: "a,b"` -> [a, b]."""
    return [_unquote(part) for part in text.split(",") if part.strip()]


# -- operators -> SQL ------------------------------------------------------------------------------

# Keyed by the operator with `_` removed and lowercased, so PostgREST's abbreviations, supabase-js
# method names (`containedBy`, `likeAllOf`) and supabase-py's (`contained_by`, `in_`, `is_`) all
# meet; `{col}` and `{param}` are filled in by condition_sql.
_CONDITIONS = {
    "eq": "{col} = {param}", "neq": "{col} <> {param}", "gt": "{col} > {param}", "gte": "{col} >= {param}",
    "lt": "{col} < {param}", "lte": "{col} <= {param}", "like": "{col} LIKE {param}",
    "ilike": "{col} ILIKE {param}", "match": "{col} ~ {param}", "imatch": "{col} ~* {param}",
    "likeallof": "{col} LIKE ALL({param})", "likeanyof": "{col} LIKE ANY({param})",
    "ilikeallof": "{col} ILIKE ALL({param})", "ilikeanyof": "{col} ILIKE ANY({param})",
    "in": "{col} = ANY({param})", "isdistinct": "{col} IS DISTINCT FROM {param}",
    # `is` takes null/true/false/unknown; supabase-py's `is_(col, True)` is known to be `is:true`.
    "is": "{col} IS NULL", "is:true": "{col} IS TRUE", "is:false": "{col} IS FALSE",
    "cs": "{col} @> {param}", "cd": "{col} <@ {param}", "ov": "{col} && {param}",
    "sr": "{col} >> {param}", "sl": "{col} << {param}", "nxl": "{col} &> {param}",
    "nxr": "{col} &< {param}", "adj": "{col} -|- {param}",
    "fts": "{col} @@ to_tsquery({param})", "plfts": "{col} @@ plainto_tsquery({param})",
    "phfts": "{col} @@ phraseto_tsquery({param})", "wfts": "{col} @@ websearch_to_tsquery({param})",
}
_SYNONYMS = {
    "contains": "cs", "containedby": "cd", "overlaps": "ov", "rangegt": "sr", "rangelt": "sl",
    "rangegte": "nxl", "rangelte": "nxr", "rangeadjacent": "adj", "textsearch": "fts",
}
# Operators PostgREST lets take `(any)` / `(all)`: `eq(any).{1,2}` is `= ANY('{1,2}')`.
_QUANTIFIABLE = frozenset({"eq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"})


def _operator_key(operator: str) -> tuple[str, str]:
    """(base operator, modifier): `fts(english)` -> ("fts", "english"); `in_` -> ("in", "")."""
    key = operator.strip().lower().replace("_", "")
    base, _, modifier = key.partition("(")
    base = _SYNONYMS.get(base, base)
    return base, modifier.rstrip(")").strip()


def is_filter(operator: str) -> bool:
    """Is this (method or operator) name a filter PostgREST knows?"""
    return _operator_key(operator)[0] in _CONDITIONS


def condition_sql(operator: str, column_sql: str, next_parameter: Callable[[], str]) -> str | None:
    """`eq` -> `col = $1`; None for a name that is no filter (`execute`, `single`, ...).
    A parameter is taken only when the condition has one: PREPARE rejects gaps in `$n`, and
    every operator here is one PostgreSQL accepts for a parameter of unknown type."""
    base, modifier = _operator_key(operator)
    template = _CONDITIONS.get(base)
    if template is None:
        return None
    if modifier in ("any", "all") and base in _QUANTIFIABLE:
        template = template.replace("{param}", modifier.upper() + "({param})")
    return template.format(col=column_sql, param=next_parameter() if "{param}" in template else "")


