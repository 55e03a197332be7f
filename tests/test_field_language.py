"""A Django model's field named in TypeScript is the API's JSON, not the model's (impact.orm.field_language):
library-django's frontend/src/book.ts."""
from __future__ import annotations

from impact.model import ColumnReference
from impact.orm.field_language import unplace_foreign_fields
from impact.orm.mapping import OrmModel
from impact.pipeline import scan
from tests.conftest import FIXTURES


def test_a_django_field_in_the_browser_code_has_no_table() -> None:
    result = scan(FIXTURES / "apps" / "library-django", "books.0002", use_cache=False)
    found = {(r.line, r.table, r.via) for r in result.references if r.file == "frontend/src/book.ts"}
    assert found == {(4, None, "name-only"), (7, None, "name-only")}
    assert not [e for f in result.findings for e in f.evidence if e.file == "frontend/src/book.ts"]
    # the Python code naming it keeps its table (books/loans.py's row read, line 9)
    assert any(r.file == "books/loans.py" and r.line == 9 and r.table == "books_book" for r in result.references)


def _ref(file: str) -> ColumnReference:
    return ColumnReference(file, 1, "external_reference", "books_book", "property", False, "x.external_reference", via="orm-field")


def test_a_table_both_languages_map_keeps_the_name_in_both() -> None:
    django = OrmModel(orm="django", name="Book", table="books_book", file="books/models.py", line=1, fields=[])
    prisma = OrmModel(orm="prisma", name="Book", table="books_book", file="prisma/schema.prisma", line=1, fields=[])
    assert [r.via for r in unplace_foreign_fields([_ref("web/book.ts"), _ref("books/x.py")], [django])] == ["name-only", "orm-field"]
    assert [r.via for r in unplace_foreign_fields([_ref("web/book.ts"), _ref("books/x.py")], [django, prisma])] == ["orm-field", "orm-field"]
    assert [r.via for r in unplace_foreign_fields([_ref("scripts/seed.py")], [prisma])] == ["name-only"]
