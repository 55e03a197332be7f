"""supabase-py query chains: `supabase.table("notes").select("id, title").eq("owner_id", uid)`.

A chain may be built in steps (`q = supabase.table("notes").select("*")`, then `q = q.eq(...)`,
then `q.execute()`): a chain whose receiver is a name bound to another chain continues it. Each
chain nobody continues is one query (plus one read per table embedded in its select).
`sql` holds an equivalent PostgreSQL statement with `$n` parameters, so it can be PREPAREd.
"""
from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field

from impact.extract.python.facts import Chain, Facts, Link
from impact.extract.python.literals import literal_text
from impact.extract.python.strings import StringRenderer
from impact.extract.python.tree import first_argument, is_sequence, is_true, keyword, positional
from impact.extract.postgrest import (
    Embed, OrTerm, SelectList, column_list, condition_sql, filter_target, is_filter, parse_or, parse_select,
)
from impact.model import Confidence, Query, QueryKind
from impact.sql.identifiers import quote

EXTRACTOR = "supabase-py"
TABLE_METHODS = frozenset({"table", "from_"})
OPERATIONS = {"select": QueryKind.SELECT_COLUMNS, "insert": QueryKind.INSERT, "upsert": QueryKind.UPSERT,
              "update": QueryKind.UPDATE, "delete": QueryKind.DELETE}
NO_SUPABASE_NOTE = "no supabase/postgrest name in this file: `.table()` may belong to another library"


@dataclass
class _Origin:
    """Where a chain's table comes from: `.table("t")` (or `.schema("s").table("t")`)."""

    table: str | None
    schema: str | None
    line: int
    note: str = ""


@dataclass
class _Build:
    """The query a chain builds, step by step."""

    kind: QueryKind | None = None
    operation: Link | None = None
    filters: list[tuple[str, str]] = field(default_factory=list)  # (column, operator)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (column, descending)
    limit: str | None = None
    alternatives: list[list[OrTerm]] = field(default_factory=list)  # each `or_(...)`
    negate_next: bool = False  # `.not_.eq(...)`
    returning: list[str] = field(default_factory=list)  # `.select(...)` after a write
    # `.or_(..., reference_table="cities")`, `.order(..., foreign_table=...)`: embed's columns
    embed_filters: dict[str, list[str]] = field(default_factory=dict)


def supabase_queries(facts: Facts) -> list[Query]:
    # Every supabase query's lineage holds a `.table(...)` / `.from_(...)` call: most files have
    # none, and looking for one link is cheaper than the lineage of every chain (issue 13).
    if not any(link.name in TABLE_METHODS and link.call is not None for chain in facts.chains for link in chain.links):
        return []
    finder = _Finder(facts)
    continued = facts.continued_chains()
    found = []
    for chain in facts.chains:
        steps = finder.steps(chain) if id(chain) not in continued else None
        if steps is not None:  # a chain built from `.table(...)` that no later chain continues
            found += finder.queries(chain, *steps)
    return found


