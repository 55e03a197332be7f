"""The ORM matrix (issue 8): for each ORM a small app under fixtures/apps, written for this project the
way the ORM's docs write it, with a DROP COLUMN, a RENAME COLUMN and an ADD COLUMN ... NOT NULL
migration in the ORM's own migration form, and the exact file:line lists a reviewer would say break.

Every app but drizzle-app is the same helpdesk: `tickets` (title, status, an assignee name the ORM
maps to `assignee_name`, project_id, created_at) and `projects` (name, status). The migrations drop
tickets.status, rename tickets.assignee_name to assignee, and add tickets.channel NOT NULL. One file
per app queries only projects and names its `status`: it is never evidence about tickets.status.
The older ORM fixtures stay as they are: analytics-prisma and members-typeorm judge scenario
migrations on their own history (a DROP or RENAME in it would change those tests and snapshots),
shop-typeorm, inventory-alembic and blog-knex query with raw SQL, and shop-django's models are the
state after fourteen migrations.

The expected lists are the truth, not what impact finds today. Rows impact gets wrong are
xfail(strict=True) with the reason: they are known limits and the next work. Decisions behind the
lists, per ORM (what SQL the call sends):
- Prisma, Sequelize, TypeORM, SQLAlchemy and Django read every declared column of a whole-row read
  (findMany/findUnique, findAll/findByPk, find/findOneBy, select(M)/session.get, filter()/get()),
  so a DROP or RENAME of a declared column breaks them though no line names it; counts and
  writes that return nothing name only the columns they touch.
- Prisma create/update return the whole record (RETURNING every scalar field).
- Drizzle and TypeORM INSERT list every column of the table (`default` / `DEFAULT` where no value is
  given); Sequelize create lists the given fields and those with a defaultValue and RETURNs every
  attribute; Django create() inserts every concrete field; SQLAlchemy inserts the given attributes
  and those with a Python-side `default`.
- Kysely selectAll(), knex("t") and Objection's Model.query() without select() are `SELECT *`
  (`select "t".*`): they keep working after a DROP.
- The model declaration of the changed column is IMP109 (orm-model-declares-changed-column), said
  once at the declaration; Kysely's `Database` interface is a type, not a model.
Sequelize's app keeps plain SQL migrations; the last test reads the same three changes written as
sequelize-cli migrations (`queryInterface.*`, impact.formats.ts_sequelize) and expects the same evidence.
"""
from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import FIXTURES, snapshot

APPS = FIXTURES / "apps"
DROP, RENAME, ADD = "dropped-column-still-used", "renamed-column-still-used", "insert-omits-required-column"
DECLARES = "orm-model-declares-changed-column"

# app -> (DROP, RENAME, ADD NOT NULL) migration references, the file that queries only another
# table's `status`, and the folder of the ORM's own migration history.
APP_MIGRATIONS = {
    "helpdesk-prisma": (("20240201", "20240301", "20240401"), "src/projects/active.ts", "prisma/migrations/"),
    "drizzle-app": (("0001", "0002", "0003"), "src/posts.ts", "drizzle/"),
    "helpdesk-typeorm": (("1700000001000", "1700000002000", "1700000003000"), "src/projects/projects.queries.ts", "src/migrations/"),
    "helpdesk-sequelize": (("20240201", "20240301", "20240401"), "src/projects.js", "migrations/"),
    "helpdesk-kysely": (("20240201", "20240301", "20240401"), "src/projects.ts", "migrations/"),
    "helpdesk-knex": (("20240201", "20240301", "20240401"), "src/projects.js", "migrations/"),
    "helpdesk-objection": (("20240201", "20240301", "20240401"), "src/projects.js", "migrations/"),
    "helpdesk-sqlalchemy": (("0002", "0003", "0004"), "helpdesk/projects.py", "migrations/"),
    "helpdesk-django": (("tickets.0002", "tickets.0003", "tickets.0004"), "projects/queries.py", "tickets/migrations/"),
}


