"""Imports of a module that declares only models of dropped or renamed tables (impact.orm.model_types).

`import Model from "../../Models/DatabaseModels/RunbookAgentJob"` (oneuptime's services bind every
entity to `Model`) and the `} from "Common/Models/DatabaseModels/RunbookAgent";` line of a multi-line
import name the entity's module, not the class: the word match of model_types does not see them, yet
the import fails once the module goes with its table. Only modules that declare models of the
dropped or renamed tables and nothing else are followed (a schema module declaring other tables
too stays needed). The import's path is resolved from the importing file (`./x`, `../x`) or, for a
package path (`Common/Models/...`, `@app/db/x`), matched by its last two segments or more.

Known limit: a re-export (`export * from "./runbook-agent"` in an index module) is not followed.
"""
from __future__ import annotations

import posixpath
import re

from impact.extract.references import COMMENT_LINE
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _EXTENSIONS  # TypeScript and JavaScript files

_SPEC = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']""")


def module_import_references(texts, models_by_file: dict[str, list[tuple[str, object]]], seen: set,
                             via: str) -> list[ColumnReference]:
    """(file, text, generated, queries) texts -> the lines importing a module in `models_by_file`
    (module file -> its (table, model) pairs, every one of them going)."""
    stems = {module_stem(file): file for file in models_by_file}
    found = []
    for rel, text, generated, _ in texts:
        if generated or rel in models_by_file or not rel.endswith(_EXTENSIONS) or not any(s.rsplit("/", 1)[-1] in text for s in stems):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if COMMENT_LINE.match(line):
                continue
            for spec in _SPEC.findall(line):
                file = resolved_module(rel, spec, stems)
                for table, model in models_by_file.get(file, ()) if file else ():
                    if (rel, number, table.lower()) not in seen:
                        seen.add((rel, number, table.lower()))
                        found.append(ColumnReference(rel, number, model.name, table, "type", False, line.strip()[:160],
                                                     via=via, spelling=spec.rsplit("/", 1)[-1]))
    return found


def module_stem(file: str) -> str:
    stem = file.rsplit(".", 1)[0] if file.endswith(_EXTENSIONS) else file
    return stem.removesuffix("/index")


def resolved_module(rel: str, spec: str, stems: dict[str, str]) -> str | None:
    """The module file `spec` names from `rel`, among `stems` (stem -> file)."""
    spec = spec.rsplit(".", 1)[0] if spec.endswith(_EXTENSIONS) else spec
    spec = spec.removesuffix("/index")
    if spec.startswith("."):
        return stems.get(posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec)))
    parts = spec.split("/")
    for k in range(len(parts) - 1):  # a package path: its last two segments or more
        tail = "/".join(parts[k:])
        match = next((file for stem, file in stems.items() if stem == tail or stem.endswith("/" + tail)), None)
        if match:
            return match
    return None
