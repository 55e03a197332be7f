"""What an operation says beyond its kind, table, column and name: one frozen dataclass per family
of operation kinds, held by `Operation.info`.

Decision (issue 10): these replace the free-form `Operation.details` dict. A consumer narrows with
`op.of(IndexDetails)` (None for an operation of another family) or reads `op.info` after checking
the kind; a misspelt or misplaced field is then an AttributeError (and a type error for mypy)
instead of a silent `.get()` None. Which producer fills which family:

  kinds                                              family            filled by
  CREATE_INDEX                                       IndexDetails      sql/operations, sql/pg_operations
  ADD_CONSTRAINT (also inline UNIQUE/PRIMARY KEY)    ConstraintDetails sql/operations, sql/pg_operations
  DROP_COLUMN, DROP_CONSTRAINT, TRUNCATE             DropDetails       sql/operations, pg_operations, statement_kinds
  DROP_TABLE, DROP_VIEW, DROP_INDEX                  DropObjectDetails sql/operations, sql/pg_operations
  ALTER_COLUMN_TYPE                                  TypeChange        sql/*, judge/context (binary_coercible)
  ALTER_TABLE_OTHER                                  AlterAction       sql/pg_operations
  CREATE_POLICY, ALTER_POLICY                        PolicyDetails     sql/pg_operations
  REINDEX                                            ReindexDetails    sql/pg_operations
  ALTER_ENUM_ADD_VALUE (and RENAME VALUE as OTHER)   EnumValueDetails  sql/pg_operations
  CREATE_TABLE                                       TableDetails      sql/operations, sql/pg_operations
  GRANT, REVOKE                                      GrantDetails      sql/operations, sql/pg_operations
  COMMENT                                            CommentDetails    sql/operations, sql/statement_kinds
  SET_SETTING                                        SettingDetails    sql/operations, sql/statement_kinds
  INSERT_ROWS, UPDATE_ROWS, DELETE_ROWS              DataChange        sql/operations, sql/statement_kinds
  CREATE VIEW/FUNCTION/TRIGGER/TYPE/SCHEMA (sqlglot) CreateDetails     sql/operations
  OTHER, VACUUM_FULL, BEGIN/COMMIT/ROLLBACK (pglast) StatementDetails  sql/pg_operations, sql/statement_kinds
  UNKNOWN too deep to analyse                        NotAnalysed       sql/parse
Any other operation has `info = None`. A Django RunSQL's reverse_sql is not a detail of one kind:
it is `Operation.reverse` (a `Reverse`), filled by formats/django/reader.

The JSON report prints `info` (and `reverse`) as the `details` object of schema_version 2 with the
keys the dict had: `as_json` emits every field, except fields marked `OMIT` whose value is their
default (the dict set them only sometimes, e.g. `statement_kind` from the PostgreSQL parser alone).
Lists are tuples here, so the objects are hashable and cannot be changed in place. Keys added to
the JSON by typing (adding is not breaking): `expression` (null) on constraints sqlglot read,
`cascade` on DROP CONSTRAINT the PostgreSQL parser read.

Known limit: the two parsers still fill some fields differently for the same statement — a
foreign key's `references` is "u (id)" from sqlglot and "u" from PostgreSQL's parser; SQL text
(USING, index expressions, column types) keeps each parser's spelling; `statement_kind` comes from
PostgreSQL's parser only. Consumers read `references` up to "(" and compare types lower-cased
(tests/test_op_details.py, xfail).
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from impact.model import ColumnSpec

OMIT = {"omit_default": True}  # field metadata: left out of the JSON while it holds its default


def _omitted(default=None):
    return field(default=default, metadata=OMIT)


@dataclass(frozen=True)
class IndexDetails:
    unique: bool = False
    concurrently: bool = False
    columns: tuple[str, ...] = ()  # column names, or expressions as SQL
    where: str | None = None  # a partial index's predicate


@dataclass(frozen=True)
class ConstraintDetails:
    type: str  # foreign_key | check | unique | primary_key | exclude | not_null | (pglast's name)
    not_valid: bool = False
    using_index: bool = False
    columns: tuple[str, ...] = ()  # the key columns; () for a CHECK
    expression: str | None = None  # a CHECK's expression, as SQL
    references: str | None = _omitted()  # a foreign key's referenced table
    inline: bool = _omitted(False)  # written in ADD COLUMN (`c text UNIQUE`)


@dataclass(frozen=True)
class DropDetails:
    cascade: bool = False
    statement_kind: str | None = _omitted()


@dataclass(frozen=True)
class DropObjectDetails:
    cascade: bool = False
    concurrently: bool = False


@dataclass(frozen=True)
class TypeChange:
    using: str | None = None
    # Set by impact.judge.context against the schema before it (None: not judged yet).
    binary_coercible: bool | None = _omitted()


@dataclass(frozen=True)
class AlterAction:
    action: str  # pglast's AlterTableType without the AT_ prefix, e.g. "SetStatistics"
    rewrite: bool = _omitted(False)  # ADD IDENTITY, SET EXPRESSION: every row is rewritten


@dataclass(frozen=True)
class PolicyDetails:
    command: str | None = None  # "select", "insert", ...; None: ALL (or not said by ALTER POLICY)
    roles: tuple[str, ...] = ()  # role names, or ROLESPEC_PUBLIC / ROLESPEC_CURRENT_USER ...
    using: str | None = None
    with_check: str | None = None
    permissive: bool = True


@dataclass(frozen=True)
class ReindexDetails:
    concurrently: bool = False
    outside_transaction: bool = False  # REINDEX SCHEMA/DATABASE


@dataclass(frozen=True)
class EnumValueDetails:
    value: str | None = None
    before_after: bool = False  # BEFORE/AFTER an existing value
    type: str = ""


@dataclass(frozen=True)
class TableDetails:
    columns: tuple[ColumnSpec, ...] = ()
    # (name, constraint) written in the CREATE TABLE, named as PostgreSQL names them (pglast only;
    # sqlglot's fallback reader leaves it empty).
    constraints: tuple[tuple[str, "ConstraintDetails"], ...] = _omitted(())


@dataclass(frozen=True)
class GrantDetails:
    privileges: tuple[str, ...] = ()  # upper case; ("ALL",) when none is named
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommentDetails:
    on: str  # "column" | "table" | the object type, lower case
    text: str | None = None
    statement_kind: str | None = _omitted()


@dataclass(frozen=True)
class SettingDetails:
    value: str | None = None
    local: bool | None = _omitted()  # SET LOCAL (known from the PostgreSQL parser only)
    statement_kind: str | None = _omitted()


@dataclass(frozen=True)
class DataChange:
    has_where: bool = False
    statement_kind: str | None = _omitted()
    statement: str | None = _omitted()  # "COPY FROM"
    columns: tuple[str, ...] = _omitted(())  # an UPDATE's SET targets


@dataclass(frozen=True)
class CreateDetails:
    replace: bool = False  # CREATE OR REPLACE


@dataclass(frozen=True)
class StatementDetails:
    """A statement named rather than modelled (impact/sql/statement_kinds.py), with the lock it
    takes on its table when one is documented (read by impact/judge/locks.py)."""

    statement: str | None = None  # how a report names it
    statement_kind: str | None = _omitted()  # the parse node's name, e.g. "LockStmt"
    lock: str | None = _omitted()
    blocks: str | None = _omitted()
    work: str | None = _omitted()
    outside_transaction: bool = _omitted(False)  # PostgreSQL refuses it in a transaction block


@dataclass(frozen=True)
class NotAnalysed:
    """Nested too deep for the parsers: unlike a syntax error it never makes the migration unusable."""

    not_analysed: bool = True


@dataclass(frozen=True)
class Reverse:
    """A framework migration's own inverse (Django's RunSQL reverse_sql): the first statement of
    the RunSQL carries it, the others name that statement."""

    reverse_sql: str | None = _omitted()  # "" when the RunSQL has none
    undone_by: int | None = _omitted()


Details = Union[IndexDetails, ConstraintDetails, DropDetails, DropObjectDetails, TypeChange, AlterAction,
                PolicyDetails, ReindexDetails, EnumValueDetails, TableDetails, GrantDetails, CommentDetails,
                SettingDetails, DataChange, CreateDetails, StatementDetails, NotAnalysed]


def as_json(*objects) -> dict:
    """The `details` object of the JSON report: the fields of each object given (None skipped)."""
    out: dict = {}
    for obj in objects:
        if obj is None:
            continue
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.metadata.get("omit_default") and f.default is not MISSING and value == f.default:
                continue
            out[f.name] = _plain(value)
    return out


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