def row(app: str, which: int, rule: str, expected: list[str], known_limit: str | None = None):
    migration = APP_MIGRATIONS[app][0][which]
    marks = [pytest.mark.xfail(strict=True, reason=f"known limit: {known_limit}")] if known_limit else []
    return pytest.param(app, migration, rule, sorted(expected), marks=marks, id=f"{app}-{migration}-{rule}")


D, R, A = 0, 1, 2
ROWS = [
    # --- Prisma ---------------------------------------------------------------------------------
    # findMany (names status), findUnique (whole record), count (names it); create and update
    # RETURN the whole record; updateMany writes it. projects' status (src/projects) is not it. The
    # provisioner's create (53) writes status and RETURNs only id.
    row("helpdesk-prisma", D, DROP, ["src/tickets/queries.ts:4", "src/tickets/queries.ts:8", "src/tickets/queries.ts:16",
                                     "src/tickets/mutations.ts:4", "src/tickets/mutations.ts:8", "src/tickets/mutations.ts:12",
                                     "src/tickets/provisioner.ts:53"]),
    row("helpdesk-prisma", D, DECLARES, ["prisma/schema.prisma:22"]),
    # count() and updateMany() return no record, so they never read assignee_name.
    row("helpdesk-prisma", R, RENAME, ["src/tickets/queries.ts:4", "src/tickets/queries.ts:8", "src/tickets/queries.ts:12",
                                       "src/tickets/mutations.ts:4", "src/tickets/mutations.ts:8"]),
    row("helpdesk-prisma", R, DECLARES, ["prisma/schema.prisma:23"]),
    row("helpdesk-prisma", A, ADD, ["src/tickets/mutations.ts:4", "src/tickets/provisioner.ts:53"]),
    # --- Drizzle (fixtures/apps/drizzle-app: users.status, users.full_name, posts.slug) ---------
    # insert(users).values(...) lists every column of users, with `default` for status (14, 18).
    row("drizzle-app", D, DROP, ["src/users.ts:6", "src/users.ts:14", "src/users.ts:18", "src/users.ts:26"]),
    row("drizzle-app", D, DECLARES, ["src/db/schema.ts:13"]),
    # importUsers (18) inserts rows of users: the column list names full_name.
    row("drizzle-app", R, RENAME, ["src/feed.ts:7", "src/users.ts:6", "src/users.ts:10", "src/users.ts:14", "src/users.ts:18",
                                   "src/users.ts:22", "src/users.ts:26"]),
    row("drizzle-app", R, DECLARES, ["src/db/schema.ts:11"]),
    row("drizzle-app", A, ADD, ["src/posts.ts:11"]),
    # --- TypeORM --------------------------------------------------------------------------------
    # insert() lists every entity column (DEFAULT for status) and RETURNs status (it has a default).
    row("helpdesk-typeorm", D, DROP, ["src/tickets/tickets.queries.ts:7", "src/tickets/tickets.queries.ts:11",
                                      "src/tickets/tickets.queries.ts:19", "src/tickets/tickets.mutations.ts:7",
                                      "src/tickets/tickets.mutations.ts:15"]),
    row("helpdesk-typeorm", D, DECLARES, ["src/entities/ticket.entity.ts:13"]),  # the property under its @Column
    # countBy({ status }) selects COUNT(DISTINCT id) only: it does not read assignee_name.
    row("helpdesk-typeorm", R, RENAME, ["src/tickets/tickets.queries.ts:7", "src/tickets/tickets.queries.ts:11",
                                        "src/tickets/tickets.queries.ts:15", "src/tickets/tickets.mutations.ts:7",
                                        "src/tickets/tickets.mutations.ts:11"]),
    row("helpdesk-typeorm", R, DECLARES, ["src/entities/ticket.entity.ts:15"]),
    row("helpdesk-typeorm", A, ADD, ["src/tickets/tickets.mutations.ts:7"]),
    # --- Sequelize ------------------------------------------------------------------------------
    # create() inserts status (it has a defaultValue) and RETURNs every attribute.
    row("helpdesk-sequelize", D, DROP, ["src/tickets.js:4", "src/tickets.js:8", "src/tickets.js:16",
                                        "src/ticketWrites.js:4", "src/ticketWrites.js:12"]),
    row("helpdesk-sequelize", D, DECLARES, ["src/models/ticket.js:9"]),
    row("helpdesk-sequelize", R, RENAME, ["src/tickets.js:4", "src/tickets.js:8", "src/tickets.js:12",
                                          "src/ticketWrites.js:4", "src/ticketWrites.js:8"]),
    row("helpdesk-sequelize", R, DECLARES, ["src/models/ticket.js:10"]),
    row("helpdesk-sequelize", A, ADD, ["src/ticketWrites.js:4"]),
    # --- Kysely (database names; selectAll() is SELECT *) ---------------------------------------
    row("helpdesk-kysely", D, DROP, ["src/tickets.ts:4", "src/tickets.ts:16", "src/ticketWrites.ts:12"]),
    row("helpdesk-kysely", R, RENAME, ["src/tickets.ts:12", "src/ticketWrites.ts:8"]),
    row("helpdesk-kysely", A, ADD, ["src/ticketWrites.ts:4"]),
    # --- knex (database names; knex("t") alone is SELECT *) ------------------------------------
    row("helpdesk-knex", D, DROP, ["src/tickets.js:4", "src/tickets.js:16", "src/ticketWrites.js:12"]),
    row("helpdesk-knex", R, RENAME, ["src/tickets.js:12", "src/ticketWrites.js:8"]),
    row("helpdesk-knex", A, ADD, ["src/ticketWrites.js:4"]),
    # --- Objection.js (knex migrations; snakeCaseMappers: payload keys camelCase, where() snake_case) --
    # query() without select() is `select "tickets".*` (findById 8, 16): it keeps working, like knex;
    # the instance's $query().patch (17) is Ticket's: the instance came from Ticket.query().
    row("helpdesk-objection", D, DROP, ["src/tickets.js:4", "src/tickets.js:16", "src/ticketWrites.js:12",
                                        "src/ticketWrites.js:17", "src/ticketWrites.js:21"]),
    row("helpdesk-objection", D, DECLARES, ["src/models/Ticket.js:15"]),  # its jsonSchema property
    row("helpdesk-objection", R, RENAME, ["src/tickets.js:12", "src/ticketWrites.js:8"]),
    row("helpdesk-objection", R, DECLARES, ["src/models/Ticket.js:16"]),
    row("helpdesk-objection", A, ADD, ["src/ticketWrites.js:4"]),
    # --- SQLAlchemy (Alembic versions/) ---------------------------------------------------------
    # count_open (21) filters on Ticket.status; Ticket(...) (writes 9) inserts status, whose
    # Python-side default="open" SQLAlchemy fills in.
    row("helpdesk-sqlalchemy", D, DROP, ["helpdesk/tickets.py:9", "helpdesk/tickets.py:13", "helpdesk/tickets.py:21",
                                         "helpdesk/writes.py:9", "helpdesk/writes.py:20"]),
    row("helpdesk-sqlalchemy", D, DECLARES, ["helpdesk/models.py:25"]),
    # Ticket(...) gives no assigned_to and it has no default: the INSERT does not name it.
    row("helpdesk-sqlalchemy", R, RENAME, ["helpdesk/tickets.py:9", "helpdesk/tickets.py:13", "helpdesk/tickets.py:17",
                                           "helpdesk/writes.py:16"]),
    row("helpdesk-sqlalchemy", R, DECLARES, ["helpdesk/models.py:26"]),
    row("helpdesk-sqlalchemy", A, ADD, ["helpdesk/writes.py:9"]),
    # --- Django (app migrations) ----------------------------------------------------------------
    # objects.create() inserts every concrete field, status and assignee_name included (writes 6).
    row("helpdesk-django", D, DROP, ["tickets/queries.py:6", "tickets/queries.py:10", "tickets/queries.py:18",
                                     "tickets/writes.py:6", "tickets/writes.py:14"]),
    row("helpdesk-django", D, DECLARES, ["tickets/models.py:8"]),
    row("helpdesk-django", R, RENAME, ["tickets/queries.py:6", "tickets/queries.py:10", "tickets/queries.py:14",
                                       "tickets/writes.py:6", "tickets/writes.py:10"]),
    row("helpdesk-django", R, DECLARES, ["tickets/models.py:9"]),
    # AddField with preserve_default=False: NOT NULL, default dropped in the same migration, so
    # create() without channel fails: the DROP DEFAULT's finding (IMP112) holds the evidence, not
    # the ADD's (which had a default).
    row("helpdesk-django", A, "dropped-default-breaks-inserts", ["tickets/writes.py:6"]),
    row("helpdesk-django", A, ADD, []),
]


