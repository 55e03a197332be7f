"""Variables holding a row a project function returns: `const v = await f(...)`, `f` returning one row
of a model. Shared by impact.orm.prisma_returned_rows and impact.orm.drizzle_returned_rows, which tell
which functions return rows (`functions`: name -> [(declaring file, model)]); the reads of a changed
column through such a variable are then attributed as impact.orm.prisma_rows.attribute_held_rows does.

A call counts where the function is imported from the module declaring it (impact.orm.import_sources;
an import that cannot be resolved counts); one declared in the calling file counts only with
`same_file` (Prisma's own-file helpers are impact.orm.prisma_rows'); a name declared by modules
returning rows of different tables counts nowhere.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from impact.model import ColumnReference
from impact.orm.import_sources import ImportSources
from impact.orm.mapping import OrmModel
from impact.orm.prisma_rows import RowVariable, attribute_held_rows, held_until

Functions = dict[str, list[tuple[str, OrmModel]]]
_CALL = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]+)?=\s*await\s+([A-Za-z_$][\w$]*)\s*\(")


def attribute_called_rows(references: list[ColumnReference], texts: Mapping[str, str],
                          candidate: Callable[[ColumnReference], bool], functions: Callable[[], Functions],
                          via: str, same_file: bool, read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """`candidate` references of files awaiting a call, read through a variable a `functions()` call assigned."""
    files = {r.file for r in references if candidate(r) and "await" in texts.get(r.file, "")}
    found = functions() if files else {}
    if not found:
        return references
    sources = ImportSources(dict(texts), read, (file for declared in found.values() for file, _ in declared))
    variables = {rel: _called_rows(rel, texts[rel], found, sources, same_file) for rel in files}
    return attribute_held_rows(references, texts, variables, candidate, via)


def _called_rows(rel: str, text: str, functions: Functions, sources: ImportSources, same_file: bool) -> list[RowVariable]:
    """Names assigned the awaited result of a call to a function returning one row."""
    found: list[tuple[str, OrmModel, int]] = []
    for match in _CALL.finditer(text):
        declared = functions.get(match.group(2), [])
        here = [m for file, m in declared if file == rel] if same_file else []
        models = here or [m for file, m in declared if file != rel and sources.names_model(rel, text, match.group(2), file)]
        if models and len({m.table.lower() for m in models}) == 1:
            found.append((match.group(1), models[0], text.count("\n", 0, match.start()) + 1))
    lasts = held_until(text, [(name, first) for name, _, first in found])
    return [RowVariable(name, model, first, last, True) for (name, model, first), last in zip(found, lasts)]
