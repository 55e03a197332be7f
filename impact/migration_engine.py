"""The database an ORM says a migration folder is for, so a MySQL or SQLite migration is named as
such instead of failing as "PostgreSQL syntax error at or near "`"" (openstatus, Drizzle on Turso).

Both ORMs write it beside their migrations: Prisma's `migration_lock.toml` (`provider = "mysql"`)
in the migrations folder, Drizzle's `meta/_journal.json` (`"dialect": "sqlite"`) in its `out`
folder. Projects that ship one migration set per database name the folders after them (Flowise's
migrations/{postgres,mysql,mariadb,sqlite}, standardnotes' migrations/{mysql,sqlite}, jellyseerr's
migration/{postgres,sqlite}): a folder on the migration's path named exactly after another database
says so too. Nothing else is guessed from: otherwise the migration is read as PostgreSQL.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

POSTGRES = frozenset({"postgresql", "postgres", "pg", "cockroachdb"})  # CockroachDB speaks PostgreSQL's dialect
NAMES = {"mysql": "MySQL", "sqlite": "SQLite", "turso": "SQLite (Turso)", "sqlserver": "SQL Server", "mongodb": "MongoDB",
         "singlestore": "SingleStore", "gel": "Gel"}
_PROVIDER = re.compile(r'^\s*provider\s*=\s*"([^"]+)"', re.MULTILINE)


FOLDERS = {"mysql": "MySQL", "mariadb": "MariaDB", "sqlite": "SQLite", "sqlite3": "SQLite", "mssql": "SQL Server",
           "sqlserver": "SQL Server", "oracle": "Oracle", "clickhouse": "ClickHouse"}


def declared_engine(migration: Path, repo: Path) -> tuple[str, str] | None:
    """(engine, where it is declared) when the migration's folder declares a database other than PostgreSQL."""
    for folder in (migration.parent, migration.parent.parent):
        if not folder.is_relative_to(repo):
            break
        found = _prisma(folder) or _drizzle(folder)
        if found is not None:
            engine, source = found
            if engine.lower() in POSTGRES:
                return None
            return NAMES.get(engine.lower(), engine), source.relative_to(repo).as_posix()
    return _named_folder(migration, repo)


def _named_folder(migration: Path, repo: Path) -> tuple[str, str] | None:
    try:
        parts = migration.parent.relative_to(repo).parts
    except ValueError:
        return None
    for depth in range(len(parts), 0, -1):
        engine = FOLDERS.get(parts[depth - 1].lower())
        if engine:
            return engine, "its folder " + "/".join(parts[:depth]) + "/"
    return None


def _prisma(folder: Path) -> tuple[str, Path] | None:
    lock = folder / "migration_lock.toml"
    match = _PROVIDER.search(_text(lock))
    return (match.group(1), lock) if match else None


def _drizzle(folder: Path) -> tuple[str, Path] | None:
    journal = folder / "meta" / "_journal.json"
    try:
        dialect = json.loads(_text(journal) or "{}").get("dialect")
    except (ValueError, AttributeError):
        return None
    return (dialect, journal) if isinstance(dialect, str) and dialect else None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""
