"""Reading the arguments of a TS/JS migration call: chained links, string literals, defaults and
SQL arguments; shared by the knex/Kysely/TypeORM builders and the sequelize-cli reader.

A name or value computed at run time raises `Unreadable` with the reason, which the readers turn
into an `unknown` piece naming it: never a guess. A table or column name written as a string
constant of the repository (`TableUser`, `FieldNameUser.photoUrl`) is that string
(impact.extract.typescript.constants, while the reader resolves names for the file).
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, arguments, call_after, literal_arg, skip_space
from impact.extract.typescript.scan import Scanned
from impact.formats.alembic.ddl import literal
from impact.formats.pieces import Piece

NAME = re.compile(r"\s*\.\s*([A-Za-z_$][\w$]*)")
IDENT = re.compile(r"[A-Za-z_$][\w$]*")

class Unreadable(Exception):
    pass


class ComputedDefault(Unreadable):
    """A CREATE TABLE column whose default is computed: the column is created, the default reported unknown."""

    def __init__(self, reason: str, definition: str) -> None:
        super().__init__(f"{reason}: the column is created without it")
        self.definition = definition


def read_chain(scanned: Scanned, pos: int, limit: int) -> tuple[list[tuple[str, Call | None]], int]:
    """`.a.b(x).c(y)` from pos: each link's name and call (None for a property), and where it ends."""
    links, end = [], pos
    while True:
        match = NAME.match(scanned.masked, end)
        if match is None or match.start(1) >= limit:
            return links, end
        dot = scanned.masked.index(".", match.start())  # the match starts with the whitespace before it
        call = call_after(scanned, match.group(1), dot, match.end())
        links.append((match.group(1), call))
        end = call.close + 1 if call else match.end()


def constant_at(scanned: Scanned, begin: int, end: int):
    """impact.extract.typescript.constants.constant_at, imported on first use: only a TS/JS migration
    naming a table by a constant needs the reader (not every scan's start)."""
    from impact.extract.typescript.constants import constant_at as at

    return at(scanned, begin, end)


def _loop_value(text: str) -> str | None:
    from impact.formats.ts_loops import bound_value

    return bound_value(text)


def string_arg(scanned: Scanned, call: Call | None, index: int) -> str:
    literal_ = literal_arg(scanned, call, index) if call else None
    if literal_ is None or literal_.has_holes:
        if call and index < len(call.args) and (value := _loop_value(scanned.text[call.args[index][0]:call.args[index][1]])):
            return value  # a loop's variable, in the turn being read (impact.formats.ts_loops)
        constant = constant_at(scanned, *call.args[index]) if call and index < len(call.args) else None
        if constant is not None:
            return constant.value
        text = scanned.text[call.args[index][0]:call.args[index][1]] if call and index < len(call.args) else "nothing"
        raise Unreadable(f"`{text[:40]}` is not a string literal (a name computed at run time)")
    return literal_.value()


def strings_arg(scanned: Scanned, call: Call, index: int) -> list[str]:
    """A string, or an array of string literals."""
    span = call.args[index] if index < len(call.args) else None
    if span and scanned.masked[span[0]] == "[":
        close = scanned.closing(span[0]) or span[1]
        values = [lit.value() for at, lit in scanned.literals.items() if span[0] < at < close]
        if values:
            return values
        names = [constant_at(scanned, *item) for item in arguments(scanned, span[0], close)]
        if names and all(names):  # `[FieldNameUser.a, FieldNameUser.b]`: every one a constant
            return [c.value for c in names]
    return [string_arg(scanned, call, index)]


def default_arg(scanned: Scanned, call: Call) -> str:
    if not call.args:
        raise Unreadable("a default without a value")
    begin, end = call.args[0]
    lit = scanned.literal_at(begin)
    if lit is not None and lit.end == end and not lit.has_holes:
        return literal(lit.value())
    text = scanned.text[begin:end].strip()
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false|null", text):
        return text.upper() if text in ("true", "false", "null") else text
    if re.fullmatch(r"[\w.]*fn\.now\(\)", text):
        return "CURRENT_TIMESTAMP"
    raw = re.fullmatch(r"(?:[\w.]*raw\(|sql)\s*[`'\"](.*)[`'\"]\)?", text, re.S)
    if raw and "${" not in raw.group(1):
        return raw.group(1)
    raise Unreadable(f"default `{text[:40]}` is computed")


