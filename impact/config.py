"""Project configuration: `[tool.impact]` in the scanned repo's pyproject.toml, or `.impact.toml`."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from impact.errors import ConfigError

# Where migrations usually live, most specific first.
DEFAULT_MIGRATION_DIRS = (
    "supabase/migrations",
    "migrations",
    "db/migrations",
    "db/migrate",
    "sql/migrations",
    "database/migrations",
    "docs/schema_updates",
    "schema_updates",
    "prisma/migrations",
    "alembic/versions",
    "drizzle",
    "sql",
)

KNOWN_KEYS = {"migration_dirs", "exclude", "dialect", "fail_on"}


@dataclass(frozen=True)
class Config:
    migration_dirs: tuple[str, ...] = DEFAULT_MIGRATION_DIRS
    extra_migration_dirs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    dialect: str = "postgres"
    fail_on: str | None = None
    source: str | None = None  # the file it came from, for messages

    @property
    def all_migration_dirs(self) -> tuple[str, ...]:
        return self.extra_migration_dirs + tuple(d for d in self.migration_dirs if d not in self.extra_migration_dirs)


def load_config(repo: Path) -> Config:
    """Read `.impact.toml` (wins) or pyproject's `[tool.impact]`; unknown keys are an error."""
    for name, section in ((".impact.toml", None), ("pyproject.toml", ("tool", "impact"))):
        path = repo / name
        if not path.is_file():
            continue
        data = _read_toml(path)
        for key in section or ():
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if data:
            return _from_mapping(data, path.name)
    return Config()


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path.name}: {exc}", "fix the file's TOML syntax") from None


def _from_mapping(data: dict, source: str) -> Config:
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} in {source} [impact settings]",
            f"use one of: {', '.join(sorted(KNOWN_KEYS))}",
        )
    dirs = data.get("migration_dirs", [])
    if isinstance(dirs, str):
        dirs = [dirs]
    if not all(isinstance(d, str) for d in dirs):
        raise ConfigError(f"migration_dirs in {source} must be a list of folder paths", "e.g. migration_dirs = [\"db/sql\"]")
    fail_on = data.get("fail_on")
    if fail_on is not None and fail_on not in ("breaking", "caution", "never"):
        raise ConfigError(f"fail_on = {fail_on!r} in {source} is not a level", "use breaking, caution or never")
    return Config(
        extra_migration_dirs=tuple(dirs),
        exclude=tuple(data.get("exclude", [])),
        dialect=str(data.get("dialect", "postgres")),
        fail_on=fail_on,
        source=source,
    )
