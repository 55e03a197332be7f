"""Code naming a factory_boy factory of a dropped or renamed table's model: it breaks with the model.

`class AttestationFactory(WarehouseFactory)` with `class Meta: model = Attestation` lives in a
test-support module that imports the model. Dropping the table deletes the model, so the factory
goes too, and every line naming it stops importing or running: `from tests.common.db.attestation
import AttestationFactory`, `AttestationFactory.create(file=f)` (warehouse's two attestation
rollbacks: the authors removed each such import). Each is a reference to the table (via
"model-type", evidence of the dropped-table and renamed-table rules), as the model's own name is
(impact.orm.model_types).

Decisions:
- Factories are read by impact.extract.python.factory_calls (a base named `...Factory`, an inner
  `Meta` with `model = M`), from the files the scan reads (a factory module names its model).
- The factory's name is matched as a whole word on Python lines, never in a comment or a string;
  its own `class` line goes with its module (the module's import of the model is already a
  reference), and a line already naming the model is not repeated.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from impact.extract.python.factory_calls import declares_factory, factories_in
from impact.extract.python.models import ModelInfo
from impact.extract.references import COMMENT_LINE
from impact.model import ColumnReference
from impact.orm.model_types import VIA, _in_text


def factory_type_references(texts: Iterable[tuple[str, str, bool, object]], models: Mapping[str, ModelInfo],
                            tables: Iterable[str], known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines naming a factory of a model of `tables` in (file, text, generated, queries) texts;
    `known`: references already found (a line naming the model is not said twice)."""
    gone = {t.lower() for t in tables}
    mapped = {name: m for name, m in models.items() if (m.table or "").lower() in gone}
    texts = [(rel, text) for rel, text, generated, _ in texts if rel.endswith((".py", ".pyi")) and not generated]
    if not mapped or not texts:
        return []
    factories: dict[str, ModelInfo] = {}
    for _, text in texts:
        if declares_factory(text):
            factories.update(factories_in(text, mapped))
    if not factories:
        return []
    word = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(factories, key=len, reverse=True))) + r")(?!\w)")
    seen = {(r.file, r.line, (r.table or "").lower()) for r in known}
    found = []
    for rel, text in texts:
        if not any(name in text for name in factories):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if COMMENT_LINE.match(line) or line.lstrip().startswith("class "):
                continue
            match = next((m for m in word.finditer(line) if not _in_text(line, m.start())), None)
            if match is None:
                continue
            model = factories[match.group(1)]
            key = (rel, number, model.table.lower())
            if key not in seen:
                seen.add(key)
                found.append(ColumnReference(rel, number, model.name, model.table, "type", False, line.strip()[:160],
                                             via=VIA, spelling=match.group(1)))
    return found
