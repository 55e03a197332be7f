"""Squawk-parity predicates: type-, text- and transaction-level checks for the style and safety
rules ported from squawk. Text checks read the statement through PostgreSQL's own lexer (pglast.scan), so words inside
comments, string literals and dollar-quoted bodies never count.
"""
from __future__ import annotations

import re


from impact.judge.context import OpContext
from impact.judge.predicates import op_predicate
from impact.model import OpKind
from impact.op_details import SettingDetails, TableDetails
from impact.sql.facts import tokens as sql_tokens

_CHAR_TYPE = re.compile(r"(char|character|bpchar|nchar|national char|national character)(\(\d+\))?")
_VARCHAR_N = re.compile(r"(varchar|character varying|char varying)\(\d+\)")
_TIMESTAMP = re.compile(r"timestamp(\(\d+\))?( without time zone)?")
_INT4_TYPE = re.compile(r"int|integer|int4|serial|serial4")
_SERIAL_TYPE = re.compile(r"smallserial|serial2|serial|serial4|bigserial|serial8")
MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL truncates longer names silently


def _table_columns(op) -> tuple:
    table = op.of(TableDetails)
    return table.columns if table else ()


def _declared_types(ctx: OpContext) -> list[str]:
    """The column types this operation declares, normalised: lower case, no schema, no [] suffix.

    CREATE TABLE lists its columns in its TableDetails; ADD COLUMN has op.column; ALTER COLUMN
    TYPE keeps the new type in op.new_name.
    """
    op = ctx.op
    if op.kind is OpKind.CREATE_TABLE:
        raw = [c.data_type for c in _table_columns(op)]
    elif op.kind is OpKind.ALTER_COLUMN_TYPE:
        raw = [op.new_name]
    else:
        raw = [op.column.data_type if op.column else None]
    types = []
    for type_sql in raw:
        if not type_sql or type_sql.startswith('"'):  # "char" (quoted) is the 1-byte internal type
            continue
        text = re.sub(r"\s+", " ", type_sql.lower()).strip().removeprefix("pg_catalog.")
        text = re.sub(r"\s*\(\s*(\d+)\s*\)", r"(\1)", text)
        while text.endswith("[]"):
            text = text[:-2].rstrip()
        types.append(text)
    return types


def _declares(pattern: re.Pattern, ctx: OpContext) -> bool:
    """Some type the operation declares matches `pattern` in full."""
    return any(pattern.fullmatch(t) for t in _declared_types(ctx))


@op_predicate
def declares_char_with_length(ctx: OpContext) -> bool:
    """`"char"(n)`: the 1-byte internal type takes no length; PostgreSQL refuses the statement."""
    op = ctx.op
    raw = [c.data_type for c in _table_columns(op)] if op.kind is OpKind.CREATE_TABLE else [op.new_name if op.kind is OpKind.ALTER_COLUMN_TYPE else (op.column.data_type if op.column else None)]
    return any(t and re.fullmatch(r'(pg_catalog\.)?"char"\s*\(\s*\d+\s*\)(\[\])*', t.strip(), re.IGNORECASE) for t in raw)


@op_predicate
def declares_char_type(ctx: OpContext) -> bool:
    """A declared column type is char(n)/character/bpchar (blank-padded, fixed length)."""
    return _declares(_CHAR_TYPE, ctx)


@op_predicate
def declares_varchar_with_length(ctx: OpContext) -> bool:
    """A declared column type is varchar(n) / character varying(n) (a length limit in the type)."""
    return _declares(_VARCHAR_N, ctx)


@op_predicate
def declares_timestamp_without_time_zone(ctx: OpContext) -> bool:
    """A declared column type is timestamp [(p)] [without time zone] (not timestamptz)."""
    return _declares(_TIMESTAMP, ctx)


@op_predicate
def declares_32bit_integer(ctx: OpContext) -> bool:
    """A declared column type is int/integer/int4 or serial/serial4 (bigint is not flagged)."""
    return _declares(_INT4_TYPE, ctx)


