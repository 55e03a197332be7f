"""TypeScript/JavaScript migration files: TypeORM classes, MikroORM, knex, Kysely, sequelize-cli and db-migrate.

Detection: a .ts/.js file in a folder whose name says migrations, with an `up` (a class method
`up(...)`, `exports.up = ...`, `export async function up(...)`, an object's `up: async (...) => {...}`) and one of the calls below. Files
run in the order of their leading timestamp (TypeORM `1700000000000-Name.ts`, knex
`20240101_name.js`), then by name; the schema before one is the replay of the files before it in
its folder.

Only `up` is the migration. Inside it, read with the project's TS scanner (impact.extract.typescript.scan:
strings, template literals and comments, no parser):
- SQL: `queryRunner.query(...)` (TypeORM), `this.addSql(...)` (MikroORM), `knex.raw(...)` /
  `knex.schema.raw(...)`, Kysely's ``sql`...`.execute(db)``, db-migrate's `db.runSql(`...`, cb)` (Unleash's
  370 migrations, which impact refused as "source code no format claims"); a literal, a template without holes,
  or literals joined by `+`. A `${...}` hole (a computed table name) makes the call `unknown`
  with the reason.
- Schema builders (knex `schema.alterTable/createTable/dropTable/renameTable`, Kysely
  `db.schema.alterTable(...).dropColumn(...)` chains, TypeORM `queryRunner.dropColumn(...)` and
  friends): see impact.formats.ts_builders; sequelize-cli's `queryInterface.removeColumn(...)` and
  friends: impact.formats.ts_sequelize; db-migrate's `db.createTable/addColumn/removeColumn(...)`:
  impact.formats.ts_dbmigrate.
Every other `queryRunner.`/`knex.`/`db.` call in `up` is `unknown`, named, never skipped; a call giving a
project function the connection (`models.createUserTable(knex)`) reads that function's body as part
of `up` (impact.formats.ts_helpers); a loop over a fixed list of names (`for (const t of TABLES)`,
`TABLES.forEach((t) => ...)`) is read once per name (impact.formats.ts_loops).

A table or column name written as a string constant (`TableUser`, `FieldNameUser.photoUrl`,
declared in the file or imported from a relative module or a workspace package) is its string,
and the migration's notes say where each came from (impact.extract.typescript.constants).

Known limits: no type checking or constant folding (a name built from constants at run time is
unknown); the `down` body is not read.
"""
from __future__ import annotations

import re
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from impact.config import Config
from impact.errors import InputError
from impact.extract.typescript.calls import Call, arguments, call_after, skip_space
from impact.extract.typescript.scan import Scanned, scan
from impact.formats.base import EarlierMigration, LocatedMigration, ReadMigration
from impact.formats.pieces import Piece, build_parsed
from impact.formats.sql import folder_tree, per_scan, read_sql_file
from impact.sql.parsed import ParsedMigration

if TYPE_CHECKING:  # the constants reader loads when a TS/JS migration is read, not at every scan's start
    from impact.extract.typescript.constants import Constants

SUFFIXES = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts")
DISCOVERY_DEPTH = 8
LEADING_NUMBER = re.compile(r"^(\d+)")
def _function(name: str) -> re.Pattern:
    """Where the migration function `name` (up/down) is defined, in each tool's style."""
    # The last form is an object's property (sequelize-cli's `module.exports = { up: async (queryInterface) => {...} }`).
    return re.compile(rf"(?:\bexports\.{name}\s*=|\b(?:const|let|var)\s+{name}\s*=|\bexport\s+(?:async\s+)?function\s+{name}\b"
                      rf"|(?<![\w.$])(?:public\s+|async\s+)*{name}\s*(?=\()|(?<![\w.$?]){name}\s*:(?=\s*(?:async\b|function\b|\()))")


UP, DOWN = _function("up"), _function("down")
FRAMEWORK_HINT = re.compile(r"queryRunner|addSql|knex|\bschema\.|Kysely|MigrationInterface|\bsql`|queryInterface|\brunSql\b"
                            r"|\bdb\.(?:createTable|addColumn|removeColumn|renameColumn|dropTable|renameTable|addIndex)\b")