@cache
def scanned(app: str, migration: str):
    return scan(APPS / app, migration, use_cache=False)


def evidence(result, rule_id: str) -> list[str]:
    found = [f for f in result.findings if f.rule_id == rule_id]
    return sorted(f"{e.file}:{e.line}" for f in found for e in f.evidence)


@pytest.mark.parametrize("app, migration, rule_id, expected", ROWS)
def test_the_lines_that_break(app: str, migration: str, rule_id: str, expected: list[str]) -> None:
    assert evidence(scanned(app, migration), rule_id) == expected


def test_every_app_has_a_row_for_each_of_its_three_migrations() -> None:
    covered = {(p.values[0], p.values[1]) for p in ROWS}
    assert covered == {(app, m) for app, (migrations, _, _) in APP_MIGRATIONS.items() for m in migrations}


@pytest.mark.parametrize("app", sorted(APP_MIGRATIONS))
def test_status_of_another_table_is_not_evidence_of_the_drop(app: str) -> None:
    (drop, _, _), other_status_file, _ = APP_MIGRATIONS[app]
    assert "status" in (APPS / app / other_status_file).read_text()  # the file does name `status`
    result = scanned(app, drop)
    assert evidence(result, DROP)  # the drop does break code elsewhere in the app
    every = {e.file for f in result.findings for e in f.evidence}
    assert other_status_file not in every
    changed = "users" if app == "drizzle-app" else "tickets"
    assert [r.line for r in result.references if r.file == other_status_file and r.table == changed] == []


