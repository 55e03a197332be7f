"""knex query-builder chains as queries (database names, like SQL).

    knex("users").where({ status: "active" }).select("id", "email")   <- SELECT id, email
    db("users").insert({ email, status }).returning("id")             <- INSERT email, status
    trx("users").where("id", id).update({ status })                   <- UPDATE status
    knex("users").where("id", id).del()                               <- DELETE
    knex("users").insert(rows).onConflict("email").merge()            <- UPSERT, columns unknown

A chain starts at a call of a usual knex instance name (`knex`, also held by another object:
`db.knex`, `this.knex`; `db`, `trx`, `tx`, `database`, `connection`, also `this.db`) with a string literal
table (a template naming the file's string constants too: `${TABLE} as tokens`), or
at `.table("t")` / `.into("t")`. Without a
`select` (or with `.first()` / `.select()` naming nothing), knex reads `*`; an aggregate
(`.count("id as n")`, `.max(...)`) reads only what it names. A chain held in a variable with no
verb yet (`const q = trx("users").where(...)`) takes the verb of the variable's first later
`q.update(...)`/`q.select(...)`/… call (before the name is declared again), else reads `*`.
Written select (or verb) first, `knex.select("id").from("users")` (or
`.column(...)`, `.distinct(...)`, `.first(...)`, `.update({...})`, `.insert({...}).into("t")`,
`.count(...)`), the chain's `.from("t")`/`.into("t")` gives the table; a
`.from(...)` followed by a select is the supabase-js shape and left to that reader.

A table given by a name (`knex(TableUser)`, `this.knex(TableUser)`, `dbActor(TableUser)`, `transaction(TableUser)`) is a query
of orm "ts-constants" on the model `TableUser`: impact.orm.ts_constants resolves it to the table the
constant holds, and `FieldNameUser.photoUrl` columns to theirs; a name that is no table constant is
dropped there.
"""
from __future__ import annotations

import re

from dataclasses import replace

from impact.extract.typescript.calls import Call, arguments, call_after, chain_after, object_entries, payload_keys
from impact.extract.typescript.scan import Scanned
from impact.model import Confidence, Query, QueryKind

# `db.knex("t")`, `this.knex("t")`: knex held by another object (nango's `db.knex`) is still knex.
_ROW = r"(?:<\s*[A-Za-z_$][\w$.]*(?:\[\])?\s*>\s*)?"  # a row type: `knex<DBTeam>("t")`
START = re.compile(rf"(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)?(knex)\s*(?={_ROW}\(\s*[\"'`])|(?<![\w$.])(?:this\s*\.\s*)?(db|trx|tx|database|connection)\s*(?={_ROW}\(\s*[\"'`])"
                   rf"|\.\s*(table|into)\s*(?={_ROW}\(\s*[\"'`])")
COLUMN_LISTS = {"select", "column", "columns", "distinct", "pluck", "first"}
FILTERS = {"where", "andWhere", "orWhere", "whereNot", "orWhereNot", "whereIn", "orWhereIn", "whereNotIn", "whereNull",
           "orWhereNull", "whereNotNull", "orWhereNotNull", "whereBetween", "whereLike", "whereILike", "orderBy",
           "groupBy", "having", "increment", "decrement", "onConflict", "returning"}
# `.count("id as n")`: one aggregated value, no row: what they name is read, no `*` is.
AGGREGATES = {"max", "min", "sum", "avg", "count", "countDistinct", "sumDistinct", "avgDistinct"}
WRITES = {"insert": QueryKind.INSERT, "update": QueryKind.UPDATE, "del": QueryKind.DELETE, "delete": QueryKind.DELETE,
          "upsert": QueryKind.UPSERT}
# The verb before the table: `knex.select("id").from("t")`, `db.knex.update({ a }).from<T>("t")`, `knex.insert(row).into("t")`.
SELECT_FIRST = re.compile(r"(?<![\w$.])(?:(?:[A-Za-z_$][\w$]*\s*\.\s*)?knex|db|trx|tx|database|connection)\s*(\.)\s*"
                          r"(select|columns?|distinct|first|pluck|update|insert|del|delete|count)\b")
TABLE_CALLS = {"from", "into"}
IDENTIFIER = re.compile(r"^(?:\w+\.)?(\w+)(?:\s+as\s+\w+)?$", re.IGNORECASE)
NAMED_TABLE = re.compile(rf"(?<![\w$.])(?:[A-Za-z_$][\w$]*\s*\.\s*)?(knex|db|trx|tx|database|connection|dbActor|transaction)\s*"
                         rf"(?={_ROW}\(\s*[A-Za-z_$][\w$]*\s*,?\s*\))")
DOTTED = re.compile(r"[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*")


