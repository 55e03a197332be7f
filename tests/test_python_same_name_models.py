"""Two Django apps declaring a model of the same name: a file's queries are on the class it imports
(impact.orm.python_imports.foreign_model_uses), and a model named in a docstring is prose."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

OLD = '''from django.db import models


class Query(models.Model):
    query_string = models.CharField(max_length=255)

    class Meta:
        db_table = "search_query"

    @classmethod
    def remove_unused(cls):
        """
        Deletes all Query records nobody searched for
        """
        cls.objects.filter(query_string="").delete()
'''
NEW = '''from django.db import models


class Query(models.Model):
    query_string = models.CharField(max_length=255)
    hits = models.IntegerField(default=0)

    class Meta:
        db_table = "promotions_query"
'''
# The new app's views and tests use its own Query: none of it touches search_query.
PROMOTION_VIEWS = '''from app.promotions.models import Query


def index():
    queries = Query.objects.filter(hits__gt=0)
    return [q.query_string for q in queries]


def edit(query_id):
    query = Query.objects.get(id=query_id)
    return query.hits
'''
# A file still using the old model: through its module, and under an alias beside the new one.
LEGACY = '''from app.promotions.models import Query
from app.search.models import Query as OldQuery


def copy():
    for old in OldQuery.objects.all():
        Query.objects.create(query_string=old.query_string)


def count():
    return OldQuery.objects.count()
'''
# Both models through their modules (wagtail's copy command).
COPY = '''from app.promotions import models
from app.search import models as search_models


def copy():
    for old in search_models.Query.objects.all():
        models.Query.objects.create(query_string=old.query_string)
'''
SEARCH_VIEWS = '''from app.search.models import Query


def popular():
    rows = Query.objects.all()
    return list(rows)
'''


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("samename"), {
        "migrations/001_init.sql": "CREATE TABLE search_query (id int PRIMARY KEY, query_string text);\n"
                                   "CREATE TABLE promotions_query (id int PRIMARY KEY, query_string text, hits int);\n",
        "migrations/002_drop.sql": "DROP TABLE search_query;\n",
        "app/__init__.py": "",
        "app/search/__init__.py": "",
        "app/search/models.py": OLD,
        "app/search/views.py": SEARCH_VIEWS,
        "app/promotions/__init__.py": "",
        "app/promotions/models.py": NEW,
        "app/promotions/views.py": PROMOTION_VIEWS,
        "app/promotions/legacy.py": LEGACY,
        "app/promotions/copy.py": COPY,
    })
    return scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)


def _evidence(result) -> set[str]:
    finding = next((f for f in result.findings if f.rule_id == "dropped-table-still-used"), None)
    return {f"{e.file}:{e.line}" for e in finding.evidence} if finding else set()


def test_another_apps_model_of_the_same_name_is_not_the_dropped_table(dropped) -> None:
    evidence = _evidence(dropped)
    assert not {e for e in evidence if e.startswith("app/promotions/views.py")}, evidence
    assert {q.line for q in dropped.queries if q.file == "app/promotions/views.py" and q.table == "search_query"} == set()
    assert not {"app/promotions/legacy.py:7"} & evidence  # the new Query's create()


def test_the_dropped_model_is_still_found_where_its_module_is_imported(dropped) -> None:
    evidence = _evidence(dropped)
    assert {"app/search/views.py:5", "app/search/views.py:6"} <= evidence  # the query and its rows
    assert {"app/promotions/legacy.py:2", "app/promotions/legacy.py:6", "app/promotions/legacy.py:11"} <= evidence


def test_each_model_reached_through_its_module_is_told_apart(dropped) -> None:
    on_table = {q.line for q in dropped.queries if q.file == "app/promotions/copy.py" and q.table == "search_query"}
    assert on_table == {6}


def test_a_model_named_in_a_docstring_is_prose(dropped) -> None:
    assert "app/search/models.py:13" not in _evidence(dropped)
