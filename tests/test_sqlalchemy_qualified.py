"""SQLAlchemy models spelled through their module (`models.Ticket`, `helpdesk.models.Ticket`):
the same queries, filters and writes as the bare class name (impact/extract/python/sqlalchemy.py).
warehouse's tests query `db.query(services.UserUniqueLogin).filter(services.UserUniqueLogin.ip_address == x)`.
A mapped class's attribute outside any query (`Ticket.status == s` in a helper) is that model's
column (impact/extract/python/class_attributes.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.pipeline import scan
from tests.conftest import FIXTURES

HELPDESK = FIXTURES / "apps" / "helpdesk-sqlalchemy"

QUALIFIED = '''"""Tickets through the models module."""
from sqlalchemy import select

from helpdesk import models
import helpdesk.models


def closed(session):
    return session.query(models.Ticket).filter(
        models.Ticket.project_id == 1,
        models.Ticket.status == "closed",
    ).all()


def by_status(session, status):
    return session.scalars(select(helpdesk.models.Ticket).where(helpdesk.models.Ticket.status == status))


def add(session):
    session.add(models.Ticket(title="x", status="new", project_id=1))


def other(self, session):
    return session.query(self.Ticket).filter(self.Ticket.status == "open").all()
'''


CLAUSES = '''"""Clauses built outside any query."""
from helpdesk import models
from helpdesk.models import Project, Ticket


def ticket_status_is(status):
    return Ticket.status == status


def project_status_column():
    return Project.status


def mixed(resp):
    return resp.status, Ticket.status


def through_module():
    return models.Ticket.status.desc()


def a_row(row):
    return row.status
'''


def _scan(tmp_path: Path, migration: str):
    repo = tmp_path / "helpdesk"
    shutil.copytree(HELPDESK, repo)
    (repo / "helpdesk" / "qualified.py").write_text(QUALIFIED, encoding="utf-8")
    (repo / "helpdesk" / "clauses.py").write_text(CLAUSES, encoding="utf-8")
    return scan(repo, migration, use_cache=False)


def _evidence(result, rule: str, file: str) -> list[int]:
    return sorted({e.line for f in result.findings if f.rule_id == rule for e in f.evidence if e.file == file})


def test_a_model_spelled_through_its_module_is_queried_filtered_and_written(tmp_path: Path) -> None:
    result = _scan(tmp_path, "0002")
    queries = {q.line: q for q in result.queries if q.file == "helpdesk/qualified.py"}
    assert {line: q.table for line, q in queries.items()} == {9: "tickets", 16: "tickets", 20: "tickets"}
    assert "status" in queries[9].filter_columns and "status" in queries[16].filter_columns
    assert "status" in queries[20].columns
    # Each of those breaks once tickets.status is dropped; `self.Ticket` is an instance's attribute, no model.
    assert _evidence(result, "dropped-column-still-used", "helpdesk/qualified.py") == [9, 16, 20]
    assert not any(q.line == 24 and q.table for q in result.queries if q.file == "helpdesk/qualified.py")


def test_a_mapped_class_attribute_outside_a_query_is_its_models_column(tmp_path: Path) -> None:
    result = _scan(tmp_path, "0002")
    refs = {r.line: (r.via, r.table) for r in result.references if r.file == "helpdesk/clauses.py" and r.context == "property"}
    assert refs[7] == ("typed-receiver", "tickets")
    assert refs[11] == ("typed-receiver", "projects")  # another table's status: never evidence of the drop
    assert refs[15][0] == "name-only" and refs[23][0] == "name-only"  # `resp.status` on the line, a row of unknown type
    assert refs[19] == ("typed-receiver", "tickets")
    assert _evidence(result, "changed-column-referenced", "helpdesk/clauses.py") == [7, 19]
