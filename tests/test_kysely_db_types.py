"""A generated Kysely `DB` interface's entries for a changed table (impact.orm.kysely_db_types), on
the documents-prisma fixture's prisma-kysely output (src/db/types.ts)."""
from __future__ import annotations

from impact.model import ColumnReference
from impact.orm.kysely_db_types import attribute_row_type_members, table_type_references
from impact.pipeline import scan
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "documents-prisma"
SCENARIOS = FIXTURES / "scenarios" / "documents-prisma"
TYPES = "src/db/types.ts"


def _evidence(result, rule: str) -> list[int]:
    return sorted(e.line for f in result.findings if f.rule_id == rule for e in f.evidence if e.file == TYPES)


def test_a_dropped_tables_entry_and_row_type_are_evidence() -> None:
    result = scan(APP, str(SCENARIOS / "drop_document.sql"), use_cache=False)
    # 14 declares Document's row type, 27 is its DB entry; the other tables' are not.
    assert _evidence(result, "dropped-table-still-used") == [14, 27]


def test_a_dropped_columns_member_is_its_tables_only() -> None:
    result = scan(APP, str(SCENARIOS / "drop_document_status.sql"), use_cache=False)
    # Document's `status` (17), not Recipient's (22): that one is the recipient table's. A row type
    # makes no SQL: it is IMP114's (update it), not IMP109's (every whole-row read breaks).
    assert _evidence(result, "row-type-declares-changed-column") == [17]
    assert _evidence(result, "orm-model-declares-changed-column") == []
    tables = {r.line: (r.table, r.via) for r in result.references if r.file == TYPES}
    assert tables[17] == ("Document", "model-declaration") and tables[22] == ("recipient", "model-declaration")


def test_another_schemas_table_and_a_file_without_db_say_nothing() -> None:
    text = 'export type Users = {\n  id: string;\n};\nexport type DB = {\n  "auth.users": Users;\n};\n'
    assert table_type_references([("types.ts", text)], ["users"]) == []
    ref = ColumnReference("rows.ts", 2, "id", None, "property")
    assert attribute_row_type_members([ref], {"rows.ts": "export type Users = {\n  id: string;\n};\n"}) == [ref]


PER_TABLE = '''export interface ActorSync {
  did: string
  commitDataCid: string
}

export const tableName = 'actor_sync'

export type PartialDB = { [tableName]: ActorSync }
'''


def test_a_module_per_table_names_its_row_type_by_a_constant() -> None:
    # atproto's bsky: the DB type is the intersection of each table module's PartialDB.
    ref = ColumnReference("db/tables/actor-sync.ts", 3, "commitDataCid", None, "property")
    (placed,) = attribute_row_type_members([ref], {"db/tables/actor-sync.ts": PER_TABLE})
    assert (placed.table, placed.via) == ("actor_sync", "model-declaration")
    assert [(r.line, r.column) for r in table_type_references([("db/tables/actor-sync.ts", PER_TABLE)], ["actor_sync"])] == [
        (8, "ActorSync"), (1, "ActorSync")]


def test_a_computed_key_that_is_no_constant_of_the_file_names_no_table() -> None:
    text = PER_TABLE.replace("export const tableName = 'actor_sync'\n", "import { tableName } from './names'\n")
    ref = ColumnReference("db/tables/actor-sync.ts", 3, "commitDataCid", None, "property")
    assert attribute_row_type_members([ref], {"db/tables/actor-sync.ts": text}) == [ref]
