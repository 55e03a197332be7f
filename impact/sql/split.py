"""Split a migration file into top-level statements, each with its line numbers — where psql would.

Uses the real PostgreSQL lexer (pglast.scan), so semicolons inside strings, dollar-quoted bodies
and comments never split. Like psql, a semicolon inside parentheses (`CREATE RULE … DO INSTEAD
(a; b)`) or inside a `BEGIN ATOMIC … END` routine body does not split either; parentheses still
open at the end of the file are taken as a typo and their semicolons split after all, so one
stray `(` (or a body missing its END) cannot swallow the rest of a migration.

psql's own input is not SQL: meta-commands (`\\set`, `\\i`, `\\if`, to the end of their line) and
the data lines after `COPY … FROM stdin;` (up to `\\.`) are set aside as `Skipped` parts, which
the report lists as notices. Every other non-comment character of the file lands in some
statement: nothing is dropped, even text that will not parse.

Known limit: a line inside a dollar-quoted body that looks like `COPY … FROM stdin;` at the start
of a line is taken for a real COPY only if the text before it lexes as complete statements, which
it does not inside a body, so the body is kept; a COPY whose data has no `\\.` line runs to the
end of the file, as in psql.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from impact.errors import bounded_line

COMMENT_TOKENS = {"SQL_COMMENT", "C_COMMENT"}
SEMICOLON = "ASCII_59"
BACKSLASH = "ASCII_92"
OPEN, CLOSE = "ASCII_40", "ASCII_41"
ERROR_INDEX = re.compile(r"at index (\d+)")
COPY_FROM_STDIN = re.compile(r"^[ \t]*COPY\b[^;]*?\bFROM\s+STDIN\b[^;]*;[^\n]*(?:\n|$)", re.IGNORECASE | re.MULTILINE)
END_OF_DATA = re.compile(r"^\\\.[ \t\r]*$", re.MULTILINE)
MAX_COPY_BLOCKS = 1000  # each costs one lexer pass over the text before it
ROUTINE_HEADS = (("CREATE", "FUNCTION"), ("CREATE", "PROCEDURE"), ("CREATE", "OR", "REPLACE", "FUNCTION"),
                 ("CREATE", "OR", "REPLACE", "PROCEDURE"))


@dataclass(frozen=True)
class Chunk:
    sql: str
    start: int  # character offset in the file
    line: int
    end_line: int
    comments: tuple[str, ...] = ()  # comments right before the statement (ignore directives live here)
    error: str = ""  # set when the lexer could not read this part of the file


@dataclass(frozen=True)
class Skipped:
    """Client input that is not SQL, set aside with a notice: a psql meta-command or COPY data."""

    what: str
    line: int
    end_line: int


def split_statements(text: str) -> list[Chunk]:
    return split_migration(text)[0]


def split_migration(text: str) -> tuple[list[Chunk], list[Skipped]]:
    """The statements of `text`, and the psql input set aside (in file order)."""
    skipped: list[Skipped] = []
    text = _blank_copy_data(text, skipped)
    chunks = _split(text, skipped)
    return chunks, sorted(skipped, key=lambda s: s.line)


def _split(text: str, skipped: list[Skipped]) -> list[Chunk]:
    from pglast import scan  # here, not at the top: reading a cached parse must not load pglast
    from pglast.parser import ParseError

    try:
        tokens = scan(text)
    except ParseError as exc:
        return _split_until_error(text, exc, skipped)
    return _chunks(text, tokens, skipped)


def _chunks(text: str, tokens, skipped: list[Skipped]) -> list[Chunk]:
    chunks: list[Chunk] = []
    comments: list[str] = []
    first = last = None
    state = _Depth()
    meta_until = -1  # a psql meta-command runs to the end of its line
    deferred: list[int] = []  # offsets of the semicolons inside parentheses or a BEGIN ATOMIC body
    for token in tokens:
        name = token.name
        if token.start < meta_until:
            continue
        if name in COMMENT_TOKENS:
            if first is None:
                comments.append(text[token.start : token.end + 1])
            continue
        if name == BACKSLASH:  # never SQL outside a string: psql's own command
            end = text.find("\n", token.start)
            meta_until = len(text) if end < 0 else end
            skipped.append(_skipped(text, token.start, meta_until, "psql meta-command " + _meta_name(text, token.start, meta_until)))
            if first is not None:  # like psql's \g, it ends the statement before it
                chunks.append(_chunk(text, first, last + 1, comments))
            first = last = None
            comments, deferred, state = [], [], _Depth()
            continue
        if name == SEMICOLON:
            if first is not None and state.open:
                deferred.append(token.start)
                last = token.end
                continue
            if first is not None:
                chunks.append(_chunk(text, first, last + 1, comments))
            first = last = None
            comments, deferred, state = [], [], _Depth()
            continue
        if first is None:
            first = token.start
        state.see(name)
        last = token.end
    if first is not None and deferred and state.open:
        # Unbalanced parentheses or BEGIN: split at the semicolons after all (a typo, not a body).
        chunks.extend(_split_deferred(text, first, last, comments, deferred))
    elif first is not None:
        chunks.append(_chunk(text, first, last + 1, comments))
    return chunks


class _Depth:
    """Parentheses, and psql's BEGIN … END nesting inside a CREATE FUNCTION/PROCEDURE."""

    def __init__(self) -> None:
        self.parens = 0
        self.blocks = 0
        self.head: list[str] = []

    @property
    def open(self) -> bool:
        return self.parens > 0 or self.blocks > 0

    def see(self, name: str) -> None:
        if len(self.head) < 4:
            self.head.append(name)
        if name == OPEN:
            self.parens += 1
        elif name == CLOSE:
            self.parens = max(0, self.parens - 1)
        elif name == "BEGIN_P" and self._routine():
            self.blocks += 1
        elif name == "CASE" and self.blocks:
            self.blocks += 1
        elif name == "END_P" and self.blocks:
            self.blocks -= 1

    def _routine(self) -> bool:
        return any(tuple(self.head[: len(h)]) == h for h in ROUTINE_HEADS)


