"""Flask-SQLAlchemy models end to end: a `db.Model` class without `__tablename__` maps the snake
case of its class name (impact/extract/python/models.py `_flask_table`), so its queries and
columns are known (CTFd's `Keys`, `WrongKeys`)."""
from __future__ import annotations

from impact.extract.python.extractor import _facts
from impact.extract.python.models import find_models
from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = '''from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Keys(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    key_type = db.Column(db.String(80))


class WrongKeys(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    ip = db.Column(db.String(46))


class Base(db.Model):
    __abstract__ = True
    id = db.Column(db.Integer, primary_key=True)


class HTTPEvent(Base):
    path = db.Column(db.Text)


class Standard(Keys):
    __mapper_args__ = {"polymorphic_identity": "standard"}


class Named(db.Model):
    __tablename__ = "named_things"
    id = db.Column(db.Integer, primary_key=True)


class Mixin(object):
    id = db.Column(db.Integer, primary_key=True)
'''


def test_a_flask_model_without_tablename_maps_its_snake_case_name() -> None:
    tables = {m.name: m.table for m in find_models(_facts("app/models.py", MODELS))}
    # An abstract base and a plain mixin have no table; a subclass without a key of its own shares
    # its parent's (single-table inheritance); a declared name wins.
    assert tables == {"Keys": "keys", "WrongKeys": "wrong_keys", "HTTPEvent": "http_event", "Standard": "keys",
                      "Named": "named_things"}


def test_a_django_model_is_not_named_the_flask_way() -> None:
    text = "from django.db import models\nclass Note(models.Model):\n    body = models.TextField()\n"
    assert [m.table for m in find_models(_facts("notes/models.py", text))] == ["notes_note"]


INIT = '''revision = "0001"
down_revision = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("keys", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("key_type", sa.String(80)))
'''
DROP = '''revision = "0002"
down_revision = "0001"

from alembic import op


def upgrade():
    op.drop_column("keys", "key_type")
'''
# No `__tablename__` anywhere in the file: it is still read for models (extract/__init__.py's markers).
KEYS = MODELS.split("\n\n\nclass WrongKeys")[0] + "\n"
VIEWS = '''from app.models import Keys, db


def static_keys():
    return Keys.query.filter_by(key_type="static").all()


def key_types(chal):
    return [k.key_type for k in Keys.query.filter_by(chal=chal).all()]
'''


def test_a_dropped_column_of_a_flask_model_is_found_in_its_queries(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "alembic.ini": "[alembic]\nscript_location = migrations\n", "migrations/env.py": "",
        "migrations/versions/0001_init.py": INIT, "migrations/versions/0002_drop.py": DROP,
        "app/models.py": KEYS, "app/views.py": VIEWS,
    })
    result = scan(repo, "migrations/versions/0002_drop.py", use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert {(e.file, e.line) for e in finding.evidence} >= {("app/views.py", 5), ("app/views.py", 9)}
