"""Named functions of TS/JS source and the spans of their bodies, read off the scanner's masked text.

A function is named where the code can call it by that name: a declaration (`function name(`,
`export default async function name<T>(`), a function or arrow function assigned to a name
(`const name = async ({ ... }) => {`, `let name = function (`, `exports.name = (`, a class
property `private name = async () => {`), a class or object method (`async name(\n  id: string,\n) {`,
`get name() {`). Its body is the braces after its parameters (matched through the scanner's pair
table, so a brace in a string, a template literal or a comment is never counted), or for an arrow
function without braces the expression after `=>`. Anonymous functions (callbacks) are not
recorded: a query in one belongs to the named function around it, the one the application calls.

Decisions:
- Parameters are the balanced parentheses after the name, however many lines they span; a return
  type annotation (`): Promise<{ id: string }> {`) is skipped: a `{` where a type is expected
  (after `:`, `<`, `|`, `&`, `,`, `=>`) opens an object type, the first other `{` the body.
- An expression body ends at the first `;`, `,` or closing bracket outside its own brackets, or at
  a line break that no operator continues (the next line does not start with `.`, `?`, `:`, an
  operator; the line does not end with one). Bounded by EXPRESSION_LINES, a guard only.
- Keywords that look like a method header (`if (x) {`, `catch (e) {`, `constructor(`) are not names.
Known limits (xfail tests in tests/test_orm_wrappers.py): a function assigned to an object's key
(`update: async (id) => {`, tRPC procedures) is anonymous here (it is called as `x.update(`, never
by its bare name); a named function expression passed as an argument (`.then(function done() {`)
is recorded under its own name.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from impact.extract.typescript.calls import skip_generics, skip_space
from impact.extract.typescript.scan import Scanned

NAME = r"[A-Za-z_$][\w$]*"
EXPRESSION_LINES = 200  # an expression body longer than this is not read further (a guard)
MODIFIERS = r"(?:(?:export|default|public|private|protected|static|readonly|override|declare|abstract|async|get|set)\s+)*"
# `const name =`, `exports.name =`, a class property `private name =` (a type annotation may hold `=>`)
ASSIGNED = re.compile(
    rf"(?:\b(?:const|let|var)\s+|(?<![\w$.])(?:module\.)?exports\.|^[ \t]*{MODIFIERS})({NAME})\s*[!?]?\s*"
    rf"(?::(?:[^=;{{}}]|=>)*?)?=(?![=>])\s*(?:async\b\s*)?(function\b\s*\*?\s*(?:{NAME})?\s*)?", re.M)
DECLARED = re.compile(rf"\bfunction\b\s*\*?\s*({NAME})\s*(?=[<(])")
METHOD = re.compile(rf"^[ \t]*{MODIFIERS}\*?\s*({NAME})\s*(?=[<(])", re.M)
NOT_NAMES = frozenset("if for while switch catch with return function constructor super await typeof new yield "
                      "else do case throw delete void in of import export async".split())
_TYPE_EXPECTED = ":<|&,="  # after one of these, a `{` opens an object type, not a body (`Promise<{ id: string }>`)
_NAME = re.compile(NAME)


@dataclass(frozen=True)
class Function:
    name: str
    start: int  # offset of the body's `{` (or of an arrow's expression body)
    end: int  # offset of the body's closing `}` (or of the expression's last character)


def named_functions(scanned: Scanned) -> list[Function]:
    """Every named function of the source with its body's span, in no particular order."""
    masked, found, bodies = scanned.masked, [], set()

    def add(name: str, body: tuple[int, int] | None) -> None:
        if body is not None and body[0] not in bodies and name not in NOT_NAMES:
            bodies.add(body[0])
            found.append(Function(name, *body))

    for match in ASSIGNED.finditer(masked):
        after = match.end()
        add(match.group(1), _function_body(scanned, after) if match.group(2) else _arrow_body(scanned, after))
    for pattern in (DECLARED, METHOD):
        for match in pattern.finditer(masked):
            add(match.group(1), _function_body(scanned, match.end()))
    return found


def innermost(functions: list[Function], start: int, end: int) -> Function | None:
    """The innermost function whose body overlaps [start, end) (a line: from its first character
    that is not a space to its end), so a one-line function holding the line's query counts."""
    inside = [f for f in functions if f.start < end and f.end > start]
    return max(inside, key=lambda f: f.start) if inside else None


