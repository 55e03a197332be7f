"""supabase-js query-builder chains -> Query records.

    const { data } = await supabase
      .from("conversations")            <- Query.line
      .select("id, title, messages(*)") <- columns, plus a read of `messages`
      .eq("user_id", userId)            <- filter_columns
      .order("created_at");             <- Query.end_line

Chains are found on the scanner's masked text (comments and string contents blanked), so a
`.from(` inside a comment or a string is never taken for code. The walk follows `.method(...)`
calls while they are query-builder methods and stops at anything else (`.then`, a property
access, the end of the statement).
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import (
    Call, Payload, arg_span, arg_text, call_after, literal_arg, object_literal_keys, option_string,
    payload_keys, skip_space, string_arg,
)
from impact.extract.postgrest import Embed, SelectList, column_list, filter_target, parse_or, parse_select
from impact.extract.typescript.scan import Scanned
from impact.extract.typescript.supabase_sql import Condition, render_sql
from impact.model import Confidence, Query, QueryKind
from impact.sql.holes import HOLE

EXTRACTOR = "supabase-js"
_FROM = re.compile(r"\.[ \t]*from\s*(?=[(<])")
_NEXT_METHOD = re.compile(r"\s*!?\s*\??\.\s*([A-Za-z_$][\w$]*)\s*(?=[(<])")
_SCHEMA_BEFORE = re.compile(r"\.\s*schema\s*$")
# `.from(` on these is not a table: built-ins (`Array.from`) and supabase storage buckets.
_NOT_A_TABLE_RECEIVER = re.compile(
    r"(?:(?:^|[^\w$.])(?:Array|Buffer|Object|String|Set|Map|Promise|Observable|"
    r"(?:Big)?(?:Ui|I)nt(?:8|16|32|64)(?:Clamped)?Array|Float(?:32|64)Array)|\bstorage)\s*$"
)
_MUTATIONS = {"insert": QueryKind.INSERT, "upsert": QueryKind.UPSERT, "update": QueryKind.UPDATE,
              "delete": QueryKind.DELETE}
# Filters whose first argument is a column name (ops named the way PostgREST names them).
_COLUMN_FILTERS = frozenset(
    "eq neq gt gte lt lte like ilike likeAllOf likeAnyOf ilikeAllOf ilikeAnyOf is isDistinct in "
    "contains containedBy overlaps rangeGt rangeGte rangeLt rangeLte rangeAdjacent textSearch "
    "filter not order".split()
)
_OTHER_METHODS = frozenset(
    "select match or limit range single maybeSingle csv geojson explain rollback returns "
    "overrideTypes throwOnError abortSignal setHeader".split()
)
_BUILDER_METHODS = _COLUMN_FILTERS | _OTHER_METHODS | set(_MUTATIONS)
_REFERENCED_TABLE = re.compile(r"\b(?:referencedTable|foreignTable)\s*:\s*$")


def extract_chains(scanned: Scanned, file: str, language: str) -> list[Query]:
    queries: list[Query] = []
    for match in _FROM.finditer(scanned.masked):
        receiver_window = max(0, match.start() - 40)
        if _NOT_A_TABLE_RECEIVER.search(scanned.masked, receiver_window, match.start()):
            continue
        chain = _walk_chain(scanned, match.start())
        if chain is not None:
            queries.extend(_ChainReader(scanned, chain, file, language).queries())
    return queries


def _walk_chain(scanned: Scanned, from_dot: int) -> list[Call] | None:
    """The calls `.from(...)`, `.select(...)`, ... starting at `from_dot`; None if not a query."""
    calls: list[Call] = []
    pos = from_dot
    while True:
        call = _call_at(scanned, pos, first=not calls)
        if call is None or (calls and call.name not in _BUILDER_METHODS):
            break
        calls.append(call)
        pos = call.close + 1
    if not any(c.name == "select" or c.name in _MUTATIONS for c in calls[1:]):
        return None  # `Array.from(x)`, `Buffer.from("...")`, or a builder kept for later
    return calls


def _call_at(scanned: Scanned, pos: int, first: bool) -> Call | None:
    match = (_FROM if first else _NEXT_METHOD).match(scanned.masked, pos)
    if match is None:
        return None
    name = "from" if first else match.group(1)
    dot = pos if first else scanned.masked.index(".", pos)
    return call_after(scanned, name, dot, match.end())


class _ChainReader:
    """Turns one walked chain into the Query for its table and one per embedded resource."""

    def __init__(self, scanned: Scanned, calls: list[Call], file: str, language: str) -> None:
        self.scanned, self.calls, self.file, self.language = scanned, calls, file, language
        self.conditions: list[Condition] = []
        self.embed_conditions: dict[str, list[Condition]] = {}
        self.order: list[tuple[str, bool]] = []
        self.notes: list[str] = []
        self.schema = self._schema()  # PostgREST embeds resolve in the schema of the chain

    def queries(self) -> list[Query]:
        table, confidence = self._table()
        kind, operation = self._kind()
        select_call = self._select_call(operation)
        select = self._select_list(select_call) if select_call else None
        self._read_filters(select)
        own = self._own_query(table, confidence, kind, operation, select)
        embeds = self._embed_queries(select.embeds if select else [], select_call)
        return [own, *embeds]

    # --- pieces of the chain ---------------------------------------------------------------
    def _table(self) -> tuple[str | None, Confidence]:
        literal = literal_arg(self.scanned, self.calls[0], 0)
        if literal is None or literal.has_holes or not literal.value().strip():
            self.notes.append("table given by a variable")
            return None, Confidence.LOW
        return literal.value().strip(), Confidence.MEDIUM

    def _schema(self) -> str | None:
        masked, before = self.scanned.masked, self.calls[0].dot - 1
        while before >= 0 and masked[before].isspace():
            before -= 1
        if before < 0 or masked[before] != ")":
            return None
        open_at = self.scanned.closing(before)
        if open_at is None or not _SCHEMA_BEFORE.search(masked, max(0, open_at - 40), open_at):
            return None
        literal = self.scanned.literal_at(skip_space(masked, open_at + 1))
        return literal.value() if literal and not literal.has_holes else None

    def _kind(self) -> tuple[QueryKind, Call | None]:
        for call in self.calls[1:]:
            if call.name in _MUTATIONS:
                kind = _MUTATIONS[call.name]
                if kind is QueryKind.INSERT and re.search(r"\bupsert\s*:\s*true", arg_text(self.scanned, call, 1)):
                    kind = QueryKind.UPSERT  # supabase-js v1: insert(rows, { upsert: true })
                return kind, call
        return QueryKind.SELECT_COLUMNS, None

    def _select_call(self, operation: Call | None) -> Call | None:
        after = operation.close if operation else -1
        return next((c for c in self.calls[1:] if c.name == "select" and c.dot > after), None)

    def _select_list(self, call: Call) -> SelectList:
        if not call.args:
            return SelectList(star=True)
        literal = literal_arg(self.scanned, call, 0)
        if literal is None:
            self.notes.append("select list given by a variable")
            return SelectList(complete=False)
        select = parse_select(literal.value(lambda i: f"{HOLE}_{i}"))
        if not select.complete:
            self.notes.append("select list built with interpolation")
        return select

    def _read_filters(self, select: SelectList | None) -> None:
        embeds = select.embeds if select else []
        for call in self.calls[1:]:
            if call.name in _COLUMN_FILTERS:
                self._column_filter(call, embeds)
            elif call.name == "match":
                keys = self._match_keys(call)
                self.conditions.extend(Condition(key, "eq") for key in keys.keys)
                if not keys.complete:
                    self.notes.append(".match() filters given by a variable")
            elif call.name == "or":
                terms = parse_or(string_arg(self.scanned, call, 0))
                group = self._condition_bucket(self._referenced_table(call), embeds)
                group.extend(Condition(t.column, t.operator, t.negated, or_group=call.open + 1) for t in terms)

    def _column_filter(self, call: Call, embeds: list[Embed]) -> None:
        literal = literal_arg(self.scanned, call, 0)
        if literal is None or literal.has_holes:
            self.notes.append(f".{call.name}() on a column given by a variable")
            return
        path, column = filter_target(literal.value())
        if call.name == "order":
            path = path or self._referenced_table(call)
            descending = bool(re.search(r"\bascending\s*:\s*false", arg_text(self.scanned, call, 1)))
            if path is None:
                self.order.append((column, descending))
            else:
                self._condition_bucket(path, embeds).append(Condition(column, "order"))
            return
        operator = call.name
        if call.name in ("filter", "not"):
            operator = string_arg(self.scanned, call, 1) or "eq"
        negated = call.name == "not"
        self._condition_bucket(path, embeds).append(Condition(column, operator, negated))

    def _condition_bucket(self, path: str | None, embeds: list[Embed]) -> list[Condition]:
        if path is None:
            return self.conditions
        name = path.rsplit(".", 1)[-1]
        embed = next((e for e in embeds if e.answers_to(name)), None)
        return self.embed_conditions.setdefault(embed.table if embed else name, [])

    def _referenced_table(self, call: Call) -> str | None:
        options = arg_span(call, len(call.args) - 1) if len(call.args) > 1 else None
        if options is None:
            return None
        masked = self.scanned.masked
        for pos in range(options[0], options[1]):
            if masked[pos] in "\"'`" and _REFERENCED_TABLE.search(masked, max(0, pos - 40), pos):
                literal = self.scanned.literal_at(pos)
                return literal.value() if literal else None
        return None

    def _match_keys(self, call: Call) -> Payload:
        span = arg_span(call, 0)
        if span is None or self.scanned.masked[span[0]] != "{":
            return Payload(complete=False, note="object given by a variable")
        return object_literal_keys(self.scanned, span[0])

    # --- Query records ---------------------------------------------------------------------
    def _own_query(self, table, confidence, kind, operation, select) -> Query:
        columns: list[str] = []
        filters = [c.column for c in self.conditions] + [column for column, _ in self.order]
        payload = Payload()
        returning = None
        if operation is None:
            select = select or SelectList(star=True)
            if select.star:
                kind = QueryKind.SELECT_STAR
                filters = select.columns + filters
            else:
                columns = select.columns
        else:
            if kind in (QueryKind.INSERT, QueryKind.UPSERT, QueryKind.UPDATE):
                payload = payload_keys(self.scanned, operation)
                columns = payload.keys
            if kind is QueryKind.UPSERT:
                filters += column_list(option_string(self.scanned, operation, "onConflict"))
            if select is not None:
                returning = select
                filters += select.columns
        if not payload.complete:
            self.notes.append(payload.note)
        sql = None
        if table is not None:
            sql = render_sql(
                kind, table, self.schema, columns, payload.complete, self.conditions, self.order,
                returning, select, column_list(option_string(self.scanned, operation, "onConflict")),
                operation is not None
                and bool(re.search(r"\bignoreDuplicates\s*:\s*true", arg_text(self.scanned, operation, 1))),
            )
        select_complete = select.complete if (select is not None and operation is None) else True
        return self._query(
            kind, table, columns, filters, confidence, sql, self.calls[0].dot,
            columns_known=payload.complete and select_complete,
        )

    def _embed_queries(self, embeds: list[Embed], select_call: Call | None) -> list[Query]:
        queries = []
        literal = literal_arg(self.scanned, select_call, 0)
        for embed in _all_embeds(embeds):
            conditions = self.embed_conditions.get(embed.table, [])
            select = embed.select
            kind = QueryKind.SELECT_STAR if select.star else QueryKind.SELECT_COLUMNS
            columns = [] if select.star else select.columns
            filters = (select.columns if select.star else []) + [c.column for c in conditions]
            sql = render_sql(kind, embed.table, self.schema, columns, True, conditions, [], None, select)
            at = literal.body_start + embed.offset if literal else self.calls[0].dot
            queries.append(self._query(kind, embed.table, columns, filters, Confidence.MEDIUM, sql,
                                       at, columns_known=select.complete))
        return queries

    def _query(self, kind, table, columns, filters, confidence, sql, at, columns_known) -> Query:
        line = self.scanned.line_of(at)
        return Query(
            file=self.file, line=line, end_line=self.scanned.line_of(self.calls[-1].close),
            language=self.language, extractor=EXTRACTOR, kind=kind, table=table,
            columns=tuple(_unique(columns)), filter_columns=tuple(_unique(filters)),
            confidence=confidence, schema=self.schema if table else None,
            columns_known=columns_known, sql=sql,
            snippet=self.scanned.snippet(self.calls[0].dot), note="; ".join(_unique(self.notes)),
        )


def _all_embeds(embeds: list[Embed]) -> list[Embed]:
    return SelectList(embeds=embeds).all_embeds()


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
