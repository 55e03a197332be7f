"""Raw SQL in TS/JS string and template literals -> Query records.

Any literal (or `'...' + x + '...'` concatenation) that looks like SQL and parses is a query.
Its confidence says whether it is handed to a known database API ("sink"):

    pool.query("SELECT ...")        client.query / pool.query (pg), db.raw / knex.raw (knex)
    sql`SELECT ...`                 postgres.js, drizzle, kysely, slonik, Prisma.sql
    prisma.$queryRaw`SELECT ...`    $queryRaw, $executeRaw, $queryRawUnsafe("...")

HIGH at a sink, MEDIUM elsewhere; `${...}` holes become placeholders (queries_from_sql lowers the
confidence of SQL built with holes).
"""
from __future__ import annotations

import re

from impact.extract.typescript.scan import Scanned, StringLiteral
from impact.model import Confidence, Query
from impact.sql.queries import HOLE, looks_like_sql, queries_from_sql

EXTRACTOR = "ts-sql"
_TYPE_ARGS = r"(?:<[^<>;]{0,100}>)?"
# What comes right before a tagged template: sql`...`, sql.unsafe`...`, prisma.$queryRaw`...`
TAG_SINK = re.compile(
    r"(?:(?<![\w$])(?:sql|SQL)(?:\s*\.\s*(?:unsafe|fragment|type|typeAlias)(?:\s*\([^()]*\))?)?"
    r"|\$(?:query|execute)Raw(?:Unsafe)?|(?<![\w$])Prisma\s*\.\s*sql|(?<![\w$])raw)"
    + _TYPE_ARGS + r"\s*$"
)
# What comes right before a literal passed as the first argument of a query call.
_CALL_SINK = re.compile(
    r"(?:\.\s*(?:query|execute|unsafe|raw|prepare|exec|run|all|many|one|any|none|oneOrNone|"
    r"manyOrNone|maybeOne|maybeOneFirst|oneFirst|manyFirst|exists|sql)"
    r"|\$(?:query|execute)Raw(?:Unsafe)?)"
    + _TYPE_ARGS + r"\s*\(\s*$"
)
_SINK_WINDOW = 160
_PLUS = re.compile(r"\s*\+\s*")
# A simple operand between two concatenated literals: `table`, `this.name`, `ident(x)`.
_OPERAND = re.compile(r"[A-Za-z_$][\w$.]*(?:\([^()]{0,200}\))?")
_LEADING_KEYWORD = re.compile(r"\s*\(?\s*([A-Za-z]+)")


class _Concatenation:
    """One SQL candidate: a literal, or literals joined with `+` (non-literal operands = holes)."""

    def __init__(self, first: StringLiteral) -> None:
        self.literals = [first]
        self.parts: list[str] = []
        self.holes = 0
        self._append_literal(first)

    def _hole(self, _index: int = 0) -> str:
        name = f"{HOLE}_{self.holes}"
        self.holes += 1
        return name

    def _append_literal(self, literal: StringLiteral) -> None:
        self.parts.append(literal.value(self._hole))

    def extend(self, literal: StringLiteral, operand_between: bool) -> None:
        if operand_between:
            self.parts.append(self._hole())
        self.literals.append(literal)
        self._append_literal(literal)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def extract_sql(scanned: Scanned, file: str, language: str) -> list[Query]:
    queries: list[Query] = []
    consumed: set[int] = set()
    for start in sorted(scanned.literals):
        if start in consumed:
            continue
        candidate = _concatenation(scanned, scanned.literals[start])
        consumed.update(literal.start for literal in candidate.literals)
        queries.extend(_queries(scanned, candidate, file, language))
    return queries


def _concatenation(scanned: Scanned, first: StringLiteral) -> _Concatenation:
    candidate = _Concatenation(first)
    pos = first.end
    while True:
        plus = _PLUS.match(scanned.masked, pos)
        if plus is None:
            return candidate
        literal = scanned.literal_at(plus.end())
        operand_between = False
        if literal is None:
            operand = _OPERAND.match(scanned.masked, plus.end())
            second_plus = _PLUS.match(scanned.masked, operand.end()) if operand else None
            literal = scanned.literal_at(second_plus.end()) if second_plus else None
            operand_between = True
        if literal is None or not literal.terminated:
            return candidate
        candidate.extend(literal, operand_between)
        pos = literal.end


def _queries(scanned: Scanned, candidate: _Concatenation, file: str, language: str) -> list[Query]:
    first = candidate.literals[0]
    if not first.terminated:
        return []
    text = candidate.text
    if not looks_like_sql(text):
        return []
    at_sink = _at_sink(scanned, first)
    if not at_sink and not _keyword_case_is_sql(text):
        return []
    sql = text.strip()  # packed `$1,$2` parameters are handled by impact.sql.queries
    start = _first_visible(scanned, first)
    line = scanned.line_of(start)
    return queries_from_sql(
        sql,
        file=file,
        line=line,
        end_line=scanned.line_of(candidate.literals[-1].end - 1),
        language=language,
        extractor=EXTRACTOR,
        confidence=Confidence.HIGH if at_sink else Confidence.MEDIUM,
        snippet=scanned.snippet(start),
        note="" if at_sink else "SQL-looking string not passed to a known database call",
    )


def _at_sink(scanned: Scanned, literal: StringLiteral) -> bool:
    window_start = max(0, literal.start - _SINK_WINDOW)
    if literal.quote == "`" and TAG_SINK.search(scanned.masked, window_start, literal.start):
        return True
    return bool(_CALL_SINK.search(scanned.masked, window_start, literal.start))


def _keyword_case_is_sql(text: str) -> bool:
    """`SELECT` or `select`, not `Select`: UI prose ("Select a chat from the list") is not SQL."""
    match = _LEADING_KEYWORD.match(text)
    keyword = match.group(1) if match else ""
    return keyword.isupper() or keyword.islower()


def _first_visible(scanned: Scanned, literal: StringLiteral) -> int:
    """Offset of the first non-blank character of the literal's body (where the SQL starts)."""
    pos = literal.body_start
    while pos < literal.end - 1 and scanned.text[pos].isspace():
        pos += 1
    return pos
