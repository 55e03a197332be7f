"""Drizzle query-builder chains and relational queries as queries on a model (its table variable).

The extractor knows only the code: the table variable and the field names as the code spells
them (`users.fullName`). `impact.orm.resolve` maps them to a table and columns once the repo's
`pgTable(...)` declarations are read, and drops chains whose variable is no Drizzle table
(`cache.delete(key)` is not a query).

What each query reads and writes, as Drizzle builds the SQL:
- `db.select().from(users)` reads every column the table declares (`all_columns`), and so does a
  join's table; `db.select({ name: users.fullName })` reads the fields it names, `users` as a
  field or `...getTableColumns(users)` reads them all;
- any `users.<field>` elsewhere in the chain (`.where(eq(users.status, x))`, `and(...)`, orderBy,
  join conditions) is a filter column of that table;
- `db.insert(users).values({...} | [{...}] | rows)` lists every column of the table in its INSERT
  (`default` for the keys not given);
  `.onConflictDoUpdate({ set })` makes it an upsert writing those keys too;
  `db.update(users).set({...})` writes the keys; `db.delete(users)` writes none;
  `.returning()` without fields reads every column;
- `db.$count(users, filter)` reads its filter columns only;
- `db.query.users.findMany({ columns: { a: true } })` reads the columns set to true; without
  `columns` every column; `where`/`orderBy` (callback or expression) name filter columns.

Known limits (xfail tests in tests/test_orm_drizzle.py):
- `with: { posts: true }` loads the related table's columns too: not followed;
- `columns: { secret: false }` reads every column but those: taken as every column;
- a table imported under another name (`import { users as people }`) is not known as a table.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import IDENT, Call, call_after, object_entries, payload_keys
from impact.extract.typescript.scan import Scanned
from impact.model import Confidence, Query, QueryKind

CHAIN_START = re.compile(r"\.\s*(select|selectDistinct|selectDistinctOn|insert|update|delete|\$count)\s*(?=[(<])")
RELATIONAL = re.compile(rf"\.\s*query\s*\.\s*({IDENT})\s*\.\s*(findMany|findFirst)\b")
NEXT_CALL = re.compile(rf"\s*\??\.\s*({IDENT})")
MEMBER = re.compile(rf"(?<![\w$.])({IDENT})\s*\??\.\s*({IDENT})")
TABLE_ARG = re.compile(rf"(?:{IDENT}\s*\.\s*)?({IDENT})")
JOINS = {"leftJoin", "rightJoin", "innerJoin", "fullJoin", "crossJoin", "leftJoinLateral", "innerJoinLateral", "crossJoinLateral"}
WRITES = {"insert": QueryKind.INSERT, "update": QueryKind.UPDATE, "delete": QueryKind.DELETE}


def extract_drizzle(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries = []
    for match in CHAIN_START.finditer(scanned.masked):
        first = call_after(scanned, match.group(1), match.start(), match.end(1))
        if first is not None:
            chain = _chain(scanned, first)
            builder = _select if first.name.startswith("select") else _count if first.name == "$count" else _write
            queries += builder(scanned, path, language, chain)
    for match in RELATIONAL.finditer(scanned.masked):
        call = call_after(scanned, match.group(2), match.start(2) - 1, match.end(2))
        if call is not None:
            queries.append(_relational(scanned, path, language, match.group(1), call))
    return queries


def _chain(scanned: Scanned, first: Call) -> list[Call]:
    """The calls chained after `first` (`.from(t).where(...).limit(1)`), up to the first non-call."""
    calls, pos = [first], first.close + 1
    while (match := NEXT_CALL.match(scanned.masked, pos)) is not None:
        call = call_after(scanned, match.group(1), match.start(1) - 1, match.end(1))
        if call is None:
            break
        calls.append(call)
        pos = call.close + 1
    return calls


def _table(scanned: Scanned, call: Call | None) -> str | None:
    """The table variable a call's first argument names (`users`, `schema.users`)."""
    if call is None or not call.args:
        return None
    start, end = call.args[0]
    match = TABLE_ARG.fullmatch(scanned.masked, start, end)
    return match.group(1) if match else None