class _Finder:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.strings = StringRenderer(facts)
        self.confidence = Confidence.HIGH if facts.mentions("supabase", "postgrest") else Confidence.MEDIUM

    def steps(self, chain: Chain) -> tuple[Chain, Link, list[Link]] | None:
        """(chain holding `.table(...)`, that link, the links after it) for a supabase chain."""
        lineage = self.facts.lineage(chain)
        for position, part in enumerate(lineage):
            if "storage" in part.names():
                return None  # supabase.storage.from_("bucket") is a file bucket, not a table
            index = _table_link_index(part)
            if index is not None:
                after = part.links[index + 1:] + [l for later in lineage[position + 1:] for l in later.links]
                return part, part.links[index], after
        return None

    def _origin(self, chain: Chain, link: Link) -> _Origin:
        line = link.line
        argument = first_argument(link.call)
        table = self.text(argument, chain)
        if table is not None and "impact_hole" in table:
            table = None
        schema_link = next((l for l in chain.links if l.name == "schema" and l.call and first_argument(l.call)), None)
        schema = self.text(first_argument(schema_link.call), chain) if schema_link else None
        note = "" if table else "table name is a variable: unresolved"
        return _Origin(table, schema, line, note)

    def queries(self, chain: Chain, table_chain: Chain, table_link: Link, steps: list[Link]) -> list[Query]:
        origin = self._origin(table_chain, table_link)
        build = _Build()
        for link in steps:
            self._apply(build, link, chain)
        if build.kind is None:
            return []  # a bare `.table("t")` handle, never queried
        return _Render(self, chain, origin, build).queries()

    def _apply(self, build: _Build, link: Link, chain: Chain) -> None:
        call = link.call
        if link.name == "not_":
            build.negate_next = True
        if call is None:
            return
        if link.name in OPERATIONS and build.kind is None:
            build.kind, build.operation = OPERATIONS[link.name], link
        elif link.name == "select":  # after a write: the columns it returns
            spec = parse_select(self.text(_positional(call, 0), chain) or "*")
            build.returning.extend(spec.columns)
        elif link.name in ("order", "or_", "limit") and self._referenced_table(call, chain):
            embed = build.embed_filters.setdefault(self._referenced_table(call, chain), [])
            if link.name == "order":
                embed.append(_filter_key(self.text(_positional(call, 0), chain) or ""))
            elif link.name == "or_":
                embed.extend(term.column for term in parse_or(self.text(_positional(call, 0), chain) or ""))
        elif link.name == "order":
            column = _filter_key(self.text(_positional(call, 0), chain) or "")
            if column:
                build.order.append((column, is_true(keyword(call, "desc"))))
        elif link.name == "limit":
            build.limit = _int_literal(_positional(call, 0))
        elif link.name == "or_":
            build.alternatives.append(parse_or(self.text(_positional(call, 0), chain) or ""))
        elif link.name == "match":
            for key in (_dict_keys(_positional(call, 0)) or ([], False))[0]:
                build.filters.append((key, "eq"))
        else:
            self._apply_filter(build, link, chain)

    def _apply_filter(self, build: _Build, link: Link, chain: Chain) -> None:
        column = _filter_key(self.text(_positional(link.call, 0), chain) or "")
        if not column:
            return
        operator = link.name
        if operator == "filter":  # .filter("col", "eq", value)
            operator = self.text(_positional(link.call, 1), chain) or "eq"
        negated, build.negate_next = build.negate_next, False
        if is_filter(operator):
            value = _positional(link.call, 1 if link.name != "filter" else 2)
            modifier = _is_value(value) if operator in ("is_", "is") else ""
            build.filters.append((column, ("not " if negated else "") + operator + modifier))

    def _referenced_table(self, call: ast.Call, chain: Chain) -> str | None:
        """The embedded table an `order`/`limit`/`or_` applies to (`foreign_table=` is the
        older name of `reference_table=`)."""
        node = keyword(call, "reference_table") or keyword(call, "foreign_table")
        return self.text(node, chain) if node is not None else None

    def text(self, node: ast.expr | None, chain: Chain) -> str | None:
        """A string argument: a literal, or a same-file constant."""
        if node is None:
            return None
        return self.strings.constant(node, chain.scope, 0) or self.strings.render(node, chain.scope)


