"""Oracle: impact's static translation of every fixture revision against Alembic's own offline
mode (`alembic upgrade A:B --sql`), run in-process on the fixture project (no database).

Both sides are normalised the same way: comments, BEGIN/COMMIT and the alembic_version
bookkeeping dropped, identifier quotes removed, whitespace collapsed, case folded.
"""
from __future__ import annotations

import io
import re
import sys

import pytest

from impact.formats.alembic import translate_file
from impact.formats.alembic.project import load_project
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "inventory-alembic"
VERSIONS = APP / "migrations" / "versions"
# Every op the issue lists, each used at least once by the fixture (checked below).
OP_KINDS = {"add_column", "drop_column", "alter_column", "create_table", "drop_table", "rename_table", "create_index",
            "drop_index", "create_foreign_key", "create_unique_constraint", "create_check_constraint", "drop_constraint",
            "execute", "batch_alter_table"}
DYNAMIC = {"3ae0c0000011"}  # computed table names: Alembic's offline mode would run the helper's query


def _normalise(sql: str) -> str:
    sql = sql.replace('"', "").lower()
    sql = re.sub(r"\s+", " ", sql).strip().rstrip(";").strip()
    return re.sub(r"\s*([(),])\s*", r"\1", sql)


def _alembic_sql(revision, down: str | None, app=APP) -> list[str]:
    from alembic import command
    from alembic.config import Config

    buffer = io.StringIO()
    config = Config(str(app / "alembic.ini"), output_buffer=buffer)
    command.upgrade(config, f"{down}:{revision}" if down else revision, sql=True)
    statements = []
    for chunk in re.split(r";\s*\n", buffer.getvalue()):
        lines = [line for line in chunk.splitlines() if not line.strip().startswith("--")]
        text = "\n".join(lines).strip()
        if not text or text.upper() in ("BEGIN", "COMMIT") or "alembic_version" in text:
            continue
        statements.append(_normalise(text))
    return statements


@pytest.fixture(autouse=True)
def _no_bytecode(monkeypatch):
    # Alembic imports the revisions; keep __pycache__ out of the fixture folder.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)


REVISIONS = [r for r in load_project(APP).revisions if r.revision not in DYNAMIC]


LINEAR = [r for r in REVISIONS if len(r.down) < 2]


@pytest.fixture(scope="module")
def pairs() -> dict[str, list[tuple[str, str, str]]]:
    """Per op kind: (revision file, impact's statement, Alembic's statement), over every revision."""
    import sys as _sys

    was, _sys.dont_write_bytecode = _sys.dont_write_bytecode, True
    try:
        found: dict[str, list[tuple[str, str, str]]] = {}
        for rev in LINEAR:
            parsed = translate_file(rev.path)[0]
            theirs = _alembic_sql(rev.revision, rev.down[0] if rev.down else None)
            source = rev.path.read_text(encoding="utf-8").splitlines()
            for i, statement in enumerate(parsed.statements):
                kind = _op_kind(source, statement.line)
                found.setdefault(kind, []).append((rev.path.name, _normalise(statement.sql), theirs[i] if i < len(theirs) else ""))
            found.setdefault("(statement count)", []).append((rev.path.name, str(len(parsed.statements)), str(len(theirs))))
        return found
    finally:
        _sys.dont_write_bytecode = was


def _op_kind(source: list[str], line: int) -> str:
    """The op of the call on `line` (a batch op counts as its own kind, under batch_alter_table)."""
    match = re.search(r"\b(op|batch_op)\.(\w+)\(", source[line - 1])
    return "batch_alter_table" if match and match.group(1) == "batch_op" else match.group(2) if match else "?"


@pytest.mark.parametrize("kind", sorted(OP_KINDS | {"(statement count)", "create_table_comment"}))
def test_static_translation_matches_alembic_offline_sql_per_op_kind(pairs, kind) -> None:
    assert pairs.get(kind), f"no statement of {kind} in the fixture"
    for file, ours, theirs in pairs[kind]:
        assert ours == theirs, f"{kind} in {file}"


