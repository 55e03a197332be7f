"""A file that cannot declare a model is not parsed for models (impact/extract/python/models.py
`may_declare_models`): a "no" must never hide one."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from impact.extract.python.extractor import _facts
from impact.extract.python.models import find_models, may_declare_models

ROOT = Path(__file__).resolve().parents[1]

DECLARING = {
    "django": "from django.db import models\nclass Note(models.Model):\n    body = models.TextField()\n",
    "django field only": "class Note(Base):\n    body = models . \\\n        TextField()\n",
    "sqlalchemy": "class Note(Base):\n    __tablename__ = 'notes'\n    id = Column(Integer, primary_key=True)\n",
    "sqlmodel": "class Hero(SQLModel, table=True):\n    id: int\n",
    "core": "notes = Table('notes', metadata, Column('id', Integer))\n",
    # A custom user model on Django's auth base declares its fields there (netbox's `User`).
    "django auth base": "from django.contrib.auth.models import AbstractUser\nclass User(AbstractUser):\n    class Meta:\n        db_table = 'users_user'\n",
}


@pytest.mark.parametrize("name", sorted(DECLARING))
def test_each_way_of_declaring_a_model_is_looked_at(name: str) -> None:
    text = DECLARING[name]
    assert may_declare_models(text) and find_models(_facts("app/models.py", text))


def test_a_graphene_type_naming_a_model_is_not_parsed() -> None:
    text = textwrap.dedent('''\
        class CheckoutLine(ModelObjectType):
            quantity = graphene.Int(required=True)

            class Meta:
                model = models.CheckoutLine
        ''')
    assert not may_declare_models(text)
    assert find_models(_facts("graphql/types.py", text)) == []


def test_no_file_of_the_fixtures_said_to_declare_none_declares_one() -> None:
    checked = 0
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        facts = _facts(str(path), text)
        if not may_declare_models(text) and hasattr(facts, "classes"):  # parsed, declares none
            assert find_models(facts) == [], path
            checked += 1
    assert checked > 20


# The pattern may_declare_models ran before s12speed (issue 13): its answers, searched faster now.
_BEFORE = [r"(?<!\w)(?:Model|AbstractBaseUser|PermissionsMixin|AbstractUser)(?!\w)",
           r"models(?:\s|\\|#[^\n]*)*\.(?:\s|\\|#[^\n]*)*(?:fields\s*\.\s*)?\w*(?:Field|ForeignKey|ParentalKey)(?!\w)"
           r"|^\s*from\s+django\.db\.models\s+import\s+[^\n]*?(?:Field|ForeignKey)\b"]


@pytest.mark.parametrize("text", [
    "class A(Model): pass\n", "class A(XModel): pass\n", "class A(Model_x): pass\n", "class U(AbstractUser):\n",
    "class U(AbstractUserMixin):\n", "x = PermissionsMixin\n", "ÄModel\n", "ModelÄ\n", "Model",
    "from django.db.models import ForeignKey\n", "  from django.db.models import JSONField, X\n",
    "from django.db.models import Q\n", "# django.db.models\nfrom  django.db.models  import  CharField\n",
    "x = models.\\\n    CharField()\n", "models.fields.JSONField(\n", "models.Fieldset\n"])
def test_the_faster_search_answers_as_the_pattern_did(text: str) -> None:
    import re

    before = any(re.search(p, text, re.MULTILINE) for p in _BEFORE)
    assert may_declare_models(text) == before