def _members(scanned: Scanned, start: int, end: int, owners: set[str]) -> dict[str, list[str]]:
    """`users.fullName` spans between start and end -> {"users": ["fullName"]}, for the given owners."""
    found: dict[str, list[str]] = {}
    for match in MEMBER.finditer(scanned.masked, start, end):
        if match.group(1) in owners:
            found.setdefault(match.group(1), []).append(match.group(2))
    return found


def _select(scanned: Scanned, path: str, language: str, chain: list[Call]) -> list[Query]:
    source = next((c for c in chain if c.name == "from"), None)
    tables = [t for t in [_table(scanned, source)] + [_table(scanned, c) for c in chain if c.name in JOINS] if t]
    if not tables:
        return []  # a `.select()` of something else (supabase-js, an array helper)
    first = chain[0]
    index = 1 if first.name == "selectDistinctOn" else 0  # selectDistinctOn([on...], fields)
    fields = first.args[index] if index < len(first.args) else None
    selected: dict[str, list[str]] = {}
    everything, known = set(), True
    if fields is None:
        everything = set(tables)
    elif scanned.masked[fields[0]] == "{":
        known = _selection(scanned, fields[0], set(tables), selected, everything)
    else:
        known = False
    filters = _members(scanned, first.open, chain[-1].close, set(tables))
    return [
        _query(scanned, path, language, chain, table, QueryKind.SELECT_COLUMNS, selected.get(table, []),
               filters.get(table, []), known, table in everything)
        for table in dict.fromkeys(tables)
    ]


def _selection(scanned: Scanned, open_at: int, tables: set[str], selected: dict, everything: set, depth: int = 0) -> bool:
    """Fields of a select object (nested objects too); False when some cannot be read."""
    masked, known = scanned.masked, True
    for key, value in object_entries(scanned, open_at):
        if value is None:
            continue
        text = masked[value[0] : value[1]].strip()
        spread = re.fullmatch(rf"getTableColumns\s*\(\s*({IDENT})\s*\)", text)
        if key == "...":
            if spread and spread.group(1) in tables:
                everything.add(spread.group(1))
            else:
                known = False
        elif text in tables:  # `{ user: users }`: the whole row
            everything.add(text)
        elif masked[value[0]] == "{" and depth < 4:
            known = _selection(scanned, value[0], tables, selected, everything, depth + 1) and known
        elif (member := MEMBER.fullmatch(masked, value[0], value[1])) and member.group(1) in tables:
            selected.setdefault(member.group(1), []).append(member.group(2))
    return known


def _write(scanned: Scanned, path: str, language: str, chain: list[Call]) -> list[Query]:
    first = chain[0]
    table = _table(scanned, first)
    if table is None or len(first.args) != 1 or _after_from(scanned, first.dot):
        return []  # supabase-js `.from("t").insert(row)`, `.insert({...})`; `Map.delete(key)` resolves to no table
    kind, columns, known = WRITES[first.name], [], True
    payload_call = {"insert": "values", "update": "set"}.get(first.name)
    if payload_call:
        payload = next((c for c in chain if c.name == payload_call), None)
        written = payload_keys(scanned, payload) if payload else None
        columns, known = (written.keys, written.complete) if written else ([], False)
    for call in chain:
        if call.name == "onConflictDoUpdate" and call.args and scanned.masked[call.args[0][0]] == "{":
            kind = QueryKind.UPSERT
            updates = dict(object_entries(scanned, call.args[0][0])).get("set")
            if updates and scanned.masked[updates[0]] == "{":
                columns += [k for k, _ in object_entries(scanned, updates[0]) if k not in ("...", "[]") and k not in columns]
    returns_all = any(c.name == "returning" and not c.args for c in chain)
    # An insert lists every column of the table (`default` for the keys not given).
    every = returns_all or first.name == "insert"
    filters = _members(scanned, first.close, chain[-1].close, {table}).get(table, [])
    return [_query(scanned, path, language, chain, table, kind, columns, filters, known, every)]


