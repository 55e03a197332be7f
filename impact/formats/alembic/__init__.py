"""Alembic revisions, read statically: `upgrade()` becomes the SQL Alembic would run on
PostgreSQL, parsed by impact.sql.parse like any SQL migration, with each statement pointing at
the line of the `op.*` call that produces it (so findings and `# impact: ignore` land there).

`--migration` takes a revision id or a prefix of one, `head` (several heads: exit 3 listing
them), a name fragment of the file, or its path. The schema before a revision is the replay of
its ancestors in the revision graph (impact.formats.alembic.project).

Transactions: on PostgreSQL Alembic wraps migrations in a transaction (transactional DDL); with
`transaction_per_migration=True` in env.py each revision has its own, otherwise one `alembic
upgrade` shares one. Statements inside `op.get_context().autocommit_block()` run outside it.
The notes of the ReadMigration say which was assumed; downgrade() is read apart (extra["downgrade"]).

Known limits (each has an xfail test in tests/test_alembic_format.py): operations under `if` are
read as if the condition holds; a `revision` computed at import time is not read (the file is
then no revision). An `sa.Enum` column in create_table creates its type first, as SQLAlchemy's
create events do (not in add_column, nor with `create_type=False`; Alembic's offline SQL is the
oracle in tests/test_alembic_oracle.py); an Enum over a Python enum class has no static values and
creates nothing here. Non-SQL pieces of the scanned revision (Python of unknown effect, SQLAlchemy Core data
changes) are reported, but `impact apply` cannot run them: apply such a revision with Alembic.
"""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from impact.config import Config
from impact.errors import AmbiguousMigration, InputError
from impact.formats.alembic.project import Project, Revision, load_project, read_header
from impact.formats.python2 import parse_python
from impact.formats.python_syntax import unreadable
from impact.formats.pieces import Piece, build_parsed
from impact.formats.base import EarlierMigration, LocatedMigration, ReadMigration
from impact.sql.parsed import ParsedMigration


