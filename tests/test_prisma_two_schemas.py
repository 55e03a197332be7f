"""A repository keeping one Prisma schema per database (typebot: prisma/mysql and prisma/postgresql):
a query's model is named from the PostgreSQL schema, and both declarations are the model's."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

MODEL = "\nmodel Workspace {\n  id       String    @id\n  name     String\n  noticeAt DateTime?\n}\n"


def test_the_postgresql_schema_names_the_model(tmp_path: Path) -> None:
    pg = "packages/prisma/postgresql"
    repo = make_repo(tmp_path, {
        "packages/prisma/mysql/schema.prisma": 'datasource db {\n  provider = "mysql"\n}\n' + MODEL,
        f"{pg}/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n' + MODEL,
        f"{pg}/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        f"{pg}/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "Workspace" (id text PRIMARY KEY, name text NOT NULL, "noticeAt" timestamp);\n',
        f"{pg}/migrations/20240201000000_drop/migration.sql": 'ALTER TABLE "Workspace" DROP COLUMN "noticeAt";\n',
        "apps/api/workspaces.ts": "export const list = () => prisma.workspace.findMany({ select: { id: true, noticeAt: true } });\n",
    })
    result = scan(repo, f"{pg}/migrations/20240201000000_drop/migration.sql", use_cache=False)
    (query,) = [q for q in result.queries if q.file == "apps/api/workspaces.ts"]
    assert query.table == "Workspace" and f"on model Workspace ({pg}/schema.prisma:" in query.note
    declared = sorted(e.file for f in result.findings if f.code == "IMP109" for e in f.evidence)
    assert declared == ["packages/prisma/mysql/schema.prisma", f"{pg}/schema.prisma"]
