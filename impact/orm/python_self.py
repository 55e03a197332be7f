"""`self.end` in a Python model's own methods: the model's row, so its table's column.

Inside the class body of a Django, SQLAlchemy or SQLModel model (`class Timer(models.Model): ...
def stop(self): self.end = end`), `self` is a row of the model: a property read or write on it names
the model's attribute. When the model maps the name to a changed column, a reference no other pass
placed (`name-only`) is attributed to the model's table (via "model-self").

It is evidence of a DROP COLUMN only (impact.judge.reference_predicates.names_changed_column): once the
column goes, the field goes from the model and so do the methods reading it (babybuddy's
`core_timer.end` and `.duration` drop: 9 lines of Timer's `restart()`/`stop()`/`save()`, all removed
by the authors). A rename may keep the attribute and remap it to the new column (`db_column=`), and a
drop whose values moved to another column does (redash's `options`, remapped to `encrypted_options`,
every `self.options` left as it was: impact.judge.moved_columns), so neither is evidence; this is why
impact.extract.python.receivers does not type `self`.

Decisions: the class body is the model's class line to the first later line indented no deeper; a
nested class (`class Meta`) is inside it but reads no `self` of the model. Known limit (xfail in
tests/test_python_model_self.py): a row a classmethod builds (`instance = super().from_db(...)`) is
not typed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from impact.model import ColumnReference
from impact.orm.sequelize_this import attribute_own_reads

VIA = "model-self"
_SELF_READ = r"(?<![\w.])self\s*\.\s*{name}(?!\w)"


def attribute_self_reads(references: list[ColumnReference], texts: Mapping[str, str], models: Mapping[str, object],
                         tables: list[str]) -> list[ColumnReference]:
    wanted = {t.lower() for t in tables}
    by_file: dict[str, list] = {}
    for model in models.values():
        if (model.table or "").lower() in wanted:
            by_file.setdefault(model.file, []).append(model)
    # The class line itself is no method's: a body starts on the line after it.
    body = lambda text, found: [(first + 1, last, m) for first, last, m in _class_spans(text, found)]  # noqa: E731
    return attribute_own_reads(references, texts, by_file, "self", _SELF_READ, body, VIA)


def _class_spans(text: str, models: list) -> list[tuple[int, int, object]]:
    """(class line, last line of its body, model) of each model whose class starts at its line."""
    lines = text.splitlines()
    found = []
    for model in models:
        if not 0 < model.line <= len(lines) or not re.match(r"\s*class\s", lines[model.line - 1]):
            continue
        indent = _indent(lines[model.line - 1])
        last = model.line
        for number in range(model.line + 1, len(lines) + 1):
            line = lines[number - 1]
            if line.strip() and not line.lstrip().startswith("#"):
                if _indent(line) <= indent:
                    break
                last = number
        found.append((model.line, last, model))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
