"""A row of a Prisma model returned by a function of another module: its fields are the model's columns.

    // lib/server-only/document/get-entire-document.ts
    export const getEntireDocument = async ({ id }) => prisma.document.findFirstOrThrow({ where: { id } });

then, in a route, `const document = await getEntireDocument({ id })` and `document.status`: a read
of Document's `status` column (documenso's reseal-document.ts), as if the query were written in place
(impact.orm.prisma_rows). Functions returning one row are found by impact.orm.prisma_local_rows in
every file the scan read; a call counts where the function is imported from the module declaring it
(impact.orm.import_sources; a path impact cannot resolve counts, as for Drizzle's returned rows).

Decisions: only a changed column's name read through such a variable (`v.field`, `v?.field`,
`const { field } = v`) that the model maps is attributed (via "typed-receiver", evidence for that
table only). The variable's other uses are not evidence of a dropped or renamed table: prisma_rows
measured that at 47 % on documenso (a shared function's result is an interface its authors keep);
a read of one of the row's own columns is what breaks when that column goes. A function named so by
modules returning rows of two different models counts nowhere.

Known limit: only `const x = await f(...)` is followed (not `.then`, not a row passed on), and only
functions declared in a file the scan read (one naming a changed table or column).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_local_rows import local_row_functions
from impact.orm.called_rows import attribute_called_rows

VIA = "typed-receiver"


def attribute_imported_rows(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap,
                            read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """References read through `const v = await f(...)`, `f` a function of another module returning one Prisma row."""
    return attribute_called_rows(references, texts, _candidate, lambda: _row_functions(texts, orm), VIA, False, read)


def _candidate(ref: ColumnReference) -> bool:
    """A name no query, declaration or typed row placed (a field name's guess may be wrong: `orm-field`)."""
    return ref.file.endswith(_TS) and ref.via in ("name-only", "file-queries", "orm-field") and ref.context == "property"


def _row_functions(texts: Mapping[str, str], orm: OrmMap) -> dict[str, list[tuple[str, OrmModel]]]:
    """Function name -> (declaring file, model) of the functions returning one row of one Prisma model."""
    out: dict[str, list[tuple[str, OrmModel]]] = {}
    for rel, text in texts.items():
        if not rel.endswith(_TS) or "prisma" not in text:
            continue
        for name, (accessor, single) in local_row_functions(text).items():
            models = orm.by_accessor("prisma", accessor)
            if single and len({(m.table or "").lower() for m in models}) == 1:
                out.setdefault(name, []).append((rel, models[0]))
    return out
