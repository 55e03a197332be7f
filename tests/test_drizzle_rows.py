"""Names holding a row of a Drizzle table (impact.orm.drizzle_rows), on fixtures/apps/drizzle-app:
a row a query returned where it is read, and values typed with a row-type alias of the table."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import FIXTURES, make_repo

APP = FIXTURES / "apps" / "drizzle-app"


def _app(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "app"
    shutil.copytree(APP, repo)
    return make_repo(repo, files)


def _placed(result, rel: str) -> dict[int, tuple[str | None, str]]:
    """Line -> (table, via) of the reference to `status` on it (the last, when several)."""
    return {r.line: (r.table, r.via) for r in result.references if r.file == rel and r.column == "status"}


def _evidence(result) -> set[str]:
    return {f"{e.file}:{e.line}" for f in result.findings if f.rule_id == "changed-column-referenced" for e in f.evidence}


ROWS = '''import { eq } from "drizzle-orm";
import { db } from "../db";
import { posts, users } from "../db/schema";

export async function check(id: number) {
  const found = await db.query.users.findFirst({ where: eq(users.id, id) });
  if (found?.status !== "active") throw new Error("inactive");
  const [first] = await db
    .select()
    .from(users)
    .where(eq(users.id, id));
  const { status } = first;
  const [created] = await db.insert(users).values({ fullName: "x", email: "y" }).returning();
  const one = await db.select().from(users).then((rows) => rows[0]);
  return [
    created.status,
    one.status,
  ];
}

export async function others(id: number) {
  const post = await db.query.posts.findFirst({ where: eq(posts.id, id) });
  const [named] = await db.select({ status: posts.status }).from(users).innerJoin(posts, eq(posts.authorId, users.id));
  const all = await db.query.users.findMany();
  return [
    post?.status,
    named.status,
    all[0].status,
  ];
}
'''


def test_a_row_a_query_returned_is_read_as_the_tables_row(tmp_path: Path) -> None:
    # dokploy: `const apiKeyToDelete = await db.query.apikey.findFirst(...)`, then `apiKeyToDelete.userId`.
    repo = _app(tmp_path, {"src/jobs/check.ts": ROWS})
    result = scan(repo, "0001", use_cache=False)  # DROP COLUMN users.status
    placed = _placed(result, "src/jobs/check.ts")
    assert {line: placed[line] for line in (7, 12, 16, 17)} == {n: ("users", "typed-receiver") for n in (7, 12, 16, 17)}
    # A posts row (posts' own status), a select with a field map and a join, a list (findMany): no users row.
    # The field map's `status: posts.status` makes `named.status` posts' (impact.orm.drizzle_field_rows).
    assert placed[26] == placed[27] == ("posts", "typed-receiver")
    assert placed[28] == (None, "name-only")
    evidence = _evidence(result)
    assert {f"src/jobs/check.ts:{n}" for n in (7, 12, 16, 17)} <= evidence
    assert not {f"src/jobs/check.ts:{n}" for n in (26, 27, 28)} & evidence


TYPES = 'import { users } from "./schema";\n\nexport type User = typeof users.$inferSelect;\n'
FIXTURE_ROWS = '''import type { User } from "../db/types";

const admin: User = {
  id: 1,
  fullName: "Ada",
  status: "active",
  email: "a@example.com",
  createdAt: new Date(),
  updatedAt: null,
};

export const describe = (user: User | null) => {
  const { status } = user || {};
  return status === "active" &&
    user?.status === "active";
};
export const blocked = () => ({ ...admin, status: "blocked" });
'''
OTHER = '''import type { User } from "./other-types";

const local: User = { status: "guest" };
export const label = (user: User) => user.status;
export const guest = () => ({ ...local, status: "guest" });
'''


def test_a_value_typed_with_a_row_type_alias_of_the_table_is_its_row(tmp_path: Path) -> None:
    # dokploy: `export type User = typeof user.$inferSelect`, a test's `const baseAdmin: User = { serverIp: null }`
    # and `(user: User | null) => { const { https, certificateType } = user || {} }`.
    repo = _app(tmp_path, {"src/db/types.ts": TYPES, "src/jobs/fixture.ts": FIXTURE_ROWS, "src/jobs/other.ts": OTHER,
                           "src/jobs/other-types.ts": "export type User = { status: string };\n"})
    result = scan(repo, "0001", use_cache=False)  # DROP COLUMN users.status
    placed = _placed(result, "src/jobs/fixture.ts")
    # Line 17: a key overriding a field of the row `admin` spread into the same object.
    assert {line: placed[line] for line in (6, 13, 15, 17)} == {n: ("users", "typed-receiver") for n in (6, 13, 15, 17)}
    # Another module's `User` is not the table's row type.
    assert {via for _, via in _placed(result, "src/jobs/other.ts").values()} == {"name-only"}
    assert {"src/jobs/fixture.ts:6", "src/jobs/fixture.ts:13", "src/jobs/fixture.ts:15", "src/jobs/fixture.ts:17"} <= _evidence(result)


def test_a_row_returned_through_a_wrapper_function(tmp_path: Path) -> None:
    # Followed by impact.orm.drizzle_returned_rows (tests/test_drizzle_returned_rows.py).
    repo = _app(tmp_path, {"src/jobs/wrap.ts": 'import { eq } from "drizzle-orm";\nimport { db } from "../db";\n'
                                               'import { users } from "../db/schema";\n'
                                               "const findUser = (id: number) => db.query.users.findFirst({ where: eq(users.id, id) });\n"
                                               "export async function f() {\n  const u = await findUser(1);\n  return u?.status;\n}\n"})
    assert _placed(scan(repo, "0001", use_cache=False), "src/jobs/wrap.ts")[7] == ("users", "typed-receiver")


@pytest.mark.xfail(strict=True, reason="known limit: an inline row type is not read")
def test_an_inline_row_type(tmp_path: Path) -> None:
    repo = _app(tmp_path, {"src/jobs/inline.ts": 'import { users } from "../db/schema";\n'
                                                 "export const s = (u: typeof users.$inferSelect) => u.status;\n"})
    assert _placed(scan(repo, "0001", use_cache=False), "src/jobs/inline.ts")[2] == ("users", "typed-receiver")