class _Render:
    """The Query records (and their SQL) of one finished chain."""

    def __init__(self, finder: _Finder, chain: Chain, origin: _Origin, build: _Build) -> None:
        self.finder = finder
        self.facts = finder.facts
        self.chain = chain
        self.origin = origin
        self.build = build
        self.parameters = 0

    def parameter(self) -> str:
        self.parameters += 1
        return f"${self.parameters}"

    def queries(self) -> list[Query]:
        kind = self.build.kind
        operation = self.build.operation.call
        if kind is QueryKind.SELECT_COLUMNS:
            columns = _positional(operation, 0) or keyword(operation, "columns")
            return self._select(parse_select(self.finder.text(columns, self.chain) or "*"), columns)
        if kind is QueryKind.DELETE:
            return [self._query(kind, (), self._delete_sql())]
        payload = _positional(operation, 0) or keyword(operation, "json")
        keys, known = _payload_keys(payload, self.finder, self.chain)
        if kind is QueryKind.UPDATE:
            return [self._query(kind, tuple(keys), self._update_sql(keys, known), columns_known=known)]
        conflict = column_list(self.finder.text(keyword(operation, "on_conflict"), self.chain) or "")
        update = not is_true(keyword(operation, "ignore_duplicates"))
        sql = self._insert_sql(keys, known, conflict, update)
        return [self._query(kind, tuple(keys), sql, columns_known=known, extra=conflict)]

    def _select(self, spec: SelectList, argument: ast.expr | None) -> list[Query]:
        kind = QueryKind.SELECT_STAR if spec.star else QueryKind.SELECT_COLUMNS
        columns = () if spec.star else tuple(spec.columns)
        extra = tuple(spec.columns) if spec.star else ()
        unknown = "" if spec.complete else "select list built with interpolation"
        queries = [self._query(kind, columns, self._select_sql(spec), extra=extra, columns_known=spec.complete,
                               note=unknown)]
        for embed in spec.all_embeds():
            select = embed.select
            embed_kind = QueryKind.SELECT_STAR if select.star else QueryKind.SELECT_COLUMNS
            filters = [column.split(".", 1)[1] for column, _operator in self.build.filters
                       if column.split(".", 1)[0] in (embed.table, embed.alias)]
            for name in (embed.alias, embed.table):
                filters += self.build.embed_filters.get(name or "", [])
            filters = tuple(dict.fromkeys(f for f in filters if f))
            target = f"{quote(self.origin.schema)}.{quote(embed.table)}" if self.origin.schema else quote(embed.table)
            sql = f"SELECT {'*' if select.star else ', '.join(map(quote, select.columns)) or '1'} FROM {target}"
            note = "embedded resource in a select" + ("" if select.complete else "; select list built with interpolation")
            queries.append(self._query(embed_kind, () if select.star else tuple(select.columns), sql,
                                       table=embed.table, own_filters=filters, note=note,
                                       columns_known=select.complete, line=self._embed_line(argument, embed)))
        return queries

    def _embed_line(self, argument: ast.expr | None, embed: Embed) -> int:
        """The line of `other(...)` inside a (possibly triple-quoted) select string. An implicit
        concatenation (one constant in `ast`) counts as no literal, as it did under libcst: its
        pieces' own lines are not in the tree."""
        text = literal_text(argument)
        if text is None or _concatenated(self.facts, argument):
            return self.origin.line
        return self.facts.line(argument) + text[: embed.offset].count("\n")

    # -- SQL -----------------------------------------------------------------------------
    def _target(self) -> str:
        table = quote(self.origin.table or "")
        return f"{quote(self.origin.schema)}.{table}" if self.origin.schema else table

    def _where(self) -> str:
        conditions = []
        for column, operator in self.build.filters:
            if "." in column:
                continue  # a filter on an embedded table: that table's query holds it
            negated = operator.startswith("not ")
            condition = condition_sql(operator.removeprefix("not "), quote(column), self.parameter)
            conditions.append(f"NOT ({condition})" if negated else condition)
        for alternative in self.build.alternatives:
            either = [self._term_sql(term) for term in alternative]
            if either and all(either):
                conditions.append("(" + " OR ".join(either) + ")")
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    def _term_sql(self, term: OrTerm) -> str | None:
        condition = condition_sql(term.operator, quote(term.column), self.parameter)
        return f"NOT ({condition})" if condition and term.negated else condition

    def _select_sql(self, spec: SelectList) -> str:
        columns = "*" if spec.star else ", ".join(map(quote, spec.columns)) or "1"
        sql = f"SELECT {columns} FROM {self._target()}{self._where()}"
        if self.build.order:
            sql += " ORDER BY " + ", ".join(quote(c) + (" DESC" if d else "") for c, d in self.build.order)
        if self.build.limit:
            sql += f" LIMIT {self.build.limit}"
        return sql

    def _delete_sql(self) -> str:
        return f"DELETE FROM {self._target()}{self._where()}"

    def _update_sql(self, keys: list[str], known: bool) -> str | None:
        if not keys or not known:
            return None  # the statement's SET list is not knowable
        assignments = ", ".join(f"{quote(k)} = {self.parameter()}" for k in keys)
        return f"UPDATE {self._target()} SET {assignments}{self._where()}"

    def _insert_sql(self, keys: list[str], known: bool, conflict: list[str], update: bool) -> str | None:
        if not keys or not known:
            return None
        values = ", ".join(self.parameter() for _ in keys)
        sql = f"INSERT INTO {self._target()} ({', '.join(map(quote, keys))}) VALUES ({values})"
        if self.build.kind is not QueryKind.UPSERT:
            return sql
        updated = [k for k in keys if k not in conflict]
        if conflict and update and updated:
            assignments = ", ".join(f"{quote(k)} = EXCLUDED.{quote(k)}" for k in updated)
            return f"{sql} ON CONFLICT ({', '.join(map(quote, conflict))}) DO UPDATE SET {assignments}"
        # Without on_conflict PostgREST uses the primary key, which this file cannot tell.
        return f"{sql} ON CONFLICT DO NOTHING"

    # -- records -------------------------------------------------------------------------
    def _query(self, kind: QueryKind, columns: tuple[str, ...], sql: str | None, *, columns_known: bool = True,
               extra: tuple[str, ...] | list[str] = (), table: str | None = None,
               own_filters: tuple[str, ...] | None = None, note: str = "", line: int | None = None) -> Query:
        filters = own_filters if own_filters is not None else self._main_filters()
        filter_columns = tuple(dict.fromkeys([*extra, *filters]))
        origin = self.origin
        unresolved = origin.table is None and table is None
        notes = [origin.note, note, "" if columns_known else "payload is not a literal: written columns unknown"]
        if self.finder.confidence is Confidence.MEDIUM:
            notes.append(NO_SUPABASE_NOTE)
        line = line or origin.line
        return Query(
            file=self.facts.path,
            line=line,
            end_line=max(line, self.facts.lines(self.chain.node)[1]),
            language="python",
            extractor=EXTRACTOR,
            kind=kind,
            table=table or origin.table,
            schema=origin.schema,
            columns=columns,
            filter_columns=filter_columns,
            confidence=Confidence.LOW if unresolved else self.finder.confidence,
            columns_known=columns_known,
            sql=None if unresolved else sql,
            snippet=self.facts.snippet(line),
            note="; ".join(n for n in notes if n),
        )

    def _main_filters(self) -> list[str]:
        columns = [c for c, _ in self.build.filters if "." not in c]
        columns += [column for column, _descending in self.build.order]
        columns += [term.column for alternative in self.build.alternatives for term in alternative]
        return columns + self.build.returning


