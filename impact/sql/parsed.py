"""ParsedMigration: what parse_migration (impact.sql.parse) returns, importable without the parsers.

It lives apart from the parsing code so that a cached parse (impact/migration_cache.py) is loaded,
and every stage that only reads operations is imported, without importing sqlglot or pglast
(~0.2 s of a warm scan, issue 13)."""
from __future__ import annotations

from dataclasses import dataclass

from impact.model import Operation, OpKind, Statement
from impact.sql.split import Skipped


@dataclass(frozen=True)
class ParsedMigration:
    statements: tuple[Statement, ...]
    operations: tuple[Operation, ...]
    comments: dict[int, tuple[str, ...]]  # statement index -> comments written right before it
    notices: tuple[Skipped, ...] = ()  # psql meta-commands and COPY data, set aside

    @property
    def unknown(self) -> list[Operation]:
        return [op for op in self.operations if op.kind is OpKind.UNKNOWN]
