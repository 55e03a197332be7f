"""Rows made by factories type the names holding them (impact/extract/python/row_producers.py):
`ticket = TicketFactory.build()` then `ticket.status` reads tickets.status (via "typed-receiver")."""
from __future__ import annotations

import ast

import pytest

from impact.extract.python.models import ModelInfo
from impact.extract.python.row_producers import made, row_producers
from impact.pipeline import scan
from tests.conftest import FIXTURES
from tests.test_model_argument_calls import scan_schedules


def test_a_factorys_rows_are_its_models_and_another_factorys_are_not() -> None:
    result = scan(FIXTURES / "apps/helpdesk-sqlalchemy", "0002", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "changed-column-referenced")
    # F.build() (7), F.build_batch(n) iterated (12), a helper returning F.build(...) (17); not ProjectFactory's row (22).
    assert {f"{e.file}:{e.line}" for e in finding.evidence if e.file.startswith("tests/")} == \
        {"tests/test_tickets.py:7", "tests/test_tickets.py:12", "tests/test_tickets.py:17"}
    projects = {(r.line, r.via, r.table) for r in result.references if r.file == "tests/test_tickets.py" and r.line == 22}
    assert projects == {(22, "typed-receiver", "projects")}


TESTS = '''from tests.factories import Factory, alert_factory, query_factory


def test_schedules(self):
    q = Factory().create_query(name="q")
    assert q.schedule is None
    made = query_factory.create()
    assert made.schedule is None
    alert = alert_factory.create()
    assert alert.schedule is None
    called = query_factory(name="q")
    assert called.schedule is None
'''


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    return scan_schedules(tmp_path_factory.mktemp("producers"), TESTS)


def test_a_project_factorys_rows_and_its_wrappers_rows_are_the_models(dropped) -> None:
    tables = {r.line: (r.via, r.table) for r in dropped.references if r.file == "tests/test_schedules.py"}
    assert tables[6] == ("typed-receiver", "queries")  # `Factory().create_query(...)` returns query_factory.create(...)
    assert tables[8] == ("typed-receiver", "queries")  # `query_factory.create()`
    assert tables[10] == ("typed-receiver", "alerts")  # another model's factory: its table, never evidence for queries
    # Calling the name itself is not one of its builders (`QueryForm = modelform_factory(Query)` makes forms).
    assert tables[12] == ("name-only", None)
    finding = next(f for f in dropped.findings if f.rule_id == "changed-column-referenced")
    assert {e.line for e in finding.evidence if e.file == "tests/test_schedules.py"} == {6, 8}


def _models(*names: str) -> dict[str, ModelInfo]:
    return {name: ModelInfo(name=name, table=name.lower() + "s", file="app/models.py", line=1, framework="sqlalchemy", columns=("id",))
            for name in names}


def test_names_making_rows_of_two_models_or_spelled_like_an_orm_method_say_nothing() -> None:
    helpers = '''from app.models import Query, Alert


def make(kind, **kwargs):
    if kind == "query":
        return Query(**kwargs)
    return Alert(**kwargs)


def new_query(**kwargs):
    return Query(**kwargs)


def first(**kwargs):
    return Query(**kwargs)


def maybe_query(flag):
    if flag:
        return Query()
    return None
'''
    found = row_producers([("tests/helpers.py", helpers)], _models("Query", "Alert"))
    assert found == {"new_query": ("returns", "Query")}
    call = ast.parse("x.new_query(a=1)", mode="eval").body
    assert made(call, found) == ("row", "Query")
    assert made(ast.parse("x.make(a=1)", mode="eval").body, found) is None
