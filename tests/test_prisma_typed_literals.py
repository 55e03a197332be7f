"""Keys of object literals declared with a Prisma model's type are the model's fields
(impact.orm.prisma_typed_literals), on the documents-prisma fixture."""
from __future__ import annotations

import pytest

from impact.orm import build_orm_map
from impact.orm.prisma_typed_literals import input_literal_spans, typed_literal_keys, typed_variables
from impact.pipeline import scan
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "documents-prisma"
SCENARIOS = FIXTURES / "scenarios" / "documents-prisma"
ORM = build_orm_map([("prisma/schema.prisma", (APP / "prisma" / "schema.prisma").read_text())])
SAMPLES = "src/documents/samples.ts"


def test_keys_of_literals_typed_by_the_model_are_its_fields() -> None:
    result = scan(APP, str(SCENARIOS / "drop_document_status.sql"), use_cache=False)
    by_line = {(r.line, r.via, r.table) for r in result.references if r.file == SAMPLES}
    # An array of the row type (imported under an alias), one element per line or spread over several;
    # a create input of the `Prisma` namespace.
    assert {(5, "typed-receiver", "Document"), (9, "typed-receiver", "Document"), (13, "typed-receiver", "Document")} <= by_line
    evidence = [f"{e.file}:{e.line}" for f in result.findings if f.rule_id == "changed-column-referenced" for e in f.evidence]
    assert [e for e in evidence if e.startswith(SAMPLES)] == [f"{SAMPLES}:5", f"{SAMPLES}:9", f"{SAMPLES}:13", f"{SAMPLES}:18"]
    # An untyped literal tells no table.
    assert (15, "name-only", None) in by_line


def test_a_parameter_typed_by_the_model_holds_its_rows() -> None:
    result = scan(APP, str(SCENARIOS / "drop_document_status.sql"), use_cache=False)
    by_line = {(r.line, r.via, r.table) for r in result.references if r.file == SAMPLES}
    # `row.status` where `row: DocumentRow` is the Document's; a later function's own `row` is not.
    assert (18, "typed-receiver", "Document") in by_line
    assert (22, "name-only", None) in by_line
    variables = typed_variables((APP / SAMPLES).read_text(), ORM)
    assert [(v.name, v.model.name, v.first, v.last, v.single) for v in variables] == [
        ("drafts", "Document", 4, 27, False), ("row", "Document", 17, 19, True)]


def test_only_top_level_keys_are_the_models() -> None:
    keys = typed_literal_keys((APP / SAMPLES).read_text(), ORM)
    # `meta: { status: ... }` on line 13 is a JSON value's key: only the first `status` of the line is a field.
    assert [key for key in keys if key[0] == 13] == [(13, "title", 0), (13, "status", 0), (13, "meta", 0)]
    assert all(model.name == "Document" for model in keys.values())
    assert not [key for key in keys if key[0] == 15]


def test_a_type_not_imported_from_a_prisma_client_is_not_a_model() -> None:
    text = 'import type { Document } from "./types";\nexport const d: Document = { status: "x" };\n'
    assert typed_literal_keys(text, ORM) == {}


@pytest.mark.xfail(strict=True, reason="known limit: a literal typed by the parameter it is passed to is not followed")
def test_a_literal_passed_to_a_typed_parameter() -> None:
    text = ('import { Prisma } from "@prisma/client";\n'
            'function create(data: Prisma.DocumentCreateInput) {}\n'
            'create({ title: "x", status: "draft" });\n')
    assert (3, "status", 0) in typed_literal_keys(text, ORM)


def test_a_relation_to_a_dropped_model_in_an_input_literal_is_the_models() -> None:
    """`Prisma.RecipientInclude` types an argument of the client built apart from its call: its
    `document` key is Recipient's relation to the dropped Document (impact.orm.model_types)."""
    result = scan(APP, str(SCENARIOS / "drop_document.sql"), use_cache=False)
    lines = {r.line for r in result.references if r.file == SAMPLES and r.via == "model-type"}
    assert 25 in lines and 27 not in lines
    assert input_literal_spans((APP / SAMPLES).read_text()) == [(13, 13), (25, 25)]


def test_rows_a_mocked_client_operation_resolves_to_are_the_models() -> None:
    """A test's `vi.mocked(prisma.document.findFirst).mockResolvedValueOnce({...})` is checked against
    Document's row type; `prisma.recipient.findMany.mockResolvedValue([...])` against Recipient's; a
    count resolves to no row."""
    keys = typed_literal_keys((APP / "src/documents/send.test.ts").read_text(), ORM)
    assert {(line, key, model.name) for (line, key, _), model in keys.items() if key == "status"} == {
        (6, "status", "Document"), (8, "status", "Recipient")}
    result = scan(APP, str(SCENARIOS / "drop_document_status.sql"), use_cache=False)
    by_line = {(r.line, r.via, r.table) for r in result.references if r.file == "src/documents/send.test.ts"}
    assert (6, "typed-receiver", "Document") in by_line and (8, "typed-receiver", "recipient") in by_line
    assert not [r for r in by_line if r[0] == 10 and r[2] == "Document"]
