"""A schema change a TS/JS migration makes only when the column exists: `hasColumn` guards.

knex migrations that must run on databases in several states check first:
`const has = await knex.schema.hasColumn("users", "cooldowns"); if (has) { ...dropColumn("cooldowns") }`
(kutt's 20250106 migration: three such drops). That is PostgreSQL's `DROP COLUMN IF EXISTS`, and is
read so: a replay that no longer has the column (it was dropped, or its table is created by code as
it is today) is no reason to say the statement fails (IMP602).

A drop is guarded when it lies in the block of an `if` whose condition is the check itself
(`if (await knex.schema.hasColumn("t", "c"))`) or a variable holding it (`if (has)`, also
`if (has && ...)`), for the same table and column. A negated check (`if (!has)`) guards nothing.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import call_after, literal_arg, skip_space
from impact.extract.typescript.scan import Scanned

_HAS_COLUMN = re.compile(r"\.\s*hasColumn\s*(?=\()")
_IF = re.compile(r"\bif\s*(?=\()")
_BOUND = re.compile(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?[\w$.\s]*$")


def has_column_guarded(scanned: Scanned, pos: int, table: str, column: str) -> bool:
    """Whether the code at `pos` runs only when `table.column` exists (see the module's docstring)."""
    if "hasColumn" not in scanned.masked:
        return False
    checks = _checks(scanned, table, column)
    if not checks:
        return False
    masked = scanned.masked
    for match in _IF.finditer(masked, 0, pos):
        open_at = match.end()
        close = scanned.closing(open_at)
        if close is None or close > pos:
            continue
        body = skip_space(masked, close + 1)
        end = scanned.closing(body) if body < len(masked) and masked[body] == "{" else None
        if end is None or not body < pos < end:
            continue
        condition = masked[open_at + 1 : close]
        if any(_affirms(condition, open_at + 1, name, span) for name, span in checks):
            return True
    return False


def _checks(scanned: Scanned, table: str, column: str) -> list[tuple[str | None, tuple[int, int]]]:
    """(variable holding it or None, span of the call) of each `hasColumn(table, column)`."""
    found = []
    for match in _HAS_COLUMN.finditer(scanned.masked):
        call = call_after(scanned, "hasColumn", match.start(), match.end())
        names = [literal_arg(scanned, call, i) for i in range(2)] if call and len(call.args) == 2 else []
        if len(names) != 2 or any(n is None or n.has_holes for n in names):
            continue
        if (names[0].value(), names[1].value()) != (table, column):
            continue
        line_start = scanned.masked.rfind("\n", 0, match.start()) + 1
        bound = _BOUND.search(scanned.masked, line_start, match.start())
        found.append((bound.group(1) if bound else None, (match.start(), call.close)))
    return found


def _affirms(condition: str, offset: int, name: str | None, span: tuple[int, int]) -> bool:
    """The condition is true only if the check is: the call or its variable, not negated."""
    if offset <= span[0] < offset + len(condition):  # the call written in the condition
        before = condition[: span[0] - offset]
        return "!" not in before and "||" not in condition
    if name is None:
        return False
    terms = [t.strip() for t in condition.split("&&")]
    return "||" not in condition and name in terms

