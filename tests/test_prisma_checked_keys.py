"""Keys of objects the compiler checks against a Prisma model outside a client call are its fields
(impact.orm.prisma_checked_keys), on the documents-prisma fixture: `documentId` is declared by both
Recipient and AuditLog, so the name alone tells neither table."""
from __future__ import annotations

import pytest

from impact.orm import build_orm_map
from impact.orm.prisma_checked_keys import checked_keys, satisfied_spans
from impact.pipeline import scan
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "documents-prisma"
SCENARIOS = FIXTURES / "scenarios" / "documents-prisma"
ORM = build_orm_map([("prisma/schema.prisma", (APP / "prisma" / "schema.prisma").read_text())])
MODELS = {m.name: m for m in ORM.models}
SHAPES = "src/documents/shapes.ts"


def _evidence(result, table: str) -> list[int]:
    return sorted(e.line for f in result.findings if f.rule_id == "changed-column-referenced" and f.operation.table == table
                  for e in f.evidence if e.file == SHAPES)


@pytest.fixture(scope="module")
def dropped_recipient_column():
    return scan(APP, str(SCENARIOS / "drop_recipient_document_id.sql"), use_cache=False)


def test_keys_of_a_satisfied_select_and_of_a_zod_mask_are_the_models(dropped_recipient_column) -> None:
    # 8: a top-level key of `satisfies Prisma.RecipientSelect`; 15: nested under Document's `recipients`
    # relation; 25: a key of `RecipientSchema.pick(...)`, the zod schema generated from Recipient.
    assert _evidence(dropped_recipient_column, "recipient") == [8, 15, 25]
    by_line = {r.line: (r.via, r.table) for r in dropped_recipient_column.references if r.file == SHAPES}
    assert by_line[8] == ("typed-receiver", "recipient")


def test_keys_of_another_model_are_not_evidence(dropped_recipient_column) -> None:
    by_line = {r.line: (r.via, r.table) for r in dropped_recipient_column.references if r.file == SHAPES}
    # 17: under Document's `auditLogs` relation; 20: annotated `Prisma.AuditLogSelect`; 28: AuditLog's zod schema (aliased).
    assert by_line[17] == by_line[20] == by_line[28] == ("typed-receiver", "audit_log")
    # An untyped object tells no table.
    assert by_line[31] == ("name-only", None)


def test_a_name_several_dropped_columns_share_goes_to_the_checked_model() -> None:
    """Dropped from both tables, `documentId` is credited to the first model mapping it (orm-field);
    the checked object tells which one it really is."""
    result = scan(APP, str(SCENARIOS / "drop_document_id_everywhere.sql"), use_cache=False)
    assert _evidence(result, "recipient") == [8, 15, 25]
    assert _evidence(result, "audit_log") == [17, 20, 28, 31]


def test_only_keys_under_relations_change_model() -> None:
    keys = checked_keys((APP / SHAPES).read_text(), MODELS)
    # `document: { select: { id, title } }` inside the Recipient select: Document's keys.
    assert {(key, model.name) for (line, key, _), model in keys.items() if line == 9} == {
        ("document", "Recipient"), ("select", "Document"), ("id", "Document"), ("title", "Document")}
    # `where: { action: ... }` under auditLogs: AuditLog's field, the filter passes through.
    assert keys[(17, "action", 0)].name == "AuditLog"


def test_a_scalar_fields_filter_and_a_call_inside_are_no_keys() -> None:
    text = ('import type { Prisma } from "@prisma/client";\n'
            'const where = {\n'
            '  status: { in: ["draft"] },\n'
            '  title: format({ documentId: 1 }),\n'
            '  meta: { documentId: 2 },\n'
            '} satisfies Prisma.DocumentWhereInput;\n')
    keys = checked_keys(text, MODELS)
    # A JSON value's key (`meta` is no field, nor one of the client's keys) is nobody's.
    assert {key for _, key, _ in keys} == {"status", "title", "meta"}


def test_a_satisfied_select_is_an_input_literal() -> None:
    """A relation to a dropped model named in it breaks with the model (impact.orm.model_types)."""
    result = scan(APP, str(SCENARIOS / "drop_document.sql"), use_cache=False)
    assert {r.line for r in result.references if r.file == SHAPES and r.via == "model-type"} == {9, 18}
    assert satisfied_spans((APP / SHAPES).read_text()) == [(6, 10), (12, 18)]


def test_a_zod_schema_from_elsewhere_is_not_the_models() -> None:
    text = ('import { RecipientSchema } from "./schemas";\n'
            'export const Z = RecipientSchema.pick({ documentId: true });\n')
    assert checked_keys(text, MODELS) == {}


@pytest.mark.xfail(strict=True, reason="known limit: a mask applied after another method of the schema is not read")
def test_a_mask_after_extend() -> None:
    text = ('import { RecipientSchema } from "@app/prisma/generated/zod/modelSchema/RecipientSchema";\n'
            'export const Z = RecipientSchema.extend({ x: z.string() }).pick({ documentId: true });\n')
    assert (2, "documentId", 0) in checked_keys(text, MODELS)
