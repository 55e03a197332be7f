"""Rows a Prisma call returns through a helper function of the same file.

`const document = await getDocument({ token })`, where `getDocument`, declared in that file,
returns `prisma.document.findFirstOrThrow(...)`: `document` holds a row of Document as surely as if
the call were written in place (impact.orm.prisma_rows reads such variables). A helper of the file is
part of the code that reads its result; a function of another module is an interface its authors keep
when the table goes (prisma_rows' decision, measured at 47 %), so only the file's own functions are
followed.

Decisions: a function returns a model's rows when every Prisma call it returns (`return [await]
<client>.<accessor>.<operation>(`, or an arrow function's expression body `=> [await] <client>...`)
is on one accessor; the innermost named function holding the `return` is the one, and a `return` in
an anonymous callback inside it (`items.map(async (i) => { return prisma.x.create(...) })`) is not its. It returns one
row when every such operation returns one (`findFirst`, `create`, ...), rows when one is `findMany`.
Only `const`/`let`/`var` declarations awaiting a call of the function by its bare name are typed.

Known limit (xfail in tests/test_prisma_local_rows.py): a helper returning the row through a variable
(`const row = await prisma.x.findFirst(); return row;`) is not followed.
"""
from __future__ import annotations

import re

from impact.extract.typescript.scan import scan

OPERATIONS = ("findFirstOrThrow", "findFirst", "findUniqueOrThrow", "findUnique", "findMany", "create", "update", "upsert", "delete")
_RETURNED = re.compile(r"(\breturn\s+|=>\s*)(?:await\s+)?(?:[A-Za-z_$][\w$]*\s*\.\s*)+?([A-Za-z_$][\w$]*)\s*\.\s*("
                       + "|".join(OPERATIONS) + r")\s*\(")


def local_row_functions(text: str) -> dict[str, tuple[str, bool]]:
    """Functions of `text` returning a Prisma call's rows -> (the model's accessor, one row)."""
    if _RETURNED.search(text) is None:  # on the raw text first: most files return no Prisma call
        return {}
    scanned = scan(text)
    returned = list(_RETURNED.finditer(scanned.masked))
    if not returned:
        return {}
    from impact.extract.typescript import functions as fn  # imported only where a helper may return rows

    named = fn.named_functions(scanned)
    found: dict[str, set[tuple[str, bool]]] = {}
    for match in returned:
        holder = fn.innermost(named, match.start(), match.end())
        # An arrow's `=>` counts only as the named function's own expression body, not a callback's.
        if holder is None or (match.group(1).startswith("=>") and holder.start != match.start(1) + len(match.group(1))) \
                or _in_callback(scanned, holder.start, match.start()):
            continue
        found.setdefault(holder.name, set()).add((match.group(2), match.group(3) != "findMany"))
    return {name: (next(iter(kinds))[0], all(single for _, single in kinds))
            for name, kinds in found.items() if len({accessor for accessor, _ in kinds}) == 1}


_CALLBACK = re.compile(r"(?:=>|\bfunction\b[^{;]*?\))\s*\{")


def _in_callback(scanned, start: int, offset: int) -> bool:
    """Is `offset` inside an anonymous function's braces opened after `start` (`rows.map(async (r) => { return ... })`)?"""
    for match in _CALLBACK.finditer(scanned.masked, start + 1, offset):
        close = scanned.closing(match.end() - 1)
        if close is None or close > offset:
            return True
    return False


def awaited_calls(text: str, functions: dict[str, tuple[str, bool]]) -> list[tuple[re.Match, str, bool]]:
    """(the declaration's match: group 1 the variable, the accessor, one row) of `const x = await helper(`."""
    if not functions:
        return []
    names = "|".join(map(re.escape, sorted(functions, key=len, reverse=True)))
    pattern = re.compile(rf"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]+)?=\s*await\s+({names})\s*\(")
    return [(m, *functions[m.group(2)]) for m in pattern.finditer(text)]
