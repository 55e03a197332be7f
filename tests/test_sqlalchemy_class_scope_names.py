"""A SQLAlchemy class body naming a column attribute bare (`foreign_keys=[cost_model_id]` in a
relationship of the same class) configures the model with it: the line goes with the column's
declaration (impact/orm/declarations.py SourceLines.cls_naming).

Real case: Netflix/dispatch `2024-04-22_50e99c66e72f.py` (commit 4f0400129b) drops
`incident.cost_model_id`; the authors removed the column and its relationship's
`foreign_keys=[cost_model_id]` (models.py:231), which impact did not report (1 of 6 truth lines;
the 5 others are `cost_model_id=` keywords of a service function, not the table's).
"""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import ALEMBIC_INI, alembic_revision, make_repo

MODELS = '''from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class CostModel(Base):
    __tablename__ = "cost_model"
    id = Column(Integer, primary_key=True)


class Incident(Base):
    __tablename__ = "incident"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    cost_model_id = Column(Integer, ForeignKey("cost_model.id"), nullable=True)
    cost_model = relationship(
        "CostModel",
        foreign_keys=[cost_model_id],
    )
    label = "cost_model_id of the incident"
    """The cost_model_id
    of the incident."""

    def describe(self, cost_model_id=None):
        cost_model_id = cost_model_id or 0
        return cost_model_id


def lookup(cost_model_id):
    return cost_model_id
'''

INIT = alembic_revision("0001", None, """    op.create_table("cost_model", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String()),
        sa.Column("cost_model_id", sa.Integer(), sa.ForeignKey("cost_model.id")),
    )
""")
DROP = alembic_revision("0002", "0001", '''    op.drop_column("incident", "cost_model_id")
''')


def test_a_relationship_naming_the_column_bare_goes_with_its_declaration(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "app", {
        "alembic.ini": ALEMBIC_INI,
        "incidents/models.py": MODELS,
        "migrations/versions/0001_init.py": INIT,
        "migrations/versions/0002_drop.py": DROP,
    })
    result = scan(repo, "0002", use_cache=False)
    declared = sorted(e.line for f in result.findings if f.code == "IMP109" for e in f.evidence)
    # The column and the relationship's foreign_keys; not a string, nor a method's or a function's own names.
    assert declared == [16, 19]
