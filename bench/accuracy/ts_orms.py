"""TypeORM and Drizzle for the miner (mine.py): where their migrations are, their events, and the
names the code spells a changed column or table with.

- TypeORM: a migration class (`<folder named migration(s)>/1700000000000-Name.ts`) read with impact's
  own reader (impact.formats.ts_classes): the SQL of `queryRunner.query(...)` and the
  `queryRunner.dropColumn(...)`-style builders of `up()` only (`down()` undoes them). Spellings: the
  entity property mapped to the column (`@Column({ name: "x" }) foo`, `@JoinColumn`), the entity class
  for a table, read with impact.orm.typeorm from base's `@Entity` files, with the repo's naming
  strategy (SnakeNamingStrategy anywhere in base).
- Drizzle: `NNNN_name.sql` (`--> statement-breakpoint` between statements) in the folder
  drizzle.config's `out` names, or beside a `meta/_journal.json` (drizzle-kit writes both); any version
  of the config in the history counts, so a folder the project later moved is still found. Spellings:
  the TS key mapped to the column (impact.orm.drizzle, with the repo's `casing`), the table's variable
  for a table.
- Sequelize: sequelize-cli's files (`<timestamp>-name.js`) in a folder named `migrations`, or in the
  `migrations-path` any version of `.sequelizerc` names, read with impact's own reader
  (impact.formats.ts_sequelize: the `queryInterface.removeColumn(...)`-style calls of `up`). Spellings:
  the model attribute mapped to the column (`Model.init`/`define`: impact.orm.sequelize;
  sequelize-typescript's `@Column`: impact.orm.sequelize_typescript), the model class for a table.

Known limits: a migration folder named in a config with a computed `out` (a variable) is found only
through its `meta/_journal.json`; an entity or table declared in a file the base tree holds as a
large blob the mirror lacks is not read (its spellings are the column's name only).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import PurePosixPath

from impact.formats.pieces import build_parsed
from impact.formats.ts_classes import _comments_by_line, translate_text
from impact.model import OpKind
from impact.orm import drizzle, typeorm

EVENT_KINDS = {OpKind.DROP_COLUMN: "drop_column", OpKind.RENAME_COLUMN: "rename_column",
               OpKind.DROP_TABLE: "drop_table", OpKind.RENAME_TABLE: "rename_table"}

TS_SUFFIXES = (".ts", ".js", ".mts", ".cts", ".mjs", ".cjs")
TYPEORM_FILE = re.compile(r"/\d{10,}[-_]?[\w.-]*\.(ts|js|mts|cts|mjs|cjs)$")
DRIZZLE_FILE = re.compile(r"/\d{4}_[\w-]+\.sql$")
MIGRATIONS_PATH = re.compile(r"""['"]migrations-path['"]\s*:\s*([^\n]*)""")
CONFIG_OUT = re.compile(r"""\bout\s*:\s*['"`]([^'"`$]+)['"`]""")


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True,
                          errors="replace").stdout


def typeorm_events(text: str) -> list[dict]:
    """DROP/RENAME COLUMN/TABLE of a migration class's `up()`, as impact reads it."""
    pieces, scanned = translate_text(text)
    parsed = build_parsed(pieces, _comments_by_line(scanned), "postgres", parser="ts-builder")
    return [{"kind": EVENT_KINDS[op.kind], "table": op.table, "column": op.column_name, "new_name": op.new_name,
             "statement_line": op.statement.line} for op in parsed.operations if op.kind in EVENT_KINDS and op.table]


def sequelize_events(text: str) -> list[dict]:
    """A sequelize-cli migration's events: only a file calling `queryInterface` is one (a helper or
    another tool's file in the same folder is not)."""
    return typeorm_events(text) if "queryInterface" in text else []


def _show(git_dir: str, commit: str, path: str) -> str:
    """A file of `commit`, or "" for a blob the mirrored snapshot lacks (it keeps no large files)."""
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True, text=True,
                          errors="replace").stdout


def is_typeorm_migration(path: str) -> bool:
    """`<timestamp>-Name.ts` in a folder whose name (or its parent's) says migration, as impact's reader
    looks for them (`src/migrations/`, `Postgres/SchemaMigrations/`, `migrations/postgres/`)."""
    parts = path.lower().split("/")[:-1]
    return (bool(TYPEORM_FILE.search("/" + path)) and not path.endswith(".d.ts")
            and any("migration" in part for part in parts[-2:]) and "datamigration" not in "".join(parts[-2:]))


