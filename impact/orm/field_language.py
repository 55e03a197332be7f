"""An ORM's field name tells its table in the ORM's own language only.

A field only one model maps (`via="orm-field"`) is credited to that model's table wherever the name
stands. A Django or SQLAlchemy model's field named in TypeScript is no use of the model: the browser
code reads the API's JSON (paperless-ngx's `skip_archive_file` in src-ui's config interface, a not-db
line of the round-4 Django sample); a Prisma or Drizzle field in a Python script is a payload's key.
Such a name's table cannot be told: it becomes `name-only` (counted, never evidence). A table mapped
by models of both languages keeps the name in both. Raw SQL and queries are untouched (their vias
are not "orm-field").
"""
from __future__ import annotations

from dataclasses import replace

from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES
from impact.orm.mapping import PY_ORMS, TS_ORMS

_PYTHON_SUFFIXES = (".py", ".pyi")


def unplace_foreign_fields(references: list, models) -> list:
    """`orm-field` references in a language no model of their table is written in, made `name-only`."""
    languages: dict[str, set[str]] = {}
    for model in models:
        language = "python" if model.orm in PY_ORMS else "typescript" if model.orm in TS_ORMS else None
        if language and model.table:
            languages.setdefault(model.table.lower(), set()).add(language)
    return [replace(ref, table=None, via="name-only") if _foreign(ref, languages) else ref for ref in references]


def _foreign(ref, languages: dict[str, set[str]]) -> bool:
    if ref.via != "orm-field" or not ref.table:
        return False
    language = "python" if ref.file.endswith(_PYTHON_SUFFIXES) else "typescript" if ref.file.endswith(TS_SUFFIXES) else None
    mapped = languages.get(ref.table.lower())
    return language is not None and bool(mapped) and language not in mapped
