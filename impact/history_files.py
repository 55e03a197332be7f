"""Which files the walk finds are a migration history, never code evidence (moved out of
impact/extraction.py): the scanned migration itself, the .sql files of the known migration
folders, and numbered steps below a folder named like migrations."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from impact.files import SourceFile
from impact.locate import LocatedMigration


def is_migration(source: SourceFile, migration_dirs: list[str], migration: LocatedMigration | str) -> bool:
    """`migration`: the located migration, or its path as a string (one fspath per scan, not per file)."""
    where, scanned = os.fspath(source.where), (migration if isinstance(migration, str) else os.fspath(migration.path))
    if where == scanned or ("/" in source.rel and _beside(where, scanned)):
        return True
    return (source.rel.endswith(".sql") and any(source.rel.startswith(d) for d in migration_dirs)) or looks_like_history(source.rel)


@lru_cache(maxsize=4)
def _folder_and_suffix(scanned: str) -> tuple[str, str]:
    cut, dot = scanned.rfind(os.sep), scanned.rfind(".")
    return scanned[:cut + 1], (scanned[dot:] if dot > cut else "\0")


def _beside(where: str, scanned: str) -> bool:
    """A file of the scanned migration's kind (`.ts` beside a `.ts`) in its folder, not below: another
    migration of the same runner, whatever its folder is named (logto's packages/schemas/alterations/
    *.ts: their `select * from sign_in_experiences` were listed as the code's SELECT * queries). Not
    at the repository's root, where code and a migration may sit side by side."""
    folder, suffix = _folder_and_suffix(scanned)  # asked for every file of the repository
    return where.startswith(folder) and where.endswith(suffix) and where.find(os.sep, len(folder)) < 0


# A numbered or timestamped file (or folder) below a folder named like migrations: a migration of
# some runner or database impact does not read as one (ClickHouse `.up.sql`, data-migration scripts).
_HISTORY_STEP = re.compile(r"^\d{3,}")


def looks_like_history(rel: str) -> bool:
    if "migrat" not in rel.lower():  # no folder can be named so: one pass, not one per part (a warm scan asks for every file)
        return False
    parts = rel.split("/")
    for index, part in enumerate(parts[:-1]):
        if "migrat" in part.lower():
            below = parts[index + 1:]
            return any(_HISTORY_STEP.match(p) for p in below) or (rel.endswith(".sql") and len(below) <= 2)
    return False


class History:
    """Whether a path (its fspath, as SourceFile.where gives it) is a framework's migration: the
    paths known up front, and the files of Django migration folders, each read when first asked
    (discover.lazy_history). Ask after `is_migration`, which tells most of them by their names."""

    def __init__(self, known: set[str], folders: Mapping[str, frozenset[str]]) -> None:
        self.known, self.folders, self.read = known, folders, {}

    def __contains__(self, where: str) -> bool:
        if where in self.known:
            return True
        folder, _, name = where.rpartition(os.sep)  # the walk's paths are normalised: os.path.split's answer
        if name not in self.folders.get(folder, ()):
            return False
        if where not in self.read:
            self.read[where] = _defines_migration(where)
        return self.read[where]


def history_of(repo: Path, config) -> History | set[str]:
    """A framework's migration history (Django migrations/*.py, Alembic versions/), never code evidence:
    a format's cheaper list when it has one (Django's parses no migration, and reads its files only
    when asked), resolved."""
    from impact.formats import active_formats

    known: set[str] = set()
    folders: dict[str, frozenset[str]] = {}
    for fmt in active_formats(config):
        if fmt.name == "sql":
            continue
        if hasattr(fmt, "lazy_history"):
            now, later = fmt.lazy_history(repo, config)
            known |= now
            for folder, names in later.items():
                folders[folder] = folders.get(folder, frozenset()) | names
        else:
            known |= {os.fspath(p) for p in (fmt.history_paths(repo, config) if hasattr(fmt, "history_paths")
                                              else [m.resolve() for m in fmt.all_migrations(repo, config)])}
    return History(known, folders) if folders else known  # a set when nothing is left to read: asked for every file


def _defines_migration(path: str) -> bool:
    """discover.migration_files' look at one file: its bytes spell `class Migration` (False when unreadable)."""
    try:
        with open(path, "rb") as handle:
            return b"class Migration" in handle.read()
    except OSError:
        return False
