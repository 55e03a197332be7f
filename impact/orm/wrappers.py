"""Functions that wrap an ORM query on one table, followed one level.

Applications rarely call `prisma.website.update` where they need it: they call
`updateWebsite(id, { shareId })`, a function of a queries module whose body makes that call. The
fields named in the arguments of such a call are the table's, though no query is on their line.
So every function enclosing an ORM query on an affected table is a wrapper of that table, and a
name of a changed column written in the arguments of a call to it is attributed to that table
(`via = "orm-wrapper"`).

Measured on real history (bench/accuracy: umami, hoppscotch, documenso, formbricks): of 549 lines
naming a changed column with no table told, in a call of a function wrapping a query on a table the
migration changes, 541 were changed by the authors with the migration. They count as evidence only
where the column is the wrapper's own table's (documenso's `getDocument({ documentId })` names the
key of other tables), so the gain in recall is smaller than that.

Both are told by the code's structure, as impact.extract.typescript.scan separates code from
comments, strings and template literals (a brace or parenthesis in those never counts):
- the enclosing function is the innermost named function whose body's braces hold the query's line
  (impact.extract.typescript.functions: declarations, functions and arrow functions assigned to a
  name, class and object methods, with parameters and return types on any number of lines). A
  query in an anonymous callback credits the named function around it, the one the application
  calls; a query 180 lines into a long function (outline's `accountProvisioner`) is still in it,
  and a function that ended above the query is not its function;
- a call's arguments are its balanced parentheses, however many lines they span (up to CALL_LINES,
  a guard); the innermost call of a wrapper holding the name is the one. A field read from another
  object there (`port: input.metricsConfig.port`) is not the wrapper's; a wrapper's own parameter
  list is a declaration, not a call: only the parameters on its header line count (the constants
  below record what each of these decisions measured).
In other files (Python's factories, impact.extract.python.factory_calls) a call's arguments are
looked for line by line (`called_wrapper`).

Known limits (xfail tests in tests/test_orm_wrappers.py): one level only (a wrapper of a wrapper
is not followed); TypeScript and JavaScript files only.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from impact.extract.typescript.scan import Scanned, scan
from impact.model import Query
from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES  # TypeScript and JavaScript files

CALL_WINDOW = 3  # lines a call's arguments may span below its name, in a file the scanner does not read
CALL_LINES = 200  # lines a call's balanced parentheses may span (a guard against a parenthesis never closed)
# Decisions of the call reader, measured on the bench's 15 TypeScript projects (lines naming a changed
# column that each rule credits, of them changed by the authors with the migration):
# - a key of an object nested under a key of the arguments (`accountProvisioner({ user: { username } })`)
#   counts, as it did in the line window: no such line on the bench, either way;
NESTED_KEYS = True
# - a wrapper's own parameter on its header line (`loadGroupInWorkspace(groupId: string, workspaceId: string) {`)
#   counts: 5 of 5; one on a line of its own (`userId: string,`) or in an options object's type does not: 0 of 2;
DECLARATIONS = True
# - a field read from another object (`port: input.metricsConfig.server.port`, `row["name"]`) does not: 3 of 21.
MEMBER_READS = False


def wrapper_functions(files: Iterable[tuple[str, str, Iterable[Query]]], tables: Iterable[str]) -> dict[str, str]:
    """Function name -> the one affected table the ORM queries in its body use. A name that wraps
    queries on two tables (or is declared twice over different tables) says nothing: left out."""
    wanted = {t.lower() for t in tables}
    found: dict[str, set[str]] = {}
    for rel, text, queries in files:
        if not rel.endswith(TS_SUFFIXES):
            continue
        bodies = None
        for query in queries:
            if not query.orm or not query.table or query.table.lower() not in wanted:
                continue
            bodies = bodies or _Bodies(text)
            name = bodies.enclosing(query.line)
            if name:
                found.setdefault(name, set()).add(query.table)
    return {name: next(iter(owners)) for name, owners in found.items() if len({t.lower() for t in owners}) == 1}


def _functions():
    """impact.extract.typescript.functions, imported when a TS file needs it (not for every scan)."""
    from impact.extract.typescript import functions

    return functions


class _Bodies:
    """One file's named functions, to tell the one enclosing a line."""

    def __init__(self, text: str) -> None:
        self.fn = _functions()
        self.text, self.starts = text, self.fn.line_starts(text)
        self.functions = self.fn.named_functions(scan(text))

    def enclosing(self, line: int) -> str | None:
        function = self.fn.innermost(self.functions, *self.fn.line_span(self.text, self.starts, line))
        return function.name if function else None


