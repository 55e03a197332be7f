"""Migration formats: every way a team writes a migration, read into the same operations.

A format is one module with a module-level `FORMAT` object that implements `MigrationFormat`
(impact.formats.base). `FORMATS` is the registry, in the order formats claim a file: framework
formats first, plain SQL last (it takes any .sql file). Adding a format is one module and one line
here.
"""
from __future__ import annotations

from pathlib import Path

from impact.config import Config
from impact.errors import InputError
from impact.formats.base import EarlierMigration, LocatedMigration, MigrationFormat, ReadMigration
from impact.formats import alembic, sql, ts_classes

FORMATS: tuple[MigrationFormat, ...] = (alembic.FORMAT, ts_classes.FORMAT, sql.FORMAT)

__all__ = ["FORMATS", "active_formats", "EarlierMigration", "LocatedMigration", "MigrationFormat", "ReadMigration", "format_named",
           "all_migrations", "read_migration"]


def format_named(name: str) -> MigrationFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise InputError(f"unknown migration format {name!r}", f"use one of {', '.join(f.name for f in FORMATS)}")


def active_formats(config: Config) -> tuple[MigrationFormat, ...]:
    """The formats the configuration allows (`formats = [...]`), all of them by default."""
    return tuple(f for f in FORMATS if not config.formats or f.name in config.formats)


def all_migrations(repo: Path, config: Config) -> list[Path]:
    """Every migration file of every active format: history, never code evidence."""
    seen: dict[Path, None] = {}
    for fmt in active_formats(config):
        for path in fmt.all_migrations(repo, config):
            seen.setdefault(path.resolve(), None)
    return list(seen)


def read_migration(migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
    return format_named(migration.format).read(migration, repo, dialect)
