"""Resolve `--migration REF` (path, number, timestamp or name fragment) to one migration file."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from impact.config import Config
from impact.errors import AmbiguousMigration, MigrationNotFound

LEADING_NUMBER = re.compile(r"^(\d+)")


@dataclass(frozen=True)
class LocatedMigration:
    path: Path
    folder: Path | None  # the migration folder it belongs to (None: outside every known folder)
    earlier: tuple[Path, ...]  # migrations that run before it, in order (the schema to replay)


def migration_files(folder: Path) -> list[Path]:
    """SQL migrations of one folder in run order (also `<name>/migration.sql` layouts, as Prisma's)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:  # unreadable: the walk reports it (extraction.py); here it just holds no migration
        return []
    files = [p for p in entries if _is(p, "file") and p.suffix.lower() == ".sql"]
    files += [p / name for p in entries for name in ("migration.sql", "up.sql") if _is(p, "dir") and _is(p / name, "file")]
    return sorted(files, key=_order_key)


def _is(path: Path, kind: str) -> bool:
    """is_file()/is_dir() that is False, not PermissionError, for a folder without search permission."""
    try:
        return path.is_file() if kind == "file" else path.is_dir()
    except OSError:
        return False


def _order_key(path: Path) -> tuple:
    name = path.parent.name if path.name in ("migration.sql", "up.sql") else path.name
    match = LEADING_NUMBER.match(name)
    # Numbers sort numerically (2_x before 10_x), then by name; un-numbered files last.
    return (0, int(match.group(1)), name) if match else (1, 0, name)


def known_folders(repo: Path, config: Config) -> list[Path]:
    """Configured and usual folders first, then folders whose name says they hold migrations."""
    folders = []
    for rel in config.all_migration_dirs:
        folder = (repo / rel).resolve()
        if _is(folder, "dir") and folder not in folders and _has_sql(folder):
            folders.append(folder)
    for folder in _discovered(repo.resolve()):
        if folder not in folders and not any(folder.is_relative_to(f) for f in folders):
            folders.append(folder)
    return folders


DISCOVERY_DEPTH = 4
NOT_SEARCHED = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "site-packages", "__pycache__", "target"}


def _discovered(repo: Path) -> list[Path]:
    """Folders named like migrations/schema changes (e.g. admin/schema_changes) holding 2+ .sql files."""
    found = []
    for dirpath, dirnames, filenames in os.walk(repo):
        depth = len(Path(dirpath).relative_to(repo).parts)
        dirnames[:] = [d for d in dirnames if d not in NOT_SEARCHED and not d.startswith(".") and depth < DISCOVERY_DEPTH]
        name = Path(dirpath).name.lower()
        if ("migrat" in name or "schema" in name) and sum(f.lower().endswith(".sql") for f in filenames) >= 2:
            found.append(Path(dirpath))
    return sorted(found)


def _has_sql(folder: Path) -> bool:
    return bool(migration_files(folder))


def locate(repo: Path, ref: str, config: Config, cwd: Path | None = None) -> LocatedMigration:
    folders = known_folders(repo, config)
    path = _as_path(ref, repo, cwd or Path.cwd())
    if path is not None:
        return _with_history(path, folders, repo.resolve())
    candidates = [f for folder in folders for f in migration_files(folder) if _matches(f, ref)]
    if not candidates:
        searched = ", ".join(config.all_migration_dirs)
        raise MigrationNotFound(
            f"no migration matches {ref!r} (searched {searched} under {repo})",
            "pass the file path, or add its folder to migration_dirs in [tool.impact] / .impact.toml",
        )
    if len(candidates) > 1:
        names = ", ".join(_rel(c, repo) for c in candidates[:10])
        raise AmbiguousMigration(
            f"{ref!r} matches {len(candidates)} migrations: {names}",
            "pass a longer name fragment or the file path",
        )
    return _with_history(candidates[0], folders)


def _as_path(ref: str, repo: Path, cwd: Path) -> Path | None:
    looks_like_path = "/" in ref or "\\" in ref or ref.lower().endswith(".sql")
    for candidate in (Path(ref), cwd / ref, repo / ref):
        if _is(candidate, "file"):  # a name too long for a path is simply not one
            return candidate.resolve()
    if looks_like_path:
        raise MigrationNotFound(f"migration file {ref!r} does not exist", "check the path (relative paths are tried from the current directory and from REPO)")
    return None


def _matches(path: Path, ref: str) -> bool:
    name = path.parent.name if path.name in ("migration.sql", "up.sql") else path.stem
    if ref.isdigit():
        match = LEADING_NUMBER.match(name)
        if not match:
            return False
        number = match.group(1)
        # `11` matches 11_x, 011_x, 0011_x; a long timestamp matches by prefix.
        return int(number) == int(ref) if len(ref) < 8 else number.startswith(ref)
    return ref.lower() in name.lower()


def _with_history(path: Path, folders: list[Path], repo: Path | None = None) -> LocatedMigration:
    for folder in folders:
        files = migration_files(folder)
        if path in files:
            return LocatedMigration(path, folder, tuple(files[: files.index(path)]))
    # A path inside the repo, in a folder of numbered siblings: that folder is its history.
    parent = path.parent
    if repo is not None and parent.is_relative_to(repo) and parent != repo:
        siblings = migration_files(parent)
        if len(siblings) >= 2 and path in siblings and LEADING_NUMBER.match(path.name):
            return LocatedMigration(path, parent, tuple(siblings[: siblings.index(path)]))
    # Outside every migration folder: the schema is the replay of all of them.
    earlier = tuple(f for folder in folders for f in migration_files(folder) if f != path)
    return LocatedMigration(path, None, earlier)


def _rel(path: Path, repo: Path) -> str:
    try:
        return path.relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)
