"""After a DROP TABLE, code using a changed column of that table is evidence that the table is still
used (impact.judge.reference_predicates.names_model_of_table), on a copy of fixtures/apps/drizzle-app
given a migration that drops `posts` and `users.status` (both tables have a `status`)."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

APP = FIXTURES / "apps" / "drizzle-app"

MIGRATION = 'DROP TABLE "posts";\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "status";\n'

REVIEW = '''import { eq } from "drizzle-orm";
import { db } from "../db";
import { posts, users } from "../db/schema";

export async function review(id: number) {
  const post = await db.query.posts.findFirst({ where: eq(posts.id, id) });
  const user = await db.query.users.findFirst({ where: eq(users.id, id) });
  const shown = { status: post?.status };
  return [shown, user?.status];
}
'''

# No query here: its `status` has no table, for neither operation.
LABEL = 'export function label(row: { status: string }) {\n  return row.status.toUpperCase();\n}\n'


def _evidence(result, rule: str, table: str) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings if f.rule_id == rule and f.operation.table == table
            for e in f.evidence if e.kind != "statement"}


def _scanned(tmp_path: Path, migration: str):
    repo = tmp_path / "app"
    shutil.copytree(APP, repo)
    make_repo(repo, {"drizzle/0004_drop_posts.sql": migration, "src/jobs/review.ts": REVIEW, "src/label.ts": LABEL})
    return scan(repo, "0004", use_cache=False)


def test_a_column_of_a_dropped_table_used_in_code_is_evidence_that_the_table_is_still_used(tmp_path: Path) -> None:
    result = _scanned(tmp_path, MIGRATION)
    dropped = _evidence(result, "dropped-table-still-used", "posts")
    # `post.status` of a posts row, the key it is given to, and the dropped model's own declaration.
    assert {"src/jobs/review.ts:8", "src/db/schema.ts:21"} <= dropped
    # A users row's status is the users column's evidence, never the dropped posts table's; a name with no table is neither's.
    assert "src/jobs/review.ts:9" not in dropped
    assert "src/jobs/review.ts:9" in _evidence(result, "changed-column-referenced", "users")
    assert not {e for e in dropped | _evidence(result, "changed-column-referenced", "users") if e.startswith("src/label.ts")}
    # The users table's status declaration is the dropped column's (IMP109), not the dropped table's.
    assert "src/db/schema.ts:13" not in dropped
    message = next(f.message for f in result.findings if f.rule_id == "dropped-table-still-used")
    assert "2 lines using a column of it" in message  # review.ts:8 (a key and a row's field: one line), schema.ts:21


def test_a_column_a_table_created_by_the_migration_keeps_is_no_evidence_of_the_drop(tmp_path: Path) -> None:
    # documenso: `Document` dropped for a new `Envelope` with a `templateId` of its own; code naming it may follow the rows.
    created = 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" text);\n--> statement-breakpoint\n'
    result = _scanned(tmp_path, created + MIGRATION)
    dropped = _evidence(result, "dropped-table-still-used", "posts")
    assert "src/jobs/review.ts:3" in dropped  # the model's variable still goes with the table
    assert not {"src/jobs/review.ts:8", "src/db/schema.ts:21"} & dropped
