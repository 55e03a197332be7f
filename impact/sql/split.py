"""Split a migration file into top-level statements, each with its line numbers.

Uses the real PostgreSQL lexer (pglast.scan), so semicolons inside strings, dollar-quoted bodies
and comments never split. Every non-comment character of the file lands in some statement:
nothing is dropped, even text that will not parse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pglast import scan
from pglast.parser import ParseError

COMMENT_TOKENS = {"SQL_COMMENT", "C_COMMENT"}
SEMICOLON = "ASCII_59"
ERROR_INDEX = re.compile(r"at index (\d+)")


@dataclass(frozen=True)
class Chunk:
    sql: str
    start: int  # character offset in the file
    line: int
    end_line: int
    comments: tuple[str, ...] = ()  # comments right before the statement (ignore directives live here)
    error: str = ""  # set when the lexer could not read this part of the file


def split_statements(text: str) -> list[Chunk]:
    try:
        tokens = scan(text)
    except ParseError as exc:
        return _split_until_error(text, exc)
    return _chunks(text, tokens, 0)


def _chunks(text: str, tokens, offset: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    comments: list[str] = []
    first = last = None
    for token in tokens:
        name = token.name
        if name in COMMENT_TOKENS:
            if first is None:
                comments.append(text[offset + token.start : offset + token.end + 1])
            continue
        if name == SEMICOLON:
            if first is not None:
                chunks.append(_chunk(text, offset + first, offset + last + 1, comments))
            first = last = None
            comments = []
            continue
        if first is None:
            first = token.start
        last = token.end
    if first is not None:
        chunks.append(_chunk(text, offset + first, offset + last + 1, comments))
    return chunks


def _chunk(text: str, start: int, end: int, comments: list[str], error: str = "") -> Chunk:
    line = text.count("\n", 0, start) + 1
    return Chunk(text[start:end], start, line, line + text.count("\n", start, end), tuple(comments), error)


def _split_until_error(text: str, exc: ParseError) -> list[Chunk]:
    """Keep the statements before the lexer error; the rest is one chunk that carries the error."""
    # pglast puts the offset in args[1] (scanner) or in the message ("at index N", parser).
    position = exc.args[1] if len(exc.args) > 1 else None
    if not isinstance(position, int) or not 0 <= position < len(text):
        match = ERROR_INDEX.search(str(exc))
        position = int(match.group(1)) if match else 0
    cut = text.rfind(";", 0, position) + 1
    head = split_statements(text[:cut]) if cut else []
    rest = text[cut:]
    stripped = rest.lstrip()
    if not stripped:
        return head
    start = cut + (len(rest) - len(stripped))
    return head + [_chunk(text, start, len(text.rstrip()), [], f"cannot tokenize: {exc}")]
