"""Objection.js query chains as queries on a model (resolved to its table by impact.orm.resolve).

    User.query().where('status', 'active').select('id', 'email')   <- SELECT id, email
    WIKI.models.users.query().patch({ isActive: false }).where('id', id)   <- UPDATE is_active
    Ticket.query().insert({ title, projectId })                     <- INSERT title, project_id
    Ticket.query().findById(id)                                     <- SELECT "tickets".*
    const t = await Ticket.query().findById(id); t.$query().patch({ status })   <- UPDATE status

The chain starts at `<Model>.query()` or `.query(trx)` (a capitalised class, or a member of a `models`
registry: `WIKI.models.users`); a name that is no objection model anywhere in the repo is dropped when
resolved, and a `query("SQL")` is raw SQL (impact.extract.typescript.sql).
`instance.$query()` is the model whose `query()` chain assigned the instance in the same file.
Decisions, from the SQL objection sends: a chain without `select` reads `select "t".*` — like knex,
it keeps working after a DROP or RENAME (no whole-row evidence; the model's declaration is IMP109);
`insert`/`insertGraph` write the payload's keys and return only the id (`returning "id"` on
PostgreSQL); `patch`/`update` write the payload's keys; `withGraphFetched('rel')` reads the relation's
table in another query; `where`/`orderBy`/`findOne({...})` name filter columns.
`Model.relatedQuery('rel')` and `instance.$relatedQuery('rel')` query the relation's model: the query's
model is `Model#rel`, resolved through the relation's `modelClass` (impact.orm.objection.related_models).
Known limits: an instance from elsewhere (a function parameter) is not read; a relation named by a
variable is not read.
"""
from __future__ import annotations

import re
from dataclasses import replace

from impact.extract.typescript.calls import Call, call_after, chain_after, orm_query, payload_keys
from impact.extract.typescript.orm.knex import AGGREGATES, COLUMN_LISTS, FILTERS, _filter_names, _names
from impact.extract.typescript.scan import Scanned
from impact.model import Query, QueryKind