@pytest.mark.parametrize("rev", LINEAR, ids=lambda r: r.path.name)
def test_every_revision_is_read_without_unknown(rev) -> None:
    parsed = translate_file(rev.path)[0]
    assert not parsed.unknown, [s.error for s in parsed.statements if s.error]


def test_a_merge_revision_runs_no_sql() -> None:
    merge = next(r for r in REVISIONS if len(r.down) == 2)
    assert translate_file(merge.path)[0].statements == ()


def test_the_fixture_uses_every_op_kind_of_the_issue() -> None:
    used = set()
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8").split("def downgrade")[0]
        used |= set(re.findall(r"\b(?:op|batch_op)\.(\w+)\(", text))
    assert OP_KINDS <= used, OP_KINDS - used


def test_oracle_covers_every_revision_but_the_dynamic_one() -> None:
    assert {r.revision for r in load_project(APP).revisions} - {r.revision for r in REVISIONS} == DYNAMIC
    assert len(REVISIONS) == 11


def test_the_translated_history_replays_on_postgresql(pg_database) -> None:
    """Second oracle: the SQL impact derives for every revision before the head runs on a real
    PostgreSQL (the shadow database's replay), and leaves the schema the revisions describe."""
    from impact.config import load_config
    from impact.db import connect
    from impact.db.shadow import Shadow, prepare
    from impact.formats import read_migration
    from impact.locate import locate

    migration = locate(APP, "head", load_config(APP))
    earlier = read_migration(migration, APP, "postgres").earlier
    assert len(earlier) == 11
    with connect(pg_database, autocommit=True) as conn:
        prepare(conn, earlier, Shadow(pg_database, False))
        columns = {(t, c) for t, c in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")}
        indexes = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert ("warehouses", "title") in columns and ("warehouses", "name") not in columns  # 0007's rename
    assert ("products", "legacy_code") not in columns and ("stock_items", "batch_code") in columns
    assert ("warehouses", "region") in columns  # the batch_alter_table branch, merged
    assert {"ix_products_active_sku", "ix_stock_items_warehouse", "ix_warehouses_region"} <= indexes
    assert "ix_products_name" not in indexes and not any(t == "audit_log" for t, _ in columns)


ENUM_REVISION = '''"""enum types

Revision ID: e1a0c0000001
Revises:
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "e1a0c0000001"
down_revision = None

kind = sa.Enum("a", "b", name="s_kind")


def upgrade() -> None:
    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("s", kind), sa.Column("s2", kind),
                    sa.Column("m", postgresql.ENUM("x", name="mood", create_type=False)),
                    sa.Column("n", sa.Enum("n1", "n2", name="n_kind"), nullable=False))
    op.add_column("t", sa.Column("p", postgresql.ENUM("x", name="mood", create_type=False)))
'''


def test_enum_types_of_create_table_match_alembic_offline_sql(tmp_path, monkeypatch) -> None:
    """A project of one revision beside the fixture's own alembic.ini and env.py: the CREATE TYPEs
    SQLAlchemy runs before the table, and none for create_type=False or add_column."""
    import shutil

    project = tmp_path / "enum-alembic"
    shutil.copytree(APP / "migrations", project / "migrations", ignore=shutil.ignore_patterns("versions", "__pycache__"))
    shutil.copy(APP / "alembic.ini", project / "alembic.ini")
    (project / "migrations" / "versions").mkdir()
    revision = project / "migrations" / "versions" / "0001_enum.py"
    revision.write_text(ENUM_REVISION, encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    theirs = _alembic_sql("e1a0c0000001", None, project)
    ours = [_normalise(s.sql) for s in translate_file(revision)[0].statements]
    assert ours == theirs
    assert [s.split(" as ")[0] for s in ours[:2]] == ["create type s_kind", "create type n_kind"]
