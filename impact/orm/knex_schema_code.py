"""A table declared by knex schema-builder code outside the migrations: kutt's `createUserTable`.

Some knex projects keep each table's definition in a function of the application, run by their
first migration and by the app on a fresh database (kutt's server/models/user.model.js):
```js
async function createUserTable(knex) {
  await knex.schema.createTable("users", table => {
    table.datetime("cooldown").nullable();
```
That function declares the table as the code knows it: dropping users.cooldown, kutt's authors
removed its line with the migration. A changed column's name as the first argument of a column
builder (`table.<type>("cooldown")`) inside the callback of `schema.createTable("t", ...)` or
`schema.alterTable("t", ...)` in code is the table's declaration (via "model-declaration",
IMP109's evidence, as a Drizzle column is). Migration files are history and are not read here.

Decisions: the table must be a string literal; only the callback's parameter's calls count.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _CODE

_FIRM = frozenset({"sql", "orm-call", "model-declaration"})
_TABLE_CALL = re.compile(r"\.\s*schema\s*\.\s*(?:createTable|createTableIfNotExists|alterTable|table)\s*(\()\s*(?=[\"'`])")
_COMMA = re.compile(r"\s*,\s*")
_CALLBACK = re.compile(r"(?:async\s+)?(?:function\s*[\w$]*\s*\(\s*([A-Za-z_$][\w$]*)[^)]*\)|\(?\s*([A-Za-z_$][\w$]*)\s*\)?\s*=>)")


def attribute_knex_schema_code(references: list[ColumnReference], texts: dict[str, str]) -> list[ColumnReference]:
    """Name-only column names in a column builder of a knex createTable/alterTable callback in code: the table's."""
    files = {r.file for r in references if r.via not in _FIRM and r.table is None and r.file.endswith(_CODE)}
    files = {f for f in files if ".schema" in texts.get(f, "")}
    owners = {rel: _declared(texts[rel]) for rel in files}
    if not any(owners.values()):
        return references
    out = []
    for ref in references:
        owner = owners.get(ref.file, {}).get(ref.line) if ref.via not in _FIRM and ref.table is None else None
        if owner and owner[1].lower() == ref.column.lower():
            ref = replace(ref, table=owner[0], via="model-declaration", context="declaration", inferred=False)
        out.append(ref)
    return out


def _declared(text: str) -> dict[int, tuple[str, str]]:
    """1-based line -> (table, column) of each column builder in the file's schema callbacks."""
    from impact.extract.typescript.scan import scan

    scanned = scan(text)
    masked, found = scanned.masked, {}
    for match in _TABLE_CALL.finditer(masked):
        table = scanned.literal_at(match.end())
        comma = _COMMA.match(masked, table.end) if table is not None and not table.has_holes else None
        callback = _CALLBACK.match(masked, comma.end()) if comma else None
        close = scanned.closing(match.start(1))
        if table is None or callback is None or close is None:
            continue
        param = re.escape(callback.group(1) or callback.group(2))
        for column in re.finditer(rf"(?<![\w$.]){param}\s*\.\s*[A-Za-z_$][\w$]*\s*\(\s*(?=[\"'`])", masked[:close]):
            if column.start() < callback.end():
                continue
            literal = scanned.literal_at(column.end())
            if literal is not None and not literal.has_holes:
                found[scanned.line_of(literal.start)] = (table.value(), literal.value())
    return found
