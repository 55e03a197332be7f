"""A framework migration's operations as pieces of SQL, each tied to the lines of the source
call that makes it, and the ParsedMigration they become (shared by the Alembic and TS readers).

A piece's SQL is parsed by impact.sql.parse like any SQL migration; its Statements are then
moved to the piece's lines, so findings, ignores and reports point at the user's .py/.ts file.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from impact.model import Operation, OpKind, Statement
from impact.op_details import DataChange
from impact.sql.parsed import ParsedMigration


@dataclass
class Piece:
    sql: str  # the SQL, or the Python source when error is set or kind is given
    line: int
    end_line: int
    error: str = ""
    kind: str = ""  # an OpKind value for a SQLAlchemy Core data change (`t.update()...`) on `table`
    table: str = ""
    concurrently: bool = False
    outside_transaction: bool = False
    where: bool = False  # a data change (kind) that filters its rows: `.where(...)` in a knex/Kysely chain



def _comments_for(piece: Piece, comments_at: dict[int, str]) -> tuple[str, ...]:
    """The comment lines right above the source statement, and those on its own lines."""
    above, line = [], piece.line - 1
    while line in comments_at:
        above.insert(0, comments_at[line])
        line -= 1
    inline = [comments_at[n] for n in range(piece.line, piece.end_line + 1) if n in comments_at]
    return tuple(above + inline)


def build_parsed(pieces: list[Piece], comments_at: dict[int, str], dialect: str, parser: str = "alembic",
                 sql_only: bool = False) -> ParsedMigration:
    """`sql_only`: leave out the pieces that are not SQL (unknown Python/TS, Core data changes),
    for an earlier migration, whose statements the shadow database replays as SQL."""
    statements: list[Statement] = []
    operations: list[Operation] = []
    comments: dict[int, tuple[str, ...]] = {}
    for piece in pieces:
        if sql_only and (piece.error or piece.kind):
            continue
        above = _comments_for(piece, comments_at)
        if piece.error:
            st = Statement(len(statements) + 1, piece.line, piece.end_line, piece.sql, "none", piece.error)
            statements.append(st)
            operations.append(Operation(OpKind.UNKNOWN, statement=st))
            comments[st.index] = above
            continue
        if piece.kind:  # a SQLAlchemy Core data change: its kind and table are known, not its SQL
            st = Statement(len(statements) + 1, piece.line, piece.end_line, piece.sql, parser)
            statements.append(st)
            info = DataChange(has_where=True) if piece.where else None
            operations.append(Operation(OpKind(piece.kind), statement=st, table=piece.table, info=info))
            comments[st.index] = above
            continue
        from impact.sql.parse import parse_migration  # the parsers load only when a framework migration is read

        parsed = parse_migration(piece.sql, dialect)
        moved: dict[int, Statement] = {}
        for st in parsed.statements:
            new = replace(st, index=len(statements) + 1, line=piece.line, end_line=piece.end_line)
            moved[st.index] = new
            statements.append(new)
            comments[new.index] = above + parsed.comments.get(st.index, ())
        operations.extend(replace(op, statement=moved[op.statement.index]) for op in parsed.operations)
    return ParsedMigration(tuple(statements), tuple(operations), comments)
