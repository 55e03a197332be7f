"""What the risk table and the summary's last lines say, on migrations written for each case."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = "CREATE TABLE chats (id int PRIMARY KEY, user_id int NOT NULL, a int, b int, c int, d int);"


def _scan(tmp_path: Path, migration: str, code: dict[str, str] | None = None):
    files = {"migrations/0001_schema.sql": SCHEMA, "migrations/0002_change.sql": migration, **(code or {})}
    return scan(make_repo(tmp_path, files), "2", use_cache=False)


def test_a_compatibility_finding_without_queries_says_what_to_check(tmp_path: Path) -> None:
    """papermark: `! maintained for queries found; 0 need review` beside two IMP220 warnings."""
    result = _scan(tmp_path, "ALTER TABLE chats ALTER COLUMN user_id DROP NOT NULL;")
    compat = result.assessment.dimensions["backward_compatibility"]
    assert compat.status == "review"
    assert compat.summary == "maintained for queries found; 1 schema change to check (IMP220)"


def test_names_without_a_table_are_one_sentence_however_many_columns(tmp_path: Path) -> None:
    """papermark's chat model changed 13 columns: one `N lines name X` per column filled the screen."""
    words = "\n".join(f"const {name} = {n};" for n, name in enumerate(["a", "a", "a", "b", "b", "c", "d"]))
    code = {"src/one.ts": words.replace("const a = 0;", "let a = 0;"), "src/two.ts": "export const a = 1, b = 2;\n"}
    result = _scan(tmp_path, "ALTER TABLE chats DROP COLUMN a, DROP COLUMN b, DROP COLUMN c, DROP COLUMN d;", code)
    counts = result.unattributed
    assert set(counts) == {"a", "b", "c", "d"} and counts["a"] >= counts["b"] >= counts["d"]
    note = result.unattributed_note()
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    assert note.startswith("lines naming a changed column without a table we could tell")
    assert f"`{top[0][0]}` {top[0][1]}, `{top[1][0]}` {top[1][1]}, `{top[2][0]}` {top[2][1]}, and {top[3][1]} more for 1 other column" in note


def test_three_columns_or_fewer_keep_a_count_each(tmp_path: Path) -> None:
    result = _scan(tmp_path, "ALTER TABLE chats DROP COLUMN c;", {"src/one.ts": "const c = 1;\nlet x = c;\n"})
    assert result.unattributed_note().startswith(f"{result.unattributed['c']} lines name `c` without a table")


def test_the_risk_table_counts_queries_as_the_headline_does(tmp_path: Path) -> None:
    """rallly drops two columns: the headline said 44 queries break, the risk table 85 (one per column)."""
    code = {"app/q.py": 'db.execute("SELECT a, b FROM chats")\ndb.execute("SELECT id FROM chats")\n'}
    result = _scan(tmp_path, "ALTER TABLE chats DROP COLUMN a, DROP COLUMN b;", code)
    assert sum(p.status == "breaks" for p in result.pairs) == 2  # the one query, against each drop
    compat = result.assessment.dimensions["backward_compatibility"]
    assert compat.summary == "broken: 1 existing query fails after the migration"


def test_a_table_the_orm_maps_but_no_migration_created_is_said_not_flagged(tmp_path: Path) -> None:
    """Netflix dispatch makes its base schema with create_all: IMP601 ('project does not exist … will
    fail') on every migration was wrong; the verdict's confidence says what is not known instead."""
    code = {"app/models.py": 'from sqlalchemy import Column, Integer\nfrom app.db import Base\n\n\nclass Project(Base):\n'
                             '    __tablename__ = "project"\n    id = Column(Integer, primary_key=True)\n',
            "app/service.py": "from app.models import Project\n\n\ndef all_projects(session):\n    return session.query(Project).all()\n"}
    result = _scan(tmp_path, "ALTER TABLE project ADD COLUMN archived boolean;", code)
    assert [q.table for q in result.queries if q.orm] == ["project"]
    assert not [f for f in result.findings if f.code == "IMP601"]
    assert any(r.startswith("project is mapped by the code's ORM models but created by no earlier migration")
               for r in result.assessment.confidence_reasons)
    typo = _scan(tmp_path / "typo", "ALTER TABLE projects ADD COLUMN archived boolean;", code)
    assert [f.code for f in typo.findings if f.code == "IMP601"] == ["IMP601"]
