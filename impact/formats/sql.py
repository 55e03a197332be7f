"""Plain SQL migration files: numbered or timestamped files in migration folders (also Prisma's
`<name>/migration.sql` and `<name>/up.sql` layouts), read with impact.sql.parse."""
from __future__ import annotations

import operator
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from pathlib import Path

from impact import listings
from impact.config import Config
from impact.errors import InputError
from impact.formats.base import LocatedMigration, ReadMigration
from impact.migration_cache import parsed as cached_parse
from impact.sql.parsed import ParsedMigration

LEADING_NUMBER = re.compile(r"^(\d+)")
DISCOVERY_DEPTH = 6  # monorepos keep an ORM's migrations deep: packages/db/prisma/migrations
NOT_SEARCHED = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "site-packages", "__pycache__", "target"}


def read_sql_file(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}", "check the path and its permissions") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8 text", "save it as UTF-8") from None


def migration_files(folder: Path) -> list[Path]:
    """SQL migrations of one folder in run order (also `<name>/migration.sql` layouts, as Prisma's)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:  # unreadable: the walk reports it (extraction.py); here it just holds no migration
        return []
    files = [p for p in entries if is_kind(p, "file") and p.suffix.lower() == ".sql"]
    files += [p / name for p in entries for name in ("migration.sql", "up.sql") if is_kind(p, "dir") and is_kind(p / name, "file")]
    return sorted(files, key=_order_key)


def is_kind(path: Path, kind: str) -> bool:
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


# Within one scan (see `one_scan`) the folders are found once: locate, the SQL format and the
# extraction all ask, and each answer is a walk of the repo's upper levels.
_FOLDERS: ContextVar[dict | None] = ContextVar("impact_known_folders", default=None)


@contextmanager
def one_scan():
    """Remember known_folders' answers until the block ends (one scan: the repo does not change)."""
    token = _FOLDERS.set({})
    try:
        with listings.shared():  # and each folder is listed once (impact.listings)
            yield
    finally:
        _FOLDERS.reset(token)


def per_scan(key: tuple, find) -> list:
    """`find()`, remembered for `key` until the scan ends (one_scan): each format's folder search
    walks the repo, and locate and the code walk each asked every format (issue 13)."""
    memo = _FOLDERS.get()
    if memo is None:
        return find()
    if key not in memo:
        memo[key] = find()
    return list(memo[key])


Folder = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # (path parts under the root, dirnames, filenames)


def folder_tree(root: Path) -> list[Folder]:
    """Every folder under `root` that a migration-folder search may look at (NOT_SEARCHED and dot
    folders left out, at any depth), in sorted top-down order: walked once per scan and shared by
    the formats' searches, which each apply their own depth and names (issue 13: four walks)."""
    return per_scan(("tree", root), lambda: _folder_tree(root))


def _folder_tree(root: Path) -> list[Folder]:
    found: list[Folder] = []
    _tree_below(os.fspath(root), (), found)
    return found


def _tree_below(folder: str, parts: tuple[str, ...], found: list[Folder]) -> None:
    """What `os.walk` yields top-down from `folder` (its listing kept for the file walk,
    impact.listings), the dirnames filtered and sorted as folder_tree says; a folder that cannot be
    listed is left out, and a symlinked one is named but not entered, as os.walk does."""
    try:
        entries = listings.listing(folder)
    except OSError:
        return
    try:
        dirs = [e for e in entries if e.is_dir()]
    except OSError:  # os.walk counts an entry it cannot stat as a file
        dirs = [e for e in entries if _is_dir(e)]
    dir_names = {e.name for e in dirs}
    kept = sorted((e for e in dirs if e.name not in NOT_SEARCHED and not e.name.startswith(".")), key=_NAME)
    found.append((parts, tuple(e.name for e in kept), tuple(e.name for e in entries if e.name not in dir_names)))
    for entry in kept:
        if not _is_symlink(entry):
            _tree_below(os.path.join(folder, entry.name), (*parts, entry.name), found)


