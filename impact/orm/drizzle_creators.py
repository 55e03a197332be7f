"""Drizzle table creators: `export const createTable = pgTableCreator((name) => `app_${name}`)`.

Drizzle's "multi-project schema" (create-t3-app's default) declares every table through a creator
that names the database table from the name given: `createTable("session", {...})` is the table
`app_session`, which is the only spelling a migration has (Zero's `mail0_session`). A creator is
read when its callback returns a template whose only hole is its parameter, or a concatenation of
the parameter with string literals (`(name) => "app_" + name`); any other body (a computed prefix:
`` `${env.PREFIX}_${name}` ``) is no creator we can name tables for, and its tables stay unread.

A creator is known by its variable's name in every file of the repo (the schema files import it:
`import { createTable } from "../schema"`), so a file is a declaration candidate when it imports
Drizzle's column builders (`drizzle-orm/pg-core`) too (`impact.orm.drizzle.declares_tables`).

Known limit (xfail test in tests/test_drizzle_creators.py): two creators of one name in two
packages of a monorepo with different prefixes: the first read names both packages' tables.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import IDENT, call_after
from impact.extract.typescript.scan import Scanned, decode_escapes

CREATOR_FUNCTIONS = ("pgTableCreator", "mysqlTableCreator", "sqliteTableCreator")
MARKER = "TableCreator"
# A schema file using a creator declared in another file imports Drizzle's column builders.
CORE_IMPORT = re.compile(r"""["']drizzle-orm/(?:pg|mysql|sqlite|singlestore)-core["']""")

_BINDING = re.compile(rf"\b(?:const|let|var)\s+({IDENT})\s*=\s*({'|'.join(CREATOR_FUNCTIONS)})\s*(?=\()")
_WORD = re.compile(IDENT)
_PARAMETER = re.compile(rf"\s*(?:\(\s*({IDENT})\s*(?::\s*{IDENT}\s*)?\)|({IDENT}))\s*=>\s*")


def may_use_creator(text: str) -> bool:
    # The literal first: the pattern opens with a quote class, with no literal to skip to (a warm
    # scan of the generated 5k repo paid 0.17 s for it over every TS file).
    return MARKER in text or ("drizzle-orm/" in text and CORE_IMPORT.search(text) is not None)


def table_creators(scanned: Scanned) -> dict[str, tuple[str, str]]:
    """{creator variable: (prefix, suffix)} for the creators `scanned` declares."""
    found: dict[str, tuple[str, str]] = {}
    if MARKER not in scanned.text:
        return found
    for match in _BINDING.finditer(scanned.masked):
        call = call_after(scanned, match.group(2), match.start(2), match.end(2))
        if call is None or not call.args:
            continue
        affixes = _affixes(scanned, *call.args[0])
        if affixes is not None:
            found[match.group(1)] = affixes
    return found


def _affixes(scanned: Scanned, start: int, end: int) -> tuple[str, str] | None:
    """(prefix, suffix) the callback `(name) => ...` puts around its parameter, or None."""
    parameter = _PARAMETER.match(scanned.masked, start, end)
    if parameter is None:
        return None
    name, body = parameter.group(1) or parameter.group(2), parameter.end()
    if scanned.masked.startswith("(", body) and scanned.closing(body) == end - 1:
        body, end = body + 1, end - 1
    literal = scanned.literal_at(body)
    if literal is not None and literal.quote == "`" and not scanned.masked[literal.end : end].strip():
        if len(literal.holes) != 1:
            return None
        hole = scanned.text[literal.holes[0][0] + 2 : literal.holes[0][1]].strip()
        return (decode_escapes(literal.chunks[0]), decode_escapes(literal.chunks[1])) if hole == name else None
    return _concatenation(scanned, name, body, end)


def _concatenation(scanned: Scanned, name: str, start: int, end: int) -> tuple[str, str] | None:
    """`"app_" + name` or `name + "_v2"` (or both)."""
    parts, masked = [], scanned.masked
    pos = _skip_blank(masked, start, end)
    while pos < end:
        literal = scanned.literal_at(pos)
        if literal is not None and not literal.has_holes:
            parts.append(("literal", literal.value()))
            pos = literal.end
        elif (word := _WORD.match(masked, pos, end)) is not None and word.group() == name:
            parts.append(("name", ""))
            pos = word.end()
        else:
            return None
        pos = _skip_blank(masked, pos, end)
        if pos < end and masked[pos] != "+":
            return None
        pos = _skip_blank(masked, pos + 1, end) if pos < end else end
    names = [i for i, (kind, _) in enumerate(parts) if kind == "name"]
    if len(names) != 1:
        return None
    prefix = "".join(value for kind, value in parts[: names[0]])
    suffix = "".join(value for kind, value in parts[names[0] + 1 :])
    return prefix, suffix


def _skip_blank(masked: str, pos: int, end: int) -> int:
    while pos < end and masked[pos].isspace():
        pos += 1
    return pos
