"""Names holding a row of a Drizzle table: its fields are that table's columns.

- A row a query returned where it is read: `const key = await db.query.apikey.findFirst(...)`
  (relational queries: `findFirst`), `const [row] = await db.select().from(t)...`, `const [row] =
  await db.insert(t).values(...).returning()` (`update` alike), or a select (or a write's `.returning()`)
  ending in `.then((rows) => rows[0])`. dokploy's `apiKeyToDelete.userId` after `db.query.apikey.findFirst`.
- A value typed with the table's row type through an alias: `export type User = typeof
  user.$inferSelect` (`$inferInsert`, `InferSelectModel<typeof user>`, `InferInsertModel<...>`),
  then `const admin: User = { serverIp: null }` (a literal's top-level keys: the compiler checks each
  against the row type; so does a key overriding a field of such a row spread on the same line:
  `{ ...admin, certificateType: "none" }`), `(user: User | null) => { const { https } = user || {} }` or `user.https`
  (dokploy's test rows and its traefik helper).

Measured on the bench (dokploy; sim, homarr, ai-chatbot unchanged): 14 lines added to the evidence,
9 of them changed by the authors with the migration. The other 5 are keys of the same test literal
(`const baseAdmin: User = {...}`) that the authors rewrote as a literal of the new table's row type,
where git's diff kept them as unchanged lines; read as changed, 14 of 14.

Such a name is the table's column when the table maps it (via "typed-receiver", context "property":
evidence for that table only). Only names no query or declaration placed are read (`name-only`), and
those the file's queries placed by inference alone (`file-queries`): a row's type is firmer.

Decisions: a row variable holds from its declaration to the end of the block declaring it, and a
later declaration of the same name ends it (impact.orm.prisma_rows); `findMany`, a bare `const rows =
await db.select()...` (arrays) and selects with a field map or a join (their rows are not the
table's) type no row. A row-type alias counts in its own module and where it is imported from it
(impact.orm.import_sources; an import that cannot be resolved counts, as for model classes); an
alias name declared for two tables says nothing where the import does not tell which.

Rows returned through the project's own functions (`const admin = await findUserById(id)`) are read by
impact.orm.drizzle_returned_rows, and the rows of a select with a field map by impact.orm.drizzle_field_rows.
Known limits (xfail in tests/test_drizzle_rows.py): rows of a loop or callback over a list are not
followed; an inline row type (`(u: typeof users.$inferSelect) => u.status`) is not read.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.import_sources import ImportSources
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.prisma_rows import RowVariable, held_until, row_holder
from impact.orm.prisma_typed_literals import typed_literal_keys, typed_variables

VIA = "typed-receiver"
_NAME = r"[A-Za-z_$][\w$]*"
_TABLE = rf"(?:{_NAME}\s*\.\s*)?({_NAME})"  # `users` or `schema.users`
# `type User = typeof user.$inferSelect;` / `= InferSelectModel<typeof schema.user>`.
_ALIAS = re.compile(rf"\btype\s+({_NAME})\s*=\s*(?:typeof\s+{_TABLE}\s*\.\s*\$infer(?:Select|Insert)"
                    rf"|Infer(?:Select|Insert)Model\s*<\s*typeof\s+{_TABLE}\s*>)\s*;?\s*$", re.MULTILINE)
# `const key = await db.query.apikey.findFirst(` (any client: `tx.query`, `ctx.db.query`).
_RELATIONAL = re.compile(rf"\b(?:const|let|var)\s+({_NAME})\s*(?::[^=;]+)?=\s*await\s+(?:{_NAME}\s*\.\s*)*?query\s*\.\s*"
                         rf"({_NAME})\s*\.\s*findFirst\s*\(")
# `const [row] = await db` ... `.select().from(t)` / `.insert(t)` ... `.returning()`; or
# `const row = await db.select().from(t)...then((rows) => rows[0])`.
_AWAITED = re.compile(rf"\b(?:const|let|var)\s+(?:\[\s*({_NAME})\s*\]|({_NAME}))\s*(?::[^=;]+)?=\s*await\s+")
_SELECT = re.compile(rf"^(?:{_NAME}\s*\.\s*)+?select(?:Distinct)?\s*\(\s*\)\s*\.\s*from\s*\(\s*{_TABLE}\s*\)")
_WRITE = re.compile(rf"^(?:{_NAME}\s*\.\s*)+?(?:insert|update)\s*\(\s*{_TABLE}\s*\)")
_FIRST = re.compile(rf"\.\s*then\s*\(\s*\(?\s*({_NAME})[^()]*\)?\s*=>\s*\1\s*\[\s*0\s*\]\s*\)\s*;?\s*$")
_JOIN = re.compile(r"\.\s*(?:inner|left|right|full|cross)Join\s*\(")


def attribute_drizzle_rows(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap,
                           read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """`read(file)`: a module's text, to resolve where a file imports a row-type alias from."""
    files = {r.file for r in references if _candidate(r) and r.file in texts}
    tables = _tables(orm) if files else {}
    if not tables:
        return references
    same: dict[str, list[OrmModel]] = {}
    for m in orm.models:
        if m.orm == "drizzle" and m.table:
            same.setdefault(m.table.lower(), []).append(m)
    aliases = _aliases(texts, tables) if any(":" in texts[rel] for rel in files) else {}
    sources = ImportSources(dict(texts), read, (file for found in aliases.values() for file, _ in found))
    keys, variables, lines = {}, {}, {}
    for rel in files:
        text = texts[rel]
        types = _types_in(rel, text, aliases, sources)
        keys[rel] = typed_literal_keys(text, orm, types=types) if types else {}
        variables[rel] = _row_variables(text, tables) + (typed_variables(text, orm, types=types) if types else [])
        lines[rel] = text.splitlines()
    out, seen = [], {}
    for ref in references:  # a line's references of a name come in the order they occur on it
        name = ref.spelling or ref.column
        nth = seen[ref.file, ref.line, name] = seen.get((ref.file, ref.line, name), -1) + 1
        if ref.file in lines and _candidate(ref):
            model = keys[ref.file].get((ref.line, name, nth))
            if model is None and variables[ref.file]:
                line = lines[ref.file][ref.line - 1]
                holder = row_holder(variables[ref.file], ref.line, line, name) or _spread_holder(variables[ref.file], ref.line, line, name, texts[ref.file])
                model = holder.model if holder else None
            # One table declared twice (dokploy keeps a copied schema module): either declaration may map it.
            if model is not None and any((m.column_for(name) or "").lower() == ref.column.lower() for m in same[model.table.lower()]):
                ref = replace(ref, table=model.table, via=VIA, inferred=False, context="property")
        out.append(ref)
    return out