SQL_CALL = re.compile(r"\.(query|addSql|raw|runSql)\s*(?=\()|\bsql\s*(?=`)")
BUILDER_START = re.compile(r"\b(?:knex|trx|db|this\.knex|queryRunner|runner|qr|queryInterface)(?:\.(?:schema\b|\w+\s*(?=\())|\s*(?=\())")


def _is_migration_text(text: str) -> bool:
    return bool(UP.search(text)) and bool(FRAMEWORK_HINT.search(text))


def _folders(repo: Path, configured: tuple[str, ...] = ()) -> list[Path]:
    return per_scan(("ts-classes", repo, tuple(configured)), lambda: _find_folders(repo, configured))


def _find_folders(repo: Path, configured: tuple[str, ...]) -> list[Path]:
    found = [(repo / d).resolve() for d in configured if (repo / d).is_dir()]
    for parts, _, filenames in folder_tree(repo):
        if len(parts) > DISCOVERY_DEPTH:
            continue
        # `migrations/` itself, or a folder per database under it (`migrations/postgres/`).
        named = any("migration" in part.lower() for part in parts[-2:])
        if named and any(f.endswith(SUFFIXES) and not f.endswith(".d.ts") for f in filenames):
            folder = repo.joinpath(*parts).resolve()
            if folder not in found:
                found.append(folder)
    return found


def migration_files(folder: Path) -> list[Path]:
    files = []
    for path in folder.iterdir():
        if path.is_file() and path.name.endswith(SUFFIXES) and not path.name.endswith(".d.ts"):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if _is_migration_text(text):
                files.append(path.resolve())
    return sorted(files, key=_order_key)


def _order_key(path: Path) -> tuple:
    match = LEADING_NUMBER.match(path.name)
    return (0, int(match.group(1)), path.name) if match else (1, 0, path.name)