@pytest.mark.parametrize("app, migration", [(app, m) for app, (ms, _, _) in sorted(APP_MIGRATIONS.items()) for m in ms])
def test_the_orms_own_migration_history_is_never_code_evidence(app: str, migration: str) -> None:
    history = APP_MIGRATIONS[app][2]
    result = scanned(app, migration)
    assert result.findings
    assert [f"{e.file}:{e.line}" for f in result.findings for e in f.evidence if e.file.startswith(history)] == []


@pytest.mark.parametrize("app", sorted(APP_MIGRATIONS))
def test_a_scan_writes_nothing_into_the_fixture(app: str) -> None:
    before = snapshot(APPS / app)
    scan(APPS / app, APP_MIGRATIONS[app][0][0], use_cache=False)
    assert snapshot(APPS / app) == before


SEQUELIZE_CLI = {  # the same three changes as sequelize-cli migrations (module.exports = { up, down })
    "20240201000000-drop-ticket-status.js": 'await queryInterface.removeColumn("tickets", "status");',
    "20240301000000-rename-assignee-name.js": 'await queryInterface.renameColumn("tickets", "assignee_name", "assignee");',
    "20240401000000-require-channel.js": 'await queryInterface.addColumn("tickets", "channel", { type: Sequelize.STRING, allowNull: false });',
}


@pytest.mark.parametrize("name", sorted(SEQUELIZE_CLI))
def test_a_sequelize_cli_migration_is_read_like_its_sql(name: str, tmp_path: Path) -> None:
    app = shutil.copytree(APPS / "helpdesk-sequelize", tmp_path / "app")
    which = sorted(SEQUELIZE_CLI).index(name)
    sql = sorted((app / "migrations").glob("*.sql"))[which + 1]
    sql.unlink()
    (app / "migrations" / name).write_text(
        '"use strict";\n\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    '
        f"{SEQUELIZE_CLI[name]}\n  }},\n}};\n")
    rule = (DROP, RENAME, ADD)[which]
    expected = next(p.values[3] for p in ROWS if p.values[0] == "helpdesk-sequelize" and p.values[2] == rule)
    assert evidence(scan(app, name[:8], use_cache=False), rule) == expected
