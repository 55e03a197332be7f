"""A migration's call of a project function given its connection: `await models.createUserTable(knex)`.

Knex and Kysely projects keep table definitions in functions their migrations share (kutt's first
migrations are six `models.createXTable(knex)` calls, each a `knex.schema.createTable(...)` in
server/models/*.js). Such a call runs the function's schema changes as part of the migration, so the
function's body is read like `up`'s and its statements are the migration's, placed at the call's line.

The function is found from the call's name:
- `f(knex)`: a function declared in the migration file, or imported by name (`import { f } from`,
  `const { f } = require(...)`);
- `this.f(queryRunner)`: a method of the migration's class;
- `ns.f(knex)`: `const ns = require("…")` or `import * as ns from "…"`, then `f` declared in that
  module or in one it re-exports (`export * from`, `module.exports = { ...require("./x") }`),
  up to `_DEPTH` modules deep; relative paths and workspace packages (impact.orm.import_sources).
A call is one of these when an argument is the connection (`knex`, `db`, `trx`, `queryInterface`,
`queryRunner`: the names the builders' readers know). A function not found this way (an npm
package's, a computed name) is an `unknown` statement naming the call: it runs schema changes
impact cannot see, never skipped in silence. The function reads the schema as the code is today,
not as it was when the migration was written: a project whose runtime does the same (kutt's) gets
the same replay.

Known limit (xfail in tests/test_ts_helpers.py): the function's own parameters are not bound to the
call's arguments: `createTable(knex, "users")` with `knex.schema.createTable(name, …)` inside is an
unknown statement (the name is not a literal).
"""
from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass

from impact.extract.typescript.calls import IDENT, call_after
from impact.extract.typescript.scan import Scanned, scan
from impact.formats.pieces import Piece

HANDLES = {"knex", "trx", "db", "queryInterface", "queryRunner", "runner", "qr"}
_CALL = re.compile(rf"(?<![\w$.])({IDENT})(?:\s*\.\s*({IDENT}))?\s*(?=\()")
_KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "return", "await", "typeof", "new", "async", "super", "console"}
_WHOLE_REQUIRE = re.compile(rf"(?<![\w$.])(?:const|let|var)\s+({IDENT})\s*=\s*(?:await\s+)?require\s*\(\s*(?=['\"])")
_NAMESPACE = re.compile(rf"\bimport\s+\*\s+as\s+({IDENT})\s+from\s*(?=['\"])")
_SPREAD_REQUIRE = re.compile(r"\.\.\.\s*require\s*\(\s*(?=['\"])")
_REEXPORT_ALL = re.compile(r"\bexport\s+\*\s+from\s*(?=['\"])")
_DEPTH = 3


@dataclass(frozen=True)
class Followed:
    line: int  # the call's line in the migration
    written: str  # `models.createUserTable(knex)`
    file: str  # the function's file, relative to the repository
    function_line: int


_DEPTH_NOW: contextvars.ContextVar[int] = contextvars.ContextVar("ts_helpers_depth", default=0)


def helper_pieces(scanned: Scanned, start: int, end: int, consumed: list[tuple[int, int]], read_body) -> list[Piece]:
    """The pieces of every call in [start, end) that gives a project function the connection.
    `read_body(text, name)`: the pieces of function `name`'s body in `text` (the migration reader)."""
    from impact.extract.typescript.constants import current_reader

    pieces: list[Piece] = []
    reader = current_reader()
    for match in _CALL.finditer(scanned.masked, start, end):
        head, member = match.group(1), match.group(2)
        if head in HANDLES or head in _KEYWORDS or any(a <= match.start() < b for a, b in consumed):
            continue
        call = call_after(scanned, member or head, match.start(), match.end())
        if call is None or not any(scanned.masked[a:b].strip() in HANDLES for a, b in call.args):
            continue
        consumed.append((match.start(), call.close + 1))
        line, end_line = scanned.line_of(match.start()), scanned.line_of(call.close)
        written = scanned.text[match.start():call.close + 1]
        found = _find(scanned, head, member, reader) if reader and _DEPTH_NOW.get() < _DEPTH else None
        if found is None:
            why = "a function impact could not find in the repository" if _DEPTH_NOW.get() < _DEPTH else "a function nested too deep"
            pieces.append(Piece(written, line, end_line, error=f"gives the migration's connection to {why}: its schema changes are not read"))
            continue
        rel, text, name = found
        token = _DEPTH_NOW.set(_DEPTH_NOW.get() + 1)
        try:
            inner, inner_scanned, at = read_body(text, name, rel)
        finally:
            _DEPTH_NOW.reset(token)
        if at is None:
            pieces.append(Piece(written, line, end_line, error=f"`{name}` in {rel} has no body impact can read"))
            continue
        reader.followed.append(Followed(line, written, rel, inner_scanned.line_of(at)))
        # At the call's line; code not understood says where it is (the call's line shows the call).
        pieces += [Piece(f"{rel}:{p.line}: {' '.join(p.sql.split())}" if p.error else p.sql, line, end_line, p.error, p.kind,
                         p.table, p.concurrently, p.outside_transaction) for p in inner]
    return pieces


def declares_function(scanned: Scanned, name: str) -> bool:
    return re.search(rf"(?:\bfunction\s*\*?\s*{re.escape(name)}\s*\(|\b(?:const|let|var)\s+{re.escape(name)}\s*=\s*(?:async\b|function\b|\(|{IDENT}\s*=>))",
                     scanned.masked) is not None


def _declares_method(scanned: Scanned, name: str) -> bool:
    return re.search(rf"^\s*(?:(?:public|private|protected|static|async)\s+)*{re.escape(name)}\s*\(", scanned.masked, re.M) is not None


def _find(scanned: Scanned, head: str, member: str | None, reader) -> tuple[str, str, str] | None:
    """(file, text, function name) of the function the call names, or None."""
    from impact.extract.typescript.constants import read_module

    here = reader.rel
    if head == "this" and member:  # a method of the migration's class (TypeORM)
        return (here, scanned.text, member) if _declares_method(scanned, member) else None
    if member is None:
        if declares_function(scanned, head):
            return here, scanned.text, head
        imported = read_module(scanned).imports.get(head)  # (its exported name, the module's path)
        return _exported(reader, here, imported[1], imported[0], 0) if imported and imported[0] != "*" else None
    spec = _module_binding(scanned, head)
    return _exported(reader, here, spec, member, 0) if spec else None


def _module_binding(scanned: Scanned, name: str) -> str | None:
    """The path `name` binds a whole module to: `const name = require("p")`, `import * as name from "p"`."""
    for pattern in (_WHOLE_REQUIRE, _NAMESPACE):
        for match in pattern.finditer(scanned.masked):
            lit = scanned.literal_at(match.end())
            if match.group(1) == name and lit is not None and not lit.has_holes:
                return lit.value()
    return None


def _exported(reader, rel: str, spec: str, name: str, depth: int) -> tuple[str, str, str] | None:
    file = reader.sources.resolve(rel, spec)
    text = reader.read(file) if file else None
    if text is None or depth > _DEPTH:
        return None
    scanned = scan(text)
    if declares_function(scanned, name):
        return file, text, name
    for pattern in (_SPREAD_REQUIRE, _REEXPORT_ALL):
        for match in pattern.finditer(scanned.masked):
            lit = scanned.literal_at(match.end())
            found = _exported(reader, file, lit.value(), name, depth + 1) if lit is not None and not lit.has_holes else None
            if found:
                return found
    return None
