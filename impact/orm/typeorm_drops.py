"""What a dropped column of a TypeORM entity's table takes with it, beyond the lines naming it.

- The relation property whose join column it is (`@ManyToOne(() => AlertSeverity)`,
  `@JoinColumn({ name: "alertSeverityId" })`, then `public alertSeverity?: AlertSeverity`): TypeORM
  reads and writes the relation through that column, so the relation goes with it, property and all.
  Its property line is a declaration of the column (via "model-declaration"); a rename keeps the
  property (only the join column's name changes: impact.orm.declarations).
- A local variable holding the column's value, named as the column (`let alertSeverityId: ObjectID |
  undefined = budget.alertSeverityId;`, the initialiser already evidence for the table): the value
  no longer exists, so every later use of the variable in its block goes with it (`if
  (!alertSeverityId)`, `alert.alertSeverityId = alertSeverityId`): via "column-value", evidence for
  the table only. A rename leaves such a variable working (only its initialiser changes): not
  counted then.

Measured on real history (bench/accuracy: oneuptime's LlmCostBudget columns, the only TypeORM drops
of a column with such lines): the relation property `alertSeverity` and 4 lines using a variable
`alertSeverityId` read from the budget, all changed by the authors with the migration; nothing
else added. The other ORMs' code was not measured so: TypeORM's tables only.

Decisions: the variable is declared with `const`/`let`/`var` on the initialiser's line, its
initialiser ends with the column's property (`x.col`, `x?.col`, `x!.col`, then `;`, `??`, `||` or
the line's end); its block is the braces enclosing the declaration. Known limits: a nested
function's own variable of the same name (shadowing) is not told apart; a destructured
(`const { col } = row`) or differently named variable is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from impact.model import ColumnReference
from impact.orm.declarations import SourceLines
from impact.orm.mapping import OrmMap
from impact.orm.prisma_rows import block_end, brace_depths

VIA = "column-value"
OWNING_RELATIONS = ("ManyToOne", "OneToOne")
_PLACED = frozenset({"name-only", "generated-type"})  # a reference whose table is not firmly told


def dropped_column_lines(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap,
                         dropped: Iterable[tuple[str, str]], repo: Path) -> list[ColumnReference]:
    """`dropped`: (table, column) pairs the migration drops (as its operations spell them)."""
    wanted = {(t.lower(), c.lower()): (t, c) for t, c in dropped
              if any(m.orm == "typeorm" for m in orm.on_table(t))}
    if not wanted:
        return references
    declared = _relation_properties(orm, wanted, repo)
    placed = {(r.file, r.line, r.column) for r in declared}
    references = [r for r in references if r.via != "name-only" or (r.file, r.line, r.column) not in placed] + declared
    return _variables(references, texts, wanted)


def _relation_properties(orm: OrmMap, wanted: dict, repo: Path) -> list[ColumnReference]:
    lines, found = SourceLines(repo), []
    for (table, column), (spelled_table, spelled_column) in wanted.items():
        for model in orm.on_table(spelled_table):
            if model.orm != "typeorm":
                continue
            for f in model.fields:
                if f.relation in OWNING_RELATIONS and (f.column or "").lower() == column and f.name != f.column and f.line:
                    number = lines.member(model.file, f.line, f.name)
                    snippet = lines.get(model.file, number)
                    if number != f.line and re.search(rf"(?<![\w$]){re.escape(f.name)}(?![\w$])", snippet):
                        found.append(ColumnReference(model.file, number, spelled_column, model.table or spelled_table, "declaration",
                                                     snippet=snippet, via="model-declaration", spelling=f.name))
    return found


def _variables(references: list[ColumnReference], texts: Mapping[str, str], wanted: dict) -> list[ColumnReference]:
    """Later uses of a variable initialised with the dropped column's value, in its block: the table's."""
    scopes: dict[tuple[str, str], list[tuple[int, int, str]]] = {}  # (file, name) -> [(first, last line, table)]
    depths: dict[str, tuple[list[str], list]] = {}
    for ref in references:
        name = ref.spelling or ref.column
        if ref.table is None or ref.via in _PLACED or (ref.table.lower(), ref.column.lower()) not in wanted or ref.file not in texts:
            continue
        if ref.file not in depths:
            lines = texts[ref.file].splitlines()
            depths[ref.file] = (lines, brace_depths(lines))
        lines, depth = depths[ref.file]
        line = lines[ref.line - 1] if 0 < ref.line <= len(lines) else ""
        escaped = re.escape(name)
        if re.match(rf"\s*(?:export\s+)?(?:const|let|var)\s+{escaped}\s*(?::[^=]+)?=\s*(?:await\s+)?[\w$.?!\[\]()]*?(?:\?\.|!?\.)\s*{escaped}"
                    rf"\s*(?:;|\?\?|\|\||$)", line):
            scopes.setdefault((ref.file, name), []).append((ref.line, block_end(depth, ref.line), ref.table))
    if not scopes:
        return references
    out = []
    for ref in references:
        name = ref.spelling or ref.column
        if ref.via == "name-only" and ref.context == "identifier" and (ref.file, name) in scopes:
            table = next((t for first, last, t in scopes[(ref.file, name)] if first < ref.line <= last), None)
            if table is not None:
                ref = replace(ref, table=table, via=VIA, inferred=False)
        out.append(ref)
    return out
