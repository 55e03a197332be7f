"""Resolve `--migration REF` (path, number, timestamp or name fragment) to one migration file."""
from __future__ import annotations

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
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".sql"]
    files += [p / "migration.sql" for p in folder.iterdir() if p.is_dir() and (p / "migration.sql").is_file()]
    files += [p / "up.sql" for p in folder.iterdir() if p.is_dir() and (p / "up.sql").is_file()]
    return sorted(files, key=_order_key)


def _order_key(path: Path) -> tuple:
    name = path.parent.name if path.name in ("migration.sql", "up.sql") else path.name
    match = LEADING_NUMBER.match(name)
    # Numbers sort numerically (2_x before 10_x), then by name; un-numbered files last.
    return (0, int(match.group(1)), name) if match else (1, 0, name)


def known_folders(repo: Path, config: Config) -> list[Path]:
    folders = []
    for rel in config.all_migration_dirs:
        folder = (repo / rel).resolve()
        if folder.is_dir() and folder not in folders and _has_sql(folder):
            folders.append(folder)
    return folders


def _has_sql(folder: Path) -> bool:
    return bool(migration_files(folder))


def locate(repo: Path, ref: str, config: Config, cwd: Path | None = None) -> LocatedMigration:
    folders = known_folders(repo, config)
    path = _as_path(ref, repo, cwd or Path.cwd())
    if path is not None:
        return _with_history(path, folders)
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
        if candidate.is_file():
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


def _with_history(path: Path, folders: list[Path]) -> LocatedMigration:
    for folder in folders:
        files = migration_files(folder)
        if path in files:
            return LocatedMigration(path, folder, tuple(files[: files.index(path)]))
    # Outside every migration folder: the schema is the replay of all of them.
    earlier = tuple(f for folder in folders for f in migration_files(folder) if f != path)
    return LocatedMigration(path, None, earlier)


def _rel(path: Path, repo: Path) -> str:
    try:
        return path.relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)
