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
    # Document's `status` (17), not Recipient's (22): that one is the recipient table's.
    assert _evidence(result, "orm-model-declares-changed-column") == [17]
    tables = {r.line: (r.table, r.via) for r in result.references if r.file == TYPES}
    assert tables[17] == ("Document", "model-declaration") and tables[22] == ("recipient", "model-declaration")


def test_another_schemas_table_and_a_file_without_db_say_nothing() -> None:
    text = 'export type Users = {\n  id: string;\n};\nexport type DB = {\n  "auth.users": Users;\n};\n'
    assert table_type_references([("types.ts", text)], ["users"]) == []
    ref = ColumnReference("rows.ts", 2, "id", None, "property")
    assert attribute_row_type_members([ref], {"rows.ts": "export type Users = {\n  id: string;\n};\n"}) == [ref]
