"""A Sequelize model class's own member declaring a changed column's attribute, as a declaration.

TypeScript code declares a `Model.init` model's attributes twice: in `init({ isDismissed: {...} })`,
which maps the column (impact.orm.sequelize), and in the class body, which types it for the
compiler (`declare public isDismissed: boolean;`, `public declare isPledged: boolean;`, or a plain
`token: string;`). Both go with the column: the member line is a declaration of the model too
(via "model-declaration", impact.orm.declarations), not a bare identifier of unknown table.

Measured on real history (bench/accuracy): opencollective's `TransactionsImportRow.isDismissed` and
`Collective.isPledged` drops, 2 member lines, both removed by the authors with the column.

Decisions: only the body of the class the model is declared for (`class X extends Model...` in the
model's own file, its braces followed), only members at its top level (a method's local `isDismissed:`
is not one), only `Model.init`/`define` models (sequelize-typescript's members are their `@Column`
declarations already: impact.orm.sequelize_typescript); interfaces of the attributes are not read.
"""
from __future__ import annotations

import re

from impact.extract.typescript.classes import class_body
from impact.extract.typescript.scan import scan
from impact.orm.mapping import OrmField, OrmModel

_MODIFIERS = r"(?:(?:public|private|protected|readonly|declare|override)\s+)*"


def member_lines(model: OrmModel, field: OrmField, text: str) -> list[int]:
    """The lines of `model`'s class body declaring `field` as a member (`declare x: T;`)."""
    if model.orm != "sequelize" or not text or "class" not in text:
        return []
    scanned = scan(text)
    body = class_body(scanned, model.accessors[0] if model.accessors else model.name)
    if body is None:
        return []
    opening, closing = body
    member = re.compile(rf"^[ \t]*{_MODIFIERS}{re.escape(field.name)}\s*[?!]?\s*:[^:]", re.MULTILINE)
    lines = []
    for match in member.finditer(scanned.masked, opening + 1, closing):
        depth = _depth(scanned.masked, opening + 1, match.start())
        if depth == 0:
            lines.append(scanned.line_of(match.start()))
    return lines


def _depth(masked: str, start: int, end: int) -> int:
    depth = 0
    for char in masked[start:end]:
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
    return depth
