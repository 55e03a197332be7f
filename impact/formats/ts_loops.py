"""A migration's loop over a fixed list of names: each turn read with the loop's variable bound.

nango's soft-deletes migration adds two columns to six tables in one loop:
```js
const tables = [CONNECTIONS_TABLE, SYNCS_TABLE, SYNC_JOBS_TABLE];
for (const nangoTable of tables) {
    await knex.schema.alterTable(nangoTable, (table) => { table.boolean('deleted'); });
}
```
Read once with an unknown table, the replay lost those columns, and a later `DROP COLUMN "deleted"`
was "names a column the table does not have; the statement will fail". A loop is unrolled when it
runs over an array literal (written in the loop or as a `const` of the file) whose every element is
a string literal or a string constant (impact.extract.typescript.constants): `for (const x of a)`,
`a.forEach((x) => ...)`, `a.map((x) => ...)`. While a turn is read, the variable is its element
(`bound_value`, consulted before the constants by impact.formats.ts_args).
"""
from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from dataclasses import dataclass

from impact.extract.typescript.calls import arguments, skip_space
from impact.extract.typescript.scan import Scanned

_IDENT = r"[A-Za-z_$][\w$]*"
_FOR_OF = re.compile(rf"\bfor\s*\(\s*(?:const|let|var)\s+({_IDENT})\s+of\s+")
_EACH = re.compile(rf"(?<![\w$.])({_IDENT}|\[[^\]]*\])\s*\.\s*(?:forEach|map)\s*\(")
_ARROW = re.compile(rf"\s*(?:async\s+)?(?:\(\s*({_IDENT})\s*(?::[^)]*)?\)|({_IDENT}))\s*=>\s*")
_BINDINGS: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("ts_loop_bindings", default={})


@dataclass(frozen=True)
class Loop:
    variable: str
    values: tuple[str, ...]
    body: tuple[int, int]  # the span its turns read


def innermost(found: list[Loop], pos: int) -> Loop | None:
    inside = [loop for loop in found if loop.body[0] <= pos < loop.body[1]]
    return min(inside, key=lambda loop: loop.body[1] - loop.body[0]) if inside else None


def loops(scanned: Scanned, start: int, end: int) -> list[Loop]:
    """The loops over fixed names in [start, end)."""
    found = []
    masked = scanned.masked
    for match in _FOR_OF.finditer(masked, start, end):
        array = _array_at(scanned, match.end())
        close_paren = masked.find(")", match.end(), end)
        body = skip_space(masked, close_paren + 1) if close_paren != -1 else end
        if array is not None and body < end and masked[body] == "{" and (close := scanned.closing(body)):
            found.append(Loop(match.group(1), array, (body, close)))
    for match in _EACH.finditer(masked, start, end):
        array = _array_at(scanned, match.start())
        arrow = _ARROW.match(masked, match.end(), end)
        close = scanned.closing(match.end() - 1)
        if array is not None and arrow and close:
            found.append(Loop(arrow.group(1) or arrow.group(2), array, (arrow.end(), close)))
    return found


def _array_at(scanned: Scanned, pos: int) -> tuple[str, ...] | None:
    """The names of the array literal at `pos`, or of the `const` array the identifier there names."""
    masked = scanned.masked
    if masked.startswith("[", pos):
        return _elements(scanned, pos)
    name = re.compile(_IDENT).match(masked, pos)
    if name is None:
        return None
    declared = [m for m in re.finditer(rf"\bconst\s+{re.escape(name.group())}\s*(?::[^=]+)?=\s*(?=\[)", masked)]
    return _elements(scanned, declared[0].end()) if len(declared) == 1 else None


def _elements(scanned: Scanned, open_at: int) -> tuple[str, ...] | None:
    from impact.formats.ts_args import constant_at

    close = scanned.closing(open_at)
    if close is None:
        return None
    values = []
    for begin, finish in arguments(scanned, open_at, close):
        if begin >= finish:
            continue
        literal = scanned.literal_at(begin)
        if literal is not None and literal.end == finish and not literal.has_holes:
            values.append(literal.value())
            continue
        constant = constant_at(scanned, begin, finish)
        if constant is None:
            return None
        values.append(constant.value)
    return tuple(values) or None


@contextmanager
def bound(variable: str, value: str):
    token = _BINDINGS.set({**_BINDINGS.get(), variable: value})
    try:
        yield
    finally:
        _BINDINGS.reset(token)


def bound_value(text: str) -> str | None:
    """The element a loop variable holds in the turn being read (None: not a loop variable)."""
    return _BINDINGS.get().get(text.strip())
