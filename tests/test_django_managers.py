"""Django querysets reached through a custom manager or a manager held in a name, a row's
attribute given as a value to another model's call (impact.extract.python.django,
impact.extract.references), and the evidence of a query selecting no column: found on plane (makeplane/plane), whose soft-delete models are queried
through `Issue.issue_objects` and `all_objects`."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.test_django_scan import MIGRATION

MODELS = '''from django.db import models


class PageManager(models.Manager):
    pass


class Page(models.Model):
    name = models.CharField(max_length=10)
    description = models.JSONField(default=dict)

    page_objects = PageManager()
    published = PageManager()


class PageVersion(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE)
    description_json = models.JSONField(default=dict)
'''
INITIAL = MIGRATION.format(deps="", ops='''        migrations.CreateModel(name="Page", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("name", models.CharField(max_length=10)),
            ("description", models.JSONField(default=dict)),
        ]),
        migrations.CreateModel(name="PageVersion", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("description_json", models.JSONField(default=dict)),
            ("page", models.ForeignKey(on_delete=models.CASCADE, to="pages.page")),
        ]),''')
RENAME = MIGRATION.format(deps='("pages", "0001_initial")', ops='''        migrations.RenameField(model_name="page", old_name="description", new_name="description_json"),''')
TASKS = '''from pages.models import Page, PageVersion


def listed():
    return Page.page_objects.filter(name="x").values("id", "description")


def batch():
    base_query = Page.objects
    return base_query.order_by("id").only("id", "description")


def version(page_id):
    page = Page.objects.get(id=page_id)
    PageVersion.objects.create(page_id=page_id, description_json=page.description)


def published():
    return Page.published.filter(name="x").values("description")


def any_described():
    return Page.objects.filter(description__isnull=False).exists()


def nothing():
    return Page.objects.none()
'''


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("managers"), {
        "pages/__init__.py": "", "pages/migrations/__init__.py": "", "pages/models.py": MODELS,
        "pages/migrations/0001_initial.py": INITIAL, "pages/migrations/0002_rename.py": RENAME,
        "pages/tasks.py": TASKS,
    })
    return scan(Path(repo), "pages.0002", use_cache=False)


def _line(text: str) -> int:
    return next(n for n, line in enumerate(TASKS.splitlines(), 1) if text in line)


def _broken(result) -> set[int]:
    return {e.line for f in result.findings if f.code == "IMP102" for e in f.evidence if e.file == "pages/tasks.py"}


def test_a_custom_manager_named_like_objects_starts_a_query(renamed) -> None:
    line = _line("Page.page_objects")
    query = next(q for q in renamed.queries if q.file == "pages/tasks.py" and q.line == line)
    assert query.table == "pages_page" and "description" in query.columns
    assert line in _broken(renamed)


def test_a_manager_held_in_a_name_starts_a_query_where_the_name_is_used(renamed) -> None:
    line = _line("base_query.order_by")
    query = next(q for q in renamed.queries if q.file == "pages/tasks.py" and q.line == line)
    assert query.table == "pages_page" and set(query.columns) == {"id", "description"}
    assert line in _broken(renamed)


def test_a_rows_attribute_given_to_another_models_call_is_that_rows(renamed) -> None:
    # `description_json=page.description` in PageVersion.objects.create(...): a value read off a Page
    line = _line("description_json=page.description")
    ref = next(r for r in renamed.references if r.file == "pages/tasks.py" and r.line == line)
    assert (ref.table, ref.via) == ("pages_page", "typed-receiver")
    cited = {e.line for f in renamed.findings for e in f.evidence if e.file == "pages/tasks.py" and e.kind == "reference"}
    assert line in cited


def test_a_query_selecting_no_column_says_which_it_uses(renamed) -> None:
    # `.exists()` selects no column: the evidence showed `pages_page()`, hiding why it breaks
    line = _line("description__isnull")
    detail = next(e.detail for f in renamed.findings if f.code == "IMP102" for e in f.evidence
                  if e.file == "pages/tasks.py" and e.line == line)
    assert detail.startswith("select_columns pages_page(uses description)")


def test_an_empty_queryset_is_no_query(renamed) -> None:
    # wagtail's `return TaskState.objects.none()` was listed as a whole-row read that breaks
    line = _line("Page.objects.none()")
    assert not any(q.file == "pages/tasks.py" and q.line == line for q in renamed.queries)


@pytest.mark.xfail(strict=True, reason="known limit: a custom manager not named `<x>_objects` is not read as one")
def test_a_custom_manager_of_any_name_starts_a_query(renamed) -> None:
    line = _line("Page.published")
    assert any(q.file == "pages/tasks.py" and q.line == line and q.table == "pages_page" for q in renamed.queries)
