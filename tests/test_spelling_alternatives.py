"""A field name several affected tables map to different columns (impact.orm.spelling_alternatives):
each reference is that of the column its table maps the name to. kaneo's migration dropped
`task.assignee_email` and `activity.user_email`, both `userEmail` in Drizzle; every `userEmail` was
taken for `assignee_email`, so `activity`'s were credited with a column activity does not have and
`fields: [activity.userEmail]` was left with no table."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = '''import { relations } from "drizzle-orm";
import { integer, pgTable, text } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: integer("id").primaryKey(),
  email: text("email").notNull(),
});

export const tasks = pgTable("task", {
  id: integer("id").primaryKey(),
  userEmail: text("assignee_email"),
});

export const activities = pgTable("activity", {
  id: integer("id").primaryKey(),
  userEmail: text("user_email"),
});

export const activityRelations = relations(activities, ({ one }) => ({
  user: one(users, {
    fields: [activities.userEmail],
    references: [users.email],
  }),
}));
'''

CODE = '''import { eq } from "drizzle-orm";
import { db } from "./db";
import { activities, tasks } from "./db/schema";

export async function activityOf(email: string) {
  return db.select().from(activities).where(eq(activities.userEmail, email));
}

export async function tasksOf(email: string) {
  return db.select().from(tasks).where(eq(tasks.userEmail, email));
}
'''

INIT = ('CREATE TABLE "users" ("id" integer PRIMARY KEY, "email" text NOT NULL);\n'
        'CREATE TABLE "task" ("id" integer PRIMARY KEY, "assignee_email" text);\n'
        'CREATE TABLE "activity" ("id" integer PRIMARY KEY, "user_email" text);\n')
DROP = 'ALTER TABLE "task" DROP COLUMN "assignee_email";\nALTER TABLE "activity" DROP COLUMN "user_email";\n'


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "app", {
        "package.json": '{"name": "app", "dependencies": {"drizzle-orm": "0.36.0"}}\n',
        "drizzle.config.ts": 'export default { dialect: "postgresql", schema: "./src/db/schema.ts", out: "./drizzle" };\n',
        "drizzle/0000_init.sql": INIT, "drizzle/0001_drop_emails.sql": DROP,
        "src/db/schema.ts": SCHEMA, "src/db/index.ts": "export const db = {} as any;\n", "src/emails.ts": CODE,
    })


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_each_reference_is_the_column_its_table_maps_the_name_to(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "0001", use_cache=False)
    placed = {(r.file, r.line): (r.table, r.column) for r in result.references if r.table}
    assert placed[("src/emails.ts", _line(CODE, "eq(activities.userEmail"))] == ("activity", "user_email")
    assert placed[("src/emails.ts", _line(CODE, "eq(tasks.userEmail"))] == ("task", "assignee_email")
    # the relation's `fields:` reads activity's column through its table variable
    assert placed[("src/db/schema.ts", _line(SCHEMA, "fields: [activities.userEmail]"))] == ("activity", "user_email")


def test_no_reference_pairs_a_table_with_a_column_it_does_not_have(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "0001", use_cache=False)
    pairs = {(r.table, r.column) for r in result.references if r.table}
    assert ("activity", "assignee_email") not in pairs and ("task", "user_email") not in pairs
    # one reference per occurrence: the copies for the other column are gone
    lines = [(r.file, r.line) for r in result.references if r.file == "src/emails.ts"]
    assert len(lines) == len(set(lines))


def test_the_spellings_list_the_other_columns_a_name_may_be(tmp_path: Path) -> None:
    from impact.orm import build_orm_map

    repo = _repo(tmp_path)
    orm = build_orm_map([("src/db/schema.ts", (repo / "src/db/schema.ts").read_text())])
    spelled = orm.spelled_columns(["task", "activity"], {"assignee_email", "user_email"})
    assert spelled["userEmail"] == ("assignee_email", None)
    assert spelled.alternatives == {"userEmail": ("user_email",)}
