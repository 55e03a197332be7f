"""Column references: every identifier, key or string naming a changed column, by context."""
from __future__ import annotations

import pytest

from impact.extract.references import find_references
from impact.model import Query, QueryKind
from impact.pipeline import scan
from tests.conftest import make_repo

# review and comment both have is_hidden; the migration drops review's.
DROP_REVIEW_IS_HIDDEN = {
    "migrations/0001_init.sql": "CREATE TABLE review (id int PRIMARY KEY, is_hidden bool);\nCREATE TABLE comment (id int PRIMARY KEY, is_hidden bool);",
    "migrations/0002_drop.sql": "SET lock_timeout = '1s';\nALTER TABLE review DROP COLUMN is_hidden;",
}

CODE = """// is_pinned used to be here
const a = row.is_pinned
const b = { is_pinned: true }
const c = "is_pinned"
const d = is_pinned_count + is_pinned
await supabase.from(table)
  .update({ is_pinned: false })
"""


def test_contexts_and_query_spans() -> None:
    query = Query("a.ts", 6, 7, "typescript", "supabase-js", QueryKind.UPDATE, None, columns_known=False)
    refs = find_references("a.ts", CODE, {"is_pinned"}, [query])
    assert [(r.line, r.context) for r in refs] == [(2, "property"), (3, "property"), (4, "string"), (5, "identifier"), (7, "sql")]
    assert all(r.column == "is_pinned" for r in refs)  # is_pinned_count is another name


@pytest.mark.parametrize("rel, line, context", [
    ("a.ts", 'return reply.status(200).send();', "call"),  # a method called by the name
    ("a.ts", 'description: "Get the status of a manual segment.",', "text"),
    ("a.ts", '"/manual-segment/status",', "text"),
    ("a.ts", 'const c = "status"', "string"),  # the whole string is the name: a key
    ("a.ts", 'sql`UPDATE t SET ${t.status} = 1`', "property"),  # a template literal's code
    ("a.ts", '`label ${row.status}`', "property"),
    ("a.ts", 'x = row.status; // status', "property"),  # the first, in code
    ("a.ts", "this.#status = 1; // the status", "identifier"),  # `#` is no comment in TypeScript
    ("a.py", 'x = row.status  # status', "property"),
    ("a.py", 'f"{row.status}"', "property"),  # an f-string's code
    ("a.py", '"the status of it"', "text"),
    ("a.py", '"Rear port ({status}) must belong"', "identifier"),  # a format placeholder: bound by name
    ("a.py", '"it\'s the status"', "text"),
    ("a.py", 'total = a // status', "identifier"),  # floor division, not a comment
    ("a.py", 'values("status")', "string"),
    ("a.py", 'COLUMNS = "id, owner_id, status, body"', "identifier"),  # a column list: named as SQL does
    ("a.ts", "const where = `status = 'open' AND x`", "string"),  # an SQL fragment, as before
    ("a.ts", '"status and priority of the ticket"', "text"),  # prose starting with the name
    ("a.ts", '"The status and priority"', "text"),
])
def test_a_name_in_text_or_called_as_a_method_is_told_apart(rel: str, line: str, context: str) -> None:
    [first, *_] = find_references(rel, line + "\n", {"status"}, [])
    assert first.context == context


@pytest.mark.parametrize("rel, line, context", [
    ("a.js", 'import { type Context } from "koa";', "text"),  # Flow's and TypeScript's keyword (outline's documentMover.js)
    ("a.ts", "export type Row = { id: number };", "text"),
    ("a.ts", 'import type { X } from "y";', "text"),
    ("a.js", "  revisionCount: { type: DataTypes.INTEGER, defaultValue: 0 },", "text"),  # another attribute's option
    ("a.js", "  type: DataTypes.STRING,", "property"),  # the attribute `type` itself
    ("a.ts", "const type = row.type;", "identifier"),
    ("a.ts", "return type;", "identifier"),
    ("a.sql", "  type text NOT NULL,", "identifier"),  # SQL has no such keyword: a column's declaration
])
def test_a_scripts_type_keyword_or_attribute_option_is_no_column(rel: str, line: str, context: str) -> None:
    [first, *_] = find_references(rel, line + "\n", {"type"}, [])
    assert first.context == context


