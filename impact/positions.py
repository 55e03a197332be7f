"""Does a file name an affected table where a query names it? Looked for only around the names.

`query_position_pattern` run over a whole file tries a case-insensitive, `\\b`-led
alternation at every position of it (5 % of a cold scan, half of a warm heavy one, issue 13).
Here `str.find` finds each table name in the lowered text and that pattern runs on a window
around each hit only; the dynamic-table pattern (`.from(name)`, `FROM {t}`) starts on its
literal (`from`, `join`, `into`, `update`, `table`) the same way. Same answers, cost following
the hits (tests/test_positions.py compares both over every fixture file).

Known limit: a keyword more than WINDOW characters before the table name (`FROM` then a long
comment) or a dynamic tail more than WINDOW characters after its keyword is not seen (xfail test).
"""
from __future__ import annotations

import re

WINDOW = 160
DYNAMIC_LITERALS = ("from", "join", "into", "update", "table")
# A table given by a variable (reported as unresolved): `.from(name)`, `FROM {t}`, `FROM ${t}`, `FROM " + t`.
DYNAMIC_TABLE = r"\.(?:from_?|table)\(\s*[A-Za-z_$]|\b(?:FROM|JOIN|INTO|UPDATE)\s+(?:\{|\$\{|[\"']\s*\+|%s)"


def query_position_pattern(tables: list[str], orm_calls: str | None = None) -> re.Pattern:
    """A table named where a query names it: after FROM/JOIN/INTO/UPDATE/TABLE/COPY, or quoted
    (`.from("t")`, `.table('t')`, `__tablename__ = "t"`, `db_table = "t"`), or its ORM model
    reached through an accessor (`prisma.eventData.`, case-sensitive)."""
    if not tables:
        return re.compile(r"(?!x)x")
    names = "|".join(sorted(map(re.escape, tables), key=len, reverse=True))
    keyword = rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|COPY|ONLY)\s+(?:[\"`\w]+\.)?[\"`]?(?:{names})\b"
    quoted = rf"[\"'`](?:\w+\.)?(?:{names})[\"'`]"
    accessor = f"|(?-i:{orm_calls})" if orm_calls else ""
    return re.compile(f"{keyword}|{quoted}|{DYNAMIC_TABLE}{accessor}", re.IGNORECASE)


def line_starts(text: str) -> list[int]:
    """The offset where each line of `text` starts (line N at index N - 1)."""
    starts, at = [0], text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


class TablePositions:
    def __init__(self, tables: list[str], full: re.Pattern, dynamic: str, orm_calls: str | None = None):
        """`full`: the whole-file pattern (the answer wherever lowering changes a text's length);
        `dynamic`: the dynamic-table pattern's source; `orm_calls`: case-sensitive ORM accessors."""
        self.full = full
        self.names = sorted({t.lower() for t in tables if t}, key=len, reverse=True)
        alternation = "|".join(map(re.escape, self.names))
        keyword = rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|COPY|ONLY)\s+(?:[\"`\w]+\.)?[\"`]?(?:{alternation})\b"
        quoted = rf"[\"'`](?:\w+\.)?(?:{alternation})[\"'`]"
        self.near = re.compile(f"{keyword}|{quoted}", re.IGNORECASE)
        self.dynamic = re.compile(dynamic, re.IGNORECASE)
        self.accessor = re.compile(orm_calls) if orm_calls else None

    def search(self, text: str, lowered: str | None = None) -> bool:
        """`lowered`: `text.lower()`, when the caller has it (the walk lowers each text for its names)."""
        if not self.names:
            return False
        lowered = text.lower() if lowered is None else lowered
        if len(lowered) != len(text):  # a few characters lower to two (İ): indices would not line up
            return self.full.search(text) is not None
        for name in self.names:
            at = lowered.find(name)
            while at != -1:
                # The window ends one past the name, so `\b` and a closing quote see the real next character.
                if self.near.search(text, max(0, at - WINDOW), at + len(name) + 1):
                    return True
                at = lowered.find(name, at + 1)
        if self.accessor is not None and self.accessor.search(text):
            return True
        return self._dynamic(text, lowered)

    def _dynamic(self, text: str, lowered: str) -> bool:
        for literal in DYNAMIC_LITERALS:
            at = lowered.find(literal)
            while at != -1:
                end = at + len(literal) + WINDOW
                # Anchored at the keyword, or at the dot of `.from(` / `.table(` just before it.
                if self.dynamic.match(text, at, end) or (at and self.dynamic.match(text, at - 1, end)):
                    return True
                at = lowered.find(literal, at + 1)
        return False