def _display(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


def read_source(path: Path) -> tuple[str, ast.Module]:
    try:
        source = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read migration {path}: {exc.strerror}", "check the path and its permissions") from None
    except UnicodeDecodeError:
        raise InputError(f"migration {path} is not UTF-8 text", "save it as UTF-8") from None
    try:
        return source, parse_python(source, str(path))[0]
    except SyntaxError as exc:
        raise unreadable(path.name, exc, "alembic upgrade <previous>:<revision> --sql") from None


def python2_note(path: Path, source: str) -> list[str]:
    """Says which lines of a Python 2 revision were read as their Python 3 spelling."""
    try:
        rewritten = parse_python(source, str(path))[1]
    except SyntaxError:
        return []
    return [f"{path.name} is Python 2: line(s) {', '.join(map(str, rewritten))} read as their Python 3 spelling "
            "(print statements, `except E, e`)"] if rewritten else []


def translate_file(path: Path, dialect: str = "postgres", function: str = "upgrade",
                   sql_only: bool = False) -> tuple[ParsedMigration, list[Piece], list[str]]:
    """One revision's upgrade() (or downgrade()) as a ParsedMigration whose lines are the .py file's."""
    from impact.formats.alembic.translate import Translator  # the reader loads when a revision is read, not for discovery

    source, module = read_source(path)
    translation = Translator(module, source, path).translate(function)
    parsed = build_parsed(translation.pieces, _comments_by_line(source), dialect, sql_only=sql_only)
    return parsed, translation.pieces, translation.notes


def _comments_by_line(source: str) -> dict[int, str]:
    found = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


def _script_dir(project: Project, path: Path) -> Path | None:
    return next((d for d in project.script_dirs if path.is_relative_to(d)), None)


def _transaction_notes(script_dir: Path | None, pieces: list[Piece]) -> tuple[list[str], bool]:
    env = (script_dir / "env.py") if script_dir else None
    env_text = env.read_text(encoding="utf-8", errors="replace") if env and env.is_file() else ""
    compact = env_text.replace(" ", "")
    if "transactional_ddl=False" in compact:
        return ["env.py sets transactional_ddl=False: Alembic runs this revision without a transaction"], False
    if "transaction_per_migration=True" in compact:
        notes = ["Alembic runs this revision in its own transaction (env.py sets transaction_per_migration=True)"]
    else:
        notes = ["Alembic is assumed to run every revision of one `alembic upgrade` in one transaction "
                 "(PostgreSQL has transactional DDL; env.py does not set transaction_per_migration=True)"]
    outside = [p for p in pieces if p.outside_transaction]
    if outside:
        notes.append(f"{len(outside)} statement(s) inside op.get_context().autocommit_block() run outside the transaction")
    for p in pieces:
        if p.concurrently and not p.outside_transaction:
            notes.append(f"line {p.line}: CONCURRENTLY outside op.get_context().autocommit_block(): "
                         "PostgreSQL refuses it inside Alembic's transaction")
    return notes, not outside


def _downgrade(path: Path, dialect: str) -> tuple[ParsedMigration, str]:
    """downgrade() read like upgrade(), for the rollback facts (kept in ReadMigration.extra)."""
    source, module = read_source(path)
    fn = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"), None)
    parsed = translate_file(path, dialect, "downgrade")[0]
    if fn is None:
        return parsed, "no downgrade(): Alembic cannot roll this revision back"
    if any(isinstance(n, ast.Raise) for n in fn.body):
        return parsed, f"downgrade() raises (line {fn.lineno}): Alembic cannot roll this revision back"
    if not parsed.statements:
        return parsed, f"downgrade() (line {fn.lineno}) runs nothing: rolling back leaves the schema as upgraded"
    return parsed, f"downgrade() (line {fn.lineno}) runs {len(parsed.statements)} statement(s), {len(parsed.unknown)} not readable statically"


class AlembicFormat:
    name = "alembic"

    def all_migrations(self, repo: Path, config: Config) -> list[Path]:
        project = load_project(repo, config.extra_migration_dirs)
        return [r.path for r in project.revisions] if project else []

    def candidates(self, repo: Path, ref: str, config: Config) -> list[LocatedMigration]:
        project = load_project(repo, config.extra_migration_dirs)
        if project is None:
            return []
        if ref.lower() in ("head", "heads"):
            heads = project.heads()
            if len(heads) > 1:
                listed = ", ".join(f"{h.revision} ({_display(h.path, repo.resolve())})" for h in heads)
                raise AmbiguousMigration(f"'head' is ambiguous: the Alembic history has {len(heads)} heads: {listed}",
                                         "pass one revision id (or merge the heads with `alembic merge`)")
            return [self._located(project, h) for h in heads]
        exact = [r for r in project.revisions if r.revision == ref or ref in r.branch_labels]
        if exact:
            return [self._located(project, r) for r in exact]
        if len(ref) >= 3:
            by_prefix = [r for r in project.revisions if r.revision.startswith(ref)]
            if by_prefix:
                return [self._located(project, r) for r in by_prefix]
        return [self._located(project, r) for r in project.revisions if ref.lower() in r.path.stem.lower()]

    def claim(self, path: Path, repo: Path, config: Config) -> LocatedMigration | None:
        if path.suffix != ".py":
            return None
        project = load_project(repo, config.extra_migration_dirs)
        if project is None:
            return None
        rev = project.of_path(path.resolve())
        if rev is not None:
            return self._located(project, rev)
        folder = _script_dir(project, path.resolve())
        if folder is not None and "versions" in path.relative_to(folder).parts:
            return LocatedMigration(path.resolve(), folder / "versions", (), self.name)  # read() says why it is not a revision
        return None

    def _located(self, project: Project, rev: Revision) -> LocatedMigration:
        folder = _script_dir(project, rev.path)
        return LocatedMigration(rev.path, folder / "versions" if folder else rev.path.parent,
                                tuple(r.path for r in project.ancestors(rev)), self.name)

    def read(self, migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
        source = read_source(migration.path)[0]  # not valid Python: one line, exit 3
        rev = read_header(migration.path)
        if rev is None:
            raise InputError(f"{migration.path.name} is not an Alembic revision (no `revision = \"...\"` and `def upgrade()`)",
                             "pass a file from the versions/ folder")
        parsed, pieces, notes = translate_file(migration.path, dialect)
        notes = python2_note(migration.path, source) + notes
        earlier, unread = [], []
        for path in migration.earlier:
            try:
                # Only its SQL: the shadow database replays it, and Python of unknown effect changes no known schema.
                earlier.append(EarlierMigration(_display(path, repo), translate_file(path, dialect, sql_only=True)[0]))
            except InputError as exc:
                unread.append(f"earlier revision {_display(path, repo)} is left out of the schema replay: {exc.problem}")
        script_dir = migration.folder.parent if migration.folder and migration.folder.name == "versions" else migration.folder
        tx_notes, transactional = _transaction_notes(script_dir, pieces)
        down, down_note = _downgrade(migration.path, dialect)
        extra = {"revision": rev.revision, "down_revision": rev.down, "depends_on": rev.depends_on, "downgrade": down}
        return ReadMigration(parsed, tuple(earlier), tuple(tx_notes + notes + [down_note] + unread), transactional, extra)


FORMAT = AlembicFormat()