_NAME = operator.attrgetter("name")


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_symlink(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def known_folders(repo: Path, config: Config) -> list[Path]:
    """Configured and usual folders first, then folders whose name says they hold migrations."""
    return per_scan(("sql", repo.resolve(), tuple(config.all_migration_dirs)), lambda: _known_folders(repo, config))


def _known_folders(repo: Path, config: Config) -> list[Path]:
    folders = []
    for rel in config.all_migration_dirs:
        folder = (repo / rel).resolve()
        if is_kind(folder, "dir") and folder not in folders and migration_files(folder):
            folders.append(folder)
    for folder in _discovered(repo.resolve()):
        if folder not in folders and not any(folder.is_relative_to(f) for f in folders):
            folders.append(folder)
    return folders


def _discovered(repo: Path) -> list[Path]:
    """Folders named like migrations/schema changes (e.g. admin/schema_changes) holding 2+ .sql files,
    and the folders where an ORM keeps its SQL migrations (Prisma's `migration_lock.toml` beside
    `<timestamp>_name/migration.sql`; Drizzle's `meta/_journal.json` beside `0001_name.sql`)."""
    found = []
    for parts, _, filenames in folder_tree(repo):
        if len(parts) > DISCOVERY_DEPTH:
            continue
        name = (parts[-1] if parts else repo.name).lower()  # the Path only for a match: this asks every folder
        if ("migrat" in name or "schema" in name) and sum(f.lower().endswith(".sql") for f in filenames) >= 2:
            found.append(repo.joinpath(*parts))
        elif "migration_lock.toml" in filenames and migration_files(repo.joinpath(*parts)):
            found.append(repo.joinpath(*parts))
        elif name == "meta" and "_journal.json" in filenames and migration_files(repo.joinpath(*parts).parent):
            found.append(repo.joinpath(*parts).parent)
    return sorted(set(found))


def matches(path: Path, ref: str) -> bool:
    """A number (`11` matches 11_x, 011_x), a timestamp prefix, or a name fragment."""
    name = path.parent.name if path.name in ("migration.sql", "up.sql") else path.stem
    if ref.isdigit():
        match = LEADING_NUMBER.match(name)
        if not match:
            return False
        number = match.group(1)
        # A long timestamp matches by prefix.
        return int(number) == int(ref) if len(ref) < 8 else number.startswith(ref)
    return ref.lower() in name.lower()


def with_history(path: Path, folders: list[Path], repo: Path | None = None) -> LocatedMigration:
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


def display(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


class SqlFormat:
    name = "sql"

    def all_migrations(self, repo: Path, config: Config) -> list[Path]:
        return [f for folder in known_folders(repo, config) for f in migration_files(folder)]

    def candidates(self, repo: Path, ref: str, config: Config) -> list[LocatedMigration]:
        folders = known_folders(repo, config)
        return [with_history(f, folders) for folder in folders for f in migration_files(folder) if matches(f, ref)]

    def claim(self, path: Path, repo: Path, config: Config) -> LocatedMigration | None:
        # Any file given by path that no framework claims is read as SQL (its parse says if it is not),
        # but source code: a SQL parse error on a Python revision would name the wrong problem.
        if path.suffix.lower() in CODE_SUFFIXES:
            raise InputError(*_unclaimed_code(path, repo))
        return with_history(path, known_folders(repo, config), repo.resolve())

    def read(self, migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
        parsed = cached_parse(read_sql_file(migration.path, "migration"), dialect)
        earlier = tuple(LazyEarlier(display(p, repo), read_sql_file(p, "migration"), dialect) for p in migration.earlier)
        return ReadMigration(parsed, earlier)


CODE_SUFFIXES = (".py", ".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")


def _unclaimed_code(path: Path, repo: Path) -> tuple[str, str]:
    """(problem, fix) for a source file no migration format claimed."""
    text = read_sql_file(path, "migration")[:20000]
    shown = display(path, repo)
    fix = "add the folder holding it (an Alembic script folder: the one with env.py) to migration_dirs in .impact.toml"
    if re.search(r"^def upgrade\(", text, re.M) and re.search(r"^revision\s*[:=]", text, re.M):
        return (f"{shown} is an Alembic revision, but no Alembic script folder holds it (impact looks for env.py beside "
                "versions/, and the script_location of each alembic.ini)", fix)
    if "migrations.Migration" in text:
        return f"{shown} is a Django migration outside an app's migrations/ package", "pass a migration inside an app's migrations/ folder"
    return (f"{shown} is source code that no migration format (Alembic, Django, TypeORM, Sequelize, knex) claims",
            "pass a .sql migration, or add its folder to migration_dirs in .impact.toml")


class LazyEarlier:
    """An EarlierMigration whose text is read now and parsed on first use: a cached replay
    (impact/schema_cache.py) needs only the texts, and parsing 300 migrations was most of a warm scan."""

    def __init__(self, display: str, text: str, dialect: str) -> None:
        self.display, self.text, self.dialect = display, text, dialect

    @cached_property
    def parsed(self) -> ParsedMigration:
        from impact.sql.parse import parse_migration  # not cached one by one: the replay is (schema_cache)

        return parse_migration(self.text, self.dialect)


FORMAT = SqlFormat()
