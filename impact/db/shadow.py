"""The shadow database: a throwaway embedded PostgreSQL with the repo's earlier migrations
replayed, on which apply/verify/rollback rehearse when no real database is given."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator

from impact.db import DatabaseError, connect
from impact.db.execute import StatementFailed, run_statement
from impact.db.plan import plan_apply
from impact.formats.base import EarlierMigration

SUPABASE_HINTS = ("auth.uid()", "auth.users", "auth.jwt()", "auth.role()", "to authenticated", "to anon", "service_role", "storage.objects")
CREATE_EXTENSION = re.compile(r'^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([\w-]+)"?', re.IGNORECASE)


@dataclass
class Shadow:
    url: str
    supabase: bool
    replayed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_supabase_project(repo: Path, texts: list[str]) -> bool:
    if (repo / "supabase" / "config.toml").is_file() or (repo / "supabase" / "migrations").is_dir():
        return True
    lowered = [t.lower() for t in texts]
    return any(hint in text for text in lowered for hint in SUPABASE_HINTS)


def shim_sql() -> str:
    return resources.files("impact.db").joinpath("sql/supabase_shim.sql").read_text(encoding="utf-8")


@contextmanager
def shadow_database(repo: Path, earlier: tuple[EarlierMigration, ...], current_sql: str) -> Iterator[Shadow]:
    """Start a server, create the shadow database, replay the earlier migrations; stop it after.

    The earlier migrations come as their format read them, so a Django or Alembic history replays
    the SQL the framework would have run."""
    from impact.db.server import EmbeddedPostgres

    with EmbeddedPostgres() as server:
        with connect(server.url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "shadow"')
        texts = [st.sql for e in earlier for st in e.parsed.statements] + [current_sql]
        shadow = Shadow(server.url_for("shadow"), is_supabase_project(repo, texts))
        with connect(shadow.url, autocommit=True) as conn:
            prepare(conn, earlier, shadow)
        yield shadow


def prepare(conn, earlier: tuple[EarlierMigration, ...], shadow: Shadow) -> None:
    """Shim (Supabase projects) and replay the given migrations, in order, on an empty database."""
    if shadow.supabase:
        conn.execute(shim_sql())
        shadow.notes.append("Supabase project: roles anon/authenticated/service_role, auth.uid()/jwt(), auth.users, storage.buckets/objects and the extensions schema are shimmed")
    available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
    for migration in earlier:
        _replay(conn, migration, available, shadow)
        shadow.replayed.append(migration.display)


def _replay(conn, migration: EarlierMigration, available: set[str], shadow: Shadow) -> None:
    rel = migration.display
    plan = plan_apply(migration.parsed)
    try:
        with conn.transaction(), conn.cursor() as cur:
            for statement in plan.in_transaction:
                extension = CREATE_EXTENSION.match(statement.sql)
                if extension and extension.group(1).lower() not in available:
                    shadow.notes.append(f"{rel}: extension {extension.group(1)} is not available on the shadow server; skipped")
                    continue
                run_statement(cur, statement, f"replaying {rel} on the shadow database")
        with conn.cursor() as cur:
            for statement in plan.outside:
                run_statement(cur, statement, f"replaying {rel} on the shadow database")
    except StatementFailed as failure:
        raise DatabaseError(failure.problem, "the earlier migrations do not replay on a plain PostgreSQL: fix that migration, or pass --database-url to use a real database") from None
