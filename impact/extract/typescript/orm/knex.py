"""knex query-builder chains as queries (database names, like SQL).

    knex("users").where({ status: "active" }).select("id", "email")   <- SELECT id, email
    db("users").insert({ email, status }).returning("id")             <- INSERT email, status
    trx("users").where("id", id).update({ status })                   <- UPDATE status
    knex("users").where("id", id).del()                               <- DELETE
    knex("users").insert(rows).onConflict("email").merge()            <- UPSERT, columns unknown

A chain starts at a call of a usual knex instance name (`knex`, `db`, `trx`, `tx`, `database`,
`connection`) with a string literal table, or at `.table("t")` / `.into("t")`. Without a
`select`, knex reads `*`. `knex.select(...).from("t")` is read by the supabase-js chain reader
(same `.from(` shape) only when a select follows the `.from`; written the other way round it is
not read (a known limit).
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, arguments, call_after, chain_after, object_entries, payload_keys
from impact.extract.typescript.scan import Scanned
from impact.model import Confidence, Query, QueryKind

START = re.compile(r"(?<![\w$.])(knex|db|trx|tx|database|connection)\s*(?=\(\s*[\"'`])|\.\s*(table|into)\s*(?=\(\s*[\"'`])")
COLUMN_LISTS = {"select", "column", "columns", "distinct", "pluck", "first"}
FILTERS = {"where", "andWhere", "orWhere", "whereNot", "orWhereNot", "whereIn", "orWhereIn", "whereNotIn", "whereNull",
           "orWhereNull", "whereNotNull", "orWhereNotNull", "whereBetween", "whereLike", "whereILike", "orderBy",
           "groupBy", "having", "increment", "decrement", "onConflict", "returning", "max", "min", "sum", "avg", "count"}
WRITES = {"insert": QueryKind.INSERT, "update": QueryKind.UPDATE, "del": QueryKind.DELETE, "delete": QueryKind.DELETE,
          "upsert": QueryKind.UPSERT}
IDENTIFIER = re.compile(r"^(?:\w+\.)?(\w+)(?:\s+as\s+\w+)?$", re.IGNORECASE)


def extract_knex(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries = []
    for match in START.finditer(scanned.masked):
        name = match.group(1) or match.group(2)
        first = call_after(scanned, name, match.start(), match.end())
        literal = scanned.literal_at(first.args[0][0]) if first and first.args else None
        if literal is None or literal.has_holes:
            continue
        calls = chain_after(scanned, first)
        if len(calls) > 1 or match.group(2):
            queries.append(_query(scanned, calls, literal.value().split()[0], path, language))
    return queries


def _query(scanned: Scanned, calls: list[Call], table: str, path: str, language: str) -> Query:
    kind, columns, filters, known, selected = QueryKind.SELECT_COLUMNS, [], [], True, False
    for call in calls[1:]:
        if call.name in WRITES:
            kind = QueryKind.UPSERT if kind is QueryKind.UPSERT else WRITES[call.name]
            if call.name in ("insert", "update", "upsert"):
                payload = payload_keys(scanned, call)
                known = known and payload.complete
                columns += payload.keys if payload.complete else []
        elif call.name == "merge":
            kind = QueryKind.UPSERT
        elif call.name in COLUMN_LISTS:
            selected = True
            columns += _names(scanned, call.args)
        elif call.name in FILTERS:
            filters += _filter_names(scanned, call)
    star = kind is QueryKind.SELECT_COLUMNS and not selected
    return Query(
        file=path, line=scanned.line_of(calls[0].dot), end_line=scanned.line_of(calls[-1].close), language=language,
        extractor="knex", kind=QueryKind.SELECT_STAR if star else kind, table=table.split(".")[-1],
        columns=tuple(dict.fromkeys(columns)), filter_columns=tuple(dict.fromkeys(filters)), confidence=Confidence.HIGH,
        columns_known=known, snippet=scanned.snippet(calls[0].dot), note="knex builder",
    )


def _names(scanned: Scanned, spans: list[tuple[int, int]]) -> list[str]:
    names = []
    for span in spans:
        if scanned.masked[span[0]] == "[":
            close = scanned.closing(span[0])
            names += _names(scanned, arguments(scanned, span[0], close) if close else [])
            continue
        literal = scanned.literal_at(span[0])
        match = IDENTIFIER.match(literal.value().strip()) if literal and not literal.has_holes else None
        if match and match.group(1) != "*":
            names.append(match.group(1))
    return names


def _filter_names(scanned: Scanned, call: Call) -> list[str]:
    """`where("c", v)`, `where({ c: v })`, `orderBy("c")`, `orderBy([{ column: "c" }])`: the first argument's names."""
    if not call.args:
        return []
    first = call.args[0]
    if scanned.masked[first[0]] == "{":
        return [k for k, _ in object_entries(scanned, first[0]) if k not in ("...", "[]")]
    return _names(scanned, [first])
