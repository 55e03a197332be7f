"""The lines of a Sequelize model's own module that name the model of a dropped or renamed table.

A Sequelize model is a variable of its module (`const Session = sequelize.define("Session", {...})`,
`class Backlink extends Model`, `Backlink.init(...)`), and its module goes on naming it where no
import is needed: its static methods (`CommentReaction.addReaction = async function`), its types
(`InferAttributes<Backlink>`), its factory's result (`const Session = defineModel();`, `return
Session;`) and its export (`export default Backlink;`). impact.orm.model_types reads the other files
(they import the model); this module reads the model's own: each code line naming the model's class
or define() variable, and the line of the define() call quoting the model's name, from which
Sequelize derives the table's (`"CommentReaction"` -> `CommentReactions`), are references to the
table (via "model-type": evidence of the dropped-table and renamed-table rules).

Measured on real history (bench/accuracy): opencollective's dropped `Sessions` (5 lines of
Session.js) and renamed `CommentReactions` (5 lines of CommentReaction.js), outline's renamed
`backlinks`, `collection_groups`, `collection_users` (5 lines): all changed by the authors with the
migration, none left. A dropped TypeORM entity's file is not read so (impact.orm.model_types: gamevault
kept its dropped `v12_*` entities); Sequelize models were measured apart, and their authors removed them.

Decisions: names are matched as whole words in code only (not in strings or comments: a log message
naming the model is not its use); the model's lowercase name (`define("collection")`) is matched only
quoted, on the define() call's first lines (a `collection` variable is a row, not the model); a line
already reported as another reference (a query, the class line of impact.orm.typeorm_entity_lines) is
not added twice. Known limit: a model re-exported under another name in its own module is not followed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.extract.typescript.scan import scan
from impact.model import ColumnReference
from impact.orm.mapping import OrmMap

VIA = "model-type"
_NAME_LINES = 3  # lines from the define() call's start to its first argument, the model's name


def own_module_lines(texts: Iterable[tuple], orm: OrmMap, tables: Iterable[str], found: Iterable[ColumnReference]) -> list[ColumnReference]:
    """`texts`: (file, text, generated, ...) tuples; `found`: the references already made (not repeated)."""
    wanted = {t.lower() for t in tables}
    models = [m for m in orm.models if m.orm == "sequelize" and (m.table or "").lower() in wanted and m.file]
    if not models:
        return []
    files = {m.file for m in models}
    seen = {(r.file, r.line) for r in found}
    out = []
    for rel, text, generated, *_ in texts:
        if rel not in files or generated:
            continue
        scanned, lines = scan(text), text.splitlines()
        for model in (m for m in models if m.file == rel):
            names = sorted({n for n in model.accessors if n} | ({model.name} if model.name[:1].isupper() else set()), key=len, reverse=True)
            marks = [(scanned.line_of(m.start()), m.group(0)) for m in re.finditer(
                r"(?<![\w$.])(?:" + "|".join(map(re.escape, names)) + r")(?![\w$])", scanned.masked)] if names else []
            quoted = re.compile(rf"[\"'`]{re.escape(model.name)}[\"'`]")
            marks += [(n, model.name) for n in range(model.line, min(model.line + _NAME_LINES, len(lines) + 1))
                      if quoted.search(lines[n - 1])]
            for number, spelled in sorted(marks):
                if (rel, number) not in seen:
                    seen.add((rel, number))
                    out.append(ColumnReference(rel, number, model.name, model.table, "type", False, lines[number - 1].strip()[:160],
                                               via=VIA, spelling=spelled))
    return out
