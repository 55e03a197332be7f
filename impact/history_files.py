"""Which files the walk finds are a migration history, never code evidence (moved out of
impact/extraction.py): the scanned migration itself, the .sql files of the known migration
folders, and numbered steps below a folder named like migrations."""
from __future__ import annotations

import os
import re

from impact.files import SourceFile
from impact.locate import LocatedMigration


def is_migration(source: SourceFile, migration_dirs: list[str], migration: LocatedMigration | str) -> bool:
    """`migration`: the located migration, or its path as a string (one fspath per scan, not per file)."""
    if os.fspath(source.where) == (migration if isinstance(migration, str) else os.fspath(migration.path)):
        return True
    return (source.rel.endswith(".sql") and any(source.rel.startswith(d) for d in migration_dirs)) or looks_like_history(source.rel)


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
