"""Prisma: schema.prisma -> (model, field) <-> (table, column), Prisma Client calls as queries,
and scans of the analytics-prisma fixture whose code never spells its tables or columns."""
from __future__ import annotations

import pytest

from impact.extract.typescript import extract
from impact.orm import build_orm_map, resolve_orm_queries
from impact.orm.prisma import read_schema
from impact.pipeline import scan
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "analytics-prisma"
SCENARIOS = FIXTURES / "scenarios" / "analytics-prisma"
SCHEMA = (APP / "prisma" / "schema.prisma").read_text()


def test_schema_maps_models_fields_and_relations() -> None:
    models = {m.name: m for m in read_schema([("prisma/schema.prisma", SCHEMA)])}
    event = models["EventData"]
    assert (event.table, event.accessors, event.line) == ("event_data", ("eventData",), 34)
    assert event.columns == ("id", "website_id", "event_key", "event_data_type", "string_value", "created_at")
    assert event.column_for("eventDataType") == "event_data_type"
    assert event.column_for("website") is None  # a relation field has no column
    assert models["Website"].column_for("events") is None  # nor does a list relation
    assert models["Website"].table == "website"


def test_map_ignore_schema_and_unmapped_names() -> None:
    text = '''
model AuditLog {
  id      Int    @id
  payload Json   @map(name: "payload_json") // a comment with @map("nope")
  legacy  String @ignore
  url     String @default("http://example.com//path")
  @@schema("audit")
}
model Hidden {
  id Int @id
  @@ignore
}
'''
    audit, hidden = read_schema([("schema.prisma", text)])
    assert (audit.table, audit.schema, audit.accessors) == ("AuditLog", "audit", ("auditLog",))  # no @@map: the name as is
    assert audit.columns == ("id", "payload_json", "url")  # @ignore: never read by the client
    assert hidden.accessors == ()  # @@ignore: no client accessor at all


def test_multi_file_schema_folder_tells_relations_across_files() -> None:
    orm = build_orm_map([
        ("prisma/schema/user.prisma", "model User {\n  id Int @id\n  posts Post[]\n}\n"),
        ("prisma/schema/post.prisma", 'model Post {\n  id Int @id\n  authorId Int @map("author_id")\n  author User @relation(fields: [authorId], references: [id])\n}\n'),
    ])
    post = orm.by_accessor("prisma", "post")[0]
    assert post.columns == ("id", "author_id")
    assert orm.by_accessor("prisma", "user")[0].columns == ("id",)


def test_a_schema_copy_in_a_docs_folder_is_not_the_model() -> None:
    # civitai keeps copies of its schema under apps/event-engine/docs/reference/: their lines were
    # listed as declarations of the dropped column beside the real schema's.
    model = 'model User {\n  id Int @id\n  name String\n}\n'
    orm = build_orm_map([("apps/engine/docs/reference/schema.prisma", model), ("prisma/schema.prisma", model)])
    assert orm.sources == ["prisma/schema.prisma"] and [m.file for m in orm.models] == ["prisma/schema.prisma"]
    only_docs = build_orm_map([("docs/schema.prisma", model)])  # the only schema there is: kept
    assert only_docs.sources == ["docs/schema.prisma"]


CALLS = '''const rows = await prisma.eventData.findMany({
  where: { websiteId, eventDataType: 1, OR: [{ eventKey: "x" }, { website: { name: "n" } }] },
  orderBy: { createdAt: "desc" },
});
const one = await db.eventData.findFirst({ select: { id: true, eventDataType: true, stringValue: false } });
await tx.eventData.create({ data: { websiteId: id, eventDataType: 2 } });
await prisma.eventData.createMany({ data: items });
await prisma.eventData.update({ where: { id }, data: { eventDataType } });
await prisma.eventData.deleteMany({ where: { websiteId } });
await prisma.eventData.groupBy({ by: ["eventDataType"], _count: true });
cache.items.create(x)
'''


def test_client_calls_resolve_to_table_and_columns() -> None:
    orm = build_orm_map([("prisma/schema.prisma", SCHEMA)])
    queries = resolve_orm_queries(extract("src/a.ts", CALLS).queries, orm)
    got = [(q.line, q.kind.value, q.table, q.columns, q.filter_columns, q.columns_known) for q in queries]
    every = ("id", "website_id", "event_key", "event_data_type", "string_value", "created_at")
    assert got == [
        (1, "select_columns", "event_data", every, ("website_id", "event_data_type", "event_key", "created_at"), True),
        (5, "select_columns", "event_data", ("id", "event_data_type"), (), True),
        (6, "insert", "event_data", ("website_id", "event_data_type"), every, True),  # create returns the row
        (7, "insert", "event_data", (), (), False),  # data is a variable
        (8, "update", "event_data", ("event_data_type",), ("id",) + every[1:], True),
        (9, "delete", "event_data", (), ("website_id",), True),  # deleteMany returns a count
        (10, "select_columns", "event_data", (), ("event_data_type",), True),
    ]  # `cache.items.create(x)` is no Prisma model: dropped


