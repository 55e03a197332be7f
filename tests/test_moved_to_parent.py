"""A field moved up to a Django multi-table inheritance parent: its ORM uses keep working
(impact.judge.moved_columns.moved_to_parent); the model's declaration is the line to change."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = '''from django.db import models


class ChildJob(models.Model):
    status = models.TextField()

    class Meta:
        db_table = "childjob"


class ImportBook(ChildJob):
    fail_reason = models.TextField(null=True)

    class Meta:
        db_table = "importbook"
'''
TASKS = '''from jobs.models import ImportBook


def fail(task_id):
    task = ImportBook.objects.get(id=task_id)
    task.fail_reason = "unknown"
    task.save(update_fields=["fail_reason"])
'''
INIT = ("CREATE TABLE childjob (id serial PRIMARY KEY, status text);\n"
        "CREATE TABLE importbook (childjob_ptr_id int PRIMARY KEY REFERENCES childjob (id), fail_reason text);\n")


def _scan(tmp_path, migration: str):
    repo = make_repo(tmp_path, {
        "migrations/001_init.sql": INIT, "migrations/002_change.sql": migration,
        "jobs/__init__.py": "", "jobs/models.py": MODELS, "jobs/tasks.py": TASKS,
    })
    result = scan(repo, str(repo / "migrations/002_change.sql"), use_cache=False)
    return {f.rule_id: {f"{e.file}:{e.line}" for e in f.evidence} for f in result.findings}


def test_a_field_moved_to_the_parent_table_is_no_break_of_its_orm_uses(tmp_path) -> None:
    found = _scan(tmp_path, "ALTER TABLE importbook DROP COLUMN fail_reason;\nALTER TABLE childjob ADD COLUMN fail_reason text;\n")
    assert not {e for e in found.get("dropped-column-still-used", set()) if e.startswith("jobs/tasks.py")}
    assert "drop-column-loses-data" in found  # its values are not copied


@pytest.mark.parametrize("added", ["", "ALTER TABLE childjob ADD COLUMN other_reason text;\n"])
def test_a_field_dropped_without_its_parent_taking_it_breaks_them(tmp_path, added) -> None:
    found = _scan(tmp_path, "ALTER TABLE importbook DROP COLUMN fail_reason;\n" + added)
    assert "jobs/tasks.py:7" in found.get("dropped-column-still-used", set())
