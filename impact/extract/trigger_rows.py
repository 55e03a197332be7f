"""`NEW.amount` / `OLD.amount` in a trigger function's body written in code (a PL/pgSQL string of an
alembic_utils `PGFunction`, a `CREATE FUNCTION` in a Python or TypeScript string) is a column of the
table the trigger fires on: the function fails at its next run once the column is dropped or renamed.

The file that holds the body also attaches the trigger (`PGTrigger(on_entity="public.payments", ...)`,
`CREATE TRIGGER t BEFORE INSERT ON payments ...`): when its triggers fire on exactly one table,
an affected one, `NEW.x`/`OLD.x` there is that table's (via "trigger-row"). polar keeps such
dual-write triggers next to its SQLAlchemy models: 80 of its 108 truth lines.

Known limit: a function attached by a trigger in another file, or a file whose triggers fire on
several tables, stays name-only (which table's row it reads is not told by the file).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from impact.model import ColumnReference

_TRIGGER_TABLE = re.compile(
    r"""on_entity\s*=\s*["'](?:"?\w+"?\.)?"?(\w+)"?["']"""  # alembic_utils PGTrigger
    r"""|\bTRIGGER\s+"?\w+"?\s+(?:BEFORE|AFTER|INSTEAD\s+OF)\b[^;]{0,200}?\bON\s+(?:"?\w+"?\.)?"?(\w+)""",
    re.IGNORECASE)


def attribute_trigger_rows(references: list[ColumnReference], texts: Iterable[tuple[str, str]],
                           tables: list[str], columns: set[str]) -> list[ColumnReference]:
    """SQL names columns, not ORM attributes: `NEW.amount` where the model maps `amount` to
    `amount_v2` is the column `amount` (when the migration changes it), never `amount_v2`."""
    open_files = {r.file for r in references if r.via == "name-only" and r.context == "property"}
    if not open_files:
        return references
    wanted = {t.lower(): t for t in tables}
    fires_on: dict[str, str] = {}
    for rel, text in texts:
        if rel not in open_files:
            continue
        # An ASCII text lowered once, for the look and the search (upper-casing it too cost as much again)
        low = text.lower() if text.isascii() else None
        if "trigger" in low if low is not None else "TRIGGER" in text.upper():
            found = {(a or b).lower() for a, b in _trigger_tables(text, low)}
            if len(found) == 1 and next(iter(found)) in wanted:
                fires_on[rel] = wanted[next(iter(found))]
    if not fires_on:
        return references
    changed = {c.lower(): c for c in columns}
    out, seen = [], set()
    for ref in references:
        table = fires_on.get(ref.file) if ref.via == "name-only" and ref.context == "property" else None
        name = ref.spelling or ref.column
        if table and name.lower() in changed and re.search(rf"\b(?:NEW|OLD)\s*\.\s*{re.escape(name)}(?!\w)", ref.snippet, re.IGNORECASE):
            ref = replace(ref, column=changed[name.lower()], spelling=None, table=table, via="trigger-row")
            if (ref.file, ref.line, ref.column) in seen:
                continue
            seen.add((ref.file, ref.line, ref.column))
        out.append(ref)
    return out


def _trigger_tables(text: str, low: str | None = None) -> list[tuple[str, str]]:
    """`_TRIGGER_TABLE.findall(text)`, faster (0.2 s of a cold saleor DROP, whose webhook code says
    "trigger" everywhere): a case-insensitive pattern led by no literal is tried at every offset,
    while every match starts with `on_entity` or `trigger` in any case; in an ASCII text those are
    found with `str.find` on its lower-cased copy (same offsets) and the pattern tried there only.
    `low`: that copy, when the caller has it."""
    if not text.isascii():  # lower() may move offsets; re's case folding also pairs K with U+212A
        return _TRIGGER_TABLE.findall(text)
    low, found, pos = text.lower() if low is None else low, [], 0
    entity, trigger = low.find("on_entity"), low.find("trigger")
    while entity >= 0 or trigger >= 0:
        start = trigger if entity < 0 else entity if trigger < 0 else min(entity, trigger)
        match = _TRIGGER_TABLE.match(text, start)
        if match is None:
            pos = start + 1
        else:
            found.append(match.groups(""))  # findall's "" for the branch not taken
            pos = match.end()
        if 0 <= entity < pos:
            entity = low.find("on_entity", pos)
        if 0 <= trigger < pos:
            trigger = low.find("trigger", pos)
    return found