def test_an_attribute_option_one_a_line_is_no_column_the_attribute_itself_is() -> None:
    # outline's Document: `urlId: {` then `type: DataTypes.STRING,` on its own line (labelled not-db, round 2).
    # outline's Collection: `type: {` then `type: DataTypes.STRING,` declares the column `type` itself (labelled db).
    text = ('sequelize.define("document", {\n  type: DataTypes.STRING,\n  urlId: {\n    type: DataTypes.STRING,\n'
            '    primaryKey: true,\n  },\n  type: {\n    type: DataTypes.STRING,\n  },\n  kind: { type: DataTypes.STRING },\n'
            '  type: { type: DataTypes.STRING },\n});\n')
    found = [(r.line, r.context) for r in find_references("a.js", text, {"type"}, [])]
    assert found == [(2, "property"), (4, "text"), (7, "property"), (8, "property"), (10, "text"), (11, "property"), (11, "property")]


def test_text_and_method_calls_are_not_credited_to_the_files_table() -> None:
    # dittofeed: a whole-row read of Segment in the file made its route's prose and `reply.status(200)` Segment.status
    query = Query("a.ts", 1, 1, "typescript", "drizzle", QueryKind.SELECT_COLUMNS, "Segment",
                  columns=("id", "status"), orm="drizzle", all_columns=True)
    text = 'const s = await db.query.segment.findMany();\nreturn reply.status(200);\nconst d = "the status of it";\nreturn s[0].status;\n'
    placed = {r.line: r.table for r in find_references("a.ts", text, {"status"}, [query])}
    assert placed == {2: None, 3: None, 4: "Segment"}  # as the query spells it (trigger.dev's note said customerquery)


def test_generated_flag_is_kept() -> None:
    refs = find_references("lib/types.ts", "  is_pinned: boolean\n", {"is_pinned"}, [], generated=True)
    assert refs and refs[0].generated


def test_bare_names_in_a_file_are_credited_to_the_one_table_its_queries_use_them_on(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        **DROP_REVIEW_IS_HIDDEN,
        # comment.py shapes comment rows: its 'is_hidden' keys are the comment table's
        "db/comment.py": "def get(cur):\n    cur.execute('SELECT id, is_hidden FROM comment')\n    return {'id': 1, 'is_hidden': False}\n",
        # review.py shapes review rows: its keys are evidence for the review change
        "db/review.py": "def get(cur):\n    cur.execute('SELECT id FROM review WHERE is_hidden = false')\n    return {'id': 1, 'is_hidden': False}\n",
        # no query at all: cannot tell, so counted (name-only), never evidence
        "views/show.py": "def show(row):\n    return row['is_hidden']\n",
    })
    result = scan(repo, "2", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "changed-column-referenced")
    where = {f"{e.file}:{e.line}": e for e in finding.evidence}
    assert "db/comment.py:3" not in where
    assert "review.is_hidden" in where["db/review.py:3"].detail and where["db/review.py:3"].confidence.value == "low"
    assert "views/show.py:2" not in where
    name_only = [r for r in result.references if r.via == "name-only"]
    assert [(r.file, r.line) for r in name_only] == [("views/show.py", 2)]


def test_no_credit_when_the_name_is_used_on_two_tables_or_a_table_is_unknown() -> None:
    both = [Query("a.py", 1, 1, "python", "sql", QueryKind.SELECT_COLUMNS, "review", columns=("is_hidden",)),
            Query("a.py", 2, 2, "python", "sql", QueryKind.SELECT_COLUMNS, "comment", columns=("is_hidden",))]
    refs = find_references("a.py", "\n\nx = {'is_hidden': 1}\n", {"is_hidden"}, both)
    assert [(r.table, r.inferred) for r in refs] == [(None, False)]
    dynamic = [both[0], Query("a.py", 2, 2, "python", "sql", QueryKind.SELECT_COLUMNS, None)]
    assert find_references("a.py", "\n\nx = {'is_hidden': 1}\n", {"is_hidden"}, dynamic)[0].table is None


def test_a_file_parsed_only_for_attribution_adds_no_blind_spot(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        **DROP_REVIEW_IS_HIDDEN,
        "db/broken.py": "def get(cur:\n    cur.execute('SELECT is_hidden FROM comment')\n",
        "db/comment.py": "def get(cur):\n    cur.execute(f'SELECT id FROM comment WHERE {col} = 1')\n    return {'is_hidden': False}\n",
    })
    result = scan(repo, "2", use_cache=False)
    assert result.run.file_issues == [] and result.queries == []
    assert result.assessment.confidence.value == "high", result.assessment.confidence_reasons