# -- helpers ------------------------------------------------------------------------------------

def _filter_key(text: str) -> str:
    """A filter's column, as `column` or `embedded_table.column`."""
    path, column = filter_target(text)
    return f"{path}.{column}" if path and column else column


def _table_link_index(chain: Chain) -> int | None:
    for index, link in enumerate(chain.links):
        if link.name in TABLE_METHODS and link.call is not None and first_argument(link.call) is not None:
            return index
    return None


def _positional(call: ast.Call | None, index: int) -> ast.expr | None:
    arguments = positional(call)
    return arguments[index] if index < len(arguments) else None


def _concatenated(facts: Facts, node: ast.expr) -> bool:
    """Is this string constant several literals side by side (`"a, " "b(c)"`)? Read from its
    source tokens (rare: only select strings with embedded resources get here)."""
    source = ast.get_source_segment(facts.text, node) or ""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(f"({source})").readline)
        return sum(token.type == tokenize.STRING for token in tokens) != 1
    except (tokenize.TokenError, SyntaxError):
        return True


def _int_literal(node: ast.expr | None) -> str | None:
    if type(node) is ast.Constant and type(node.value) is int:
        return str(node.value)
    return None


def _is_value(node: ast.expr | None) -> str:
    """`.is_("col", None)` / `True` / `False`: the value decides the SQL (`IS NULL`, `IS TRUE`)."""
    value = node.value if type(node) is ast.Constant else None
    if value is True or value == "true":
        return ":true"
    if value is False or value == "false":
        return ":false"
    return ""


def _dict_keys(node: ast.expr | None) -> tuple[list[str], bool] | None:
    """(literal keys, all keys literal?) of a dict display or `dict(a=...)`; None if neither."""
    if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "dict":
        keys = [k.arg for k in node.keywords if k.arg is not None]
        return keys, len(keys) == len(node.args) + len(node.keywords)
    if type(node) is not ast.Dict:
        return None
    keys = [literal_text(key) for key in node.keys]
    keys = [key for key in keys if key is not None]
    return keys, len(keys) == len(node.keys)  # `**extra` or a computed key: not all known


def _payload_keys(node: ast.expr | None, finder: _Finder, chain: Chain,
                  depth: int = 0) -> tuple[list[str], bool]:
    """(columns written, all of them known?) for an insert/update payload: a dict, a list of
    dicts, a comprehension building dicts, or a same-file variable holding one of these."""
    if node is None or depth > 4:
        return [], False
    if is_sequence(node):
        rows = [_payload_keys(e, finder, chain, depth + 1) for e in node.elts]
        keys = [key for row_keys, _known in rows for key in row_keys]
        return list(dict.fromkeys(keys)), bool(rows) and all(known for _keys, known in rows)
    if type(node) is ast.ListComp:
        return _payload_keys(node.elt, finder, chain, depth + 1)
    if type(node) is ast.Name:
        binding = finder.strings.single_binding(node, chain.scope)
        return _payload_keys(binding.value, finder, chain, depth + 1) if binding else ([], False)
    return _dict_keys(node) or ([], False)
