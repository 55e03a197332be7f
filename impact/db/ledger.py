"""The ledger table: which migrations impact applied, with what checksum, when, by whom.

It makes apply idempotent (an applied migration is not applied twice) and catches an applied
migration whose file was edited afterwards (a changed checksum is an error, not a re-apply).
"""
from __future__ import annotations

import getpass
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

LEDGER = "impact_migrations"
ALEMBIC_REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.MULTILINE)
CREATE = f"""
CREATE TABLE IF NOT EXISTS {LEDGER} (
    name          text PRIMARY KEY,
    checksum      text NOT NULL,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    duration_ms   integer NOT NULL,
    verdict       text NOT NULL,
    applied_by    text NOT NULL,
    status        text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'rolled_back')),
    rolled_back_at timestamptz
)
"""


@dataclass(frozen=True)
class LedgerEntry:
    name: str
    checksum: str
    applied_at: datetime
    duration_ms: int
    verdict: str
    applied_by: str
    status: str


def checksum(sql_text: str) -> str:
    """Line endings do not change a migration; anything else does."""
    return hashlib.sha256(sql_text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def ensure(cur) -> None:
    cur.execute(CREATE)


def exists(cur) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (LEDGER,))
    return bool(cur.fetchone()[0])


def find(cur, name: str) -> LedgerEntry | None:
    if not exists(cur):
        return None
    cur.execute(f"SELECT name, checksum, applied_at, duration_ms, verdict, applied_by, status FROM {LEDGER} WHERE name = %s", (name,))
    row = cur.fetchone()
    return LedgerEntry(*row) if row else None


def record_applied(cur, name: str, digest: str, duration_ms: int, verdict: str) -> None:
    cur.execute(
        f"""INSERT INTO {LEDGER} (name, checksum, duration_ms, verdict, applied_by)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now(),
              duration_ms = EXCLUDED.duration_ms, verdict = EXCLUDED.verdict,
              applied_by = EXCLUDED.applied_by, status = 'applied', rolled_back_at = NULL""",
        (name, digest, duration_ms, verdict, who()),
    )


def record_rollback(cur, name: str) -> None:
    cur.execute(f"UPDATE {LEDGER} SET status = 'rolled_back', rolled_back_at = now() WHERE name = %s", (name,))


def framework_step(result) -> str | None:
    """The command that records the migration in the project's own ledger after impact applied it
    to a real database; without it `prisma migrate deploy` (or manage.py migrate, alembic upgrade)
    runs it again and fails on what already exists. None: a plain SQL folder, or Drizzle (its
    ledger keeps a hash and has no command to mark one applied)."""
    migration = result.migration
    if migration.format == "django" and migration.folder is not None:
        return f"python manage.py migrate {migration.folder.parent.name} {migration.path.stem} --fake"
    if migration.format == "alembic":
        found = ALEMBIC_REVISION.search(migration.path.read_text(encoding="utf-8", errors="replace"))
        return f"alembic stamp {found.group(1)}" if found else None
    if migration.path.name == "migration.sql" and migration.folder is not None and (migration.folder / "migration_lock.toml").is_file():
        return f"npx prisma migrate resolve --applied {migration.path.parent.name}"
    return None
