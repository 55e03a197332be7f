"""A dropped table's name as a Python string in code is a use of the table (impact/orm/table_names.py;
CTFd's export and import name `'containers'` in their lists of tables)."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import ALEMBIC_INI, alembic_revision, make_repo

FILES = {
    "alembic.ini": ALEMBIC_INI,
    "migrations/versions/0001_init.py": alembic_revision("0001", None, '''    op.create_table("containers", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String()))
'''),
    "migrations/versions/0002_drop_containers.py": alembic_revision("0002", "0001", '''    op.drop_table("containers")
'''),
    "app/models.py": '''from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Containers(db.Model):
    __tablename__ = "containers"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
''',
    "app/export.py": '''import dataset

TABLES = {
    "metadata": [
        'config',
        'containers',
    ],
}


def import_ctf(db, item, data):
    # 'containers' was a table once
    if item == 'containers':
        return db['containers'].insert_many(data)
    payload = {"containers": data, "url": "/admin/containers"}
    return f"containers", payload
''',
}


def test_a_python_string_naming_the_dropped_table_is_evidence(tmp_path: Path) -> None:
    result = scan(make_repo(tmp_path / "app", FILES), "0002", use_cache=False)
    quoted = sorted((r.file, r.line) for r in result.references if r.via == "table-name")
    # The list item, the comparison, the subscript; not the comment, the dict key, the URL, the
    # f-string, the model's `__tablename__` (a model-type reference already), nor the migrations.
    assert quoted == [("app/export.py", 6), ("app/export.py", 13), ("app/export.py", 14)]
    finding = next(f for f in result.findings if f.rule_id == "dropped-table-still-used")
    cited = {(e.file, e.line) for e in finding.evidence}
    assert {("app/export.py", 6), ("app/export.py", 13), ("app/export.py", 14), ("app/models.py", 7)} <= cited
    assert "3 lines naming the table" in finding.message
