"""Kysely query-builder chains as queries (tables and columns are the database's own names).

    db.selectFrom("person as p")                 <- table person, alias p
      .innerJoin("pet", "pet.owner_id", "p.id")  <- table pet; owner_id on pet, id on person
      .select(["p.first_name", "pet.name as petName"])
      .where("p.age", ">", 18)                    <- filter column
    db.insertInto("person").values({ first_name })   db.updateTable("person").set({ age })
    db.deleteFrom("person").where("id", "=", id)

A column written without a table goes to the only table of the query, or, with joins, to every
table as an ambiguous column (the schema decides). Inside callbacks (`where((eb) => eb("age", ">", 1))`)
every identifier-like string literal is taken for a column reference. With Kysely's
CamelCasePlugin the code spells `firstName` for `first_name`: impact.orm.resolve converts the names
of these queries when the repo installs the plugin.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, arguments, call_after, chain_after, object_entries
from impact.extract.typescript.scan import Scanned
from impact.model import Confidence, Query, QueryKind

START = re.compile(r"\.\s*(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)\s*(?=[(<])")
KINDS = {"selectFrom": QueryKind.SELECT_COLUMNS, "insertInto": QueryKind.INSERT, "replaceInto": QueryKind.UPSERT,
         "updateTable": QueryKind.UPDATE, "deleteFrom": QueryKind.DELETE, "mergeInto": QueryKind.UPSERT}
JOINS = {"innerJoin", "leftJoin", "rightJoin", "fullJoin", "crossJoin", "innerJoinLateral", "leftJoinLateral"}
FILTERS = {"where", "orWhere", "whereRef", "orWhereRef", "having", "orderBy", "groupBy", "distinctOn", "on", "onRef"}
OPERATORS = {"=", "==", "!=", "<>", ">", ">=", "<", "<=", "in", "not in", "is", "is not", "like", "not like", "ilike",
             "not ilike", "@>", "<@", "&&", "?", "?|", "?&", "~", "~*", "!~", "!~*", "between", "match"}
REFERENCE = re.compile(r"^(?:(\w+)\.)?(\w+)(?:\s+as\s+\w+)?$", re.IGNORECASE)


def extract_kysely(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries = []
    for match in START.finditer(scanned.masked):
        calls = _chain(scanned, match)
        if calls:
            queries.extend(_Chain(scanned, calls).queries(path, language))
    return queries


def _chain(scanned: Scanned, match: re.Match) -> list[Call]:
    first = call_after(scanned, match.group(1), match.start(), match.end())
    return chain_after(scanned, first) if first else []


class _Chain:
    def __init__(self, scanned: Scanned, calls: list[Call]) -> None:
        self.scanned, self.calls = scanned, calls
        self.aliases: dict[str, str] = {}  # alias or table -> table
        self.order: list[str] = []
        self.columns: list[tuple[str | None, str]] = []  # (table or alias, column) of the statement's kind
        self.filters: list[tuple[str | None, str]] = []
        self.known, self.star = True, False

    def queries(self, path: str, language: str) -> list[Query]:
        first = self.calls[0]
        for span in self._table_spans(first):
            self._add_table(span)
        if not self.order:
            return []
        kind = KINDS[first.name]
        for call in self.calls[1:]:
            kind = self._read(call, kind)
        return [self._query(table, kind, path, language) for table in self.order]

    def _table_spans(self, call: Call) -> list[tuple[int, int]]:
        if not call.args:
            return []
        span = call.args[0]
        if self.scanned.masked[span[0]] == "[":
            close = self.scanned.closing(span[0])
            return arguments(self.scanned, span[0], close) if close else []
        return [span]

    def _add_table(self, span: tuple[int, int]) -> None:
        literal = self.scanned.literal_at(span[0])
        if literal is None or literal.has_holes:
            return
        parts = literal.value().split()
        name = parts[0].split(".")[-1]
        self.aliases[name] = name
        if len(parts) == 3 and parts[1].lower() == "as":
            self.aliases[parts[2]] = name
        if name not in self.order:
            self.order.append(name)

    def _read(self, call: Call, kind: QueryKind) -> QueryKind:
        name = call.name
        if name in JOINS and call.args:
            self._add_table(call.args[0])
            self._strings(call.args[1:], self.filters)
        elif name in ("select", "returning", "distinctOn"):
            self._select(call, self.columns if name == "select" else self.filters)
        elif name in ("selectAll", "returningAll"):
            self.star = self.star or name == "selectAll" or kind is not QueryKind.SELECT_COLUMNS
        elif name in FILTERS or name.startswith(("where", "orWhere")):
            self._strings(call.args[:1] if name.startswith(("where", "orWhere", "having")) and len(call.args) == 3 else call.args, self.filters)
        elif name in ("values", "set"):
            self._payload(call)
        elif name in ("onConflict", "onDuplicateKeyUpdate"):
            self._strings(call.args, self.filters)
            return QueryKind.UPSERT
        return kind

    def _select(self, call: Call, bucket: list) -> None:
        for span in self._table_spans(call) if call.args and self.scanned.masked[call.args[0][0]] == "[" else call.args:
            literal = self.scanned.literal_at(span[0])
            if literal is not None and not literal.has_holes and literal.end == span[1]:
                self._reference(literal.value(), bucket)
            else:
                self._strings([span], self.filters)  # a callback: its strings are columns it reads

    def _payload(self, call: Call) -> None:
        span = call.args[0] if call.args else None
        rows = self._table_spans(call) if span and self.scanned.masked[span[0]] == "[" else ([span] if span else [])
        for row in rows:
            if self.scanned.masked[row[0]] != "{":
                self.known = False
                continue
            for key, _ in object_entries(self.scanned, row[0]):
                if key in ("...", "[]"):
                    self.known = False
                else:
                    self.columns.append((None, key))

    def _strings(self, spans: list[tuple[int, int]], bucket: list) -> None:
        """Column-like string literals inside the given argument spans: qualified (`pet.name`), or
        followed by an operator (`eb("age", ">", 1)`: "age" is a column, 1 a value)."""
        for start, end in spans:
            found = [lit.value() for offset, lit in sorted(self.scanned.literals.items()) if start <= offset < end and not lit.has_holes]
            for i, value in enumerate(found):
                followed_by_operator = i + 1 < len(found) and found[i + 1].strip().lower() in OPERATORS
                if "." in value or followed_by_operator or len(found) == 1:
                    self._reference(value, bucket)

    def _reference(self, text: str, bucket: list) -> None:
        match = REFERENCE.match(text.strip())
        if match is None:
            return
        owner, column = match.group(1), match.group(2)
        if column == "*" or column.upper() in ("ASC", "DESC", "AND", "OR", "IN", "LIKE", "IS", "NOT"):
            return
        bucket.append((owner, column))

    def _query(self, table: str, kind: QueryKind, path: str, language: str) -> Query:
        single = len(self.order) == 1
        mine = lambda refs: tuple(dict.fromkeys(c for o, c in refs if (o and self.aliases.get(o) == table) or (o is None and single)))
        ambiguous = () if single else tuple(dict.fromkeys(c for o, c in self.columns + self.filters if o is None))
        star = self.star and kind is QueryKind.SELECT_COLUMNS
        first = self.calls[0]
        return Query(
            file=path, line=self.scanned.line_of(first.dot), end_line=self.scanned.line_of(self.calls[-1].close),
            language=language, extractor="kysely", kind=QueryKind.SELECT_STAR if star else kind, table=table,
            columns=mine(self.columns), filter_columns=mine(self.filters), ambiguous_columns=ambiguous,
            confidence=Confidence.HIGH if single else Confidence.MEDIUM, columns_known=self.known,
            snippet=self.scanned.snippet(first.dot), note=f"kysely .{first.name}()", orm="kysely", method=first.name,
        )
