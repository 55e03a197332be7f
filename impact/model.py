"""The data every stage passes to the next: queries, references, operations, findings."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from impact.op_details import Details, Reverse

T = TypeVar("T")


class Confidence(str, Enum):
    """How sure we are that a thing is really there (bandit's sense of the word)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)

    @staticmethod
    def lowest(*values: "Confidence") -> "Confidence":
        return min(values, key=lambda c: c.rank)

    @staticmethod
    def highest(*values: "Confidence") -> "Confidence":
        return max(values, key=lambda c: c.rank)


class QueryKind(str, Enum):
    SELECT_COLUMNS = "select_columns"
    SELECT_STAR = "select_star"
    INSERT = "insert"
    UPDATE = "update"
    UPSERT = "upsert"
    DELETE = "delete"


@dataclass(frozen=True)
class Query:
    """One query on one table found in application code.

    A statement touching several tables (a join, an INSERT ... SELECT) yields one Query per table.
    `columns` are the columns the query names explicitly for its kind: the SELECT list, the INSERT
    column list or payload keys, the UPDATE SET targets. `filter_columns` are the other columns of
    this table it reads (WHERE, ORDER BY, ON CONFLICT, RETURNING, joins).

    ORM queries (issue 8 §5): `columns` and `filter_columns` are what the SQL the ORM generates
    uses, so a whole-row read lists every column its model maps. `implicit_columns` are those of
    them no code on the line names (the ORM adds them: a whole-row read's or a create's other
    columns, the row a write returns, SQLAlchemy's client-side defaults). Decision: the implicit
    part is recorded rather than the named part, so that every query not built by an ORM (raw SQL,
    supabase chains) is right with the default `()`; what the code names is `columns` and
    `filter_columns` less `implicit_columns` (`named_columns()`). `note` is a sentence for people
    only: no code reads it; what code needs is a field (`model`, `method`, `model_file`).
    """

    file: str  # relative to the scanned repo, POSIX separators
    line: int  # 1-based line where the query starts
    end_line: int
    language: str  # python | typescript | javascript | sql
    extractor: str  # e.g. "python-sql", "supabase-js", "sql-file"
    kind: QueryKind
    table: str | None  # None: the table is given by a variable (unresolved)
    columns: tuple[str, ...] = ()
    filter_columns: tuple[str, ...] = ()
    # Unqualified columns of a multi-table query: this table's only if the schema says it has them.
    ambiguous_columns: tuple[str, ...] = ()
    confidence: Confidence = Confidence.MEDIUM
    schema: str | None = None
    # False for `INSERT INTO t VALUES (...)` without a column list, or an upsert/insert whose
    # payload keys could not be read (a variable): the written columns are unknown.
    columns_known: bool = True
    sql: str | None = None  # the SQL text (parsed strings) or its SQL equivalent (supabase chains)
    snippet: str = ""  # the source line, trimmed, for reports
    note: str = ""  # why the confidence is what it is, or what could not be resolved
    # ORM queries: the model as the code names it (Prisma accessor, class name) and its ORM; until
    # impact.orm.resolve maps them, `table` is None and the columns are field names.
    model: str | None = None
    orm: str | None = None
    all_columns: bool = False  # the ORM reads (or returns) every column the model declares
    method: str | None = None  # the ORM call deciding the query ("findMany", "filter", "create", "save")
    implicit_columns: tuple[str, ...] = ()  # of columns/filter_columns, those no code names (see above)
    # The file declaring the model, once resolved (None: not yet, or no ORM). While a Python model
    # lives in another file, the query waits for the project's models with `table=None`.
    model_file: str | None = None

    def names_column(self, column: str) -> bool:
        """The query names `column` of its table explicitly (ambiguous names not counted)."""
        return column in self.columns or column in self.filter_columns

    def named_columns(self) -> tuple[str, ...]:
        """The columns of its table the code writes on the line (its kind's, then its filters')."""
        implicit = set(self.implicit_columns)
        return tuple(c for c in dict.fromkeys(self.columns + self.filter_columns) if c not in implicit)


@dataclass(frozen=True)
class ColumnReference:
    """An identifier, property key or string literal in code naming a column the migration changes."""

    file: str
    line: int
    column: str
    table: str | None  # when it can be told (inside a query on that table)
    context: str  # "string" | "property" | "identifier" | "sql" | "declaration"
    generated: bool = False  # found in a generated file (e.g. supabase types.ts)
    snippet: str = ""
    inferred: bool = False  # table told by the file's own queries, not by the reference itself
    # How the table was told: "sql" (inside a query, or qualified by the table's name in an SQL
    # fragment: impact.extract.typescript.sql_fragments), "orm-call" (inside an ORM call on a model, or a
    # key of a drizzle-zod schema built from a table: impact.orm.drizzle_zod),
    # "orm-field" (a field name only one model maps to the column), "model-declaration" (the model
    # declaring it: schema.prisma, a Drizzle table, an entity class), "typed-receiver" (`x.field`
    # where `x` holds a row of a model: the model's table, evidence for it only -
    # impact.extract.python.typed_references, impact.orm.prisma_rows, impact.orm.prisma_checked_keys; a Drizzle table's variable or a
    # relation to it: impact.orm.table_receivers), "file-queries" (`inferred`, or a field name the
    # file's queries confirm), "orm-wrapper" (in a call to a function wrapping a query),
    # "trigger-row" (`NEW.x` in a trigger function on the table: impact.extract.trigger_rows), "model-class"
    # (a field named in a class bound to the model: a ModelForm, serializer: impact.extract.python.model_classes),
    # "generated-type" or "name-only" (no table: counted, never evidence); "model-type": code naming the
    # ORM model of a dropped or renamed table (`column` is then the model's name; impact.orm.model_types);
    # "model-row": code reading a row a Prisma query on such a table returned (impact.orm.prisma_rows);
    # "table-name": a Python string naming such a table (impact.orm.table_names); "orm-service": a key in the
    # options of a call on a service typed on a TypeORM entity (impact.orm.typeorm_services); "column-value": a
    # variable holding a dropped column's value (impact.orm.typeorm_drops); "model-self": `self.x` in a
    # Python model's own methods (impact.orm.python_self: evidence of a drop only).
    via: str = "name-only"
    spelling: str | None = None  # the name as the code spells it, when it is not the column's
    # A "model-declaration" that is a member of a TypeScript row type (a Kysely `DB` interface's, a
    # type bound by `knex<T>("t")`): it declares the column to the compiler only; no SQL is made
    # from it (`selectAll()` is `select *`), so it breaks no query (orm-model-declares-changed-column
    # is the ORMs' that do: row-type-declares-changed-column says to update it).
    type_only: bool = False
    # Where the name is only a local name or a value handed on (impact.extract.handed_on): "parameter",
    # "argument", "jsx", "local", "type", "input" (a request's input); None elsewhere. Not evidence through
    # a weak attribution (orm-field, file-queries); "fixture", "response": a test's data (impact.extract.handed_on_modules).
    # "schema" (a validation schema's field), "api" (a GraphQL document's or URL path's name): positions too.
    # "client", "package": in a "use client" module or a package with no database client, no evidence at all.
    handed_on: str | None = None


@dataclass(frozen=True)
class FileIssue:
    """A file the scan could not read or parse: reported, never silently dropped."""

    file: str
    reason: str


@dataclass
class Extraction:
    """What one file yields, independent of any migration (so it can be cached by content hash)."""

    queries: list[Query] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    generated: bool = False


class OpKind(str, Enum):
    """What a migration statement does, in Postgres's own verbs."""

    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    ALTER_COLUMN_TYPE = "alter_column_type"
    SET_NOT_NULL = "set_not_null"
    DROP_NOT_NULL = "drop_not_null"
    SET_DEFAULT = "set_default"
    DROP_DEFAULT = "drop_default"
    ADD_CONSTRAINT = "add_constraint"
    DROP_CONSTRAINT = "drop_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    REINDEX = "reindex"
    COMMENT = "comment"
    ENABLE_RLS = "enable_rls"
    DISABLE_RLS = "disable_rls"
    FORCE_RLS = "force_rls"
    NO_FORCE_RLS = "no_force_rls"
    CREATE_POLICY = "create_policy"
    ALTER_POLICY = "alter_policy"
    DROP_POLICY = "drop_policy"
    GRANT = "grant"
    REVOKE = "revoke"
    INSERT_ROWS = "insert_rows"
    UPDATE_ROWS = "update_rows"
    DELETE_ROWS = "delete_rows"
    TRUNCATE = "truncate"
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    SET_SETTING = "set_setting"
    CREATE_VIEW = "create_view"
    DROP_VIEW = "drop_view"
    CREATE_FUNCTION = "create_function"
    CREATE_TRIGGER = "create_trigger"
    CREATE_EXTENSION = "create_extension"
    CREATE_TYPE = "create_type"
    ALTER_ENUM_ADD_VALUE = "alter_enum_add_value"
    ALTER_TABLE_OTHER = "alter_table_other"  # understood, shape-neutral (SET STATISTICS, OWNER TO, ...)
    VACUUM_FULL = "vacuum_full"
    CLUSTER = "cluster"
    REFRESH_MATERIALIZED_VIEW = "refresh_materialized_view"
    ATTACH_PARTITION = "attach_partition"
    DETACH_PARTITION = "detach_partition"
    DO_BLOCK = "do_block"
    OTHER = "other"  # understood and harmless for application code (CREATE SCHEMA, ...)
    UNKNOWN = "unknown"  # nobody understood it: lowers confidence, named in the report


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a migration file."""

    index: int  # 1-based position in the file
    line: int  # 1-based first line
    end_line: int
    sql: str
    parser: str  # "sqlglot" | "pglast" | "none"
    error: str = ""  # why nobody understood it


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    data_type: str | None = None
    nullable: bool = True
    default: str | None = None
    default_volatile: bool = False
    generated: bool = False  # identity, serial or GENERATED ... STORED: values made per row
    references: str | None = None  # "table(column)" of an inline REFERENCES


@dataclass(frozen=True)
class Operation:
    """One change a statement makes. A statement may make several (ALTER TABLE a, b, c).

    What the kind alone does not say (an index's columns, a constraint's type, NOT VALID, ...) is
    `info`: a typed, frozen object per family of kinds (impact/op_details.py, which records the
    decision and which kind carries which), not a free-form dict, so a wrong field is an
    AttributeError rather than a silent None. `reverse` is a framework migration's own inverse.
    """

    kind: OpKind
    statement: Statement
    table: str | None = None
    schema: str | None = None
    column: ColumnSpec | None = None  # the column added, dropped, renamed or altered
    new_name: str | None = None  # renames; the new type for alter_column_type
    if_exists: bool = False  # IF [NOT] EXISTS given
    name: str | None = None  # index, constraint, policy, setting or object name
    info: Details | None = field(default=None, compare=False, hash=False)
    reverse: Reverse | None = field(default=None, compare=False, hash=False)

    def of(self, family: type[T]) -> T | None:
        """`info` if it is of that family (e.g. `op.of(IndexDetails)`), else None."""
        return self.info if isinstance(self.info, family) else None

    @property
    def column_name(self) -> str | None:
        return self.column.name if self.column else None

    @property
    def target(self) -> str:
        """`table.column` or `table` (with a non-public schema), for messages."""
        table = f"{self.schema}.{self.table}" if self.schema and self.schema != "public" else (self.table or "?")
        return f"{table}.{self.column.name}" if self.column else table
