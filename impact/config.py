"""Project configuration: `[tool.impact]` in the scanned repo's pyproject.toml, or `.impact.toml`."""
from __future__ import annotations

import re
from dataclasses import dataclass
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

KNOWN_KEYS = {"migration_dirs", "exclude", "dialect", "fail_on", "pg_version", "rules", "formats", "migrations_run", "transaction_wrapping"}
# How the migration runner wraps a file: "file" (one transaction per file: Supabase CLI, Prisma,
# Django atomic, Alembic, Flyway, impact apply) or "statement" (autocommit, like psql -f).
WRAPPINGS = ("file", "statement")
RULE_LEVELS = ("off", "advice", "caution", "breaking")
OLDEST_PG, NEWEST_PG = 9, 30


@dataclass(frozen=True)
class Config:
    migration_dirs: tuple[str, ...] = DEFAULT_MIGRATION_DIRS
    extra_migration_dirs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    dialect: str = "postgres"
    fail_on: str | None = None
    pg_version: int | None = None  # the target server's major version; None: assume a current release
    rules: tuple[tuple[str, str], ...] = ()  # (rule id, "off" or a severity), as configured
    source: str | None = None  # the file it came from, for messages
    formats: tuple[str, ...] = ()  # migration formats to read (sql, django, ...); empty: every format detected
    migrations_run: str = "before-deploy"  # or "after-deploy": when the pipeline runs migrations (impact.deploy_window)
    transaction_wrapping: str = "file"  # see WRAPPINGS and impact/judge/transactions.py

    @property
    def all_migration_dirs(self) -> tuple[str, ...]:
        return self.extra_migration_dirs + tuple(d for d in self.migration_dirs if d not in self.extra_migration_dirs)


def describe(config: Config) -> str:
    """One line on what the configuration changes about judging ("" when nothing does), for reports."""
    parts = [f"target PostgreSQL {config.pg_version}"] if config.pg_version else []
    if config.transaction_wrapping != "file":
        parts.append(f"transaction_wrapping = {config.transaction_wrapping}")
    off = [rule for rule, level in config.rules if level == "off"]
    changed = [f"{rule}={level}" for rule, level in config.rules if level != "off"]
    if off:
        parts.append(f"rules off: {', '.join(off)}")
    if changed:
        parts.append(f"severity set: {', '.join(changed)}")
    return f"config {config.source or 'command line'}: {'; '.join(parts)}" if parts else ""


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
    import tomllib  # only with a config file (~2 ms of imports otherwise)

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
    wrapping = data.get("transaction_wrapping", "file")
    if wrapping not in WRAPPINGS:
        raise ConfigError(f"transaction_wrapping = {wrapping!r} in {source} is not a wrapping",
                          "use \"file\" (the runner runs each file in one transaction) or \"statement\" (autocommit, like psql -f)")
    return Config(
        transaction_wrapping=wrapping,
        extra_migration_dirs=tuple(dirs),
        exclude=tuple(data.get("exclude", [])),
        dialect=str(data.get("dialect", "postgres")),
        fail_on=fail_on,
        pg_version=parse_pg_version(data["pg_version"], f"pg_version in {source}") if "pg_version" in data else None,
        rules=_rule_levels(data.get("rules", {}), source),
        source=source,
        formats=_formats(data.get("formats", []), source),
        migrations_run=_migrations_run(data.get("migrations_run", "before-deploy"), source),
    )


def _migrations_run(value: object, source: str) -> str:
    if value not in ("before-deploy", "after-deploy"):
        raise ConfigError(f"migrations_run = {value!r} in {source} is not a deploy order", 'use "before-deploy" or "after-deploy"')
    return str(value)


def _formats(value: object, source: str) -> tuple[str, ...]:
    from impact.formats import FORMATS

    names = [value] if isinstance(value, str) else value
    known = [f.name for f in FORMATS]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"formats in {source} must be a list of format names", f"e.g. formats = [\"{known[-1]}\"]")
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown migration format {name!r} in {source}", f"use one of: {', '.join(known)}")
    return tuple(names)


def parse_pg_version(value: object, where: str) -> int:
    """14, "14" or "14.5" -> 14; "9.6" -> 9 (only the major release matters to the rules)."""
    text = str(value).strip()
    major = text.split(".", 1)[0]
    if isinstance(value, bool) or not re.fullmatch(r"\d+(\.\d+){0,2}", text) or not OLDEST_PG <= int(major) <= NEWEST_PG:
        raise ConfigError(f"{where} = {value!r} is not a PostgreSQL version", f"give the server's major version, e.g. 15 ({OLDEST_PG}-{NEWEST_PG})")
    return int(major)


def _rule_levels(table: object, source: str) -> tuple[tuple[str, str], ...]:
    from impact.judge.rules import find_rule

    if not isinstance(table, dict):
        raise ConfigError(f"rules in {source} must be a table of rule = level", 'e.g. [tool.impact.rules] prefer-robust-stmts = "off"')
    levels = []
    for key, level in table.items():
        rule = find_rule(key)
        if rule is None:
            raise ConfigError(f"unknown rule {key!r} in {source} [rules]", "run `impact rules` for the ids and codes")
        if level not in RULE_LEVELS:
            raise ConfigError(f"rule {key} = {level!r} in {source} is not a level", f"use one of: {', '.join(RULE_LEVELS)}")
        levels.append((rule.id, level))
    return tuple(levels)
