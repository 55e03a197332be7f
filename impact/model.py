"""The data every stage passes to the next: queries, references, operations, findings."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


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

    def names_column(self, column: str) -> bool:
        """The query names `column` of its table explicitly (ambiguous names not counted)."""
        return column in self.columns or column in self.filter_columns


@dataclass(frozen=True)
class ColumnReference:
    """An identifier, property key or string literal in code naming a column the migration changes."""

    file: str
    line: int
    column: str
    table: str | None  # when it can be told (inside a query on that table)
    context: str  # "string" | "property" | "identifier" | "sql"
    generated: bool = False  # found in a generated file (e.g. supabase types.ts)
    snippet: str = ""


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