@op_predicate
def declares_serial(ctx: OpContext) -> bool:
    """A declared column type is one of the serial pseudo-types (a sequence plus a DEFAULT)."""
    return _declares(_SERIAL_TYPE, ctx)


@op_predicate
def if_exists_given(ctx: OpContext) -> bool:
    """The statement says IF EXISTS / IF NOT EXISTS for this operation."""
    return ctx.op.if_exists


@op_predicate
def rerun_safe(ctx: OpContext) -> bool:
    """Running the statement again after a partial failure cannot fail on what it did the first
    time: it ran inside a transaction (explicit, or the runner's wrapping of the file) that the
    failure rolled back; or it creates a temporary table dropped at commit; or an index without a
    name (PostgreSQL picks a fresh one)."""
    txn = ctx.transaction
    if ctx.in_transaction or (txn is not None and getattr(txn, "kind", "") in ("runner", "explicit")):
        return True
    if ctx.op.kind is OpKind.ADD_CONSTRAINT:  # no IF NOT EXISTS exists: DROP CONSTRAINT IF EXISTS just before it is the idiom
        before = ctx.operations[ctx.index - 1] if ctx.index > 0 and ctx.operations else None
        return bool(before and before.kind is OpKind.DROP_CONSTRAINT and before.if_exists and before.name == ctx.op.name
                    and (before.table or "").lower() == (ctx.op.table or "").lower())
    words = _words(ctx)
    if ctx.op.kind is OpKind.CREATE_TABLE and ("TEMP" in words or "TEMPORARY" in words) and _has_sequence(words, "ON", "COMMIT", "DROP"):
        return True
    return ctx.op.kind is OpKind.CREATE_INDEX and not ctx.op.name


def _tokens(ctx: OpContext) -> tuple[tuple[str, str], ...]:
    """The lexer tokens of this operation's statement (see _sql_tokens)."""
    return _sql_tokens(ctx.op.statement.sql)


_sql_tokens = sql_tokens  # impact/sql/facts.py: lexed once, or taken from the cached parse


def _words(ctx: OpContext) -> list[str]:
    """The statement's token names in order: keywords upper-case, IDENT, SCONST, ASCII_40 ..."""
    return [name for name, _ in _tokens(ctx)]


def _has_sequence(words: list[str], *sequence: str) -> bool:
    """`sequence` occurs as consecutive tokens in `words` (e.g. NOT VALID)."""
    n = len(sequence)
    return any(tuple(words[i:i + n]) == sequence for i in range(len(words) - n + 1))


