"""A bare name a Drizzle file's filters compare with another column is no evidence of the changed
column (impact.orm.drizzle_values), on fixtures/apps/drizzle-app."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

APP = FIXTURES / "apps" / "drizzle-app"

ONE_COLUMN = '''import { eq } from "drizzle-orm";
import { db } from "../db";
import { users } from "../db/schema";

export async function rename(status: string) {
  await db.update(users).set({ fullName: "x" }).where(eq(users.status, status));
  return status;
}
'''
# The same, where `status` is also compared with posts' title: a value of several columns, not users' status.
TWO_COLUMNS = ONE_COLUMN.replace('import { users }', 'import { posts, users }').replace(
    "  return status;\n", "  await db.delete(posts).where(eq(posts.title, status));\n  return status;\n")


def test_a_name_compared_with_another_column_is_that_columns_value(tmp_path: Path) -> None:
    # sim: `eq(permissionGroupMember.workspaceId, workspaceId)` next to `eq(workspace.id, workspaceId)` and
    # `eq(permissions.entityId, workspaceId)`: the route's `workspaceId` is a workspace's id.
    repo = tmp_path / "app"
    shutil.copytree(APP, repo)
    make_repo(repo, {"src/jobs/one.ts": ONE_COLUMN, "src/jobs/two.ts": TWO_COLUMNS})
    result = scan(repo, "0001", use_cache=False)  # DROP COLUMN users.status
    placed = {(r.file, r.line): (r.table, r.via) for r in result.references if r.file.startswith("src/jobs/")}
    assert placed[("src/jobs/one.ts", 7)] == ("users", "file-queries")
    assert placed[("src/jobs/two.ts", 8)] == (None, "name-only")
    evidence = {f"{e.file}:{e.line}" for f in result.findings if f.rule_id == "changed-column-referenced" for e in f.evidence}
    assert "src/jobs/one.ts:7" in evidence and "src/jobs/two.ts:8" not in evidence

