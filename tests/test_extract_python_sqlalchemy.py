"""The Python extractor: SQLAlchemy ORM and Core queries."""
from __future__ import annotations

import textwrap

import pytest

from impact.extract.python import ModelInfo, models_in, resolve_model_queries
from impact.model import Confidence, QueryKind
from tests.python_extraction import q, queries, row


# -- SQLAlchemy -------------------------------------------------------------------------------

SQLALCHEMY_MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select, update, delete, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

class Base(DeclarativeBase):
    pass

class Stamped:
    created_at: Mapped[str] = mapped_column()

class Note(Stamped, Base):
    __tablename__ = "notes"
    __table_args__ = {"schema": "app"}
    id = Column(Integer, primary_key=True)
    title = Column("title_text", String)
    body: Mapped[str]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary = Column(String, name="abstract")
    owner = relationship("User")

metadata = MetaData()
tags = Table("tags", metadata, Column("id", Integer, primary_key=True), Column("label", String), schema="s")
"""
NOTE_COLUMNS = "created_at, id, title_text, body, owner_id, abstract"


def test_sqlalchemy_models():
    stamped, note, tags = models_in("app/models.py", SQLALCHEMY_MODELS)
    # A mixin is listed as what it is: no table, columns it lends (impact.orm.inherited_columns).
    assert (stamped.name, stamped.table, stamped.columns) == ("Stamped", None, ("created_at",))
    assert note == ModelInfo(
        name="Note", table="notes", file="app/models.py", line=12, framework="sqlalchemy",
        columns=("created_at", "id", "title_text", "body", "owner_id", "abstract"),
        attributes=(("created_at", "created_at"), ("id", "id"), ("title", "title_text"), ("body", "body"),
                    ("owner_id", "owner_id"), ("summary", "abstract"), ("pk", "id")),
        primary_key=("id",), schema="app",
    )
    assert (tags.name, tags.table, tags.framework, tags.columns, tags.primary_key, tags.schema) == (
        "tags", "tags", "sqlalchemy-core", ("id", "label"), ("id",), "s")


def test_sqlalchemy_inheritance_and_non_models():
    source = """
    class Base(DeclarativeBase): pass
    class Person(Base):
        __tablename__ = "people"
        id = Column(Integer, primary_key=True)
        kind = Column(String)
    class Admin(Person):  # single-table inheritance: same table
        level = Column(Integer)
    class Invoice(Person):  # joined-table inheritance: its own table, its own columns
        __tablename__ = "invoices"
        id = Column(ForeignKey("people.id"), primary_key=True)
    class Mixin:
        flag = Column(Integer)
    class Settings:
        debug = False
    """
    found_models = {m.name: (m.table, m.columns) for m in models_in("m.py", textwrap.dedent(source))}
    assert found_models == {
        "Person": ("people", ("id", "kind")),
        "Admin": ("people", ("id", "kind", "level")),
        "Invoice": ("invoices", ("id",)),
        "Mixin": (None, ("flag",)),  # lends its column to models of other files (impact.orm.inherited_columns)
    }


def test_sqlmodel_tables():
    source = """
    from sqlmodel import Field, Relationship, SQLModel, select
    class HeroBase(SQLModel):
        name: str = Field(index=True)
        secret_name: str
    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        team_id: int | None = Field(default=None, foreign_key="team.id")
        power: int = Field(sa_column=Column("power_level", Integer))
        team: Team | None = Relationship(back_populates="heroes")
        registry: ClassVar[dict] = {}
    class HeroCreate(HeroBase):
        pass
    class Team(SQLModel, table=True):
        __tablename__ = "teams"
        id: int = Field(primary_key=True)
    def heroes(session):
        return session.exec(select(Hero).where(Hero.power > 3)).all()
    """
    source = textwrap.dedent(source)
    hero, team = models_in("app/models.py", source)
    assert (hero.name, hero.table, hero.framework, hero.primary_key) == ("Hero", "hero", "sqlmodel", ("id",))
    assert hero.columns == ("name", "secret_name", "id", "team_id", "power_level")
    assert (team.table, team.columns) == ("teams", ("id",))
    (select_query,) = queries(source)
    assert row(select_query) == q(18, "select_star", "hero", "name, secret_name, id, team_id, power_level",
                                  "power_level", "medium")


SQLALCHEMY_CASES = {
    "select(Model) loads every mapped column": (
        "session.execute(select(Note).where(Note.owner_id == 1).order_by(Note.created_at.desc()))",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "owner_id, created_at", "medium")],
    ),
    "select of attributes, joined model, filter on it": (
        "session.execute(select(Note.id, Note.title).join(User, User.id == Note.owner_id).where(User.email == 'x'))",
        [q(1, "select_columns", "notes", "id, title_text", "owner_id", "medium"),
         q(1, "select_columns", None, "", "id, email", "low")],
    ),
    "legacy query API, filter_by, attribute named differently from its column": (
        "session.query(Note).filter(Note.id > 3).filter_by(title='x', summary='y').all()",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "id, title_text, abstract", "medium")],
    ),
    "query(...).update({...}) and .delete()": (
        "session.query(Note).filter(Note.id == 1).update({Note.title: 'y', 'body': 'z'})\n"
        "session.query(Note).filter_by(owner_id=2).delete()",
        [q(1, "update", "notes", "title_text, body", "id", "medium"),
         q(2, "delete", "notes", "", "owner_id", "medium")],
    ),
    "update / delete / insert statements": (
        "session.execute(update(Note).where(Note.id == 1).values(title='z'))\n"
        "session.execute(delete(Note).where(Note.owner_id == 2))\n"
        "session.execute(insert(Note).values([{'title': 'a'}, {'body': 'b'}]))",
        [q(1, "update", "notes", "title_text", "id", "medium"),
         q(2, "delete", "notes", "", "owner_id", "medium"),
         q(3, "insert", "notes", "title_text, body", "", "medium")],
    ),
    "postgresql insert (imported under another name) with on_conflict_do_update": (
        "session.execute(pg_insert(Note).values(id=1, title='t')"
        ".on_conflict_do_update(index_elements=[Note.id], set_={'title': 't'}))",
        [q(1, "upsert", "notes", "id, title_text", "id", "medium")],
    ),
    "session.add of a construction, inline and through a variable; add_all": (
        "session.add(Note(title='a', body='b', owner_id=1))\n"
        "note = Note(title='c')\n"
        "session.add(note)\n"
        "session.add_all([Note(body='d'), Note(owner_id=2)])",
        [q(1, "insert", "notes", "title_text, body, owner_id", "", "medium"),
         q(2, "insert", "notes", "title_text", "", "medium"),
         q(4, "insert", "notes", "body", "", "medium"),
         q(4, "insert", "notes", "owner_id", "", "medium")],
    ),
    "session.get and session.delete of the fetched row": (
        "got = session.get(Note, 5)\nsession.delete(got)",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "id", "medium"),
         q(2, "delete", "notes", "", "id", "medium")],
    ),
    "a statement built in steps": (
        "stmt = select(Note)\nif x:\n    stmt = stmt.where(Note.body == 'x')\nsession.scalars(stmt)",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "body", "medium")],
    ),
    "Flask-SQLAlchemy Model.query": (
        "Note.query.filter_by(title='x').first()",
        [q(1, "select_star", "notes", NOTE_COLUMNS, "title_text", "medium")],
    ),
    "Core table: select columns, insert, update": (
        "session.execute(select(tags.c.label).where(tags.c.id == 3))\n"
        "session.execute(tags.insert().values(label='x'))\n"
        "session.execute(tags.update().where(tags.c.id == 1).values(label='y'))",
        [q(1, "select_columns", "tags", "label", "id", "medium"),
         q(2, "insert", "tags", "label", "", "medium"),
         q(3, "update", "tags", "label", "id", "medium")],
    ),
    "a model defined elsewhere: table unknown, attribute names kept": (
        "session.execute(select(Attachment).where(Attachment.note_id == 1))",
        [q(1, "select_star", None, "", "note_id", "low")],
    ),
    "select(func.count()) takes its model from select_from; with none it is no query": (
        "session.scalar(select(func.count()).select_from(Note).where(Note.owner_id == 1))\n"
        "session.scalar(select(func.now()))",
        [q(1, "select_columns", "notes", "", "owner_id", "medium")],
    ),
    "not ORM: dict.update, set.add (even of a model), enum constants": (
        "settings.update(other)\nseen.add(Note(title='x'))\nsession.execute(select(Note.id).where(Note.title == Status.ACTIVE))",
        [q(3, "select_columns", "notes", "id", "title_text", "medium")],
    ),
}


@pytest.mark.parametrize("code, expected", SQLALCHEMY_CASES.values(), ids=SQLALCHEMY_CASES.keys())
def test_sqlalchemy_queries(code, expected):
    offset = SQLALCHEMY_MODELS.count("\n") + 1  # the models, then `def run`, then `code`
    source = SQLALCHEMY_MODELS + "def run(session, x):\n" + textwrap.indent(code, "    ") + "\n"
    found_queries = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    shifted = [(line + offset, *rest) for line, *rest in expected]
    assert sorted((row(x) for x in found_queries), key=repr) == sorted(shifted, key=repr)


def test_orm_query_notes_and_fields():
    source = SQLALCHEMY_MODELS + "\ndef run(session):\n    session.execute(select(Note))\n    session.execute(select(Tag.name))\n"
    note_query, tag_query = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    assert note_query.note == "model=Note; ORM loads all mapped columns"
    assert (note_query.schema, note_query.language, note_query.sql) == ("app", "python", None)
    assert note_query.snippet == "session.execute(select(Note))"
    assert (tag_query.table, tag_query.columns, tag_query.confidence) == (None, ("name",), Confidence.LOW)
    assert tag_query.note == "model=Tag; model defined in another file"


def test_a_query_on_a_session_bound_at_module_level_starts_at_its_own_line():
    """redash: `db = SQLAlchemyExt(...)` at the top, `db.session.query(Query)` 1,000 lines later:
    the query starts where it is written, not where `db` was bound."""
    source = "db = SQLAlchemy(session_options={})\n" + SQLALCHEMY_MODELS + "\ndef run():\n    return (db.session.query(Note)\n            .filter(Note.title == 'x'))\n"
    (query,) = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    start = source.splitlines().index("    return (db.session.query(Note)") + 1
    assert (query.line, query.end_line) == (start, start + 1)


def test_insert_statement_without_values_has_unknown_columns():
    source = SQLALCHEMY_MODELS + "\ndef run(session, rows):\n    session.execute(insert(Note), rows)\n"
    (insert_query,) = [x for x in queries(source) if x.extractor == "sqlalchemy"]
    assert (insert_query.kind, insert_query.columns_known) == (QueryKind.INSERT, False)


def test_resolve_model_queries_across_files():
    models = {m.name: m for m in models_in("app/models.py", SQLALCHEMY_MODELS)}
    elsewhere = queries("""
        from app.models import Note
        def run(session):
            session.execute(select(Note.title, Note.owner).where(Note.summary == "x"))
            session.add(Note(body="b", owner_id=1))
            session.execute(select(Widget.id))
    """, path="app/repo.py")
    assert all(x.table is None and x.confidence is Confidence.LOW for x in elsewhere)
    resolved = resolve_model_queries(elsewhere, models)
    # `owner` is a relationship, no column: dropped. Widget is no model anywhere: dropped.
    assert sorted(row(x) for x in resolved) == sorted([
        q(4, "select_columns", "notes", "title_text", "abstract", "medium"),
        q(5, "insert", "notes", "body, owner_id", "", "medium"),
    ])
    assert [x.note for x in resolved] == ["model=Note", "model=Note"]
    assert len(resolve_model_queries(elsewhere, models, drop_unknown=False)) == 3
    star = resolve_model_queries(queries("session.execute(select(Note))\n"), models)
    assert star[0].columns == ("created_at", "id", "title_text", "body", "owner_id", "abstract")
