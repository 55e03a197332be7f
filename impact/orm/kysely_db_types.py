"""A Kysely database interface generated from the schema: its entries for a changed table.

Generators (prisma-kysely, kysely-codegen) write one TypeScript file describing the database:
a row type per table and the `DB` interface naming each table by its database name:
```ts
export type DatasetItemEvent = {
  id: string;
  sys_id: Generated<string | null>;
};
export type DB = {
  dataset_item_events: DatasetItemEvent;
};
```
Dropping or renaming the table removes its `DB` entry and its row type once the file is generated
again (langfuse keeps it in git: `packages/shared/prisma/generated/types.ts`), and dropping or renaming
a column removes its member: those lines change with the migration, and until they do every Kysely
query typed by them still compiles against the old database. So:
- DROP/RENAME TABLE: the `DB` entry's line and the row type's declaring line are the table's (via
  "model-type", `column` the row type's name);
- DROP/RENAME COLUMN: the member of the table's row type declares the column, as a Prisma model's
  field does (via "model-declaration": the orm-model-declares-changed-column rule's evidence).

Decisions: the interface is `export type DB = {` or `export interface DB {` (the name both
generators give it); an entry is `name: Type;` with `name` a table's database name (quoted; one
qualified by another schema than `public`, `"auth.users"`, is that schema's table and not read), `Type` a type of the same file declared `export type Type = {` or
`export interface Type {`; the row type's members are read at its top level, one per line.
A module per table is read too (atproto's bsky: `export const tableName = 'actor_sync'` and
`export type PartialDB = { [tableName]: ActorSync }`, the DB type being their intersection): an
exported one-entry type whose computed key is a string constant of the same file.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from impact.model import ColumnReference

_TS = (".ts", ".tsx", ".mts", ".cts", ".d.ts")
_DB = re.compile(r"^export\s+(?:type\s+DB\s*=\s*|interface\s+DB\s*)\{", re.M)
_ENTRY = re.compile(r"""^\s*["']?(?:public\.)?([\w$]+)["']?\s*\??:\s*([A-Za-z_$][\w$]*)\s*;?\s*$""")  # another schema's: no match
# `export type PartialDB = { [tableName]: ActorSync }` with `export const tableName = 'actor_sync'`.
_PARTIAL = re.compile(r"^export\s+type\s+[\w$]+\s*=\s*\{\s*\[([\w$]+)\]\s*\??:\s*([A-Za-z_$][\w$]*)\s*;?\s*\}", re.M)
_MEMBER = re.compile(r"""^\s*["']?([\w$]+)["']?\s*\??:""")


def _block(lines: list[str], first: int) -> range:
    """The 0-based line numbers inside the braces opened on line `first` (0-based), to the line
    closing them (braces counted line by line; a generated file puts no brace in a string)."""
    depth, number = 0, first
    for number in range(first, len(lines)):
        depth += lines[number].count("{") - lines[number].count("}")
        if depth <= 0 and number > first:
            break
    return range(first + 1, number)


def _row_types(text: str) -> tuple[list[str], dict[str, tuple[int, str, str]]] | None:
    """(the file's lines, lower-cased table name -> (0-based line of its DB entry, its row type, the
    name as written)), or None when the file declares no DB interface."""
    match = _DB.search(text)
    if match is None:
        return _partial_row_types(text)
    lines = text.splitlines()
    entries = {}
    for number in _block(lines, text.count("\n", 0, match.start())):
        entry = _ENTRY.match(lines[number])
        if entry:
            entries[entry.group(1).lower()] = (number, entry.group(2), entry.group(1))
    return lines, entries


def _partial_row_types(text: str) -> tuple[list[str], dict[str, tuple[int, str, str]]] | None:
    """A module per table: `{ [tableName]: RowType }` (see the module's docstring)."""
    entries = {}
    for match in _PARTIAL.finditer(text) if "]" in text else ():
        name = re.search(rf"^(?:export\s+)?const\s+{re.escape(match.group(1))}\s*=\s*['\"]([\w$]+)['\"]", text, re.M)
        if name:
            entries[name.group(1).lower()] = (text.count("\n", 0, match.start()), match.group(2), name.group(1))
    return (text.splitlines(), entries) if entries else None


def _may_declare(text: str) -> bool:
    return "DB" in text or "]:" in text


def _type_line(lines: list[str], name: str) -> int | None:
    pattern = re.compile(rf"^export\s+(?:type\s+{re.escape(name)}\s*=\s*|interface\s+{re.escape(name)}\s*)\{{")
    return next((number for number, line in enumerate(lines) if pattern.match(line)), None)


def table_type_references(texts: Iterable[tuple[str, str]], tables: Iterable[str]) -> list[ColumnReference]:
    """The DB entries and row types of dropped or renamed `tables` in the Kysely interfaces of `texts`."""
    wanted = {t.lower(): t for t in tables}
    found = []
    for rel, text in texts:
        read = _row_types(text) if _may_declare(text) else None
        if read is None:
            continue
        lines, entries = read
        for table, (entry, row_type, _) in entries.items():
            if table not in wanted:
                continue
            for number in (entry, _type_line(lines, row_type)):
                if number is not None:
                    found.append(ColumnReference(rel, number + 1, row_type, wanted[table], "declaration", True,
                                                 lines[number].strip()[:160], via="model-type"))
    return found


# Tables told by the code itself (a query, a declaration): a row type's member never overrides them. A
# field name one model maps (`orm-field`) or the file's queries suggest is weaker than the interface.
_FIRM = frozenset({"sql", "orm-call", "model-declaration"})


def attribute_row_type_members(references: list[ColumnReference], texts: dict[str, str]) -> list[ColumnReference]:
    """A changed column's name as a member of a table's row type in a Kysely interface: that table's."""
    # Each file asked once, TypeScript only (saleor's 26,000 references asked its Python texts 0.24 s a scan).
    files = {r.file for r in references if r.via not in _FIRM and r.file.endswith(_TS)}
    files = {f for f in files if _may_declare(texts.get(f, ""))}
    owners: dict[str, dict[int, tuple[str, str]]] = {}  # file -> 1-based member line -> (table, its member's name)
    for rel in files:
        read = _row_types(texts[rel])
        if read is None:
            continue
        lines, entries = read
        for _, row_type, table in entries.values():
            start = _type_line(lines, row_type)
            for number in _block(lines, start) if start is not None else ():
                if member := _MEMBER.match(lines[number]):
                    owners.setdefault(rel, {})[number + 1] = (table, member.group(1))
    if not owners:
        return references
    out = []
    for ref in references:
        table, member = owners.get(ref.file, {}).get(ref.line, (None, "")) if ref.via not in _FIRM else (None, "")
        if table and member.lower() == ref.column.lower():
            ref = replace(ref, table=table, via="model-declaration", context="declaration", inferred=False, type_only=True)
        out.append(ref)
    return out