def _count(scanned: Scanned, path: str, language: str, chain: list[Call]) -> list[Query]:
    """`db.$count(users, eq(users.status, s))`: reads only its filter columns."""
    table = _table(scanned, chain[0])
    if table is None:
        return []
    filters = _members(scanned, chain[0].open, chain[0].close, {table}).get(table, [])
    return [_query(scanned, path, language, chain[:1], table, QueryKind.SELECT_COLUMNS, [], filters, True, False)]


def _after_from(scanned: Scanned, dot: int) -> bool:
    """The call continues a `.from(...)` (a supabase-js chain): Drizzle writes start at the client."""
    end = dot
    while end > 0 and scanned.masked[end - 1].isspace():
        end -= 1
    opener = scanned.closing(end - 1) if end and scanned.masked[end - 1] == ")" else None
    return opener is not None and re.search(r"\.\s*from\s*$", scanned.masked[max(0, opener - 40) : opener]) is not None


def _relational(scanned: Scanned, path: str, language: str, table: str, call: Call) -> Query:
    options = dict(object_entries(scanned, call.args[0][0])) if call.args and scanned.masked[call.args[0][0]] == "{" else {}
    opaque = bool(call.args) and not options
    masked = scanned.masked
    columns, everything = [], True
    chosen = options.get("columns")
    if chosen and masked[chosen[0]] == "{":
        entries = [(k, v) for k, v in object_entries(scanned, chosen[0]) if k not in ("...", "[]")]
        columns = [k for k, v in entries if v is None or not masked.startswith("false", v[0])]
        everything = not columns  # only exclusions: every other column (read as every column)
    filters = []
    for name in ("where", "orderBy"):
        if (span := options.get(name)) is not None:
            filters += _filter_fields(scanned, span, table)
    return _query(scanned, path, language, [call], table, QueryKind.SELECT_COLUMNS, columns, filters,
                  not opaque, everything, note=f"db.query.{table}.{call.name}()")


def _filter_fields(scanned: Scanned, span: tuple[int, int], table: str) -> list[str]:
    """Fields a where/orderBy names: `eq(users.id, 1)`, `(u, { eq }) => eq(u.id, 1)`, `{ id: 1 }`."""
    masked = scanned.masked
    if masked[span[0]] == "{":
        return [k for k, _ in object_entries(scanned, span[0]) if k not in ("...", "[]", "AND", "OR", "NOT")]
    owners = {table}
    param = re.compile(rf"\(?\s*({IDENT})\s*[,)=]").match(masked, span[0], span[1])
    if param and "=>" in masked[span[0] : span[1]]:
        owners.add(param.group(1))
    return [f for fields in _members(scanned, span[0], span[1], owners).values() for f in fields]


def _query(scanned: Scanned, path: str, language: str, chain: list[Call], table: str, kind: QueryKind,
           columns: list[str], filters: list[str], known: bool, all_columns: bool, note: str = "") -> Query:
    first = chain[0]
    columns = list(dict.fromkeys(columns))
    return Query(
        file=path, line=scanned.line_of(first.dot), end_line=scanned.line_of(chain[-1].close), language=language,
        extractor="drizzle", kind=kind, table=None, columns=tuple(columns),
        filter_columns=tuple(f for f in dict.fromkeys(filters) if f not in columns), confidence=Confidence.MEDIUM,
        columns_known=known, snippet=scanned.snippet(first.dot), note=note or f"drizzle .{first.name}()",
        model=table, orm="drizzle", all_columns=all_columns, method=first.name,
    )