def statement_pieces(scanned: Scanned, sql: list[str] | Exception, start: int, stop: int) -> list[Piece]:
    line, end_line = scanned.line_of(start), scanned.line_of(stop)
    if isinstance(sql, Exception):
        return [Piece(scanned.text[start:stop + 1], line, end_line, error=str(sql))]
    return [Piece(s + ";", line, end_line) for s in sql]


def sql_argument(scanned: Scanned, start: int, end: int) -> str | None | tuple[str]:
    """The SQL of an argument span: a literal, a hole-free template, or literals joined by `+`.
    None: not static; a 1-tuple: the reason it is not."""
    pieces, pos = [], start
    while pos < end:
        literal = scanned.literal_at(pos) or _tagged(scanned, pos, end)
        if literal is None:
            return (f"the SQL is not a string literal: `{scanned.text[start:end][:50]}`",)
        if literal.has_holes:
            # A hole holding a string constant of the file (`${table}`, `const table = 'jobs'`) or a
            # loop's name is that name; any other is a value (inside '...') or unknown.
            named = [_hole_name(scanned, *hole) for hole in literal.holes]
            value = _values_only(literal.value(lambda i: named[i] if named[i] is not None else f"\0{i}\0"))
            if value is None:
                return (f"the SQL template has ${{...}} holes computed at run time: `{scanned.text[literal.start:literal.end][:60]}`",)
            pieces.append(value)
        else:
            pieces.append(literal.value())
        pos = skip_space(scanned.masked, literal.end)
        if pos < end and scanned.masked[pos] == "+":
            pos = skip_space(scanned.masked, pos + 1)
        elif pos < end:
            return (f"the SQL is built at run time: `{scanned.text[start:end][:50]}`",)
    return "".join(pieces)


_TAG = re.compile(r"[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*(?:\s*\([^()]*\))?(?:\s*<[^<>;]{0,100}>)?\s*")


def _tagged(scanned: Scanned, pos: int, end: int):
    """The template of a SQL tag at `pos` (slonik's and postgres.js's sql`...`, sql.unsafe`...`,
    Prisma.sql`...`: the tags impact.extract.typescript.sql knows in application code), else None.
    logto's alterations run `pool.query(sql`alter table ... drop column ...`)`."""
    from impact.extract.typescript.sql import TAG_SINK

    tag = _TAG.match(scanned.masked, pos, end)
    literal = scanned.literal_at(tag.end()) if tag else None
    if literal is None or scanned.text[literal.start] != "`" or not TAG_SINK.search(scanned.text[pos:tag.end()]):
        return None
    return literal


def _hole_name(scanned: Scanned, start: int, end: int) -> str | None:
    """The string a `${...}` hole (span of `${` .. `}`) names: a loop's variable or a string constant."""
    begin, finish = start + 2, end
    while begin < finish and scanned.text[begin].isspace():
        begin += 1
    while finish > begin and scanned.text[finish - 1].isspace():
        finish -= 1
    text = scanned.text[begin:finish]
    if not IDENT.fullmatch(text) and not re.fullmatch(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){1,2}", text):
        return None
    value = _loop_value(text)
    if value is None:
        constant = constant_at(scanned, begin, finish)
        value = constant.value if constant is not None else None
    return value if value is not None and re.fullmatch(r"[\w.$\"]+", value) else None


def _values_only(sql: str) -> str | None:
    """A template whose every `${...}` hole sits inside a SQL '...' string: holes are values, not
    names, so the statement's shape is known (the hole becomes `?`). None if a hole is a name."""
    out, quoted = [], False
    for part in re.split(r"(\0\d+\0)", sql):
        if part.startswith("\0"):
            if not quoted:
                return None
            out.append("?")
            continue
        quoted ^= part.count("'") % 2 == 1
        out.append(part)
    return "".join(out)


def callback_body(scanned: Scanned, begin: int, end: int) -> tuple[str, int, int] | None:
    """`(t) => { ... }` / `function (t) { ... }` / `t => ...`: the parameter and the body span."""
    head = re.match(r"\s*(?:async\s*)?(?:function\s*[\w$]*\s*)?\(?\s*([A-Za-z_$][\w$]*)", scanned.masked[begin:end])
    if head is None:
        return None
    arrow = scanned.masked.find("=>", begin, end)
    brace = scanned.masked.find("{", begin, end)
    if brace != -1 and (arrow == -1 or brace < skip_space(scanned.masked, arrow + 2) + 1):
        close = scanned.closing(brace)
        return (head.group(1), brace + 1, close) if close else None
    return (head.group(1), skip_space(scanned.masked, arrow + 2), end) if arrow != -1 else None