@op_predicate
def identifier_too_long(ctx: OpContext) -> bool:
    """The statement writes an identifier longer than 63 bytes, which PostgreSQL truncates.

    Read from the SQL text, not the parsed names: the PostgreSQL parser has already truncated
    them. Quoted identifiers count without their quotes ("" is one character).
    """
    for name, text in _tokens(ctx):
        if name != "IDENT":
            continue
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            text = text[1:-1].replace('""', '"')
        if len(text.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
            return True
    return False


@op_predicate
def drops_database(ctx: OpContext) -> bool:
    """DROP DATABASE (which neither parser models: it arrives as an unknown/other operation)."""
    return _words(ctx)[:2] == ["DROP", "DATABASE"]


@op_predicate
def says_concurrently(ctx: OpContext) -> bool:
    """The statement text has the CONCURRENTLY keyword (e.g. DETACH PARTITION ... CONCURRENTLY)."""
    return "CONCURRENTLY" in _words(ctx)


@op_predicate
def says_not_valid(ctx: OpContext) -> bool:
    """The statement text says NOT VALID (constraint added without checking existing data)."""
    return _has_sequence(_words(ctx), "NOT", "VALID")


@op_predicate
def alters_domain_add_constraint(ctx: OpContext) -> bool:
    """ALTER DOMAIN name ADD [CONSTRAINT c] CHECK (...) | NOT NULL."""
    words = _words(ctx)
    return words[:2] == ["ALTER", "DOMAIN"] and "ADD" in words


@op_predicate
def creates_domain_with_constraint(ctx: OpContext) -> bool:
    """CREATE DOMAIN with a CHECK or NOT NULL constraint (a plain type alias is not flagged)."""
    words = _words(ctx)
    return words[:2] == ["CREATE", "DOMAIN"] and ("CHECK" in words or _has_sequence(words, "NOT", "NULL"))


@op_predicate
def starts_transaction(ctx: OpContext) -> bool:
    """BEGIN (any form), or START TRANSACTION, which the parsers leave as an unknown statement."""
    return ctx.op.kind is OpKind.BEGIN or _words(ctx)[:2] == ["START", "TRANSACTION"]


@op_predicate
def misplaced_transaction_control(ctx: OpContext) -> bool:
    """BEGIN inside an open BEGIN, or COMMIT/ROLLBACK with none open."""
    if starts_transaction(ctx):
        return ctx.in_transaction
    return ctx.op.kind in (OpKind.COMMIT, OpKind.ROLLBACK) and not ctx.in_transaction


def nesting_message(ctx: OpContext) -> str:
    if starts_transaction(ctx):
        return "BEGIN while a transaction is already open: PostgreSQL ignores it, and the next COMMIT ends the outer transaction"
    word = "COMMIT" if ctx.op.kind is OpKind.COMMIT else "ROLLBACK"
    return (f"{word} with no BEGIN open: when the runner wraps the file it ends the runner's transaction here and the "
            f"statements after it run outside any transaction; otherwise PostgreSQL only warns")


@op_predicate
def stored_generated_values(ctx: OpContext) -> bool:
    """A new column whose values are computed and stored per row: serial, identity, or
    GENERATED ALWAYS AS (...) STORED. PostgreSQL 18's VIRTUAL generated columns (the default
    when STORED is omitted) store nothing and are not counted."""
    column = ctx.op.column
    if column is None or not column.generated:
        return False
    if column.data_type and _SERIAL_TYPE.fullmatch(column.data_type.lower()):
        return True
    words = _words(ctx)
    if "VIRTUAL" in words:
        return False
    return "STORED" in words or not _has_sequence(words, "GENERATED", "ALWAYS", "AS", "ASCII_40")


def _migration_operations(ctx: OpContext):
    """All operations of the migration, in order, or None when the context does not carry them.

    Needs `OpContext.operations` (set by build_contexts); until then the rules using it stay silent.
    """
    operations = getattr(ctx, "operations", None)
    return tuple(operations) if operations else None


@op_predicate
def statement_timeout_set(ctx: OpContext) -> bool:
    """SET [LOCAL] statement_timeout to a non-zero value ran earlier in the migration.

    Unknown (no operation list in the context) counts as set, so the advice is never a guess.
    """
    operations = _migration_operations(ctx)
    if operations is None:
        return True
    for op in operations[:ctx.index]:
        if op.kind is OpKind.SET_SETTING and op.name == "statement_timeout":
            setting = op.of(SettingDetails)
            value = str(setting.value if setting and setting.value is not None else "").strip().strip("'").lower()
            if value not in ("default", "") and not re.fullmatch(r"0+\s*(us|ms|s|min|h|d)?", value):
                return True  # 0 (in any unit) and DEFAULT leave statements unbounded
    return False


@op_predicate
def transaction_left_open(ctx: OpContext) -> bool:
    """This operation opens a transaction and nothing ends it later in the file (COMMIT/END,
    ROLLBACK/ABORT, PREPARE TRANSACTION).

    Unknown (no operation list in the context) counts as closed.
    """
    operations = _migration_operations(ctx)
    if operations is None or not starts_transaction(ctx):
        return False
    for op in operations[ctx.index + 1:]:
        words = [name for name, _ in _sql_tokens(op.statement.sql)[:2]]
        if op.kind in (OpKind.COMMIT, OpKind.ROLLBACK) or words[:1] == ["ABORT"] or words == ["PREPARE", "TRANSACTION"]:
            return False
    return True
