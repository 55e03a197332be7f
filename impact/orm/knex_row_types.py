"""A TypeScript row type knex binds to a table: `knex<DBTeam>("accounts")`, `.from<DBTeam>("accounts")`.

knex's typed queries name the row type beside the table. The type's members are then that table's
columns, and so are the keys of an object literal declared with it:
```ts
export interface DBTeam { id: number; is_capped: boolean }          // packages/types
await db.knex.update({ is_capped }).from<DBTeam>(`_nango_accounts`)  // packages/shared
const account: DBTeam = { id: 1, is_capped: true };                  // a test's fixture
```
Dropping `_nango_accounts.is_capped`, nango's authors removed the member and every such key: a
member is a declaration of the column (via "model-declaration", as a Kysely row type's member,
impact.orm.kysely_db_types) and a key of a literal declared with the type (`const x: T = {`,
`: T[] = [{`) is the table's (via "typed-receiver").

Decisions: the binding is read from the texts of the scan (the files naming a changed column or
table) with a literal table name or a string constant of the same file (`trx<T>(tableName)`); a type bound to two tables is neither's. Members and keys are
read at the top level of the braces (nested objects are other things), one per line.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.model import ColumnReference

_TS = (".ts", ".tsx", ".mts", ".cts")
_BOUND = re.compile(r"(?<![\w$])(?:from|into|table|knex|db|trx|transaction)\s*<\s*([A-Za-z_$][\w$]*)\s*>\s*\(\s*"
                    r"(?:[\"'`]([\w.]+)[\"'`]|([A-Za-z_$][\w$]*))\s*\)")
_FIRM = frozenset({"sql", "orm-call", "model-declaration"})
_KEY = re.compile(r"\s*[\"']?([A-Za-z_$][\w$]*)[\"']?\s*\??\s*:")


def bound_types(texts: dict[str, str]) -> dict[str, str]:
    """Row type name -> the one table knex queries bind it to."""
    found: dict[str, set[str]] = {}
    for rel, text in texts.items():
        if rel.endswith(_TS) and "<" in text:
            strings = None
            for match in _BOUND.finditer(text):
                table = match.group(2)
                if table is None:  # `trx<T>(tableName)`, `const tableName = 'jobs'` in the file
                    strings = _strings(text) if strings is None else strings
                    table = strings.get(match.group(3))
                if table:
                    found.setdefault(match.group(1), set()).add(table.rsplit(".", 1)[-1])
    return {name: tables.pop() for name, tables in found.items() if len(tables) == 1}


def _strings(text: str) -> dict[str, str]:
    from impact.extract.typescript.constants import read_module
    from impact.extract.typescript.scan import scan

    return {name: value for name, (value, _) in read_module(scan(text)).constants.items() if "." not in name}


def attribute_knex_row_types(references: list[ColumnReference], texts: dict[str, str]) -> list[ColumnReference]:
    """Name-only members of a bound row type, and keys of literals declared with it: the table's."""
    files = {r.file for r in references if r.via not in _FIRM and r.table is None and r.file.endswith(_TS)}
    if not files:
        return references
    bound = bound_types(texts)
    if not bound:
        return references
    owners = {rel: _owners(texts.get(rel, ""), bound) for rel in files}
    out = []
    for ref in references:
        owner = owners.get(ref.file, {}).get(ref.line) if ref.via not in _FIRM and ref.table is None else None
        if owner and owner[1].lower() == ref.column.lower():
            table, declaration = owner[0], owner[2]
            ref = replace(ref, table=table, via="model-declaration" if declaration else "typed-receiver", inferred=False,
                          context="declaration" if declaration else ref.context, type_only=bool(declaration))
        out.append(ref)
    return out


def _owners(text: str, bound: dict[str, str]) -> dict[int, tuple[str, str, bool]]:
    """1-based line -> (table, member or key, is a declaration) in `text`'s bound types and literals."""
    names = "|".join(re.escape(n) for n in sorted(bound))
    if not names or not re.search(rf"(?<![\w$])(?:{names})(?![\w$])", text):
        return {}
    from impact.extract.typescript.scan import scan  # only for a file naming a bound type

    scanned = scan(text)
    masked, found = scanned.masked, {}
    heads = [(m, True) for m in re.finditer(rf"\b(?:interface\s+({names})\b[^{{;]*|type\s+({names})\s*=\s*)\{{", masked)]
    heads += [(m, False) for m in re.finditer(rf":\s*({names})\s*(?:\[\s*\])?\s*=\s*\[?\s*\{{", masked)]
    for match, declaration in heads:
        name = next(g for g in match.groups() if g)
        open_at = match.end() - 1
        close = scanned.closing(open_at)
        if close is None:
            continue
        depth, line_start = 0, open_at + 1
        for pos in range(open_at + 1, close):
            char = masked[pos]
            if char in "{[(":
                depth += 1
            elif char in "}])":
                depth -= 1
            elif char == "\n":
                line_start = pos + 1
            if pos == line_start and depth == 0:
                key = _KEY.match(masked, pos)
                if key:
                    found[scanned.line_of(key.start(1))] = (bound[name], key.group(1), declaration)
    return found
