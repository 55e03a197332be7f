"""A row of a Drizzle table returned by one of the project's own functions (impact.orm.drizzle_returned_rows),
on fixtures/apps/drizzle-app (migration 0001 drops users.status; posts has a status of its own)."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

APP = FIXTURES / "apps" / "drizzle-app"

SERVICE = '''import { eq } from "drizzle-orm";
import { db } from "../db";
import { posts, users } from "../db/schema";

export const findUserById = async (id: number) => {
  const found = await db.query.users.findFirst({ where: eq(users.id, id) });
  if (!found) {
    throw new Error("not found");
  }
  return found;
};

export async function findPost(id: number) {
  return await db.query.posts.findFirst({ where: eq(posts.id, id) });
}

export const updateUser = async (id: number, data: { fullName: string }) => {
  const updated = await db.update(users).set(data).where(eq(users.id, id)).returning().then((rows) => rows[0]);
  return updated;
};

export const userSummary = async (id: number) => {
  const found = await db.query.users.findFirst({ where: eq(users.id, id) });
  return { id: found?.id, label: "x" };
};
'''

ROUTE = '''import { findPost, findUserById, updateUser, userSummary } from "../services/users";

export async function show(id: number) {
  const admin = await findUserById(id);
  const post = await findPost(id);
  const summary = await userSummary(id);
  const updated = await updateUser(id, { fullName: "x" });
  return [
    admin.status,
    post?.status,
    summary.status,
    updated?.status,
  ];
}
'''

# Another module's function of the same name, imported from there: not the service's row.
OTHER = 'export async function findUserById(id: number) {\n  return { id, status: "remote" };\n}\n'
ELSEWHERE = '''import { findUserById } from "./remote";

export async function remote(id: number) {
  const admin = await findUserById(id);
  return admin.status;
}
'''


def _placed(result, rel: str) -> dict[int, tuple[str | None, str]]:
    return {r.line: (r.table, r.via) for r in result.references if r.file == rel and r.column == "status"}


def _evidence(result) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings if f.rule_id == "changed-column-referenced" for e in f.evidence}


def test_a_row_a_project_function_returns_is_read_as_the_tables_row(tmp_path: Path) -> None:
    # dokploy: `const admin = await findUserById(ctx.user.ownerId)`, then `admin.serverIp`.
    repo = tmp_path / "app"
    shutil.copytree(APP, repo)
    make_repo(repo, {"src/services/users.ts": SERVICE, "src/routes/show.ts": ROUTE,
                     "src/routes/remote.ts": OTHER, "src/routes/elsewhere.ts": ELSEWHERE})
    result = scan(repo, "0001", use_cache=False)
    placed = _placed(result, "src/routes/show.ts")
    # `updated`: the row `update(users)...returning().then((rows) => rows[0])` gave the function (dokploy's updateUser).
    assert placed[9] == placed[12] == ("users", "typed-receiver")
    assert placed[10] == ("posts", "typed-receiver")  # the relational query returned as is: posts' own status
    assert placed[11][1] == "name-only"  # a function returning an object of its own, not the row
    assert _placed(result, "src/routes/elsewhere.ts")[5][1] == "name-only"
    evidence = _evidence(result)
    assert {"src/routes/show.ts:9", "src/routes/show.ts:12"} <= evidence
    assert not {"src/routes/show.ts:10", "src/routes/show.ts:11", "src/routes/elsewhere.ts:5"} & evidence
