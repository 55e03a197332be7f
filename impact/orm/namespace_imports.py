"""A Drizzle table read through the namespace of the module declaring it: `import * as schema from
"@app/db/schema"`, then `db.select().from(schema.credentialSet)`, `eq(schema.credentialSet.id, x)`.

Drizzle's own documentation imports the schema module so (`drizzle({ schema })` takes the namespace),
and code then names each table as a member of it (sim's auth module: `schema.credentialSetMember`).
The namespace is the table's module when the import's path resolves to the file declaring the table
(impact.orm.model_imports: relative, or a package path by its last two segments or more), or to a
module re-exporting the table from it (`import * as db from "@app/db"` with `export * from "./schema"`
in its index: impact.orm.import_sources, a workspace package's name included).
"""
from __future__ import annotations

import re

from impact.orm.import_sources import ImportSources
from impact.orm.model_imports import resolved_module, module_stem

_NAMESPACE = re.compile(r"\bimport\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s+[\"']([^\"']+)[\"']")


def namespaces(rel: str, text: str, module_file: str, name: str = "", sources: ImportSources | None = None) -> list[str]:
    """The names `rel` imports `module_file` as a namespace under (`import * as schema from ...`); with
    `sources`, a module re-exporting `name` from it too."""
    if "*" not in text:
        return []
    stems = {module_stem(module_file): module_file}
    return [m.group(1) for m in _NAMESPACE.finditer(text) if resolved_module(rel, m.group(2), stems) == module_file
            or (sources is not None and sources.source(rel, m.group(2), name, module_file) is True)]


def member_pattern(rel: str, text: str, module_file: str, name: str, sources: ImportSources | None = None) -> re.Pattern | None:
    """`schema.name` (`schema?.name` too) for each namespace of `module_file` in `rel`; None without one."""
    found = namespaces(rel, text, module_file, name, sources)
    if not found:
        return None
    spaces = "|".join(map(re.escape, found))
    return re.compile(rf"(?<![\w$.])(?:{spaces})\s*\??\.\s*{re.escape(name)}(?![\w$])")
