"""What every migration format provides: where its migrations are, which one a reference names,
and how a migration (with the ones before it) reads into operations."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from impact.config import Config
from impact.sql.parsed import ParsedMigration


@dataclass(frozen=True)
class LocatedMigration:
    path: Path
    folder: Path | None  # the migration folder it belongs to (None: outside every known folder)
    earlier: tuple[Path, ...]  # migrations that run before it, in order (the schema to replay)
    format: str = "sql"  # the name of the MigrationFormat that reads it


@dataclass(frozen=True)
class EarlierMigration:
    display: str  # repo-relative path, for messages and the catalog's file:line
    parsed: ParsedMigration


@dataclass(frozen=True)
class ReadMigration:
    """A migration read into the operations its database statements make.

    For SQL files the statements are the file's own; for a framework's migration (Django, Alembic,
    a TypeORM class) they are the SQL the framework would run, each pointing at the line of the
    operation that produces it, so findings and ignores still land on the user's file.
    """

    parsed: ParsedMigration
    earlier: tuple[EarlierMigration, ...] = ()
    notes: tuple[str, ...] = ()  # what the reader wants the report to say (e.g. a RunPython of unknown effect)
    transactional: bool = True  # False: the runner does not wrap it in a transaction (Django atomic = False)
    extra: dict = field(default_factory=dict, compare=False)  # format-specific facts for later stages


class MigrationFormat(Protocol):
    """One module per format; FORMATS in impact.formats lists them."""

    name: str

    def all_migrations(self, repo: Path, config: Config) -> list[Path]:
        """Every migration file of this format in the repo (never code evidence; `--changed` picks from these)."""

    def candidates(self, repo: Path, ref: str, config: Config) -> list[LocatedMigration]:
        """The migrations a `--migration REF` that is not an existing path may name."""

    def claim(self, path: Path, repo: Path, config: Config) -> LocatedMigration | None:
        """This file, located, if it is a migration of this format."""

    def read(self, migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
        """The migration and the ones before it, as operations (raise InputError when unreadable)."""