def extract_knex(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries, spans = [], []
    first_verbs = _select_first(scanned, path, language, spans)
    local = None
    for match in START.finditer(scanned.masked):
        if any(a <= match.start() < b for a, b in spans):
            continue  # the `.into("t")` of `knex.insert(row).into("t")`: read with its verb
        name = match.group(1) or match.group(2) or match.group(3)
        first = call_after(scanned, name, match.start(), match.end())
        literal = scanned.literal_at(first.args[0][0]) if first and first.args else None
        if literal is not None and literal.has_holes:
            local = _file_strings(scanned) if local is None else local
            table = _filled(scanned, literal, local)
        else:
            table = literal.value() if literal is not None else None
        if not table or not table.split():
            continue
        calls = chain_after(scanned, first)
        if len(calls) > 1 or match.group(3):
            words = table.split()
            # Joined: a column qualified by another table is the joined table's (`token_project_link.project`).
            own = frozenset({words[0].split(".")[-1], words[-1]}) if any("join" in c.name.lower() for c in calls) else None
            query = _query(scanned, calls, words[0], path, language, own=own)
            later = _finished_later(scanned, match.start(), calls) if query.kind is QueryKind.SELECT_STAR else None
            queries.append(_query(scanned, calls + [later], query.table, path, language, own=own) if later else query)
    return queries + first_verbs + _named_tables(scanned, path, language)


_ASSIGNED = re.compile(r"(?<![\w$.])(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?$")


def _finished_later(scanned: Scanned, start: int, calls: list[Call]) -> Call | None:
    """`const q = trx("users").where("id", id);` then `q.update({...})`: the chain held in a variable
    gets its verb (or its select) later in the file; that call, or None (`await q` reads `*`)."""
    assigned = _ASSIGNED.search(scanned.masked, max(0, start - 80), start)
    if assigned is None:
        return None
    verbs = "|".join(sorted(set(WRITES) | COLUMN_LISTS | AGGREGATES))
    name = re.escape(assigned.group(1))
    later = re.compile(rf"(?<![\w$.]){name}\s*\.\s*({verbs})\s*(?=\()")
    again = re.compile(rf"\b(?:const|let|var)\s+{name}(?![\w$])")  # another variable of that name: not this chain's
    redeclared = again.search(scanned.masked, calls[-1].close + 1)
    match = later.search(scanned.masked, calls[-1].close + 1, redeclared.start() if redeclared else len(scanned.masked))
    return call_after(scanned, match.group(1), match.start(1) - 1, match.end(1)) if match else None


def _named_tables(scanned: Scanned, path: str, language: str) -> list[Query]:
    """`knex(TableUser).where(FieldNameUser.id, id)`: resolved by impact.orm.resolve (orm ts-constants);
    a name the file declares once as a string (`const tableName = 'function_dryruns'`) is that table."""
    queries, local = [], None
    for match in NAMED_TABLE.finditer(scanned.masked):
        first = call_after(scanned, match.group(1), match.start(), match.end())
        calls = chain_after(scanned, first) if first and len(first.args) == 1 else []
        if len(calls) > 1:
            name = scanned.masked[slice(*first.args[0])].strip()
            local = _file_strings(scanned) if local is None else local
            if name in local:
                queries.append(_query(scanned, calls, local[name], path, language, start=match.start()))
                continue
            query = _query(scanned, calls, "", path, language, start=match.start(), dotted=True)
            queries.append(replace(query, table=None, orm="ts-constants", model=name))
    return queries


def _filled(scanned: Scanned, literal, local: dict[str, str]) -> str | None:
    """`${TABLE} as tokens` with the file's `const TABLE = 'api_tokens'` (Unleash's stores alias their
    table so): the template's text, each hole the constant it names; None when a hole is anything else."""
    names = [scanned.text[a + 2:b].strip() for a, b in literal.holes]
    if not all(n in local for n in names):
        return None
    return literal.value(lambda i: local[names[i]])


def _file_strings(scanned: Scanned) -> dict[str, str]:
    """The file's own string constants that may name a table (`const tableName = 'function_dryruns'`)."""
    from impact.extract.typescript.constants import read_module

    return {name: value for name, (value, _) in read_module(scanned).constants.items()
            if "." not in name and re.fullmatch(r"[\w$]+(?:\.[\w$]+)?", value)}


def _select_first(scanned: Scanned, path: str, language: str, spans: list[tuple[int, int]]) -> list[Query]:
    """`knex.select("id").from("users")`: the columns (or the verb) come before the table; `spans`
    gets each chain's extent."""
    queries = []
    for match in SELECT_FIRST.finditer(scanned.masked):
        first = call_after(scanned, match.group(2), match.start(1), match.end(2))
        calls = chain_after(scanned, first) if first else []
        at = next((i for i, call in enumerate(calls) if call.name in TABLE_CALLS), None)
        if at is None or any(call.name in COLUMN_LISTS for call in calls[at + 1:]):
            continue  # no table, or `.from("t").select(...)`: the supabase-js shape, read there
        literal = scanned.literal_at(calls[at].args[0][0]) if calls[at].args else None
        if literal is None or literal.has_holes:
            continue
        rest = calls[:at] + calls[at + 1:]
        queries.append(_query(scanned, [calls[at], *rest], literal.value().split()[0], path, language, start=match.start()))
        spans.append((match.start(), calls[-1].close + 1))
    return queries


def _query(scanned: Scanned, calls: list[Call], table: str, path: str, language: str, start: int | None = None,
           dotted: bool = False, own: frozenset[str] | None = None) -> Query:
    """`own`: the chain's table and alias when it joins others (a name qualified otherwise is not its column)."""
    kind, columns, filters, known, selected = QueryKind.SELECT_COLUMNS, [], [], True, False
    method = None  # the call deciding its kind: the write, else the column list (None: a bare chain reads whole rows)
    for call in calls[1:]:
        if call.name in WRITES:
            kind = QueryKind.UPSERT if kind is QueryKind.UPSERT else WRITES[call.name]
            method = call.name
            if call.name in ("insert", "update", "upsert"):
                payload = payload_keys(scanned, call, constants=dotted)
                known = known and payload.complete
                columns += payload.keys if payload.complete else []
        elif call.name == "merge":
            kind, method = QueryKind.UPSERT, call.name
        elif call.name in COLUMN_LISTS:
            # `.first()`, `.select()` and `.select("*")` read every column
            selected = selected or (bool(call.args) and not _stars(scanned, call.args))
            method = method or call.name
            columns += _names(scanned, call.args, dotted, own)
        elif call.name in FILTERS:
            filters += _filter_names(scanned, call, dotted, own)
        elif call.name in AGGREGATES:
            selected, method = True, method or call.name
            filters += _names(scanned, call.args, dotted, own)
    star = kind is QueryKind.SELECT_COLUMNS and not selected
    return Query(
        file=path, line=scanned.line_of(calls[0].dot if start is None else start),
        end_line=scanned.line_of(max(call.close for call in calls)), language=language,
        extractor="knex", kind=QueryKind.SELECT_STAR if star else kind, table=table.split(".")[-1],
        columns=tuple(dict.fromkeys(columns)), filter_columns=tuple(dict.fromkeys(filters)), confidence=Confidence.HIGH,
        columns_known=known, snippet=scanned.snippet(calls[0].dot if start is None else start), note="knex builder" + ("" if known or columns else "; payload is a variable: written columns unknown"),
        method=method,
    )


def _stars(scanned: Scanned, spans: list[tuple[int, int]]) -> bool:
    """Every argument is `"*"` (or `"t.*"`)."""
    literals = [scanned.literal_at(span[0]) for span in spans]
    return all(lit is not None and lit.value().strip().endswith("*") for lit in literals)


def _names(scanned: Scanned, spans: list[tuple[int, int]], dotted: bool = False, own: frozenset[str] | None = None) -> list[str]:
    """Literal names; with `dotted`, `FieldNameUser.id` too (a field constant, mapped when resolved)."""
    names = []
    for span in spans:
        if scanned.masked[span[0]] == "[":
            close = scanned.closing(span[0])
            names += _names(scanned, arguments(scanned, span[0], close) if close else [], dotted, own)
            continue
        if dotted and DOTTED.fullmatch(scanned.masked[span[0]:span[1]]):
            names.append(scanned.masked[span[0]:span[1]])
            continue
        literal = scanned.literal_at(span[0])
        match = IDENTIFIER.match(literal.value().strip()) if literal and not literal.has_holes else None
        qualifier = match.group(0).split(".", 1)[0] if match and "." in match.group(0) else None
        if own is not None and qualifier is not None and qualifier not in own:
            continue  # another table's column (`token_project_link.project` in a join)
        if match and match.group(1) != "*":
            names.append(match.group(1))
    return names


def _filter_names(scanned: Scanned, call: Call, dotted: bool = False, own: frozenset[str] | None = None) -> list[str]:
    """`where("c", v)`, `where({ c: v })`, `orderBy("c")`, `orderBy([{ column: "c" }])`: the first argument's names."""
    if not call.args:
        return []
    first = call.args[0]
    if scanned.masked[first[0]] == "{":
        return [k for k, _ in object_entries(scanned, first[0]) if k not in ("...", "[]")]
    return _names(scanned, [first], dotted, own)
