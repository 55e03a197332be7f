"""SQLAlchemy models assembled from mixins by a function, columns declared by `@declared_attr`
(impact/extract/python/class_factories.py): what impact reads is what SQLAlchemy itself maps (the
models module is imported and configured here: SQLAlchemy is the oracle), and a DROP COLUMN of such
a column reaches the code naming it through the model (`db.Job.queue_id`, `select(db.Job)`,
`session.get(db.Job, ...)`, the declaration)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from impact.extract.python.extractor import models_in
from impact.pipeline import scan
from tests.conftest import ALEMBIC_INI, alembic_revision, make_repo

NAMING = '''import re

CAMEL_TO_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")
'''

MODELS = '''"""Jobs and queues: mixins a configuration object assembles into models on its declarative base."""
import sqlalchemy as sa
from sqlalchemy.orm import as_declarative, declared_attr

from jobs.naming import CAMEL_TO_SNAKE


class ORMBase:
    @declared_attr
    def __tablename__(cls):
        return CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()

    id = sa.Column(sa.Integer, primary_key=True)


class ORMJobQueue:
    name = sa.Column(sa.String, nullable=False)


class ORMJob:
    title = sa.Column(sa.String, nullable=False)

    @declared_attr
    def queue_id(cls):
        """The queue the job waits in."""
        return sa.Column(sa.Integer, sa.ForeignKey("job_queue.id"), nullable=True)

    @declared_attr
    def owner_ref(cls):
        return sa.Column("owner", sa.String)

    @declared_attr
    def queue(cls):
        return sa.orm.relationship("JobQueue", foreign_keys=[cls.queue_id])


class ORMConfiguration:
    def __init__(self, job_mixin=ORMJob, job_queue_mixin=ORMJobQueue):
        self._create_base_model()
        self._create_orm_models(job_mixin=job_mixin, job_queue_mixin=job_queue_mixin)

    def _create_base_model(self):
        @as_declarative(metadata=sa.MetaData())
        class Base(ORMBase):
            pass

        self.Base = Base

    def _create_orm_models(self, job_mixin=ORMJob, job_queue_mixin=ORMJobQueue):
        class JobQueue(job_queue_mixin, self.Base):
            pass

        class Job(job_mixin, self.Base):
            pass

        self.Job = Job
        self.JobQueue = JobQueue
'''

QUERIES = '''"""Reads of the jobs through the configuration object (`db.Job`)."""
import sqlalchemy as sa


async def jobs_in(session, db, queue_id):
    query = sa.select(db.Job).where(db.Job.queue_id == queue_id)
    return (await session.execute(query)).scalars().all()


async def job(session, db, job_id):
    return await session.get(db.Job, job_id)


def queue_clause(db):
    return db.JobQueue.id == db.Job.queue_id


async def queue_of(session, db, job_id):
    job = await session.get(db.Job, job_id)
    return job.queue_id


async def queued(session, db):
    result = await session.execute(sa.select(db.Job))
    return [row.queue_id for row in result.scalars()]
'''

INIT = alembic_revision("0001", None, """    op.create_table("job_queue", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(), nullable=False))
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("queue_id", sa.Integer(), sa.ForeignKey("job_queue.id"), nullable=True),
        sa.Column("owner", sa.String()),
    )
