"""A helper's parameter given a dropped column's value goes with the column
(impact/extract/python/parameter_values.py, fixtures/apps/helpdesk-sqlalchemy/helpdesk/labels.py)."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import FIXTURES

LABELS = "helpdesk/labels.py"


@pytest.fixture(scope="module")
def dropped():
    return scan(FIXTURES / "apps/helpdesk-sqlalchemy", "0002", use_cache=False)  # DROP COLUMN tickets.status


def test_a_parameter_every_call_gives_the_columns_value_is_the_tables(dropped) -> None:
    refs = {(r.line, r.via, r.table) for r in dropped.references if r.file == LABELS}
    # status_badge(ticket.status): its signature (5) and its body (6).
    assert {(5, "column-value", "tickets"), (6, "column-value", "tickets")} <= refs
    finding = next(f for f in dropped.findings if f.rule_id == "changed-column-referenced")
    assert {e.line for e in finding.evidence if e.file == LABELS} == {5, 6, 14}


def test_a_helper_some_call_gives_another_value_is_not_the_columns(dropped) -> None:
    # shout(ticket.status) and shout("open"): a general helper.
    assert {(r.line, r.via) for r in dropped.references if r.file == LABELS and r.line in (9, 10)} == \
        {(9, "name-only"), (10, "name-only")}
