"""A keyword of a call given a model class is the model's field (impact.extract.python.model_argument_calls)."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.sqlalchemy_source import declarative

MODELS = declarative(("Query", "queries", "    schedule = Column(String(10))\n"), ("Alert", "alerts", "    schedule = Column(String(10))\n"))
# A project's own factory given the model, a name standing for it, a function wrapping it.
FACTORIES = '''import app.models
from app.models import Alert


class ModelFactory:
    def __init__(self, model, **kwargs):
        self.model, self.kwargs = model, kwargs

    def create(self, **override):
        return self.model(**{**self.kwargs, **override})


query_factory = ModelFactory(app.models.Query,
                             name="Query",
                             schedule=None)
alert_factory = ModelFactory(Alert, schedule=None)


class Factory:
    def create_query(self, **kwargs):
        args = {"name": "q"}
        args.update(kwargs)
        return query_factory.create(**args)
'''
TESTS = '''from app.models import Query
from tests.factories import Factory, alert_factory, query_factory


def test_schedules(session, get_or_create):
    factory = Factory()
    q = factory.create_query(schedule="3600")
    query_factory.create(schedule="60")
    get_or_create(session, Query, schedule="1")
    alert_factory.create(schedule="60")
    settings = dict(schedule="60")
    return q, settings
'''


def scan_schedules(root, tests: str):
    """The queries and alerts app, with `tests` as tests/test_schedules.py, scanned for the DROP of queries.schedule."""
    repo = make_repo(root, {
        "migrations/001_init.sql": "CREATE TABLE queries (id int PRIMARY KEY, schedule text);\nCREATE TABLE alerts (id int PRIMARY KEY, schedule text);\n",
        "migrations/002_drop.sql": "ALTER TABLE queries DROP COLUMN schedule;\n",
        "app/__init__.py": "", "app/models.py": MODELS, "tests/__init__.py": "", "tests/factories.py": FACTORIES,
        "tests/test_schedules.py": tests,
    })
    return scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    return scan_schedules(tmp_path_factory.mktemp("modelargs"), TESTS)


def _attributed(result) -> dict[str, str | None]:
    return {f"{r.file}:{r.line}": r.table for r in result.references if r.column == "schedule" and r.file.startswith("tests/")}


def test_keywords_of_calls_given_the_model_or_standing_for_it_are_its_fields(dropped) -> None:
    tables = _attributed(dropped)
    for where in ("tests/factories.py:15", "tests/test_schedules.py:7", "tests/test_schedules.py:8", "tests/test_schedules.py:9"):
        assert tables[where] == "queries", where
    finding = next(f for f in dropped.findings if f.rule_id == "changed-column-referenced")
    assert {"tests/test_schedules.py:7", "tests/test_schedules.py:9"} <= {f"{e.file}:{e.line}" for e in finding.evidence}


def test_another_models_calls_and_plain_dicts_are_not_the_model(dropped) -> None:
    tables = _attributed(dropped)
    assert tables["tests/factories.py:16"] != "queries"  # Alert's factory
    assert tables["tests/test_schedules.py:10"] != "queries"
    assert tables["tests/test_schedules.py:11"] is None
