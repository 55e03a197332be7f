"""Resolve `--migration REF` (path, number, timestamp, name fragment, or a framework's own
reference such as Django's `app_label.0034`) to one migration, whatever its format."""
from __future__ import annotations

from pathlib import Path

from impact.config import Config
from impact.errors import AmbiguousMigration, MigrationNotFound
from impact.formats import active_formats
from impact.formats.base import LocatedMigration
from impact.formats.sql import is_kind, known_folders, migration_files

__all__ = ["LocatedMigration", "known_folders", "locate", "migration_files"]


def locate(repo: Path, ref: str, config: Config, cwd: Path | None = None) -> LocatedMigration:
    path = _existing_path(ref, repo, cwd or Path.cwd())
    if path is not None:
        for fmt in active_formats(config):
            claimed = fmt.claim(path, repo.resolve(), config)
            if claimed is not None:
                return claimed
    candidates = _unique(c for fmt in active_formats(config) for c in fmt.candidates(repo, ref, config))
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        names = ", ".join(_rel(c.path, repo) for c in candidates[:10])
        raise AmbiguousMigration(f"{ref!r} matches {len(candidates)} migrations: {names}", "pass a longer name fragment or the file path")
    if _looks_like_path(ref):
        raise MigrationNotFound(f"migration file {ref!r} does not exist", "check the path (relative paths are tried from the current directory and from REPO)")
    searched = ", ".join(config.all_migration_dirs)
    raise MigrationNotFound(
        f"no migration matches {ref!r} (searched {searched} under {repo})",
        "pass the file path, or add its folder to migration_dirs in [tool.impact] / .impact.toml",
    )


def _existing_path(ref: str, repo: Path, cwd: Path) -> Path | None:
    for candidate in (Path(ref), cwd / ref, repo / ref):
        if is_kind(candidate, "file"):  # a name too long for a path is simply not one
            return candidate.resolve()
    return None


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith((".sql", ".py", ".ts", ".js"))


def _unique(candidates) -> list[LocatedMigration]:
    seen: dict[Path, LocatedMigration] = {}
    for c in candidates:
        seen.setdefault(c.path.resolve(), c)
    return list(seen.values())


def _rel(path: Path, repo: Path) -> str:
    try:
        return path.relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)
