"""A stand-in of a dropped Drizzle table: an object key naming the table's variable whose value lists
the table's fields.

Tests replace the schema module with an object of the same shape (sim's `schemaMock = { workflowFolder:
{ id: 'id', name: 'name', ... } }`, handed to `vi.mock('@sim/db/schema', () => schemaMock)`): each entry
stands for one table, so it goes with the table. A key that is the table's variable, whose value is an
object literal of two keys or more that are all fields the table declares, is such an entry (via
"model-type", evidence of the dropped-table rule, as impact.orm.model_types' references). A renamed
table keeps its variable, and so its stand-in (dokploy's `session_temp` -> `session`: a fake
better-auth `session: { userId, activeOrganizationId }` was kept): only dropped tables are read.

Measured on the bench (sim's four DROP TABLE migrations): 10 lines, all removed by the authors with
the table; dokploy, homarr, ai-chatbot and kan unchanged.

Decisions: only an object literal value (a helper call building the entry, `a2aAgent: table(cols)`,
says nothing of its keys); the keys are read on their own lines at the top level of the object; a
variable two tables share (a schema declared twice for two tables) is left out.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_rows import block_end, brace_depths

VIA = "model-type"
_KEY = re.compile(r"^\s*['\"]?([A-Za-z_$][\w$]*)['\"]?\s*:")


def table_mock_references(texts: Iterable[tuple[str, str, bool, list]], orm: OrmMap, tables: Iterable[str],
                          known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines of (file, text, generated, queries) TypeScript texts keying a stand-in of a dropped table of `tables`."""
    models = _models(orm, tables)
    if not models:
        return []
    seen = {(r.file, r.line) for r in known}
    entry = re.compile(r"^\s*(" + "|".join(map(re.escape, models)) + r")\s*:\s*\{\s*$")
    found = []
    for rel, text, generated, _ in texts:
        if generated or not rel.endswith(_TS) or not any(name in text for name in models):
            continue
        lines, depths = text.splitlines(), None
        for number, line in enumerate(lines, 1):
            match = entry.match(line) if ":" in line else None
            if match is None or (rel, number) in seen:
                continue
            depths = depths or brace_depths(lines)
            model = models[match.group(1)]
            if _mirrors(model, lines, depths, number):
                found.append(ColumnReference(rel, number, model.name, model.table, "type", False, line.strip()[:160],
                                             via=VIA, spelling=model.name))
    return found


def _models(orm: OrmMap, tables: Iterable[str]) -> dict[str, OrmModel]:
    wanted = {t.lower() for t in tables}
    by_variable: dict[str, dict[str, OrmModel]] = {}
    for m in orm.models:
        if m.orm == "drizzle" and m.table:
            for a in m.accessors:
                by_variable.setdefault(a, {}).setdefault(m.table.lower(), m)
    return {a: next(iter(ms.values())) for a, ms in by_variable.items() if len(ms) == 1 and next(iter(ms)) in wanted}


def _mirrors(model: OrmModel, lines: list[str], depths: list[tuple[int, int]], opened: int) -> bool:
    """The object opening on line `opened` has two top-level keys or more, each a field of `model`."""
    inner = depths[opened][0] if opened < len(depths) else 0  # the depth inside the object
    last = block_end(depths, opened + 1) if opened < len(lines) else opened
    keys = [m.group(1) for number in range(opened + 1, last + 1) if depths[number - 1][0] == inner
            and (m := _KEY.match(lines[number - 1]))]
    fields = {f.name for f in model.fields}
    return len(keys) >= 2 and all(key in fields for key in keys)
