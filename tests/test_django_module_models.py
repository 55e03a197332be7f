"""Django models reached through their module (`from library import models`, then
`models.Report.objects.filter(…)`) and declared with the project's own field module
(`from . import fields`, then `fields.ForeignKey(…)`): bookwyrm's whole code base is written so."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

FIELDS = '''from django.db import models


class FederatedMixin:
    activitypub_field = None


class ForeignKey(FederatedMixin, models.ForeignKey):
    pass


class TextField(FederatedMixin, models.TextField):
    pass
'''
MODELS = '''from django.db import models

from . import fields


class Report(models.Model):
    reporter = fields.ForeignKey("auth.User", related_name="reporter", on_delete=models.PROTECT)
    note = fields.TextField(null=True)
    user = fields.ForeignKey("auth.User", null=True, on_delete=models.PROTECT)
    resolved = models.BooleanField(default=False)
'''
VIEWS = '''from django.shortcuts import get_object_or_404

from library import models


def reports_on(users):
    return models.Report.objects.filter(user__in=users)


def report(report_id):
    return get_object_or_404(models.Report, id=report_id)


def note_of(report_id):
    return models.Report.objects.filter(id=report_id).values("note")
'''
# A form's fields of the same names: no model of this app.
FORMS = '''from django import forms


class Search(forms.Form):
    user = forms.CharField()
'''


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("modmodels"), {
        "migrations/001_init.sql": "CREATE TABLE library_report (id serial PRIMARY KEY, reporter_id int, note text, "
                                   "user_id int, resolved boolean);\n",
        "migrations/002_rename.sql": "ALTER TABLE library_report RENAME COLUMN user_id TO reported_user_id;\n",
        "library/__init__.py": "",
        "library/fields.py": FIELDS,
        "library/models.py": MODELS,
        "library/views.py": VIEWS,
        "library/forms.py": FORMS,
    })
    return scan(repo, str(repo / "migrations/002_rename.sql"), use_cache=False)


def test_a_models_fields_declared_through_the_projects_field_module_are_columns(renamed) -> None:
    declared = {(r.file, r.line) for r in renamed.references if r.via == "model-declaration"}
    assert ("library/models.py", 9) in declared


def test_queries_on_a_model_through_its_module_are_read(renamed) -> None:
    on_table = {(q.file, q.line): q for q in renamed.queries if q.table == "library_report"}
    assert {("library/views.py", 7), ("library/views.py", 11), ("library/views.py", 15)} <= set(on_table)
    assert "user_id" in on_table[("library/views.py", 7)].filter_columns
    assert on_table[("library/views.py", 15)].columns == ("note",)


def test_the_rename_breaks_the_query_filtering_on_the_old_field(renamed) -> None:
    finding = next(f for f in renamed.findings if f.rule_id == "renamed-column-still-used")
    assert "library/views.py:7" in {f"{e.file}:{e.line}" for e in finding.evidence}
    assert not any(r.file == "library/forms.py" and r.table for r in renamed.references)


# Models on a project's abstract base of another file, with fields imported bare from django.db.models
# or reached through the project's models package (`models.fields.CharField`): bookwyrm's import jobs.
JOB = '''from django.db import models


class ChildJob(models.Model):
    status = models.CharField(max_length=50)

    class Meta:
        abstract = True
'''
IMPORTS = '''from django.db.models import ForeignKey, JSONField, SET_NULL

from library import models
from library.job import ChildJob


class ImportBook(ChildJob):
    book_data = JSONField(null=False)


class RelationshipImport(ChildJob):
    relationship = models.fields.CharField(max_length=10)


def relationships(job):
    return RelationshipImport.objects.filter(relationship="follow")
'''


@pytest.fixture(scope="module")
def renamed_model(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("bareimports"), {
        "migrations/001_init.sql": "CREATE TABLE library_relationshipimport (id serial PRIMARY KEY, status text, relationship text);\n"
                                   "CREATE TABLE library_importbook (id serial PRIMARY KEY, status text, book_data jsonb);\n",
        "migrations/002_rename.sql": "ALTER TABLE library_relationshipimport RENAME TO library_importrelationship;\n"
                                     "ALTER TABLE library_importbook DROP COLUMN book_data;\n",
        "library/__init__.py": "",
        "library/fields.py": FIELDS,
        "library/models.py": "from library.imports import ImportBook, RelationshipImport\n",
        "library/job.py": JOB,
        "library/imports.py": IMPORTS,
    })
    return scan(repo, str(repo / "migrations/002_rename.sql"), use_cache=False)


def test_models_of_a_file_importing_django_field_classes_are_read(renamed_model) -> None:
    queries = {(q.file, q.line) for q in renamed_model.queries if q.table == "library_relationshipimport"}
    assert ("library/imports.py", 16) in queries
    declared = {(r.file, r.line) for r in renamed_model.references if r.via == "model-declaration"}
    assert ("library/imports.py", 8) in declared  # book_data = JSONField(...), a bare name imported from django.db.models


def test_a_model_on_a_same_file_django_base_reads_its_project_fields(tmp_path) -> None:
    # bookwyrm's `class Series(BookDataModel)`: every field through `fields.`, the base in the same file
    from impact.extract.python.extractor import models_in

    text = ('from django.db import models\n\nfrom . import fields\n\n\nclass BookData(models.Model):\n'
            '    origin_id = models.IntegerField(null=True)\n\n    class Meta:\n        abstract = True\n\n\n'
            'class Series(BookData):\n    name = fields.TextField()\n    user = fields.ForeignKey("User", on_delete=models.PROTECT)\n')
    series = next(m for m in models_in("library/models.py", text) if m.name == "Series")
    assert {"name", "user_id", "origin_id"} <= set(series.columns)


def test_a_field_less_model_on_another_files_base_is_a_model(tmp_path) -> None:
    # wagtail's `class NotYetRegisteredSiteSetting(BaseSiteSetting): pass`: its DROP TABLE found no code
    repo = make_repo(tmp_path, {
        "migrations/001_init.sql": "CREATE TABLE shop_draftsetting (id serial PRIMARY KEY, site_id int);\n",
        "migrations/002_drop.sql": "DROP TABLE shop_draftsetting;\n",
        "core/__init__.py": "",
        "core/settings.py": "from django.db import models\n\n\nclass BaseSetting(models.Model):\n"
                            "    site_id = models.IntegerField()\n\n    class Meta:\n        abstract = True\n",
        "shop/__init__.py": "",
        "shop/models.py": "from django.db import models\nfrom django.db.models import TextChoices\n\nfrom core.settings import BaseSetting\n\n\n"
                          "class Shop(models.Model):\n    name = models.TextField()\n\n\n"
                          "class DraftSetting(BaseSetting):\n    pass\n\n\nclass Color(TextChoices):\n    pass\n",
        "shop/tests.py": "from shop.models import Color, DraftSetting\n\n\ndef test_registry(registry):\n"
                         "    assert DraftSetting in registry\n",
    })
    from impact.extract.python.extractor import models_in

    found = {m.name: m for m in models_in("shop/models.py", (repo / "shop/models.py").read_text())}
    assert "Color" not in found  # a library's base: not told a model
    result = scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "dropped-table-still-used")
    assert {"shop/tests.py:1", "shop/tests.py:5"} <= {f"{e.file}:{e.line}" for e in finding.evidence}
