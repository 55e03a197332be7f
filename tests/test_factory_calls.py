"""factory_boy factories' calls (impact/extract/python/factory_calls.py): `LoginFactory.create(ip_address=...)`
builds a row of the factory's `Meta.model`, so its keyword is that model's field."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo

INIT = '''revision = "0001"
down_revision = None

from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("logins", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("ip_address", sa.Text()))
    op.create_table("bans", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("ip_address", sa.Text()))
'''
DROP = '''revision = "0002"
down_revision = "0001"

from alembic import op


def upgrade():
    op.drop_column("logins", "ip_address")
'''
MODELS = '''from sqlalchemy import Column, Integer, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Login(Base):
    __tablename__ = "logins"
    id = Column(Integer, primary_key=True)
    ip_address = Column(Text)


class Ban(Base):
    __tablename__ = "bans"
    id = Column(Integer, primary_key=True)
    ip_address = Column(Text)
'''
FACTORIES = '''import factory

from app.models import Ban, Login


class LoginFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = Login

    ip_address = "127.0.0.1"


class BanFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = Ban
'''
TESTS = '''from tests.factories import BanFactory, LoginFactory


def test_logins(recorder):
    LoginFactory.create(
        id=1,
        user_id=2,
        country="fr",
        status="ok",
        ip_address="10.0.0.1",
    )
    LoginFactory(ip_address="10.0.0.2")
    BanFactory.create_batch(3, ip_address="10.0.0.3")
    assert recorder.calls == [recorder.call(ip_address="10.0.0.1")]
'''


def test_a_keyword_of_a_factory_call_is_its_models_field(tmp_path) -> None:
    repo = make_repo(tmp_path, {
        "alembic.ini": "[alembic]\nscript_location = migrations\n", "migrations/env.py": "",
        "migrations/versions/0001_init.py": INIT, "migrations/versions/0002_drop.py": DROP,
        "app/models.py": MODELS, "tests/factories.py": FACTORIES, "tests/test_logins.py": TESTS,
    })
    result = scan(repo, "migrations/versions/0002_drop.py", use_cache=False)
    evidence = {(e.file, e.line) for f in result.findings for e in f.evidence if e.file == "tests/test_logins.py"}
    # The calls of Login's factory (a keyword five lines below its call too); not Ban's factory
    # (another table's `ip_address`), nor a keyword of some other call.
    assert evidence == {("tests/test_logins.py", 10), ("tests/test_logins.py", 12)}
    refs = {(r.line, r.via, r.table) for r in result.references if r.file == "tests/test_logins.py"}
    assert (13, "model-class", "logins") not in refs and (14, "model-class", "logins") not in refs



def test_a_factory_naming_its_django_model_lazily_binds_it(tmp_path) -> None:
    # taiga's factories: `class Meta: model = "userstories.UserStory"`, Django's lazy model reference
    repo = make_repo(tmp_path, {
        "migrations/001_init.sql": "CREATE TABLE shop_order (id serial PRIMARY KEY, status text);\n",
        "migrations/002_drop.sql": "ALTER TABLE shop_order DROP COLUMN status;\n",
        "shop/__init__.py": "",
        "shop/models.py": "from django.db import models\n\n\nclass Order(models.Model):\n    status = models.CharField(max_length=10)\n",
        "tests/factories.py": "import factory\n\n\nclass OrderFactory(factory.django.DjangoModelFactory):\n"
                              "    class Meta:\n        model = \"shop.Order\"\n",
        "tests/test_orders.py": "from tests.factories import OrderFactory\n\n\ndef test_paid():\n"
                                "    order = OrderFactory.create(status=\"paid\")\n    assert order\n",
    })
    result = scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)
    refs = {(r.file, r.line, r.via, r.table) for r in result.references if r.file == "tests/test_orders.py"}
    assert ("tests/test_orders.py", 5, "model-class", "shop_order") in refs