""")
DROP = alembic_revision("0002", "0001", '    op.drop_column("job", "queue_id")\n')

FILES = {"alembic.ini": ALEMBIC_INI, "jobs/__init__.py": "", "jobs/naming.py": NAMING, "jobs/orm_models.py": MODELS,
         "jobs/queries.py": QUERIES, "migrations/versions/0001_init.py": INIT, "migrations/versions/0002_drop.py": DROP}


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_impact_reads_the_tables_and_columns_sqlalchemy_maps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "app", FILES)
    monkeypatch.syspath_prepend(str(repo))
    for name in ("jobs", "jobs.naming", "jobs.orm_models"):
        sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location("jobs.orm_models", repo / "jobs/orm_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    db = module.ORMConfiguration()
    oracle = {cls.__name__: (cls.__table__.name, sorted(c.name for c in cls.__table__.columns)) for cls in (db.Job, db.JobQueue)}
    assert oracle == {"Job": ("job", ["id", "owner", "queue_id", "title"]), "JobQueue": ("job_queue", ["id", "name"])}

    found = {m.name: m for m in models_in("jobs/orm_models.py", MODELS)}
    # The mixin's `declared_attr` columns are its own (a relationship is none); the model's table
    # waits for the repository-level pass (its rule imports CAMEL_TO_SNAKE), which the scan runs.
    assert dict(found["ORMJob"].attributes) == {"title": "title", "queue_id": "queue_id", "owner_ref": "owner"}
    assert found["Base"].table is None and found["Base"].abstract  # `@as_declarative`: the base, no table
    assert {a: c for a, c in found["Job"].attributes if a != "pk"} == {"title": "title", "queue_id": "queue_id", "owner_ref": "owner", "id": "id"}
    result = scan(repo, "0002", use_cache=False)
    tables = {q.model: q.table for q in result.queries if q.model}
    assert {name: (tables[name], sorted(set(found[name].columns))) for name in ("Job",)} == {"Job": oracle["Job"]}


def test_a_dropped_declared_attr_column_reaches_the_code_through_the_model(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", FILES)
    result = scan(repo, "0002", use_cache=False)
    evidence = sorted({(e.file, e.line) for f in result.findings if f.operation.column_name == "queue_id"
                       for e in f.evidence if e.kind != "statement" and e.line})
    assert evidence == [
        ("jobs/orm_models.py", _line(MODELS, "def queue_id(cls)")),  # the model still declares it (IMP109): in its mixin,
        ("jobs/orm_models.py", _line(MODELS, "foreign_keys=[cls.queue_id]")),  # with the relationship configured by it
        ("jobs/queries.py", _line(QUERIES, "sa.select(db.Job)")),
        ("jobs/queries.py", _line(QUERIES, "session.get(db.Job")),
        ("jobs/queries.py", _line(QUERIES, "db.JobQueue.id == db.Job.queue_id")),
        ("jobs/queries.py", _line(QUERIES, "job = await session.get(db.Job")),
        ("jobs/queries.py", _line(QUERIES, "return job.queue_id")),
        ("jobs/queries.py", _line(QUERIES, "sa.select(db.Job))")),
        ("jobs/queries.py", _line(QUERIES, "row.queue_id for row")),
    ]
    attributed = {(r.line, r.table, r.via) for r in result.references if r.file == "jobs/queries.py" and r.column == "queue_id"}
    # `db.Job.queue_id` (the model reached as an attribute), a row `session.get(db.Job, ...)` gives, the
    # rows of `sa.select(db.Job)`: Job's column.
    assert {(line, table) for line, table, via in attributed if via == "typed-receiver"} == {
        (_line(QUERIES, "db.JobQueue.id == db.Job.queue_id"), "job"), (_line(QUERIES, "return job.queue_id"), "job"),
        (_line(QUERIES, "row.queue_id for row"), "job")}


def test_a_model_without_the_factory_keeps_its_bases(tmp_path: Path) -> None:
    """A class defined in a function on bases it does not take as parameters is read as before."""
    text = '''import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def make():
    class Note(Base):
        __tablename__ = "notes"
        id = sa.Column(sa.Integer, primary_key=True)
    return Note
'''
    (note,) = [m for m in models_in("notes.py", text) if m.name == "Note"]
    assert (note.table, note.columns) == ("notes", ("id",))


@pytest.mark.xfail(strict=True, reason="known limit: a model assembled from mixins a caller passes keeps the defaults' columns")
def test_mixins_a_caller_passes_replace_the_defaults(tmp_path: Path) -> None:
    text = MODELS + '''

class ORMOtherJob:
    other = sa.Column(sa.String)


CONFIGURATION = ORMConfiguration(job_mixin=ORMOtherJob)
'''
    (job,) = [m for m in models_in("jobs/orm_models.py", text) if m.name == "Job"]
    assert "other" in dict(job.attributes)


def test_only_the_declaring_class_reads_of_cls_go_with_the_declaration(tmp_path: Path) -> None:
    """`cls.queue_id` in the body of the class declaring `queue_id` goes with it; in another class, not."""
    from impact.orm.declarations import SourceLines

    text = '''class ORMJob:
    @declared_attr
    def queue_id(cls):
        return sa.Column(sa.Integer)

    @declared_attr
    def queue(cls):
        return sa.orm.relationship("JobQueue", foreign_keys=[cls.queue_id])  # cls.queue_id


class ORMOther:
    @declared_attr
    def queue(cls):
        return sa.orm.relationship("JobQueue", foreign_keys=[cls.queue_id])
'''
    make_repo(tmp_path, {"m.py": text})
    found = SourceLines(tmp_path).cls_naming("m.py", 3, "queue_id")
    assert [number for number, _ in found] == [8]
