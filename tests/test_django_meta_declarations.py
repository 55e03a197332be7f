"""A Django model's `class Meta` lines quoting a dropped field go with its declaration (pretalx 0105
removed `ordering = ("position",)` with `ReviewPhase.position`: every default query sorts by it)."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = '''from django.db import models


class ReviewPhase(models.Model):
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position",)
        indexes = [models.Index(fields=["name", "-position"])]
        verbose_name = "position of the phase"

    def __str__(self):
        return "position"


class Board(models.Model):
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position",)
'''


def test_meta_options_naming_the_field_are_declarations_of_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "reviews/models.py": MODELS,
        "migrations/0001_init.sql": "CREATE TABLE reviews_reviewphase (id bigint PRIMARY KEY, name varchar(100) NOT NULL, position int NOT NULL);\n"
                                    "CREATE TABLE reviews_board (id bigint PRIMARY KEY, position int NOT NULL);\n",
        "migrations/0002_drop.sql": "ALTER TABLE reviews_reviewphase DROP COLUMN position;\n",
    })
    result = scan(repo, "2", use_cache=False)
    declared = sorted(e.line for f in result.findings if f.code == "IMP109" for e in f.evidence)
    assert declared == [6, 9, 10]  # the field, its ordering and its index; not a verbose name, a method, nor Board's Meta
