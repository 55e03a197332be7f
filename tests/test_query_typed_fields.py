"""Query's typed fields (issue 8 §5): what code needs of an ORM query is a field, never its `note`.

`method` (the ORM call), `implicit_columns` (the columns the ORM adds to those the code names) and
`model_file` (where the model is declared, None until resolved) are filled by every ORM extractor
and read by the resolvers, the judge and the JSON report; the note stays a sentence for people.
"""
from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from impact.extract import typescript
from impact.extract.python import extract, models_in, resolve_model_queries
from impact.judge.engine import whole_row
from impact.model import ColumnReference, QueryKind
from impact.orm import build_orm_map, resolve_orm_queries
from impact.orm.prisma_nesting import attribute_nested
from impact.report.json_report import query_dict
from tests.test_prisma_nesting import SCHEMA  # Team, its projectTeams relation to ProjectTeam

DJANGO_MODELS = '''from django.db import models


class Note(models.Model):
    title = models.TextField()
    body = models.TextField()
    owner_id = models.IntegerField()

    class Meta:
        db_table = "notes"
'''


def _python(code: str, path: str = "notes/views.py", models: str = DJANGO_MODELS):
    """The file's ORM queries, resolved through `models` (declared in notes/models.py)."""
    registry = {m.name: m for m in models_in("notes/models.py", models)}
    found = [q for q in extract(path, textwrap.dedent(code)).queries if q.orm]
    return resolve_model_queries(found, registry)


def test_a_django_whole_row_read_keeps_the_model_columns_apart_from_the_named_lookup() -> None:
    (read,) = _python("from notes.models import Note\n\ndef f(o):\n    return Note.objects.filter(owner_id=o)\n")
    assert (read.table, read.method, read.all_columns, read.model_file) == ("notes", "filter", True, "notes/models.py")
    assert set(read.columns) == {"id", "title", "body", "owner_id"}  # the SQL selects every column
    assert read.named_columns() == ("owner_id",)  # the line names only the lookup
    assert set(read.implicit_columns) == {"id", "title", "body"}
    assert not whole_row(read, "owner_id") and whole_row(read, "body")


def test_a_django_create_names_its_keys_and_writes_the_other_columns_implicitly() -> None:
    """One rule for every ORM: the key given to create() is named on the line (it was counted as a
    whole-row write while the Python ORMs' columns were only the model's)."""
    (create,) = _python("from notes.models import Note\n\ndef f(t):\n    Note.objects.create(title=t)\n")
    assert (create.kind, create.method) == (QueryKind.INSERT, "create")
    assert create.named_columns() == ("title",) and "body" in create.implicit_columns
    assert not whole_row(create, "title") and whole_row(create, "body")


def test_a_python_query_resolves_by_its_model_field_whatever_its_note_says() -> None:
    found = [q for q in extract("notes/views.py", "from notes.models import Note\nNote.objects.all()\n").queries if q.orm]
    (waiting,) = found
    assert (waiting.table, waiting.model, waiting.model_file) == (None, "Note", None)  # its model lives in another file
    registry = {m.name: m for m in models_in("notes/models.py", DJANGO_MODELS)}
    (resolved,) = resolve_model_queries([replace(waiting, note="rewritten for people")], registry)
    assert (resolved.table, resolved.model_file, resolved.method) == ("notes", "notes/models.py", "all")


@pytest.mark.parametrize("code, method", [
    ("session.query(Note).filter(Note.title == 'x').all()", "query"),
    ("session.execute(select(Note))", "select"),
    ("session.query(Note).filter(Note.id == 1).update({'title': 'x'})", "update"),
    ("session.add(Note(title='x'))", "add"),
])
def test_sqlalchemy_queries_carry_their_method(code: str, method: str) -> None:
    models = ("from sqlalchemy import Column, Integer, Text, select\nfrom sqlalchemy.orm import declarative_base\n"
              "Base = declarative_base()\n\nclass Note(Base):\n    __tablename__ = 'notes'\n"
              "    id = Column(Integer, primary_key=True)\n    title = Column(Text)\n    body = Column(Text)\n")
    (query,) = [q for q in extract("app/notes.py", models + f"\ndef run(session):\n    {code}\n").queries if q.orm]
    assert (query.table, query.method, query.model_file) == ("notes", method, "app/notes.py")


CODE = '''import { prisma } from "./db";

export const teams = (projectId: string) => prisma.team.findMany({
  where: { projectTeams: { some: { projectId } } },
});

export const named = (name: string) => prisma.team.findMany({ where: { name } });
'''


def _prisma_queries():
    orm = build_orm_map([("prisma/schema.prisma", SCHEMA)])
    return orm, resolve_orm_queries(typescript.extract("src/teams.ts", CODE).queries, orm)


def test_a_prisma_nested_key_is_attributed_through_the_method_field_not_the_note() -> None:
    orm, queries = _prisma_queries()
    assert [(q.model, q.method, q.model_file) for q in queries] == [("team", "findMany", "prisma/schema.prisma")] * 2
    silent = [replace(q, note="") for q in queries]  # nothing may be read from the sentence
    ref = ColumnReference("src/teams.ts", 4, "projectId", "Team", "sql", via="orm-call")
    (nested,) = attribute_nested([ref], [("src/teams.ts", CODE, silent)], orm)
    assert (nested.table, nested.context) == ("ProjectTeam", "property")


def test_a_prisma_whole_row_read_naming_the_column_in_its_filter_is_no_whole_row_use() -> None:
    _, (teams, named) = _prisma_queries()
    assert named.all_columns and named.named_columns() == ("name",) and named.implicit_columns == ("id",)
    assert not whole_row(named, "name")  # `where: { name }` is written on the line
    assert whole_row(teams, "name") and whole_row(named, "id")


def test_the_json_report_carries_the_typed_fields() -> None:
    _, (teams, _named) = _prisma_queries()
    data = query_dict(teams)
    assert {k: data[k] for k in ("orm", "model", "model_file", "method", "all_columns")} == {
        "orm": "prisma", "model": "team", "model_file": "prisma/schema.prisma", "method": "findMany", "all_columns": True}
    assert data["implicit_columns"] == ["id", "name"] and data["note"].startswith("prisma.team.findMany()")


@pytest.mark.parametrize("code, orm, method", [
    ('await db.update(users).set({ name }).where(eq(users.id, id));', "drizzle", "update"),
    ('await db.query.users.findMany({ where: eq(users.id, id) });', "drizzle", "findMany"),
    ('await db.selectFrom("users").select(["name"]).execute();', "kysely", "selectFrom"),
    ('await User.findAll({ where: { name } });', "sequelize", "findAll"),
    ('await this.repo.createQueryBuilder().update().set({ name }).execute();', "typeorm", "update"),
])
def test_typescript_orm_queries_carry_their_method(code: str, orm: str, method: str) -> None:
    text = ('import { Repository } from "typeorm";\nimport { Model } from "sequelize";\nimport { eq } from "drizzle-orm";\n'
            f"class S {{\n  constructor(private repo: Repository<User>) {{}}\n  async run() {{ {code} }}\n}}\n")
    assert [q.method for q in typescript.extract("src/s.ts", text).queries if q.orm == orm] == [method]
