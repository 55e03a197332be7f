"""A dropped column whose data the migration moved to a column it added (impact.judge.moved_columns)."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.sqlalchemy_source import declarative

MODEL = declarative(("DataSource", "data_sources", "    options = Column(Text)\n"), names="Column, Integer, Text, text") + '''

def with_options(session):
    return session.query(DataSource).filter(DataSource.options.isnot(None)).all()


def label(ds: DataSource) -> str:
    return ds.options.upper()


def raw(session):
    return session.execute(text("SELECT options FROM data_sources")).all()
'''
INIT = "CREATE TABLE data_sources (id int PRIMARY KEY, options text);\n"
MOVE = ("ALTER TABLE data_sources ADD COLUMN encrypted_options bytea;\n"
        "UPDATE data_sources SET encrypted_options = convert_to(options, 'UTF8');\n"
        "ALTER TABLE data_sources DROP COLUMN options;\n")


def _evidence(root, migration: str) -> dict[str, set[int]]:
    repo = make_repo(root, {"migrations/001_init.sql": INIT, "migrations/002_change.sql": migration,
                            "app/__init__.py": "", "app/models.py": MODEL})
    result = scan(repo, str(repo / "migrations/002_change.sql"), use_cache=False)
    found: dict[str, set[int]] = {}
    for finding in result.findings:
        if finding.operation.column_name == "options":
            found.setdefault(finding.rule_id, set()).update(e.line for e in finding.evidence if e.file == "app/models.py")
    return found


def test_orm_code_is_no_evidence_once_the_data_moved_but_the_declaration_and_raw_sql_are(tmp_path) -> None:
    found = _evidence(tmp_path, MOVE)
    assert found["orm-model-declares-changed-column"] == {10}  # the one line to change: map `options` to the new column
    assert found["dropped-column-still-used"] == {22}  # raw SQL reads the column itself; the ORM query (14) its mapping
    assert 18 not in found.get("changed-column-referenced", set())  # ds.options, through the mapping


@pytest.mark.parametrize("migration", [
    "ALTER TABLE data_sources DROP COLUMN options;\n",  # the data is gone
    MOVE + "ALTER TABLE data_sources ADD COLUMN options jsonb;\n",  # the name holds another type again
    MOVE.replace("convert_to(options, 'UTF8')", "NULL WHERE options IS NULL"),  # nothing copied
    MOVE.replace("UPDATE", "ALTER TABLE data_sources ADD COLUMN options_backup text;\nUPDATE")
        .replace("'UTF8')", "'UTF8'), options_backup = options"),  # split into two columns
    MOVE.replace("options, 'UTF8')", "options || host, 'UTF8')") + "ALTER TABLE data_sources DROP COLUMN host;\n",  # merged
], ids=["plain-drop", "re-added", "not-copied", "split", "merged"])
def test_orm_code_is_evidence_when_the_data_did_not_move(tmp_path, migration) -> None:
    found = _evidence(tmp_path, migration)
    assert 18 in found["changed-column-referenced"] and {14, 22} <= found["dropped-column-still-used"]