def test_only_lines_holding_a_name_are_matched_and_line_breaks_other_than_newline_are_counted() -> None:
    from impact.extract.references import _lines_naming

    text = "a = 1\nuser_email = 2\nx\n\nrow['user_email'] and user_email\nlast user_email"
    assert _lines_naming(text, {"user_email"}, len(text.splitlines())) == [2, 5, 6]
    odd = "a\x0cuser_email\nb"  # a form feed is a line break to splitlines, not to str.find
    assert _lines_naming(odd, {"user_email"}, len(odd.splitlines())) == [1, 2, 3]
    assert _lines_naming("", {"x"}, 0) == []


def _orm_map():
    from impact.orm.mapping import OrmField, OrmMap, OrmModel
    website = OrmModel("prisma", "Website", "website", "schema.prisma", 1,
                       (OrmField("status", "status"), OrmField("shareId", "share_id"), OrmField("resetAt", "resetAt"),
                        OrmField("active", "active")), ("website",))
    session = OrmModel("prisma", "Session", "session", "schema.prisma", 9,
                       (OrmField("status", "status"), OrmField("browser", "browser")), ("session",))
    return OrmMap([website, session])


def test_a_field_spelled_as_its_column_that_one_model_declares_tells_the_table() -> None:
    # `resetAt` (Prisma, no @map) is declared by Website only: its name tells the table. `status` is declared
    # by Website and Session: no table (name-only), as before. `active` is Website's only, but a plain word
    # (every UI flag): no table either.
    spelled = _orm_map().spelled_columns(["website"], {"resetAt", "status", "share_id", "active"})
    assert spelled == {"resetAt": ("resetAt", "website"), "shareId": ("share_id", "website")}
    refs = find_references("ui.ts", "const a = site.resetAt;\nconst b = site.status;\n", {"resetAt", "status"}, [], spellings=spelled)
    assert [(r.line, r.table, r.via) for r in refs] == [(1, "website", "orm-field"), (2, None, "name-only")]


def test_a_field_name_is_its_model_s_except_in_a_file_using_the_column_on_another_table_only() -> None:
    spelled = _orm_map().spelled_columns(["website"], {"share_id"})
    on_website = Query("w.ts", 2, 2, "typescript", "prisma", QueryKind.SELECT_COLUMNS, "website", columns=("id",))
    (ref,) = find_references("w.ts", "export const get = (shareId: string) =>\n  find({ id });\n", {"share_id"}, [on_website], spellings=spelled)
    assert (ref.table, ref.via, ref.context) == ("website", "orm-field", "identifier")
    # A file whose queries use share_id on another table only: its `shareId` is that table's, not website's.
    on_links = Query("l.ts", 2, 2, "typescript", "prisma", QueryKind.SELECT_COLUMNS, "link", columns=("share_id",))
    (ref,) = find_references("l.ts", "const s = link.shareId;\n  q();\n", {"share_id"}, [on_links], spellings=spelled)
    assert (ref.table, ref.via) == ("link", "file-queries")
    # Queries using it on two other tables: it tells neither.
    on_both = [on_links, Query("l.ts", 3, 3, "typescript", "prisma", QueryKind.SELECT_COLUMNS, "page", columns=("share_id",))]
    (ref,) = find_references("l.ts", "const s = link.shareId;\n  q();\n  r();\n", {"share_id"}, on_both, spellings=spelled)
    assert (ref.table, ref.via) == (None, "name-only")


def test_a_python_field_spelled_as_its_column_that_one_model_declares_tells_the_table() -> None:
    # The scan reads every models module, so a compound name no other model declares tells its table.
    from impact.orm.mapping import OrmField, OrmMap, OrmModel
    orm = OrmMap([OrmModel("django", "Profile", "accounts_profile", "models.py", 1, (OrmField("reports_allowed", "reports_allowed"),))])
    assert orm.spelled_columns(["accounts_profile"], {"reports_allowed"}) == {"reports_allowed": ("reports_allowed", "accounts_profile")}
    # A row's attribute is the model's; a string naming it is a payload's or a form's key (not evidence).
    text = 'def f(profile, data):\n    profile.reports_allowed = reports_allowed = data["reports_allowed"]\n'
    refs = find_references("app/views.py", text, {"reports_allowed"}, [], spellings=orm.spelled_columns(["accounts_profile"], {"reports_allowed"}))
    assert sorted((r.context, r.via, r.table) for r in refs) == [
        ("identifier", "orm-field", "accounts_profile"), ("property", "orm-field", "accounts_profile"), ("string", "name-only", None)]


