"""The lines of a TypeORM entity's own declaration that map a dropped or renamed table.

A TypeORM entity names its table above its class, in its decorators: `@Entity("t")`,
`@Entity({ name: "t" })` (often on a line of its own, `name: "t",`), or another decorator of the
same class that spells the table (an application's own metadata decorator, `tableName: "t"`); and
a many-to-many's junction table is only ever declared by `@JoinTable({ name: "t" })` on the owning
property. Dropping or renaming the table means removing or editing exactly those lines, with the
class line itself (`export default class RunbookAgent extends BaseModel {`): they are the
mapping, as a Python model's `__tablename__` line is (impact.orm.model_types._mapping_line, which
looks below the class line, where TypeORM puts nothing).

Measured on real history (bench/accuracy): oneuptime's RunbookAgent and TelemetryEntity renames
and its LlmCostBudget junction-table drop, 22 such lines, all changed by the authors with the
migration. A file declaring only dropped tables' entities is not read here (impact.orm.model_types:
gamevault kept its 15 dropped `v12_*` entities, whose 24 mapping lines nobody changed).

Decisions: only string literals without holes that spell the table exactly (any case) count, in
the run of decorators directly above the class (comments between them are skipped) or in the
`name` option of a `@JoinTable(...)`'s first argument; the class line counts for an entity of the
table. Known limit: a table name given through a constant (`@Entity(TABLE)`) is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.extract.typescript.calls import call_after, object_entries
from impact.extract.typescript.scan import Scanned, scan
from impact.model import ColumnReference
from impact.positions import line_starts

JOIN_TABLE = re.compile(r"@JoinTable\b")
_DECORATOR_TAIL = re.compile(r"@\s*[A-Za-z_$][\w$.]*\s*$")
_LOOK_BACK = 200  # characters before a `(` searched for its decorator's `@name`


def entity_lines(rel: str, text: str, models: Iterable, tables: Iterable[str], via: str) -> list[ColumnReference]:
    """References, in the TypeORM entity file `rel`, to `tables` (dropped or renamed): the
    declaration lines of `models` (its entities of those tables) and its junction tables' `@JoinTable`."""
    models, wanted = list(models), {t.lower(): t for t in tables}
    if not models and "@JoinTable" not in text:
        return []
    scanned, starts = scan(text), line_starts(text)
    lines: dict[int, tuple[str, str]] = {}  # line -> (model or junction name, table)
    for model in models:
        if not 0 < model.line <= len(starts):
            continue
        table = model.table or ""
        lines.setdefault(model.line, (model.name, table))
        line_start = starts[model.line - 1]
        for number in _literal_lines(scanned, _decorators_start(scanned, line_start), line_start, table):
            lines.setdefault(number, (model.name, table))
    for match in JOIN_TABLE.finditer(scanned.masked):
        call = call_after(scanned, "JoinTable", match.start(), match.end())
        if call is None or not call.args or scanned.masked[call.args[0][0]] != "{":
            continue
        for key, value in object_entries(scanned, call.args[0][0]):
            literal = scanned.literal_at(value[0]) if key == "name" and value else None
            if literal is not None and not literal.has_holes and literal.value().lower() in wanted:
                lines.setdefault(scanned.line_of(value[0]), (literal.value(), wanted[literal.value().lower()]))
    text_lines = text.splitlines()
    return [ColumnReference(rel, number, name, table, "type", False, text_lines[number - 1].strip()[:160], via=via, spelling=name)
            for number, (name, table) in sorted(lines.items()) if number <= len(text_lines)]


def _decorators_start(scanned: Scanned, at: int) -> int:
    """Where the run of decorators ending just before offset `at` begins (`at` when there is none)."""
    masked = scanned.masked
    while True:
        end = len(masked[:at].rstrip())
        if end == 0:
            return at
        name_end = end
        if masked[end - 1] == ")":
            opening = scanned.closing(end - 1)
            if opening is None:
                return at
            name_end = len(masked[:opening].rstrip())
        window = max(0, name_end - _LOOK_BACK)
        decorator = _DECORATOR_TAIL.search(masked, window, name_end)
        if decorator is None:
            return at
        at = decorator.start()


def _literal_lines(scanned: Scanned, start: int, end: int, table: str) -> list[int]:
    """Lines of the string literals in [start, end) that spell `table`."""
    if not table or start >= end:
        return []
    wanted = table.lower()
    return [scanned.line_of(offset) for offset, literal in scanned.literals.items()
            if start <= offset < end and not literal.has_holes and literal.value().lower() == wanted]