def test_a_create_many_payload_mapped_from_a_list_has_the_keys_of_its_row() -> None:
    # The usual createMany payload: its rows are what the callback returns. Read as unknown, the
    # write was said to omit a column becoming NOT NULL that every row provides (openpanel).
    calls = """await prisma.eventData.createMany({
  data: ids.filter((id) => id !== "").map((id: string) => ({ websiteId: id, eventDataType: 1 })),
});
await prisma.eventData.createMany({ data: ids.map(async (id) => ({ websiteId: id, ...rest })) });
await prisma.eventData.createMany({ data: ids.map((id) => { return { websiteId: id }; }) });
await prisma.eventData.createMany({ data: ids.map(toRow) });
"""
    orm = build_orm_map([("prisma/schema.prisma", SCHEMA)])
    got = [(q.line, q.columns, q.columns_known) for q in resolve_orm_queries(extract("src/a.ts", calls).queries, orm)]
    assert got == [(1, ("website_id", "event_data_type"), True),
                   (4, (), False),  # a spread: the row's keys are not all known
                   (5, (), False),  # a block body: what it returns is not read
                   (6, (), False)]  # a function by name


def _breaks(result, rule_id: str) -> list[str]:
    finding = next(f for f in result.findings if f.rule_id == rule_id)
    return sorted(f"{e.file}:{e.line}" for e in finding.evidence)


@pytest.fixture(scope="module")
def rename():
    return scan(APP, str(SCENARIOS / "rename_event_data_type.sql"), use_cache=False)


def test_rename_of_a_mapped_column_breaks_every_query_naming_it(rename) -> None:
    assert rename.assessment.verdict == "breaking"
    # Reads without `select` name every declared column; the explicit select and groupBy name it;
    # raw SQL through $queryRaw names it too. deleteMany filters on another column only.
    assert _breaks(rename, "renamed-column-still-used") == [
        "src/queries/eventData.ts:10", "src/queries/eventData.ts:17", "src/queries/eventData.ts:34", "src/queries/reports.ts:6"]
    # The field name as the code spells it, outside a call: a row being built for event_data and format.ts's
    # use of its parameter: only EventData maps a field of that name. A parameter is a variable of that name,
    # not evidence (impact.extract.handed_on): format.ts's `typeLabel(eventDataType: number)`, and the wrapper's
    # own `getEventData(websiteId, eventDataType)` (its query, line 10, is the evidence; adjudicated not-db).
    # format.test.ts: a mocked Prisma row's key (13), not the app-shaped fixture's (9, test_handed_on).
    assert _breaks(rename, "changed-column-referenced") == [
        "src/lib/format.test.ts:13", "src/lib/format.ts:7", "src/queries/eventData.ts:27"]
    handed = {(r.file, r.line): (r.via, r.handed_on) for r in rename.references if r.handed_on and r.file != "src/lib/format.test.ts"}
    assert handed == {("src/lib/format.ts", 6): ("orm-field", "parameter"), ("src/queries/eventData.ts", 9): ("orm-field", "parameter")}
    via = {(r.file, r.line): r.via for r in rename.references}
    assert via[("src/queries/eventData.ts", 11)] == "orm-call"
    assert via[("src/queries/reports.ts", 8)] == "sql"
    assert all(r.spelling == "eventDataType" for r in rename.references if r.via in ("orm-call", "orm-field"))


def test_drop_of_a_column_the_model_still_declares_breaks_its_plain_reads() -> None:
    result = scan(APP, str(SCENARIOS / "drop_string_value.sql"), use_cache=False)
    assert _breaks(result, "dropped-column-still-used") == ["src/queries/eventData.ts:10"]
    assert _breaks(result, "write-with-unknown-columns") == ["src/queries/eventData.ts:30"]


def test_required_column_breaks_prisma_creates() -> None:
    result = scan(APP, str(SCENARIOS / "require_website_owner.sql"), use_cache=False)
    assert result.assessment.verdict == "breaking"
    assert _breaks(result, "insert-omits-required-column") == ["src/queries/website.ts:8"]


def test_common_name_on_another_table_is_not_evidence() -> None:
    result = scan(APP, str(SCENARIOS / "drop_website_status.sql"), use_cache=False)
    assert _breaks(result, "dropped-column-still-used") == ["src/queries/website.ts:15", "src/queries/website.ts:4"]
    # `website?.status` of a row the imported getWebsite returns (impact.orm.prisma_returned_rows); not the
    # wrapper's parameter (`setWebsiteStatus(id, status)`: its query, line 15, is the evidence). session.ts's
    # `status` is the session table's.
    assert _breaks(result, "changed-column-referenced") == ["src/app/api/websites/route.ts:6"]
    tables = {(r.file, r.line): r.table for r in result.references}
    assert tables[("src/queries/session.ts", 5)] == "session"  # inside prisma.session.findMany
    # `row.status` cannot be tied to a table: counted, not listed.
    assert result.unattributed == {"status": 2}  # format.ts:2, format.ts:3
    assert "2 lines name `status` without a table" in result.unattributed_note()


def test_a_model_still_declaring_the_dropped_column_is_the_root_cause() -> None:
    result = scan(APP, str(SCENARIOS / "drop_string_value.sql"), use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "orm-model-declares-changed-column")
    assert [(e.file, e.line) for e in finding.evidence] == [("prisma/schema.prisma", 39)]
    assert "(1 found in the code)" in finding.message and "@ignore" in finding.solution
    declared = [r for r in result.references if r.via == "model-declaration"]
    assert [(r.table, r.column, r.spelling) for r in declared] == [("event_data", "string_value", "stringValue")]
