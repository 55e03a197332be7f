"""The small string languages supabase-js hands to PostgREST: select lists and `or` filters.

    select:  "id, title:name, meta->>kind, total::text, messages!inner(id, content), count"
    or:      "status.eq.active,and(score.gt.3,deleted_at.is.null)"

Both are parsed by splitting on top-level commas (parentheses and double quotes respected),
which is linear in the length of the string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from impact.sql.queries import HOLE_RE

_ALIAS = re.compile(r'^\s*(?:"[^"]*"|[\w$]+)\s*:(?!:)\s*')
_COLUMN_END = re.compile(r"::|->|\.|\s")
_AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
_LOGICAL = re.compile(r"^(?:not\.)?(and|or)\s*\(", re.IGNORECASE)


@dataclass
class SelectList:
    """What a `.select(...)` string reads: its own columns and the embedded resources."""

    star: bool = False
    columns: list[str] = field(default_factory=list)
    embeds: list["Embed"] = field(default_factory=list)
    complete: bool = True  # False when part of the list was interpolated

    def add_column(self, name: str) -> None:
        if HOLE_RE.fullmatch(name):
            self.complete = False
        elif name and name not in self.columns:
            self.columns.append(name)


@dataclass
class Embed:
    """`alias:table!hint(select)`: a read of another table through a foreign key."""

    table: str
    alias: str | None
    select: SelectList
    offset: int  # of the table name in the select string (to compute its line)

    def answers_to(self, name: str) -> bool:
        return name in (self.table, self.alias)


@dataclass(frozen=True)
class OrTerm:
    column: str
    operator: str  # PostgREST operator name: eq, is, in, ...
    negated: bool = False


def split_top_level(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
    """Comma-separated items of text[start:end], each with its offset; brackets and quotes kept."""
    end = len(text) if end is None else end
    items, depth, item_start, in_quote = [], 0, start, False
    for pos in range(start, end):
        char = text[pos]
        if char == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            items.append((item_start, text[item_start:pos]))
            item_start = pos + 1
    items.append((item_start, text[item_start:end]))
    return items


def parse_select(text: str, start: int = 0, end: int | None = None) -> SelectList:
    """Parse a PostgREST select list; `text` may contain HOLE placeholders for interpolations."""
    result = SelectList()
    for offset, raw in split_top_level(text, start, end):
        item = raw.strip()
        if not item:
            continue
        lead = offset + len(raw) - len(raw.lstrip())
        if item.startswith("..."):  # spread embedding: `...profiles(name)`
            item, lead = item[3:].lstrip(), lead + 3
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
    head = item[:open_at].strip()
    alias_match = _ALIAS.match(head)
    alias = alias_match.group().rstrip(": \t\n").strip('"') if alias_match else None
    name_part = head[alias_match.end() :] if alias_match else head
    if "." in name_part:  # aggregate on a column: `amount.sum()`
        into.add_column(_strip_name(name_part.split(".", 1)[0]))
        return
    if name_part.lower() in _AGGREGATES:
        return
    table = _strip_name(name_part.split("!", 1)[0])
    if HOLE_RE.fullmatch(table) or not table:
        into.complete = False
        return
    name_offset = lead + item.index(name_part)
    inner_start = lead + open_at + 1
    inner_end = lead + len(item) - 1
    inner = parse_select(text, inner_start, inner_end)
    into.embeds.append(Embed(table, alias, inner, name_offset))


def _parse_column(item: str, into: SelectList) -> None:
    alias_match = _ALIAS.match(item)
    if alias_match:
        item = item[alias_match.end() :]
    name = _strip_name(_COLUMN_END.split(item.strip(), 1)[0])
    if name.lower() in _AGGREGATES:
        return
    into.add_column(name)


def _strip_name(name: str) -> str:
    return name.strip().strip('"')


def filter_target(key: str) -> tuple[str | None, str]:
    """`messages.role` -> ("messages", "role"); `meta->>kind` -> (None, "meta")."""
    key = key.strip()
    path = None
    if "." in key.split("->", 1)[0]:
        path, key = key.rsplit(".", 1) if "->" not in key else key.split(".", 1)
    return path, _strip_name(re.split(r"->|::", key, maxsplit=1)[0])


def parse_or(text: str) -> list[OrTerm]:
    """Terms of an `.or()` / `.not(..., "or", ...)` filter string, nested groups flattened."""
    terms: list[OrTerm] = []
    for _offset, raw in split_top_level(text):
        item = raw.strip()
        if not item:
            continue
        logical = _LOGICAL.match(item)
        if logical and item.endswith(")"):
            terms.extend(parse_or(item[logical.end() : -1]))
            continue
        parts = item.split(".")
        if len(parts) < 2:
            continue
        negated = len(parts) > 2 and parts[1].lower() == "not"
        operator = parts[2] if negated else parts[1]
        column = _strip_name(re.split(r"->|::", parts[0], maxsplit=1)[0])
        if column and not HOLE_RE.fullmatch(column):
            terms.append(OrTerm(column, operator.lower(), negated))
    return terms
