"""A Django model without `db_table` names its table by its class (`<app label>_<class name>`): its
class line is the line mapping a dropped or renamed table (impact/orm/model_types.py
_django_class_line), as `__tablename__` is a SQLAlchemy model's.

Real cases: mathesar `mathesar/migrations/0011_rename_role_configuredrole.py` (commit 8eba96332d,
RenameModel Role -> ConfiguredRole: `class Role(BaseModel):` renamed, 8 of 13 truth lines found
before) and `0020_delete_exploration.py` (commit 72af0af09b, DeleteModel Exploration: 3 of 5);
paperless-ngx `1064_delete_log.py` (commit f3e6ed56b9, `class Log(models.Model):`).
"""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = '''from django.db import models


class Role(models.Model):
    name = models.CharField(max_length=100)


class Board(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        db_table = "boards"
'''

VIEWS = '''from reviews.models import Role


def roles():
    return Role.objects.all()
'''

INIT = ("CREATE TABLE reviews_role (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\n"
        "CREATE TABLE boards (id bigint PRIMARY KEY, title varchar(100) NOT NULL);\n")


def _evidence(tmp_path: Path, change: str) -> list[tuple[str, str, int]]:
    repo = make_repo(tmp_path, {
        "reviews/__init__.py": "",
        "reviews/models.py": MODELS,
        "reviews/views.py": VIEWS,
        "migrations/0001_init.sql": INIT,
        "migrations/0002_change.sql": change,
    })
    result = scan(repo, "2", use_cache=False)
    return sorted({(f.code, e.file, e.line) for f in result.findings if f.code in ("IMP104", "IMP105") for e in f.evidence})


def test_a_dropped_tables_default_named_model_class_line(tmp_path: Path) -> None:
    assert _evidence(tmp_path, "DROP TABLE reviews_role;\n") == [
        ("IMP104", "reviews/models.py", 4), ("IMP104", "reviews/views.py", 1), ("IMP104", "reviews/views.py", 5)]


def test_a_renamed_tables_default_named_model_class_line(tmp_path: Path) -> None:
    assert ("IMP105", "reviews/models.py", 4) in _evidence(tmp_path, "ALTER TABLE reviews_role RENAME TO reviews_configuredrole;\n")


def test_a_model_naming_its_table_keeps_that_line_only(tmp_path: Path) -> None:
    # `db_table = "boards"` is the mapping line; its class line is not.
    assert [e for e in _evidence(tmp_path, "DROP TABLE boards;\n") if e[1] == "reviews/models.py"] == [("IMP104", "reviews/models.py", 12)]