def line_span(text: str, starts: list[int], line: int) -> tuple[int, int]:
    """[first non-space character, end) of a 1-based line, given the offsets its lines start at."""
    begin = starts[line - 1] if 0 < line <= len(starts) else len(text)
    end = starts[line] - 1 if line < len(starts) else len(text)
    while begin < end and text[begin] in " \t":
        begin += 1
    return begin, end


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def _parameters_end(scanned: Scanned, pos: int) -> int | None:
    """Past the optional type parameters and the balanced parameter list that start at `pos`."""
    masked = scanned.masked
    pos = skip_generics(masked, skip_space(masked, pos))
    if pos is None or pos >= len(masked) or masked[pos] != "(":
        return None
    close = scanned.closing(pos)
    return close + 1 if close is not None and close > pos else None


def _function_body(scanned: Scanned, pos: int) -> tuple[int, int] | None:
    """`(params): Type {` from `pos`: the body's braces, or None (an overload, a call, a signature)."""
    after = _parameters_end(scanned, pos)
    if after is None:
        return None
    brace = _after_return_type(scanned, after, "{")
    if brace is None:
        return None
    close = scanned.closing(brace)
    return (brace, close) if close is not None and close > brace else None


def _after_return_type(scanned: Scanned, pos: int, wanted: str) -> int | None:
    """The offset of `wanted` (the `{` of a body, the `=>` of an arrow) after an optional `: Type` at `pos`."""
    masked = scanned.masked
    pos = skip_space(masked, pos)
    if masked.startswith(wanted, pos):
        return pos
    if pos >= len(masked) or masked[pos] != ":":
        return None
    previous, pos, limit = ":", pos + 1, min(len(masked), pos + 2000)
    while pos < limit:
        char = masked[pos]
        if char.isspace():
            pos += 1
        elif masked.startswith("=>", pos):
            if wanted == "=>":
                return pos
            previous, pos = "=", pos + 2  # a function type's arrow: a type follows
        elif char == "{" and wanted == "{" and previous not in _TYPE_EXPECTED:
            return pos
        elif char in "([{":
            close = scanned.closing(pos)
            if close is None or close < pos:
                return None
            previous, pos = masked[close], close + 1
        elif char in ";)]}":
            return None
        else:
            previous, pos = char, pos + 1
    return None


def _arrow_body(scanned: Scanned, pos: int) -> tuple[int, int] | None:
    """`(params): Type => body` or `param => body` from `pos`: the body's span, or None."""
    masked = scanned.masked
    pos = skip_space(masked, pos)
    single = _NAME.match(masked, pos)
    if single:
        arrow = skip_space(masked, single.end())
        if not masked.startswith("=>", arrow):
            return None
    else:
        after = _parameters_end(scanned, pos)
        arrow = _after_return_type(scanned, after, "=>") if after is not None else None
        if arrow is None:
            return None
    body = skip_space(masked, arrow + 2)
    if body < len(masked) and masked[body] == "{":
        close = scanned.closing(body)
        return (body, close) if close is not None and close > body else None
    end = _expression_end(scanned, body)
    return (body, end) if end >= body else None


_CONTINUES_NEXT = tuple(".?:&|+-*/%<>=")
_CONTINUES_LINE = tuple("=([{,:?&|+-*/%<>!")


def _expression_end(scanned: Scanned, pos: int) -> int:
    """The offset of an expression body's last character (see the module's decisions)."""
    masked, lines, last = scanned.masked, 0, pos
    while pos < len(masked):
        char = masked[pos]
        if char in "([{":
            close = scanned.closing(pos)
            if close is None or close < pos:
                return last
            last, pos = close, close + 1
        elif char in ")]};,":
            return last
        elif char == "\n":
            lines += 1
            following = skip_space(masked, pos)
            if lines > EXPRESSION_LINES or following >= len(masked) or not (
                    masked.startswith(_CONTINUES_NEXT, following) or masked[last] in _CONTINUES_LINE):
                return last
            pos = following
        else:
            last = pos if not char.isspace() else last
            pos += 1
    return last


def declares(scanned: Scanned, close: int) -> bool:
    """Are the parentheses closing at `close` a function's parameters, not a call's arguments? A
    body (`{`, after a return type) or an arrow follows them."""
    return _after_return_type(scanned, close + 1, "{") is not None or _after_return_type(scanned, close + 1, "=>") is not None