# The model: a class (`User.query()`) or a member of a models registry (`WIKI.models.users.query()`).
START = re.compile(r"(?<![\w$])(?:[A-Za-z_$][\w$]*\s*\.\s*)*?(?:([A-Z][\w$]*)|models\s*\.\s*([A-Za-z_$][\w$]*))\s*\.\s*(query)\s*(?=\()")
# `Ticket.relatedQuery('project')`, `ticket.$relatedQuery('project')`: the relation's model, told when resolved.
RELATED = re.compile(r"(?<![\w$])(?:[A-Za-z_$][\w$]*\s*\.\s*)*?(?:([A-Z][\w$]*)|models\s*\.\s*([A-Za-z_$][\w$]*))\s*\.\s*(relatedQuery)\s*(?=\()")
INSTANCE_RELATED = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\.\s*(\$relatedQuery)\s*(?=\()")
INSTANCE = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\.\s*(\$query)\s*(?=\()")
ASSIGNED = re.compile(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?(?:[A-Za-z_$][\w$]*\s*\.\s*)*?"
                      r"([A-Za-z_$][\w$]*)\s*\.\s*query\s*\(")
WRITES = {"insert": QueryKind.INSERT, "insertAndFetch": QueryKind.INSERT, "insertGraph": QueryKind.INSERT,
          "insertGraphAndFetch": QueryKind.INSERT, "patch": QueryKind.UPDATE, "update": QueryKind.UPDATE,
          "patchAndFetch": QueryKind.UPDATE, "updateAndFetch": QueryKind.UPDATE, "patchAndFetchById": QueryKind.UPDATE,
          "updateAndFetchById": QueryKind.UPDATE, "upsertGraph": QueryKind.UPSERT, "delete": QueryKind.DELETE,
          "deleteById": QueryKind.DELETE, "del": QueryKind.DELETE, "increment": QueryKind.UPDATE, "decrement": QueryKind.UPDATE}
# `relate`/`unrelate` write the join table or the foreign key, not the related rows: not this table's query.
_JOIN_WRITES = {"relate", "unrelate"}
_PAYLOAD_LAST = {"patchAndFetchById", "updateAndFetchById"}  # (id, payload)


def extract_objection(scanned: Scanned, path: str, language: str) -> list[Query]:
    masked = scanned.masked
    if ".query" not in masked and ".$query" not in masked:
        return []
    queries = []
    for match in START.finditer(masked):
        call = call_after(scanned, "query", match.start(3) - 1, match.end(3))
        # `query()` takes nothing or a transaction; `pool.query("SELECT ...")` is raw SQL, read elsewhere
        if call is not None and not (call.args and masked[call.args[0][0]] in "\"'`"):
            queries.append(_query(scanned, path, language, match.group(1) or match.group(2), chain_after(scanned, call)))
    for match in RELATED.finditer(masked) if "relatedQuery" in masked else ():
        call = call_after(scanned, "relatedQuery", match.start(3) - 1, match.end(3))
        relation = _relation(scanned, call)
        if relation:
            queries.append(_query(scanned, path, language, f"{match.group(1) or match.group(2)}#{relation}", chain_after(scanned, call)))
    if "$query" in masked or "$relatedQuery" in masked:
        holders = {m.group(1): m.group(2) for m in ASSIGNED.finditer(masked)}
        for pattern in (INSTANCE, INSTANCE_RELATED):
            for match in pattern.finditer(masked):
                model = holders.get(match.group(1))
                call = call_after(scanned, match.group(2), match.start(2) - 1, match.end(2)) if model else None
                relation = _relation(scanned, call) if call is not None and pattern is INSTANCE_RELATED else None
                if call is not None and (pattern is INSTANCE or relation):
                    queries.append(_query(scanned, path, language, f"{model}#{relation}" if relation else model, chain_after(scanned, call)))
    return [q for q in queries if q is not None]


def _relation(scanned: Scanned, call: Call | None) -> str | None:
    """The relation a `relatedQuery('rel')` names, when it is a literal."""
    literal = scanned.literal_at(call.args[0][0]) if call is not None and call.args else None
    return literal.value() if literal is not None and not literal.has_holes else None


def _query(scanned: Scanned, path: str, language: str, model: str, calls: list[Call]) -> Query | None:
    if any(call.name in _JOIN_WRITES for call in calls):
        return None
    kind, columns, filters, known, selected, verb = QueryKind.SELECT_COLUMNS, [], [], True, False, None
    for call in calls[1:]:
        if call.name in WRITES:
            kind, verb = WRITES[call.name], call
            if call.name in ("increment", "decrement"):
                columns += _names(scanned, call.args[:1])
            elif kind in (QueryKind.INSERT, QueryKind.UPDATE, QueryKind.UPSERT):
                payload = payload_keys(scanned, call, 1 if call.name in _PAYLOAD_LAST else 0)
                known = known and payload.complete
                columns += payload.keys if payload.complete else []
        elif call.name in COLUMN_LISTS:
            selected = selected or bool(call.args)
            columns += _names(scanned, call.args)
        elif call.name in FILTERS or call.name == "findOne":
            filters += _filter_names(scanned, call)
        elif call.name in AGGREGATES:
            selected = True
            filters += _names(scanned, call.args)
    if kind is QueryKind.SELECT_COLUMNS and not selected:
        kind = QueryKind.SELECT_STAR
    verb = verb or calls[-1]
    query = orm_query(scanned, calls[0], path, language, orm="objection", model=model, note=f"{model}.{calls[0].name}().{verb.name}()",
                      shape=(kind, columns, filters, known, False))  # the chain's line is its start's, as the other ORMs'
    return replace(query, method=verb.name, end_line=scanned.line_of(calls[-1].close))
