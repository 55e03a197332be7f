"""A row of a Drizzle table returned by one of the project's own functions: its fields are the table's columns.

    export const findUserById = async (userId: string) => {
        const userResult = await db.query.user.findFirst({ where: eq(user.id, userId) });
        if (!userResult) throw new TRPCError({ code: "NOT_FOUND" });
        return userResult;
    };

then, in another module, `const admin = await findUserById(id)` and `admin.serverIp` (dokploy's
routers and services): `admin` holds a row of `user`, as if the query were written in place
(impact.orm.drizzle_rows). A function returns a row of a table when every `return` of a value in it
returns the same variable holding one row of it (impact.orm.drizzle_rows' row variables:
`findFirst`, `const [row] = await db.select().from(t)`, ...) or the relational query itself
(`(id) => db.query.users.findFirst(...)`, `return db.query.users.findFirst(...)`). A name read
through the variable that the table maps is its column (via "typed-receiver", evidence for that
table only).

Measured on the bench: dokploy's `findUserById` (5 lines reading `admin.serverIp`, all changed with
the migration that dropped `user.serverIp`).

Decisions: a call counts where the function is declared in the same file or imported from the
module declaring it (impact.orm.import_sources; an import that cannot be resolved counts); a name
declared by two modules returning rows of different tables counts nowhere. Only `const x = await
f(...)` is followed (not `f(...).then(...)`, nor a row passed on to another function). A function
with a `return` of anything else (an object, another variable, a list) returns no row.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.drizzle_field_rows import _closing
from impact.orm.drizzle_rows import VIA, _row_variables, _tables
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.called_rows import attribute_called_rows

_NAME = r"[A-Za-z_$][\w$]*"
_PARAMS = r"\((?:[^()]|\([^()]*\))*\)"
# `export const f = async (a: string) =>` / `export async function f(a: string): Promise<X>`: up to the body.
_FUNCTION = re.compile(rf"\b(?:const|let)\s+({_NAME})\s*=\s*(?:async\s+)?(?:{_PARAMS}|{_NAME})\s*(?::[^=;{{]+)?=>\s*"
                       rf"|\b(?:async\s+)?function\s+({_NAME})\s*{_PARAMS}\s*(?::[^{{;]+)?(?=\{{)")
# `db.query.users.findFirst(` (any client), awaited or not: the query itself returned.
_QUERY = re.compile(rf"(?:await\s+)?(?:{_NAME}\s*\.\s*)*?query\s*\.\s*({_NAME})\s*\.\s*findFirst\s*\(")
_RETURN = re.compile(r"\breturn\b\s*([^;\n]*)")


def attribute_returned_rows(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap,
                            read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    def functions() -> dict[str, list[tuple[str, OrmModel]]]:
        tables = _tables(orm)
        return _row_functions(texts, tables) if tables else {}

    return attribute_called_rows(references, texts, _candidate, functions, VIA, True, read)


def _candidate(ref: ColumnReference) -> bool:
    return ref.file.endswith(_TS) and ref.via in ("name-only", "file-queries") and ref.context not in ("sql", "text", "call", "string")


def _row_functions(texts: Mapping[str, str], tables: dict[str, OrmModel]) -> dict[str, list[tuple[str, OrmModel]]]:
    """Function name -> (declaring file, the table's model) of each function of the files that returns one row."""
    out: dict[str, list[tuple[str, OrmModel]]] = {}
    for rel, text in texts.items():
        if not rel.endswith(_TS) or "findFirst" not in text and ".select(" not in text:
            continue
        for match in _FUNCTION.finditer(text):
            model = _returned(text, match.end(), tables)
            if model is not None:
                out.setdefault(match.group(1) or match.group(2), []).append((rel, model))
    return out


def _returned(text: str, at: int, tables: dict[str, OrmModel]) -> OrmModel | None:
    """The table whose row the function whose body starts at `at` returns, if it returns one."""
    if text[at:at + 1] != "{":  # an expression body: the query itself
        query = _QUERY.match(text, at)
        return tables.get(query.group(1)) if query else None
    body = text[at:_closing(text, at) + 1]
    rows = {v.name: v.model for v in _row_variables(body, tables)}
    returned = set()
    for value in (m.group(1).strip().rstrip(";").strip() for m in _RETURN.finditer(body)):
        query = _QUERY.match(value)
        if query and query.group(1) in tables:
            returned.add(tables[query.group(1)].table.lower())
        elif value in rows:
            returned.add(rows[value].table.lower())
        elif value not in ("", "null", "undefined"):
            return None
    if len(returned) != 1:
        return None
    table = next(iter(returned))
    return next(m for m in (*rows.values(), *tables.values()) if m.table.lower() == table)
