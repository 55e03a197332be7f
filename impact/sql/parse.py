"""Migration text -> Statements and Operations. Nothing is skipped: what nobody understood
becomes an `unknown` operation that the report names and that lowers the confidence.

Parsing must not take the scan down on hostile input: a statement nested too deep for the parsers
(guard.py) or whose parse tree recurses too deep in Python becomes an `unknown` operation marked
a NotAnalysed info, which — unlike a syntax error — never makes the migration unusable.
psql input that is not SQL (meta-commands, COPY data) is set aside as `notices`."""
from __future__ import annotations

import logging
from dataclasses import replace

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from impact.model import Operation, OpKind, Statement
from impact.op_details import NotAnalysed, TableDetails
from impact.sql.operations import from_sqlglot
from impact.errors import bounded_line
from impact.sql.guard import too_complex
from impact.sql.parsed import ParsedMigration
from impact.sql.pg_operations import from_pglast
from impact.sql.split import Chunk, split_migration

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
SQLGLOT_MAX_CHARS = 100_000


def parse_migration(text: str, dialect: str = "postgres") -> ParsedMigration:
    statements, operations, comments = [], [], {}
    chunks, skipped = split_migration(text)
    for index, chunk in enumerate(chunks, start=1):
        try:
            ops = _parse_chunk(index, chunk, dialect)
        except RecursionError:  # a parse tree too deep for our own walk over it (deparse, ...)
            ops = []
            error = "nested too deep to analyse"
        else:
            error = "statement not understood"
        if not ops:  # e.g. a bare `SET`: nothing to report as understood
            ops = [_not_analysed(index, chunk, error) if error != "statement not understood"
                   else Operation(OpKind.UNKNOWN, statement=_statement(index, chunk, "none", error))]
        statements.append(ops[0].statement)
        operations.extend(ops)
        comments[index] = chunk.comments
    return ParsedMigration(tuple(statements), tuple(operations), comments, tuple(skipped))


def parse_statement(sql: str, index: int, line: int, end_line: int, dialect: str = "postgres") -> list[Operation]:
    """The operations of one statement of a file (a DO block's inner SQL: impact.sql.do_blocks)."""
    chunk = Chunk(sql, 0, line, end_line)
    return _parse_chunk(index, chunk, dialect) or [Operation(OpKind.UNKNOWN, statement=_statement(index, chunk, "none", "statement not understood"))]


def _statement(index: int, chunk: Chunk, parser: str, error: str = "") -> Statement:
    # Parser messages quote the input (an unclosed /* quotes the rest of the file): one bounded line.
    return Statement(index, chunk.line, chunk.end_line, chunk.sql, parser, bounded_line(error, 300) if error else "")


def _not_analysed(index: int, chunk: Chunk, reason: str) -> Operation:
    return Operation(OpKind.UNKNOWN, statement=_statement(index, chunk, "none", reason), info=NotAnalysed())


def _parse_chunk(index: int, chunk: Chunk, dialect: str) -> list[Operation]:
    if chunk.error:
        st = _statement(index, chunk, "none", chunk.error)
        return [Operation(OpKind.UNKNOWN, statement=st)]
    reason = too_complex(chunk.sql)
    if reason:
        return [_not_analysed(index, chunk, reason)]
    if dialect == "postgres" and len(chunk.sql) > SQLGLOT_MAX_CHARS:
        # sqlglot takes ~10 s over a 30,000-row INSERT (600 KB): PostgreSQL's parser alone, in C.
        glot_ops, glot_error = None, "too long for sqlglot"
    else:
        glot_ops, glot_error = _try_sqlglot(index, chunk, dialect)
    if dialect != "postgres":
        if glot_ops is not None:
            return glot_ops
        return [Operation(OpKind.UNKNOWN, statement=_statement(index, chunk, "none", glot_error))]
    pg_ops, pg_error = _try_pglast(index, chunk)
    if glot_ops is not None and (pg_ops is None or _signature(glot_ops) == _signature(pg_ops)):
        return _with_table_constraints(glot_ops, pg_ops) if pg_ops else glot_ops
    if pg_ops is not None:
        return pg_ops  # the real PostgreSQL grammar wins any disagreement
    error = pg_error or glot_error or "statement not understood"
    return [Operation(OpKind.UNKNOWN, statement=_statement(index, chunk, "none", error))]


def _try_sqlglot(index: int, chunk: Chunk, dialect: str) -> tuple[list[Operation] | None, str]:
    try:
        node = sqlglot.parse_one(chunk.sql, read=dialect)
    except SqlglotError as exc:
        return None, _first_line(str(exc))
    except Exception as exc:  # sqlglot raises plain errors on some malformed input, RecursionError on deep input
        return None, _first_line(f"{type(exc).__name__}: {exc}")
    if node is None or isinstance(node, exp.Command):
        return None, "sqlglot read it only as an opaque command"
    try:
        return from_sqlglot(node, _statement(index, chunk, "sqlglot")) or None, "sqlglot does not model this statement"
    except (AttributeError, KeyError, TypeError, IndexError, ValueError, RecursionError) as exc:
        # An unexpected node shape: let the PostgreSQL parser have it rather than crash the scan.
        return None, f"unexpected sqlglot node shape ({type(exc).__name__})"


def _try_pglast(index: int, chunk: Chunk) -> tuple[list[Operation] | None, str]:
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        raw = parse_sql(chunk.sql)
    except ParseError as exc:
        return None, f"PostgreSQL syntax error: {exc}"
    if len(raw) != 1:
        return None, "expected one statement"
    try:
        ops = from_pglast(raw[0].stmt, _statement(index, chunk, "pglast")) or None
    except RecursionError:
        raise  # parse_migration reports the statement as not analysed
    except (AttributeError, KeyError, TypeError, IndexError, ValueError) as exc:
        return None, f"unexpected parse tree shape for {type(raw[0].stmt).__name__} ({type(exc).__name__})"
    return ops, "" if ops is not None else f"{type(raw[0].stmt).__name__} is not modelled"


def _with_table_constraints(glot_ops: list[Operation], pg_ops: list[Operation]) -> list[Operation]:
    """sqlglot's CREATE TABLE with the constraints PostgreSQL's grammar read in it, under the names
    PostgreSQL gives them (only pg_operations names them): the catalog and the rollback plan need them."""
    named = {(op.table or "").lower(): op.info.constraints for op in pg_ops
             if op.kind is OpKind.CREATE_TABLE and isinstance(op.info, TableDetails) and op.info.constraints}
    if not named:
        return glot_ops
    return [replace(op, info=replace(op.info, constraints=named[(op.table or "").lower()]))
            if op.kind is OpKind.CREATE_TABLE and isinstance(op.info, TableDetails) and (op.table or "").lower() in named else op
            for op in glot_ops]


def _signature(ops: list[Operation]) -> list[tuple]:
    """What both parsers must agree on: the kinds of change, and on which table and column."""
    return sorted((op.kind.value, (op.table or "").lower(), (op.column_name or "").lower()) for op in ops)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "parse error"