def sequelize_folders(git_dir: str) -> set[str]:
    """The `migrations-path` of every version of every `.sequelizerc` in the history: `'db/migrations'`
    or `path.resolve('server', 'migrations')` (relative to the file's folder, where the CLI runs)."""
    rows = _git(git_dir, "log", "--format=@%H", "--name-only", "--diff-filter=AM", "HEAD", "--", "*.sequelizerc")
    commit, folders = None, set()
    for line in rows.splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif line:
            for m in MIGRATIONS_PATH.finditer(_show(git_dir, commit, line)):
                parts = [p for p in re.findall(r"""['"]([^'"]+)['"]""", m.group(1))]
                folder = _normal(PurePosixPath(PurePosixPath(line).parent, *parts)) if parts else ""
                if folder:
                    folders.add(folder)
    return folders


def is_sequelize_migration(path: str, folders: set[str]) -> bool:
    """A TS/JS file in a folder named `migrations` or in a configured `migrations-path`."""
    folder = str(PurePosixPath(path).parent)
    return (path.endswith(TS_SUFFIXES) and not path.endswith(".d.ts") and "node_modules/" not in path
            and (folder in folders or PurePosixPath(folder).name == "migrations"))


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts = parts[:-1]
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def drizzle_folders(git_dir: str) -> set[str]:
    """Every folder a drizzle.config's `out` named, or holding `meta/_journal.json`, in the history."""
    folders = set()
    out = _git(git_dir, "log", "--format=", "--name-only", "HEAD", "--", "*meta/_journal.json")
    folders.update(str(PurePosixPath(p).parent.parent) for p in set(out.split()) if p)
    rows = _git(git_dir, "log", "--format=@%H", "--name-only", "--diff-filter=AM", "HEAD", "--",
                "*drizzle.config.ts", "*drizzle.config.js", "*drizzle.config.mjs", "*drizzle.config.cjs", "*drizzle.config.json")
    commit, seen = None, set()
    for line in rows.splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif line and line not in seen:  # the newest version of each config file
            seen.add(line)
            text = _show(git_dir, commit, line)
            for m in CONFIG_OUT.finditer(text):
                parts = []
                for part in PurePosixPath(PurePosixPath(line).parent, m.group(1)).parts:
                    if part == "..":
                        parts = parts[:-1]
                    elif part != ".":
                        parts.append(part)
                folders.add("/".join(parts) or ".")
    return {f for f in folders if f and f != "."}


def is_drizzle_migration(path: str, folders: set[str]) -> bool:
    return bool(DRIZZLE_FILE.search("/" + path)) and str(PurePosixPath(path).parent) in folders


def _files_naming(git_dir: str, base: str, *markers: str) -> list[str]:
    args = [a for m in markers for a in ("-e", m)]
    found = subprocess.run(["git", "--git-dir", git_dir, "grep", "-l", "-F", *args, base, "--", *[f"*{s}" for s in TS_SUFFIXES]],
                           capture_output=True, text=True, errors="replace").stdout
    return [row.split(":", 1)[1] for row in found.splitlines()
            if ":" in row and "node_modules/" not in row and not row.endswith(".d.ts")]


def typeorm_models(git_dir: str, base: str):
    snake = bool(_files_naming(git_dir, base, typeorm.SNAKE_STRATEGY))
    models = []
    for path in _files_naming(git_dir, base, typeorm.MARKER):
        models.extend(typeorm.read_entities(path, _show(git_dir, base, path), snake))
    return models


def drizzle_models(git_dir: str, base: str):
    files = [(p, _show(git_dir, base, p)) for p in _files_naming(git_dir, base, *drizzle.MARKERS)]
    snake = any(drizzle.sets_snake_case(_show(git_dir, base, p)) for p in _files_naming(git_dir, base, "snake_case"))
    return drizzle.read_tables([(p, t) for p, t in files if drizzle.declares_tables(t)], snake)


def sequelize_models(git_dir: str, base: str):
    from impact.orm import sequelize, sequelize_typescript

    from impact.orm.sequelize_associations import with_foreign_keys

    files = [(path, _show(git_dir, base, path)) for path in _files_naming(git_dir, base, *sequelize.MARKERS, sequelize_typescript.MARKER)]
    models = [m for path, text in files for m in sequelize.read_models(path, text) + sequelize_typescript.read_models(path, text)]
    return with_foreign_keys(models, files)  # a foreign key an association adds is spelled by the code too


__all__ = ["EVENT_KINDS", "drizzle_folders", "drizzle_models", "is_drizzle_migration", "is_sequelize_migration",
           "is_typeorm_migration", "sequelize_events", "sequelize_folders", "sequelize_models", "typeorm_events",
           "typeorm_models"]
