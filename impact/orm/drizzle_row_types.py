"""Keys picked from or omitted of a Drizzle table's row type: `Omit<InferSelectModel<typeof chat>,
'messages'>`, `Pick<typeof users.$inferSelect, "id" | "status">`.

`InferSelectModel<typeof t>` / `InferInsertModel<typeof t>` and `typeof t.$inferSelect` /
`$inferInsert` are the table's row types, keyed by its fields: a string key given to Pick or Omit of
one names that field, hence the table's column (via "typed-receiver", evidence for that table only;
ai-chatbot's `Chat` type omitted the dropped `messages` column so). Only a key on the line of the
Pick/Omit is read; a row type bound to an alias first (`type Row = typeof t.$inferSelect`, then
`Pick<Row, "id">`) is not followed.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap

_ROW_TYPE = (r"(?:Infer(?:Select|Insert)Model\s*<\s*typeof\s+(?:[\w$]+\s*\.\s*)?([\w$]+)\s*(?:,[^<>]*)?>"
             r"|typeof\s+(?:[\w$]+\s*\.\s*)?([\w$]+)\s*\.\s*\$infer(?:Select|Insert))")
# `Omit<RowType, 'a' | "b"` up to the key: the keys argument, its literals joined by `|`.
_KEYS = re.compile(rf"\b(?:Pick|Omit)\s*<\s*{_ROW_TYPE}\s*,\s*((?:['\"][\w$]+['\"]\s*\|\s*)*)['\"]([\w$]+)['\"]")


def attribute_row_type_keys(references: list[ColumnReference], orm: OrmMap) -> list[ColumnReference]:
    candidates = [r for r in references if r.via == "name-only" and r.context == "string" and r.file.endswith(_TS)
                  and ("Pick" in r.snippet or "Omit" in r.snippet)]
    if not candidates:
        return references
    tables: dict[str, set[str]] = {}
    for m in orm.models:
        if m.orm == "drizzle" and m.table:
            for a in m.accessors:
                tables.setdefault(a, set()).add(m.table.lower())
    models = {a: m for m in orm.models if m.orm == "drizzle" and m.table for a in m.accessors if len(tables[a]) == 1}
    wanted, out = {id(r) for r in candidates}, []
    for ref in references:
        if id(ref) in wanted:
            name = ref.spelling or ref.column
            for match in _row_type_keys(ref.snippet):
                model = models.get(match[0])
                if match[1] == name and model and (model.column_for(name) or "").lower() == ref.column.lower():
                    ref = replace(ref, table=model.table, via="typed-receiver", inferred=False)
                    break
        out.append(ref)
    return out


def _row_type_keys(line: str) -> list[tuple[str, str]]:
    """(table variable, key) of each key a Pick/Omit of a row type on `line` names."""
    found = []
    for match in _KEYS.finditer(line):
        table = match.group(1) or match.group(2)
        keys = re.findall(r"['\"]([\w$]+)['\"]", match.group(3) or "") + [match.group(4)]
        found += [(table, key) for key in keys]
    return found
