"""A mapped class's own attribute as a reference: `EmailMessage.status` outside any query we read
(`filters.append(cast(EmailMessage.status, String).ilike(v))`, `order_by=Note.created_at` in a
`relationship()`, a helper building a clause) is that model's column (via "typed-receiver": the
class is the receiver, as a Drizzle table variable is: impact.orm.table_receivers).

Decisions: only a bare class name (`Note.status`) or one reached through its module
(`models.Note.status`) of a model the scan knows; only when that model maps the attribute to the
reference's column (a method or a Python property of the class says nothing). A reference a query
or a declaration already places is left alone; one the file's queries inferred (`file-queries`) is
not: the class names its table outright.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from impact.extract.python.models import ModelInfo
from impact.model import ColumnReference

PLACED = frozenset({"sql", "orm-call", "model-declaration", "generated-type", "typed-receiver"})


def attribute_class_attributes(references: list[ColumnReference], models: Mapping[str, ModelInfo]) -> list[ColumnReference]:
    """`Model.attr` on a reference's line: the reference is Model's table's when Model maps `attr` to its column."""
    if not models:
        return references
    out = []
    for ref in references:
        model = _class_of(ref, models) if _open(ref) else None
        out.append(replace(ref, table=model.table, via="typed-receiver", inferred=False) if model else ref)
    return out


def _open(ref: ColumnReference) -> bool:
    return ref.context == "property" and ref.via not in PLACED and not ref.generated and ref.file.endswith((".py", ".pyi"))


def _class_of(ref: ColumnReference, models: Mapping[str, ModelInfo]) -> ModelInfo | None:
    """The one model every attribute access of the name on the line is on (a reference does not say
    which access it is: a line also reading `resp.status` tells nothing)."""
    name = re.escape(ref.spelling or ref.column)
    occurrences = len(re.findall(rf"\.\s*{name}(?![\w$])", ref.snippet))
    owners = [models.get(m.group(1)) for m in
              re.finditer(rf"(?<![\w.])(?:[a-z_][a-z0-9_]*\s*\.\s*)*([A-Z]\w*)\s*\.\s*{name}(?![\w$])", ref.snippet)]
    if not owners or len(owners) != occurrences or any(m is None or not m.table for m in owners):
        return None
    if len({m.table.lower() for m in owners}) != 1 or (owners[0].column_for(ref.spelling or ref.column) or "").lower() != ref.column.lower():
        return None
    return owners[0]