def _spread_holder(variables: list[RowVariable], number: int, line: str, name: str, text: str) -> RowVariable | None:
    """`{ ...baseAdmin, certificateType: "none" }`: a key overriding a field of the row spread into the same object.
    A typed variable declared with its literal (`const baseAdmin: User = {`) holds the row to the end of the
    block declaring it, not only through its literal."""
    if "..." not in line:
        return None
    for var in variables:
        if not (var.single and var.first <= number and
                re.search(rf"\{{\s*\.\.\.\s*{re.escape(var.name)}\s*,[^{{}}]*?(?<![\w$.]){re.escape(name)}\s*:", line)):
            continue
        declared = re.match(rf"\s*(?:export\s+)?(?:const|let|var)\s+{re.escape(var.name)}\b", text.splitlines()[var.first - 1])
        if number <= (held_until(text, [(var.name, var.first)])[0] if declared else var.last):
            return var
    return None


def _candidate(ref: ColumnReference) -> bool:
    return ref.file.endswith(_TS) and ref.via in ("name-only", "file-queries") and ref.context not in ("sql", "text", "call")


def _tables(orm: OrmMap) -> dict[str, OrmModel]:
    """Drizzle table variable -> its model, when the variable names one table."""
    found: dict[str, dict[str, OrmModel]] = {}
    for m in orm.models:
        if m.orm == "drizzle" and m.table:
            for a in m.accessors:
                found.setdefault(a, {}).setdefault(m.table.lower(), m)
    return {a: next(iter(models.values())) for a, models in found.items() if len(models) == 1}


def _aliases(texts: Mapping[str, str], tables: dict[str, OrmModel]) -> dict[str, list[tuple[str, OrmModel]]]:
    """Row-type alias name -> (declaring file, the table's model) of each declaration in the files read."""
    out: dict[str, list[tuple[str, OrmModel]]] = {}
    for rel, text in texts.items():
        if "infer" not in text.lower() or not rel.endswith(_TS):
            continue
        for match in _ALIAS.finditer(text):
            model = tables.get(match.group(2) or match.group(3))
            if model is not None:
                out.setdefault(match.group(1), []).append((rel, model))
    return out


def _types_in(rel: str, text: str, aliases: dict[str, list[tuple[str, OrmModel]]], sources: ImportSources) -> dict[str, OrmModel]:
    """The row-type aliases `rel` declares or imports from their module -> the table's model."""
    out = {}
    for name, declared in aliases.items():
        if name not in text:
            continue
        own = [m for file, m in declared if file == rel]
        imported = own or [m for file, m in declared if sources.names_model(rel, text, name, file)]
        if len({m.table.lower() for m in imported}) == 1:
            out[name] = imported[0]
    return out


def _row_variables(text: str, tables: dict[str, OrmModel]) -> list[RowVariable]:
    """Names assigned one row of a Drizzle query on a table where the rows are read."""
    if "await" not in text:
        return []
    found: list[tuple[str, OrmModel, int]] = []
    for match in _RELATIONAL.finditer(text):
        if match.group(2) in tables:
            found.append((match.group(1), tables[match.group(2)], match.start()))
    for match in _AWAITED.finditer(text):
        statement = _statement(text, match.end())
        head = _SELECT.match(statement) or _WRITE.match(statement)
        if head is None or head.group(1) not in tables or _JOIN.search(statement):
            continue
        first = _FIRST.search(statement)
        returning = re.search(r"\.\s*returning\s*\(\s*\)", statement)
        if (head.re is _SELECT or returning) and (match.group(1) or first):
            found.append((match.group(1) or match.group(2), tables[head.group(1)], match.start()))
    firsts = [text.count("\n", 0, at) + 1 for _, _, at in found]
    lasts = held_until(text, [(name, first) for (name, _, _), first in zip(found, firsts)])
    return [RowVariable(name, model, first, last, True) for (name, model, _), first, last in zip(found, firsts, lasts)]


def _statement(text: str, start: int, limit: int = 600) -> str:
    """The expression after `await` up to its `;` (or a blank line), newlines and spaces collapsed."""
    end = text.find(";", start, start + limit)
    blank = text.find("\n\n", start, start + limit)
    end = min(e for e in (end, blank, start + limit) if e >= 0)
    return re.sub(r"\s+", " ", text[start:end + 1]).strip()