def _display(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


# -- reading one file ------------------------------------------------------------------------------
def up_body(scanned: Scanned, pattern: re.Pattern = UP) -> tuple[int, int] | None:
    """The span of `up`'s (or `down`'s) body: a `{...}` block, or an arrow function's expression."""
    masked = scanned.masked
    for match in pattern.finditer(masked):
        pos = skip_space(masked, match.end())
        if pos < len(masked) and masked[pos] == "=":  # exports.up = async function (knex) {...} / (knex) => ...
            pos = skip_space(masked, pos + 1)
        bare = re.compile(r"(?:async\s+)?[A-Za-z_$][\w$]*\s*(?==>)").match(masked, pos)  # knex => ...
        if bare:
            pos = bare.end()
        else:
            params = masked.find("(", pos)
            if params == -1 or params - pos > 30:
                continue
            close = scanned.closing(params)
            if close is None:
                continue
            pos = skip_space(masked, close + 1)
        if masked.startswith(":", pos):  # a return type: `: Promise<void>`
            brace = masked.find("{", pos)
            pos = brace if brace != -1 else pos
        if masked.startswith("=>", pos):
            pos = skip_space(masked, pos + 2)
            if pos < len(masked) and masked[pos] != "{":
                return pos, _expression_end(scanned, pos)
        if pos < len(masked) and masked[pos] == "{":
            end = scanned.closing(pos)
            if end is not None:
                return pos + 1, end
    return None


def _expression_end(scanned: Scanned, pos: int) -> int:
    masked = scanned.masked
    while pos < len(masked):
        char = masked[pos]
        if char in "([{":
            pos = (scanned.closing(pos) or pos) + 1
            continue
        if char in ";}" or masked.startswith("\nexports.", pos) or masked.startswith("\nexport ", pos):
            return pos
        pos += 1
    return pos


def translate_text(text: str, pattern: re.Pattern = UP) -> tuple[list[Piece], Scanned]:
    # The builders' readers (and Alembic's DDL tables they share) load to read a migration, not to find one.
    from impact.formats.ts_builders import sql_argument
    from impact.formats.ts_loops import bound, innermost, loops

    scanned = scan(text)
    body = up_body(scanned, pattern)
    if body is None:
        return [], scanned
    start, end = body
    pieces: list[Piece] = []
    consumed: list[tuple[int, int]] = []
    fixed = loops(scanned, start, end)  # `for (const t of TABLES)`: each turn read with t bound
    for match in BUILDER_START.finditer(scanned.masked, start, end):
        if any(a <= match.start() < b for a, b in consumed):
            continue
        loop = innermost(fixed, match.start())
        turns = [bound(loop.variable, value) for value in loop.values] if loop else [nullcontext()]
        found = None
        for turn in turns:
            with turn:
                one = _builder_at(scanned, match, end)
            if one is None:
                break
            found = (found[0] + one[0], one[1]) if found else one
        if found is None:
            continue
        new_pieces, stop = found
        consumed.append((match.start(), stop))
        pieces.extend(new_pieces)
    for match in SQL_CALL.finditer(scanned.masked, start, end):
        if any(a <= match.start() < b for a, b in consumed):
            continue
        line = scanned.line_of(match.start())
        if match.group(0).startswith("sql"):  # Kysely: sql`...`.execute(db)
            literal = scanned.literal_at(skip_space(scanned.masked, match.end()))
            if literal is None:
                continue
            span = (literal.start, literal.end)
            close = literal.end
        else:
            call = call_after(scanned, match.group(1), match.start(), match.end())
            if call is None or not call.args:
                continue
            span, close = call.args[0], call.close
        sql = sql_argument(scanned, *span)
        end_line = scanned.line_of(close)
        consumed.append((match.start(), close))
        if isinstance(sql, tuple):
            source = scanned.text[scanned.text.rfind("\n", 0, match.start()) + 1:close + 1].strip()
            pieces.append(Piece(source, line, end_line, error=sql[0]))
        elif sql is not None and sql.strip():
            pieces.append(Piece(sql, line, end_line))
    from impact.formats.ts_helpers import helper_pieces

    pieces += helper_pieces(scanned, start, end, consumed, _read_helper)
    pieces.sort(key=lambda p: p.line)
    return pieces, scanned


def _builder_at(scanned: Scanned, match: re.Match, end: int) -> tuple[list[Piece], int] | None:
    """The pieces of the builder call starting at `match` (None: no builder's)."""
    from impact.formats.ts_builders import knex_builder, knex_data, kysely_builder, typeorm_runner
    from impact.formats.ts_dbmigrate import dbmigrate_builder
    from impact.formats.ts_sequelize import sequelize_builder

    try:
        return (sequelize_builder(scanned, match.start(), end) or knex_data(scanned, match.start(), end)
                or knex_builder(scanned, match.start(), end) or kysely_builder(scanned, match.start(), end)
                or dbmigrate_builder(scanned, match.start(), end) or typeorm_runner(scanned, match.start(), end))
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as exc:
        # A call shape nobody planned for: that call is unknown, the scan goes on.
        line = scanned.line_of(match.start())
        return [Piece(scanned.snippet(match.start()), line, line, error=f"unexpected call shape ({type(exc).__name__})")], match.end()


def _read_helper(text: str, name: str, rel: str) -> tuple[list[Piece], Scanned, int | None]:
    """The pieces of the body of function `name` in `text` (file `rel`): a function the migration
    gives its connection (impact.formats.ts_helpers), and where the body starts (None: no body)."""
    from impact.extract.typescript.constants import reading_from

    pattern = _function(name)
    with reading_from(rel):
        pieces, scanned = translate_text(text, pattern)
    body = up_body(scanned, pattern)
    return pieces, scanned, body[0] if body else None


def _comments_by_line(scanned: Scanned) -> dict[int, str]:
    """`//` comments: a line whose code is blank in the masked text but not in the source."""
    found = {}
    for number, (line, masked) in enumerate(zip(scanned.text.split("\n"), scanned.masked.split("\n")), start=1):
        if "//" in line and line.strip() and "//" not in masked:
            found[number] = line[line.index("//"):].strip()
    return found


def read_file(path: Path, dialect: str = "postgres", down: bool = False, sql_only: bool = False,
              constants: Constants | None = None) -> tuple[ParsedMigration, list[Piece]]:
    text = read_sql_file(path, "migration")
    from impact.extract.typescript.constants import resolving  # loaded when a TS/JS migration is read

    with resolving(constants, _display(path, constants.root)) if constants and constants.root else nullcontext():
        pieces, scanned = translate_text(text, DOWN if down else UP)
    return build_parsed(pieces, _comments_by_line(scanned), dialect, parser="ts-builder", sql_only=sql_only), pieces


NO_TRANSACTION = re.compile(r"\btransaction\s*[:=]\s*false\b")


def transaction_notes(text: str, pieces: list[Piece]) -> tuple[list[str], bool]:
    """TypeORM, knex, MikroORM and Kysely's migrator wrap each migration in a transaction on
    PostgreSQL unless the file opts out (`transaction = false`, `exports.config = { transaction: false }`)."""
    if NO_TRANSACTION.search(text):
        return ["the migration opts out of the runner's transaction (transaction: false)"], False
    notes = ["the runner is assumed to wrap this migration in a transaction (TypeORM, knex, MikroORM and Kysely do by default)"]
    notes += [f"line {p.line}: CONCURRENTLY inside the migration's transaction: PostgreSQL refuses it "
              "(set `transaction = false` for this migration)" for p in pieces if not p.error and re.search(r"\bconcurrently\b", p.sql, re.I)]
    return notes, True


class TsClassesFormat:
    name = "ts-classes"

    def all_migrations(self, repo: Path, config: Config) -> list[Path]:
        return [f for folder in _folders(repo.resolve(), config.extra_migration_dirs) for f in migration_files(folder)]

    def candidates(self, repo: Path, ref: str, config: Config) -> list[LocatedMigration]:
        found = []
        for folder in _folders(repo.resolve(), config.extra_migration_dirs):
            files = migration_files(folder)
            for i, path in enumerate(files):
                number = LEADING_NUMBER.match(path.name)
                hit = (number.group(1).startswith(ref) if ref.isdigit() and len(ref) >= 8 else int(number.group(1)) == int(ref)) \
                    if ref.isdigit() and number else ref.lower() in path.stem.lower()
                if hit:
                    found.append(LocatedMigration(path, folder, tuple(files[:i]), self.name))
        return found

    def claim(self, path: Path, repo: Path, config: Config) -> LocatedMigration | None:
        if not path.name.endswith(SUFFIXES):
            return None
        files = migration_files(path.parent)
        path = path.resolve()
        if path not in files:
            return None
        return LocatedMigration(path, path.parent, tuple(files[: files.index(path)]), self.name)

    def read(self, migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
        text = read_sql_file(migration.path, "migration")
        from impact.extract.typescript.constants import Constants  # loaded when a TS/JS migration is read

        constants = Constants(repo.resolve())
        parsed, pieces = read_file(migration.path, dialect, constants=constants)
        helpers = [f"line {f.line}: `{' '.join(f.written.split())}` runs {f.file}:{f.function_line}, read as part of the migration"
                   for f in constants.followed]
        if not pieces and up_body(scan(text)) is None:
            raise InputError(f"{migration.path.name} has no `up` migration function", "pass the migration file that defines up()")
        named = [f"line {line}: `{c.written}` is the constant '{c.value}' ({c.file}:{c.line})"
                 for _, line, c in constants.used]
        # Earlier migrations: only their SQL (the shadow database replays it as SQL).
        earlier = tuple(EarlierMigration(_display(p, repo), read_file(p, dialect, sql_only=True, constants=constants)[0])
                        for p in migration.earlier)
        notes, transactional = transaction_notes(text, pieces)
        notes = list(dict.fromkeys(named + helpers)) + notes
        down = read_file(migration.path, dialect, down=True, constants=constants)[0]
        down_note = (f"`down` runs {len(down.statements)} statement(s), {len(down.unknown)} not readable statically"
                     if down.statements else "`down` runs nothing readable: the framework's rollback does not undo this migration")
        return ReadMigration(parsed, earlier, (*notes, down_note), transactional, {"down": down})


FORMAT = TsClassesFormat()

__all__ = ["FORMAT", "Call", "arguments", "read_file", "translate_text", "up_body"]
