"""TypeORM QueryBuilder chains as queries on an entity (issue 8: "repositories and QueryBuilder calls").

    this.members.createQueryBuilder("m").where("m.status = :s", { s }).orderBy("m.createdAt").getMany()
        <- SELECT every column of the entity, filtered on status and createdAt
    repo.createQueryBuilder("m").select(["m.id", "m.email"]).getRawMany()        <- SELECT id, email
    repo.createQueryBuilder().update().set({ status }).where("id = :id").execute() <- UPDATE status
    manager.createQueryBuilder(Member, "m").delete().where("m.id = :id")          <- DELETE

The chain starts at `createQueryBuilder` on a receiver tied to an entity the way typeorm.py ties
repository calls (a `Repository<E>` declaration, `getRepository(E)`, `@InjectRepository(E)`, an
entity manager given the class). Names are the entity's property names, as TypeORM reads them
(`alias.property` in the SQL fragments, the keys of `set`/`values`), resolved to columns by
impact.orm.resolve. Only the root alias's properties count: a joined alias is another entity.
Called by orm/typeorm.py (this module is not a reader of its own: orm/ holds one reader per ORM).

Known limits: a chain broken into statements (`const qb = repo.createQueryBuilder("m"); qb.where(...)`)
is read up to the break; `select` of a joined alias is not read; a where written as an object
(`.where({ status })`) is read by its keys; a builder started on the data source and given its
entity later (`dataSource.createQueryBuilder().from(User, "u")`) is not read.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.extract.typescript.calls import IDENT, Call, arguments, call_after, chain_after, object_entries, orm_query
from impact.extract.typescript.scan import Scanned
from impact.model import Query, QueryKind

START = re.compile(rf"(?:\bthis\s*\.\s*)?({IDENT})\s*(\(\s*({IDENT})\s*\))?\s*(\.)\s*createQueryBuilder\b")
SELECTS = {"select", "addSelect"}
FILTERS = {"where", "andWhere", "orWhere", "having", "andHaving", "orHaving", "orderBy", "addOrderBy", "groupBy",
           "addGroupBy", "distinctOn"}
WRITES = {"update": QueryKind.UPDATE, "delete": QueryKind.DELETE, "softDelete": QueryKind.UPDATE,
          "restore": QueryKind.UPDATE, "insert": QueryKind.INSERT}
COUNTS = {"getCount", "getExists"}
COMPARED = re.compile(r"(?<![\w$.:])([A-Za-z_]\w*)\s*(?:[=<>!]|(?i:\b(?:in|is|like|ilike|between)\b))")


def extract_query_builders(scanned: Scanned, path: str, language: str, entity_of) -> list[Query]:
    """`entity_of(receiver, wrapped, call)` -> (entity, argument spans after it) or (None, []): typeorm.py's tie."""
    queries = []
    for match in START.finditer(scanned.masked):
        first = call_after(scanned, "createQueryBuilder", match.start(4), match.end())
        if first is None:
            continue
        entity, args = entity_of(match.group(1), match.group(3), first)
        if entity is not None:
            queries.append(_query(scanned, path, language, entity, first, args, match.start()))
    return queries


def _query(scanned: Scanned, path: str, language: str, entity: str, first: Call, args: list, start: int) -> Query:
    alias = _string(scanned, args[0]) if args else None
    chain = chain_after(scanned, first)[1:]
    kind = next((WRITES[c.name] for c in chain if c.name in WRITES), QueryKind.SELECT_COLUMNS)
    columns, filters, known, every = [], [], True, False
    for call in chain:
        if call.name in SELECTS:
            columns += _properties(scanned, call.args, alias, bare=True)
        elif call.name in FILTERS:
            filters += _properties(scanned, call.args[:1], alias, bare=call.name not in ("where", "andWhere", "orWhere"))
        elif call.name in ("set", "values"):
            keys = _keys(scanned, call.args[0]) if call.args else None
            known = keys is not None
            columns += keys or []
    if kind is QueryKind.SELECT_COLUMNS and not any(c.name in SELECTS for c in chain):
        every = not any(c.name in COUNTS for c in chain)  # getMany/getOne load the entity's columns
    every = every or kind is QueryKind.INSERT  # like repository inserts: DEFAULT for the columns not given
    query = orm_query(scanned, first, path, language, orm="typeorm", model=entity, note=f"{entity} QueryBuilder",
                      shape=(kind, columns, filters, known, every))
    method = next((c.name for c in chain if c.name in WRITES), first.name)  # .update(), else createQueryBuilder
    return replace(query, line=scanned.line_of(start), snippet=scanned.snippet(start), method=method,
                   end_line=scanned.line_of(chain[-1].close) if chain else query.end_line)


def _string(scanned: Scanned, span) -> str | None:
    literal = scanned.literal_at(span[0])
    return literal.value() if literal is not None and literal.end == span[1] and not literal.has_holes else None


def _properties(scanned: Scanned, spans: list, alias: str | None, bare: bool) -> list[str]:
    """`alias.prop` in SQL fragments (strings or arrays of them); a fragment that is a bare name
    (`select("id")`, `orderBy("createdAt")`) is the property itself."""
    names = []
    for span in spans:
        if scanned.masked[span[0]] == "[":
            close = scanned.closing(span[0])
            names += _properties(scanned, arguments(scanned, span[0], close) if close else [], alias, bare)
            continue
        if scanned.masked[span[0]] == "{":
            names += _keys(scanned, span) or []
            continue
        text = _string(scanned, span)
        if text is None:
            continue
        if alias:
            names += re.findall(rf"(?<![\w$.]){re.escape(alias)}\.(\w+)", text)
        else:  # no alias (an update/delete builder): the fragment names properties bare, `id = :id`
            names += COMPARED.findall(text)
        if bare and re.fullmatch(r"\s*\w+\s*", text) and text.strip() != alias:
            names.append(text.strip())
    return names


def _keys(scanned: Scanned, span) -> list[str] | None:
    """Keys of a `set`/`values` object (or of each object of an array); None when some are hidden."""
    if scanned.masked[span[0]] == "[":
        close = scanned.closing(span[0])
        found = [_keys(scanned, s) for s in (arguments(scanned, span[0], close) if close else [])]
        return None if not found or None in found else [k for keys in found for k in keys]
    if scanned.masked[span[0]] != "{":
        return None
    entries = object_entries(scanned, span[0])
    return None if any(k in ("...", "[]") for k, _ in entries) else [k for k, _ in entries]