def test_a_field_several_changed_models_map_to_the_same_column_is_credited_to_one_of_them() -> None:
    # netbox drops `rear_port_id` from FrontPort and FrontPortTemplate in one migration: `rear_port` is
    # about this change whichever model it is (it used to be name-only, 106 truth lines lost).
    from impact.orm.mapping import OrmField, OrmMap, OrmModel
    port = OrmModel("django", "FrontPort", "dcim_frontport", "models.py", 1, (OrmField("rear_port", "rear_port_id"),))
    template = OrmModel("django", "FrontPortTemplate", "dcim_frontporttemplate", "models.py", 9, (OrmField("rear_port", "rear_port_id"),))
    both = ["dcim_frontport", "dcim_frontporttemplate"]
    assert OrmMap([port, template]).spelled_columns(both, {"rear_port_id"}) == {"rear_port": ("rear_port_id", "dcim_frontport")}
    # ... but not when a model of another table declares the name too: it may be that one's.
    mapping = OrmModel("django", "PortMapping", "dcim_portmapping", "models.py", 20, (OrmField("rear_port", "rear_port_id"),))
    assert OrmMap([port, template, mapping]).spelled_columns(both, {"rear_port_id"}) == {"rear_port": ("rear_port_id", None)}
    # ... nor when the migration gives the name again (saleor: RemoveField `checkout_line`, then
    # RenameField `checkout_line_token` -> `checkout_line`): code naming it keeps working.
    assert OrmMap([port, template]).spelled_columns(both, {"rear_port_id"}, frozenset({"rear_port"})) == {"rear_port": ("rear_port_id", None)}


def test_names_a_django_migration_gives_again() -> None:
    from impact.orm.declarations import recreated_names
    text = ('migrations.RemoveField(model_name="reservation", name="checkout_line"),\n'
            'migrations.RenameField(model_name="reservation", old_name="checkout_line_token", new_name="checkout_line"),\n'
            'migrations.AddField(\n    model_name="reservation",\n    name="quantity_reserved",\n    field=models.IntegerField(),\n),\n')
    assert recreated_names([], text) == {"checkout_line", "quantity_reserved"}


def test_columns_a_created_table_takes_over_are_given_again_unless_filled_otherwise() -> None:
    """dokploy moves `serverIp` to a new table, copying it (COALESCE and casts count as a copy):
    the name then tells no table. umami's new `share.share_id` is a fresh uuid while the dropped
    `website.share_id` goes to `share_code`: code naming `share_id` meant the dropped column."""
    from impact.orm.declarations import recreated_names
    from impact.sql.parse import parse_migration
    moved = parse_migration('CREATE TABLE "w" ("id" text, "serverIp" text, "https" boolean);\n'
                            'INSERT INTO "w" ("id", "serverIp", "https") SELECT gen_random_uuid()::text AS "id", u."serverIp", '
                            'COALESCE(u."https", false) AS "https" FROM "user" u;\n'
                            # ... and a default row when there is nobody to copy from: still a move.
                            'INSERT INTO "w" ("id", "serverIp", "https") SELECT \'x\', NULL, false WHERE NOT EXISTS (SELECT 1 FROM "w");\n'
                            'ALTER TABLE "user" DROP COLUMN "serverIp", DROP COLUMN "https";')
    assert recreated_names(moved.operations, "") == {"serverip", "https"}
    fresh = parse_migration("CREATE TABLE share (share_id uuid PRIMARY KEY, share_code text);\n"
                            "INSERT INTO share (share_id, share_code) SELECT gen_random_uuid(), share_id FROM website;\n"
                            "ALTER TABLE website DROP COLUMN share_id;")
    assert "share_id" not in recreated_names(fresh.operations, "")
    # Created without a copy: its columns are given again, as before.
    assert recreated_names(parse_migration("CREATE TABLE s (share_id uuid);").operations, "") == {"share_id", "share"}


def test_a_name_in_a_sql_file_outside_a_query_is_no_orm_field() -> None:
    # openpanel's clickhouse_tables.sql: `project_id` in ClickHouse DDL was credited to the first
    # Prisma model declaring a field of that name.
    text = "CREATE TABLE analytics.events (\n  `project_id` String\n) ENGINE MergeTree ORDER BY (project_id);\n"
    refs = find_references("db/clickhouse_tables.sql", text, {"project_id"}, [], spellings={"project_id": ("project_id", "clients")})
    assert [(r.line, r.table, r.via) for r in refs] == [(2, None, "name-only"), (3, None, "name-only")]
    code = find_references("src/a.ts", "const row = { project_id: 1 };\n", {"project_id"}, [], spellings={"project_id": ("project_id", "clients")})
    assert [(r.table, r.via) for r in code] == [("clients", "orm-field")]  # in code, still the field