def _split_deferred(text: str, first: int, last: int, comments: list[str], deferred: list[int]) -> list[Chunk]:
    chunks, start, own = [], first, comments
    for semicolon in deferred:
        piece = text[start:semicolon].rstrip()
        if piece.strip():
            begin = start + len(text[start:semicolon]) - len(text[start:semicolon].lstrip())
            chunks.append(_chunk(text, begin, start + len(piece), own))
        own, start = [], semicolon + 1
    tail = text[start : last + 1]
    if tail.strip():
        begin = start + len(tail) - len(tail.lstrip())
        chunks.append(_chunk(text, begin, last + 1, own))
    return chunks


def _chunk(text: str, start: int, end: int, comments: list[str], error: str = "") -> Chunk:
    line = text.count("\n", 0, start) + 1
    return Chunk(text[start:end], start, line, line + text.count("\n", start, end), tuple(comments), error)


def _skipped(text: str, start: int, end: int, what: str) -> Skipped:
    line = text.count("\n", 0, start) + 1
    return Skipped(what, line, line + text.count("\n", start, max(start, end - 1)))


def _meta_name(text: str, start: int, end: int) -> str:
    word = text[start:end].split(maxsplit=1)[0] if text[start:end].strip() else "\\"
    return word[:20]


def _blank_copy_data(text: str, skipped: list[Skipped]) -> str:
    """Blank (keeping line breaks, so line numbers stay right) the data of every COPY … FROM stdin."""
    position = 0
    for _ in range(MAX_COPY_BLOCKS):
        match = COPY_FROM_STDIN.search(text, position)
        if match is None:
            break
        if not _statement_starts_at(text, match.start()):
            position = match.end()
            continue
        data_start = match.end()
        end = END_OF_DATA.search(text, data_start)
        data_end = end.end() if end else len(text)
        if data_end > data_start:
            skipped.append(_skipped(text, data_start, data_end, "COPY … FROM stdin data"))
            text = text[:data_start] + re.sub(r"[^\n]", " ", text[data_start:data_end]) + text[data_end:]
        position = data_end
    return text


def _statement_starts_at(text: str, offset: int) -> bool:
    """Whether `offset` is outside any string, comment or statement: the text before it lexes and
    ends with a semicolon (or holds nothing but comments)."""
    from pglast import scan
    from pglast.parser import ParseError

    try:
        tokens = scan(text[:offset])
    except ParseError:
        return False
    last, meta_until = SEMICOLON, -1
    for token in tokens:
        if token.start < meta_until or token.name in COMMENT_TOKENS:
            continue
        if token.name == BACKSLASH:  # a psql meta-command ends at its line's end, like a statement
            end = text.find("\n", token.start, offset)
            meta_until, last = (offset if end < 0 else end), SEMICOLON
            continue
        last = token.name
    return last == SEMICOLON


def _split_until_error(text: str, exc: ParseError, skipped: list[Skipped]) -> list[Chunk]:
    """Keep the statements before the lexer error; the rest is one chunk that carries the error."""
    from pglast import scan
    from pglast.parser import ParseError

    # pglast puts the offset in args[1] (scanner) or in the message ("at index N", parser).
    position = exc.args[1] if len(exc.args) > 1 else None
    if not isinstance(position, int) or not 0 <= position < len(text):
        match = ERROR_INDEX.search(str(exc))
        position = int(match.group(1)) if match else 0
    cut = text.rfind(";", 0, position) + 1
    head = _split(text[:cut], skipped) if cut else []
    rest = text[cut:]
    stripped = rest.lstrip()
    if not stripped:
        return head
    start = cut + (len(rest) - len(stripped))
    if cut:
        # The semicolon we cut at may lie inside the string the lexer says is unterminated (a stray
        # quote earlier on): if what follows lexes on its own, its statements are statements.
        try:
            tokens = scan(rest)
        except ParseError:
            pass
        else:
            lines, own = text.count("\n", 0, cut), []
            chunks = _chunks(rest, tokens, own)
            skipped += [replace(s, line=s.line + lines, end_line=s.end_line + lines) for s in own]
            return head + [replace(c, start=c.start + cut, line=c.line + lines, end_line=c.end_line + lines) for c in chunks]
    # The lexer quotes the rest of the input (an unclosed /* quotes the whole file): one bounded line.
    return head + [_chunk(text, start, len(text.rstrip()), [], f"cannot tokenize: {bounded_line(str(exc), 200)}")]
