"""Shared test helpers: build small real repositories on disk and scan them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Never touch the developer's real cache or state; every test session gets its own."""
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "impact-cache"))
    monkeypatch.setenv("IMPACT_STATE_DIR", str(tmp_path_factory.getbasetemp() / "impact-state"))
    # A CI runner's own GitHub variables must not leak into reports (links) or the comment command.
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


ALEMBIC_INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def alembic_revision(rev: str, down: str | None, upgrade: str) -> str:
    """An Alembic revision file whose `upgrade()` body is `upgrade` (indented lines)."""
    return (f'"""revision {rev}\n\nRevision ID: {rev}\nRevises: {down or ""}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            f'revision = "{rev}"\ndown_revision = {down and repr(down)}\nbranch_labels = None\ndepends_on = None\n\n\n'
            f"def upgrade() -> None:\n{upgrade}")


PRISMA_DATASOURCE = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n'


def scan_prisma(root: Path, schema: str, init: str, change: str, files: dict[str, str]):
    """Scan a Prisma repo made of `schema`, the migrations `init` then `change` (the one scanned), and `files`."""
    from impact.pipeline import scan

    make_repo(root, {
        "prisma/schema.prisma": schema, "prisma/migrations/0_init/migration.sql": init,
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "prisma/migrations/1_change/migration.sql": change, **files,
    })
    return scan(root, str(root / "prisma/migrations/1_change/migration.sql"), use_cache=False)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root with its size and mtime: proves a scan wrote nothing."""
    listing = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            stat = path.lstat()
            listing[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return listing

from tests.db_fixtures import pg_database, pg_server  # noqa: E402,F401  (real PostgreSQL for the db tests)


def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true", default=False,
                     help="rewrite the golden files under tests/snapshots/ (review the diff before committing)")


def report_of(text: str) -> dict:
    """The one migration's report inside a `--format json` scan (schema_version 2's envelope)."""
    import json

    envelope = json.loads(text)
    assert envelope["schema_version"] == 2 and len(envelope["migrations"]) == 1, envelope.keys()
    return envelope["migrations"][0]
