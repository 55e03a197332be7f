"""Relation fields under `include`/`select` in a call of a function forwarding them to a Prisma call
(impact.orm.prisma_wrapper_args), on the documents-prisma fixture (src/documents/listing.ts)."""
from __future__ import annotations

from impact.orm.prisma_wrapper_args import forwarded_spans
from impact.pipeline import scan
from tests.conftest import FIXTURES

APP = FIXTURES / "apps" / "documents-prisma"
LISTING = "src/documents/listing.ts"


def test_a_relation_included_through_a_wrapper_goes_with_the_dropped_table() -> None:
    result = scan(APP, str(FIXTURES / "scenarios" / "documents-prisma" / "drop_document.sql"), use_cache=False)
    evidence = sorted(e.line for f in result.findings if f.rule_id == "dropped-table-still-used" for e in f.evidence if e.file == LISTING)
    # 11: `document: true` under the include passed to listRecipients (a wrapper of prisma.recipient.findMany);
    # 17: the wrapper's own option named `document`, no include: not the relation.
    assert evidence == [11]


def test_only_include_and_select_objects_of_a_wrappers_call_are_spans() -> None:
    text = (APP / LISTING).read_text()
    assert forwarded_spans(text, {"listRecipients": "recipient"}) == [(10, 12)]
    assert forwarded_spans(text, {}) == [] and forwarded_spans(text, {"other": "recipient"}) == []
