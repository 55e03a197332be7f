"""A factory_boy factory of a dropped table's model goes with the model: every line naming it is
evidence of the drop (impact/orm/factory_types.py; warehouse's `AttestationFactory`)."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import ALEMBIC_INI, alembic_revision, make_repo

FILES = {
    "alembic.ini": ALEMBIC_INI,
    "migrations/versions/0001_init.py": alembic_revision("0001", None, '''    op.create_table("files", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("path", sa.String()))
    op.create_table("attestation", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("file_id", sa.Integer(), sa.ForeignKey("files.id")), sa.Column("digest", sa.String()))
'''),
    "migrations/versions/0002_drop_attestation.py": alembic_revision("0002", "0001", '''    op.drop_table("attestation")
'''),
    "app/models.py": '''from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class File(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String)


class Attestation(Base):
    __tablename__ = "attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    digest: Mapped[str] = mapped_column(String)
''',
    "tests/common/db/base.py": '''import factory


class AppFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
''',
    "tests/common/db/attestation.py": '''import factory

from app.models import Attestation, File

from .base import AppFactory


class AttestationFactory(AppFactory):
    class Meta:
        model = Attestation

    digest = factory.Faker("sha256")


class FileFactory(AppFactory):
    class Meta:
        model = File

    path = "a.tar.gz"
''',
    "tests/test_upload.py": '''from tests.common.db.attestation import AttestationFactory, FileFactory


def test_upload():
    # AttestationFactory is named in this comment only
    file = FileFactory.create()
    made = AttestationFactory.create(file_id=file.id)
    assert "AttestationFactory" != made
''',
}


def test_every_line_naming_a_factory_of_the_dropped_tables_model_is_evidence(tmp_path: Path) -> None:
    result = scan(make_repo(tmp_path / "app", FILES), "0002", use_cache=False)
    lines = sorted((r.file, r.line) for r in result.references if r.via == "model-type" and r.spelling == "AttestationFactory")
    # The import and the call; not the comment, the string, the factory's own class line, nor FileFactory.
    assert lines == [("tests/test_upload.py", 1), ("tests/test_upload.py", 7)]
    cited = {(e.file, e.line) for f in result.findings if f.rule_id == "dropped-table-still-used" for e in f.evidence}
    assert {("tests/test_upload.py", 1), ("tests/test_upload.py", 7)} <= cited
    # The factory module's own import of the model is the model's reference, as before.
    assert ("tests/common/db/attestation.py", 3) in cited