def enclosing_function(text: str, line: int) -> str | None:
    """The name of the innermost named function whose body holds `line` (1-based)."""
    return _Bodies(text).enclosing(line)


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


def call_holder(rel: str, text: str, lines: list[str], pattern: re.Pattern) -> Callable[[int, str], str | None]:
    """(line, name) -> the wrapper whose call's arguments hold the name on that line.

    In a TypeScript or JavaScript file, a call's arguments are its balanced parentheses as the
    scanner matches them (strings, template literals and comments told apart), however many lines
    they span up to CALL_LINES; the innermost wrapper call holding an occurrence of the name that
    is not a field read of another object is the one (NESTED_KEYS, DECLARATIONS, MEMBER_READS). In other
    files (and where the lines are not split at "\n" alone) the name is looked for up to CALL_WINDOW
    lines below a call's name while its parenthesis is open."""
    if not rel.endswith(TS_SUFFIXES) or len(lines) != text.count("\n") + (not text.endswith("\n")):
        return lambda line, name: called_wrapper(lines, line, name, pattern)
    if not pattern.search(text):
        return lambda line, name: None
    return _Calls(text, lines, pattern).holder


class _Calls:
    """The calls of wrappers in one file, each as (open, close, name, is a declaration's parameters)."""

    def __init__(self, text: str, lines: list[str], pattern: re.Pattern) -> None:
        self.fn = fn = _functions()
        self.scanned, self.lines, self.starts = scan(text), lines, fn.line_starts(text)
        self.calls = []
        for match in pattern.finditer(self.scanned.masked):
            open_at = match.end() - 1
            close = self.scanned.closing(open_at)
            if close is not None and close > open_at and fn.line_of(self.starts, close) - fn.line_of(self.starts, open_at) <= CALL_LINES:
                self.calls.append((open_at, close, match.group(1), fn.declares(self.scanned, close)))

    def holder(self, line: int, name: str) -> str | None:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        for at in re.finditer(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text):
            if MEMBER_READS or not _member_read(text, at.start()):
                wrapper = self._held(self.starts[line - 1] + at.start())
                if wrapper:
                    return wrapper
        return None

    def _held(self, offset: int) -> str | None:
        holding = [call for call in self.calls if call[0] < offset < call[1]]
        if not holding:
            return None
        open_at, _close, wrapper, declaration = max(holding)
        enclosing = _enclosing_brackets(self.scanned, open_at, offset)
        if declaration:  # its own parameters on its header line only (see DECLARATIONS)
            same_line = self.fn.line_of(self.starts, offset) == self.fn.line_of(self.starts, open_at)
            return wrapper if DECLARATIONS and not enclosing and same_line else None
        return wrapper if NESTED_KEYS or not any(keyed for _, keyed in enclosing) else None


_MEMBER_BEFORE = re.compile(r"""(?:\??\.|\[\s*['"`])\s*$""")


def _member_read(line: str, start: int) -> bool:
    """`input.status`, `row?.status`, `row['status']`: a field of another object read."""
    return _MEMBER_BEFORE.search(line, 0, start) is not None


def _enclosing_brackets(scanned: Scanned, open_at: int, offset: int) -> list[tuple[str, bool]]:
    """The brackets between a call's `(` and `offset` that hold it, outermost first: (bracket, is
    the value of a key: `user: {`)."""
    masked, pos, found = scanned.masked, open_at + 1, []
    while pos < offset:
        char = masked[pos]
        if char in "([{":
            close = scanned.closing(pos)
            if close is None or close < pos:
                return found
            if close < offset:
                pos = close + 1
                continue
            back = pos - 1
            while back > open_at and masked[back].isspace():
                back -= 1
            found.append((char, char == "{" and masked[back] == ":"))
        pos += 1
    return found


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
