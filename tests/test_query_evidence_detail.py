"""What a query's evidence says about its columns: an ORM write given a row variable names no key on
its line, and the ORM writes every column its model declares (kaneo's
`db.insert(sessionTable).values(session)` read "insert session(; the ORM names …)")."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = '''import { pgTable, text } from "drizzle-orm/pg-core";

export const sessionTable = pgTable("session", {
  id: text("id").primaryKey(),
  userId: text("user_id").notNull(),
});
'''
CODE = '''import { db } from "./db";
import { sessionTable } from "./db/schema";

export async function save(session: { id: string; userId: string }) {
  await db.insert(sessionTable).values(session);
}

export async function make(id: string, userId: string) {
  await db.insert(sessionTable).values({ id, userId });
}
'''


def test_a_write_of_a_row_variable_says_the_orm_names_every_column(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {
        "package.json": '{"name": "app", "dependencies": {"drizzle-orm": "0.36.0"}}\n',
        "drizzle.config.ts": 'export default { dialect: "postgresql", schema: "./src/db/schema.ts", out: "./drizzle" };\n',
        "drizzle/0000_init.sql": 'CREATE TABLE "session" ("id" text PRIMARY KEY, "user_id" text NOT NULL);\n',
        "drizzle/0001_token.sql": 'ALTER TABLE "session" ADD COLUMN "token" text NOT NULL;\n',
        "src/db/schema.ts": SCHEMA, "src/db/index.ts": "export const db = {} as any;\n", "src/sessions.ts": CODE,
    })
    result = scan(repo, "0001", use_cache=False)
    said = {e.line: e.detail for f in result.findings if f.rule_id == "insert-omits-required-column" for e in f.evidence}
    assert said[5].startswith("insert session(the ORM names every column its model declares)")
    assert said[9].startswith("insert session(id, user_id; the ORM names every column its model declares)")
