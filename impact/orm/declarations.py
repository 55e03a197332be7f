"""Model declarations of changed columns, as references (`via = "model-declaration"`).

An ORM that loads whole rows (Prisma without `select`, Django, SQLAlchemy, Drizzle's bare
`select()`) names every column its model declares, so while a model still declares a dropped or
renamed column, every such read fails even where no code line names the column. The declaration
is the evidence for that; the fix is to remove the field from the model and deploy first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from impact.model import ColumnReference

if TYPE_CHECKING:
    from impact.extraction import ExtractionRun


def model_declarations(run: "ExtractionRun", tables: list[str], columns: set[str]) -> list[ColumnReference]:
    wanted = {c.lower(): c for c in columns}
    found = []
    for table in tables:
        for model in run.orm.on_table(table):
            for f in model.fields:
                if f.column and f.column.lower() in wanted and not f.ignored:
                    found.append(_declared(model.file, f.line or model.line, wanted[f.column.lower()], model.table or table,
                                           f"{model.orm} model {model.name}: field {f.name}", f.name))
    for model in run.models.values():  # Python models (SQLAlchemy, SQLModel, Django) of the affected tables
        for attribute, column in model.attributes:
            if column.lower() in wanted and model.table and attribute != "pk":
                found.append(_declared(model.file, model.line, wanted[column.lower()], model.table,
                                       f"{model.framework} model {model.name}: attribute {attribute}", attribute))
    unique: dict[tuple, ColumnReference] = {}
    for ref in found:  # Django maps `author` and `author_id` to one column: one declaration
        unique.setdefault((ref.file, ref.line, ref.column), ref)
    return list(unique.values())


def _declared(file: str, line: int, column: str, table: str, snippet: str, spelling: str) -> ColumnReference:
    return ColumnReference(file, line, column, table, "declaration", snippet=snippet, via="model-declaration",
                           spelling=spelling if spelling != column else None)
