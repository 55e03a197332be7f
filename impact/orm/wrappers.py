"""Functions that wrap an ORM query on one table, followed one level.

Applications rarely call `prisma.website.update` where they need it: they call
`updateWebsite(id, { shareId })`, a function of a queries module whose body makes that call. The
fields named in the arguments of such a call are the table's, though no query is on their line.
So every function enclosing an ORM query on an affected table is a wrapper of that table, and a
name of a changed column written in a call to it (on the call's line or up to CALL_WINDOW lines
below it: the arguments of a multi-line call) is attributed to that table (`via = "orm-wrapper"`).

Measured on real history (bench/accuracy: umami, hoppscotch, documenso, formbricks): of 549 lines
naming a changed column with no table told, in a call of a function wrapping a query on a table the
migration changes, 541 were changed by the authors with the migration. They count as evidence only
where the column is the wrapper's own table's (documenso's `getDocument({ documentId })` names the
key of other tables), so the gain in recall is smaller than that.

The enclosing function is told by the nearest header line above the query (`function name(`,
`const name = (...) =>`, a method `name(...) {`): a query in an anonymous callback credits the
named function around it, which is the one the application calls.

A header is one line, except an arrow function whose parameters span lines: its first line
(`export const getDocumentById = async ({`) ends with the open parenthesis (or `({`).

Known limits (xfail tests in tests/test_orm_wrappers.py): one level only (a wrapper of a wrapper
is not followed); a method header whose parameters span lines is missed;
TypeScript and JavaScript files only.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from impact.model import Query
from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES  # TypeScript and JavaScript files

CALL_WINDOW = 3  # lines a call's arguments may span below its name
HEADER_REACH = 40  # lines above a query searched for the header of its function
HEADER = re.compile(
    r"(?:\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]"  # function name( / function name<T>(
    r"|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s*)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=>"
    # `const name = async (` / `= ({` ending the line: an arrow function whose parameters span lines
    r"|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=(]+)?=\s*(?:async\s*)?\(\s*\{?\s*$"
    r"|^\s*(?:(?:public|private|protected|static|async|override)\s+)*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::[^{]+)?\{)")
NOT_NAMES = {"if", "for", "while", "switch", "catch", "return", "function", "constructor"}


def wrapper_functions(files: Iterable[tuple[str, str, Iterable[Query]]], tables: Iterable[str]) -> dict[str, str]:
    """Function name -> the one affected table the ORM queries in its body use. A name that wraps
    queries on two tables (or is declared twice over different tables) says nothing: left out."""
    wanted = {t.lower() for t in tables}
    found: dict[str, set[str]] = {}
    for rel, text, queries in files:
        if not rel.endswith(TS_SUFFIXES):
            continue
        lines = None
        for query in queries:
            if not query.orm or not query.table or query.table.lower() not in wanted:
                continue
            lines = lines if lines is not None else text.splitlines()
            name = enclosing_function(lines, query.line)
            if name:
                found.setdefault(name, set()).add(query.table)
    return {name: next(iter(owners)) for name, owners in found.items() if len({t.lower() for t in owners}) == 1}


def enclosing_function(lines: list[str], line: int) -> str | None:
    """The name on the nearest function header at or above `line` (1-based)."""
    for number in range(min(line, len(lines)), max(line - HEADER_REACH, 0), -1):
        match = HEADER.search(lines[number - 1])
        if match:
            name = next(group for group in match.groups() if group)
            if name not in NOT_NAMES:  # `if (x) {` looks like a method header: look further up
                return name
    return None


def call_pattern(wrappers: dict[str, str]) -> re.Pattern | None:
    """A call of one of the wrappers by name (not a method of some other object: `x.update(`)."""
    if not wrappers:
        return None
    return re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, sorted(wrappers, key=len, reverse=True))) + r")\s*\(")


def called_wrapper(lines: list[str], line: int, name: str, pattern: re.Pattern, window: int = CALL_WINDOW) -> str | None:
    """The wrapper whose call's arguments hold `name` (its first occurrence on `line`, 1-based): a call on
    that line or up to `window` lines above it whose parenthesis is still open there."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    at = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text)
    if at is None:
        return None
    for number in range(line, max(line - window, 0) - 1, -1):
        for match in reversed(list(pattern.finditer(lines[number - 1]))):
            if number == line and match.end() > at.start():
                continue  # a call after the name on its line
            between = text[match.end():at.start()] if number == line else \
                "\n".join([lines[number - 1][match.end():], *lines[number:line - 1], text[:at.start()]])
            if _still_open(between):
                return match.group(1)
    return None


def _still_open(text: str) -> bool:
    """After a call's `(`, does `text` leave it open? (Parentheses in strings are not told apart.)"""
    depth = 1
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return False
    return True


def declared_only(references: list, orm) -> list:
    """A name attributed through a wrapper stays that table's only where the table's ORM model
    declares the column: dokploy's `createMount({ serviceType: "libsql" })` passes a key its
    wrapper uses to route, once the `mount` model no longer declares `serviceType` (14 lines, none
    of them the dropped column's)."""
    out = []
    for ref in references:
        if ref.via == "orm-wrapper" and ref.table:
            models = orm.on_table(ref.table)
            if models and not any(m.field_for(ref.column) for m in models):
                ref = replace(ref, table=None, via="name-only")
        out.append(ref)
    return out
