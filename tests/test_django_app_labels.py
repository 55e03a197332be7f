"""A Django app whose apps.py sets its label (wagtail's `wagtail/` app is `wagtailcore`): its models'
default tables are `<label>_<model>` in the code as in the migrations (impact.extract.python.app_labels)."""
from __future__ import annotations

from pathlib import Path

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.test_django_scan import MIGRATION

APPS = '''from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    label = "sitecore"
'''
MODELS = '''from django.db import models


class Revision(models.Model):
    created_at = models.DateTimeField()


class TaskState(models.Model):
    page_revision = models.ForeignKey(Revision, on_delete=models.CASCADE)

    def latest(self):
        return TaskState.objects.filter(page_revision_id=self.page_revision_id).first()
'''
INITIAL = MIGRATION.format(deps="", ops='''        migrations.CreateModel(name="Revision", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("created_at", models.DateTimeField()),
        ]),
        migrations.CreateModel(name="TaskState", fields=[
            ("id", models.AutoField(primary_key=True)),
            ("page_revision", models.ForeignKey(on_delete=models.CASCADE, to="sitecore.revision")),
        ]),''')
RENAME = MIGRATION.format(deps='("sitecore", "0001_initial")', ops='''        migrations.RenameField(model_name="taskstate", old_name="page_revision", new_name="revision"),''')
VIEWS = '''from core.models import TaskState


def history(revisions, log):
    rows = [
        (page_revision, TaskState.objects.filter(page_revision=page_revision).count())
        for page_revision in revisions
    ]
    log(revision=page_revision)
    log(page_revision=rows[0])
    return rows
'''


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("labels"), {
        "core/__init__.py": "", "core/apps.py": APPS, "core/models.py": MODELS, "core/views.py": VIEWS,
        "core/migrations/__init__.py": "", "core/migrations/0001_initial.py": INITIAL,
        "core/migrations/0002_rename.py": RENAME,
    })
    return scan(Path(repo), "sitecore.0002", use_cache=False)


def _line(text: str, source: str = VIEWS) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_the_models_table_is_named_after_the_label_apps_py_sets(renamed) -> None:
    assert renamed.contexts[0].op.table == "sitecore_taskstate"
    broken = {(e.file, e.line) for f in renamed.findings if f.code == "IMP102" for e in f.evidence}
    # a query in another file, and one in the models module itself (resolved there, in-file)
    assert ("core/views.py", _line("TaskState.objects.filter")) in broken
    assert ("core/models.py", _line("TaskState.objects.filter", MODELS)) in broken
    assert all(q.table == "sitecore_taskstate" for q in renamed.queries if q.model == "TaskState")
    assert renamed.assessment.verdict == "breaking"
