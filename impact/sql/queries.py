"""SQL text found in code -> which tables it reads or writes, and through which columns.

Walks the sqlglot AST with scopes (so CTE names are never mistaken for tables) instead of
matching SQL with regular expressions.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from impact.model import Confidence, Query, QueryKind

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

# Cheap test before parsing: does a string look like a query at all?
SQL_SHAPE = re.compile(
    r"^\s*(?:\(\s*)?(?:WITH\b[\s\S]*?\b(?:SELECT|INSERT|UPDATE|DELETE)\b|SELECT\b[\s\S]*?\bFROM\b|"
    r"INSERT\s+INTO\b|UPDATE\s+[\w\".]+\s+(?:AS\s+\w+\s+)?(?:\w+\s+)?SET\b|DELETE\s+FROM\b|MERGE\s+INTO\b|"
    r"COPY\s*\(\s*SELECT\b|COPY\s+[\w\".]+\s*(?:\([^)]*\)\s*)?(?:FROM|TO)\b)",
    re.IGNORECASE,
)
# Placeholder substituted for an interpolation hole (f-string `{x}`, template `${x}`).
from impact.sql.holes import HOLE, HOLE_RE  # noqa: E402
# `VALUES ($1,$2)`: sqlglot reads `$1,$` as the start of a dollar-quoted string; padding the
# positional parameters with spaces keeps them parameters.
PACKED_PARAMETER = re.compile(r"\$(\d+)")


@dataclass
class TableUse:
    """How one statement uses one table."""

    kind: QueryKind
    table: str | None
    schema: str | None = None
    columns: list[str] = field(default_factory=list)
    filter_columns: list[str] = field(default_factory=list)
    ambiguous_columns: list[str] = field(default_factory=list)
    columns_known: bool = True

    def add(self, bucket: str, name: str) -> None:
        values = getattr(self, bucket)
        if name and not HOLE_RE.fullmatch(name) and name not in values:
            values.append(name)


def looks_like_sql(text: str) -> bool:
    return bool(SQL_SHAPE.match(text))


def analyze_sql(sql: str, dialect: str = "postgres") -> list[TableUse] | None:
    """Table uses of every statement in `sql`; None when it does not parse as a query."""
    try:
        statements = sqlglot.parse(PACKED_PARAMETER.sub(r" $\1 ", sql), read=dialect)
    except SqlglotError:
        return None
    except (AssertionError, ValueError, TypeError, AttributeError):
        # sqlglot's builders assert on some input (`generate_series(a, b, '1 TRUE')`, a step with an
        # interpolated unit): not parseable, like a syntax error; seen in langfuse's queryBuilder.ts.
        return None
    uses: list[TableUse] = []
    for statement in statements:
        if statement is None:
            continue
        if not isinstance(statement, (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Copy)):
            return None if not uses else uses
        uses.extend(_statement_uses(statement))
    return _merge(uses)


def queries_from_sql(
    sql: str,
    *,
    file: str,
    line: int,
    language: str,
    extractor: str,
    confidence: Confidence = Confidence.HIGH,
    snippet: str = "",
    end_line: int | None = None,
    note: str = "",
    dialect: str = "postgres",
) -> list[Query]:
    """Turn one SQL string found at file:line into Query records (one per table it touches)."""
    uses, note = _analysis(sql, dialect)
    if uses is None:
        return []
    has_holes = bool(HOLE_RE.search(sql))
    queries = []
    for use in uses:
        use_confidence = confidence
        use_note = note
        if note:
            use_confidence = Confidence.LOW if note.startswith("SQL did not parse") else Confidence.lowest(confidence, Confidence.MEDIUM)
            use_note = note
        elif has_holes:
            use_confidence = Confidence.lowest(confidence, Confidence.MEDIUM)
            use_note = use_note or "SQL built with interpolation; holes treated as opaque"
        if use.ambiguous_columns:
            use_confidence = Confidence.lowest(use_confidence, Confidence.MEDIUM)
            use_note = use_note or "unqualified columns in a multi-table query"
        queries.append(
            Query(
                file=file,
                line=line,
                end_line=end_line or line + sql.count("\n"),
                language=language,
                extractor=extractor,
                kind=use.kind,
                table=use.table,
                schema=use.schema,
                columns=tuple(use.columns),
                filter_columns=tuple(use.filter_columns),
                ambiguous_columns=tuple(use.ambiguous_columns),
                columns_known=use.columns_known,
                confidence=use_confidence if use.table else Confidence.LOW,
                sql=sql,
                snippet=snippet,
                note=use_note if use.table else "table name is interpolated: unresolved",
            )
        )
    return queries


@lru_cache(maxsize=2048)
def _analysis(sql: str, dialect: str) -> tuple[tuple[TableUse, ...] | None, str]:
    """`_analyze_with_retries` once per distinct text in a process: the same SQL recurs (a
    constant rendered at each use, code generated from one template) and sqlglot's parse is the
    costly part of a string. The uses are shared between callers: read them, never change them."""
    uses, note = _analyze_with_retries(sql, dialect)
    return (tuple(uses) if uses is not None else None), note


# `{where_clause}`-style holes stand for a whole clause; `{value}` ones for an expression.
CLAUSE_HOLE = re.compile(rf"\b{HOLE}_\d+\b")
PATTERN_TABLE = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|COPY)\s+(?:ONLY\s+)?((?:\"?\w+\"?\.)?\"?\w+\"?)", re.IGNORECASE)
NOT_TABLES = {"SELECT", "STDIN", "STDOUT", "WHERE", "SET", "VALUES", "ON", "GROUP", "ORDER", "LIMIT", "AS", "LATERAL", "AND", "OR", "NOT", "NULL"}
PATTERN_KIND = {"FROM": QueryKind.SELECT_STAR, "JOIN": QueryKind.SELECT_STAR, "INTO": QueryKind.INSERT,
                "UPDATE": QueryKind.UPDATE, "COPY": QueryKind.SELECT_STAR}


SUBQUERY_FRAGMENT = re.compile(r"\s*\(\s*SELECT\b", re.IGNORECASE)


def _analyze_with_retries(sql: str, dialect: str) -> tuple[list[TableUse] | None, str]:
    """Parse; when interpolation made it unparseable, retry with holes neutralised; when even
    that fails for something that is clearly SQL, fall back to a pattern hit (never drop it)."""
    uses = analyze_sql(sql, dialect)
    if uses is not None:
        return uses, ""
    if SUBQUERY_FRAGMENT.match(sql):
        # A select-list piece given to a builder (knex's `db.raw('(SELECT COUNT(*) FROM t …) as n')`): read as
        # the expression it is; the pattern fallback called Unleash's counts `SELECT *` of the table.
        uses = analyze_sql(f"SELECT {sql}", dialect)
        if uses is not None:
            return uses, ""
    if HOLE_RE.search(sql):
        for filled in (CLAUSE_HOLE.sub("TRUE", sql), CLAUSE_HOLE.sub("", sql), _by_position(sql)):
            uses = analyze_sql(filled, dialect)
            if uses is not None:
                for use in uses:
                    use.columns_known = use.columns_known and use.kind not in (QueryKind.UPDATE, QueryKind.INSERT, QueryKind.UPSERT)
                return uses, "parsed after removing interpolated fragments; some columns may be missing"
    if looks_like_sql(sql):
        return _pattern_uses(sql), "SQL did not parse; table found by pattern, columns unknown"
    return None, ""


# What a hole after it stands for a value: an operator, an opening bracket, a comma, a keyword.
VALUE_BEFORE = re.compile(r"(?:[=<>!+\-*/%(,|&]|\b(?:IN|LIKE|ILIKE|AND|OR|WHERE|THEN|ELSE|WHEN|LIMIT|OFFSET|BY|SELECT|ON|NOT|IS|AS|INTERVAL)\b)\s*$",
                          re.IGNORECASE)


def _by_position(sql: str) -> str:
    """Each hole read from what precedes it: a value after an operator or keyword (`mv.id = ${id}`),
    else a whole clause (`${andNsfw}` on a line of its own). civitai's queries mix both: the two
    uniform fillings failed, and the pattern fallback called an explicit column list SELECT *."""
    out, last = [], 0
    for match in CLAUSE_HOLE.finditer(sql):
        out += [sql[last:match.start()], "NULL" if VALUE_BEFORE.search(sql, max(0, match.start() - 40), match.start()) else ""]
        last = match.end()
    return "".join(out) + sql[last:]


def _pattern_uses(sql: str) -> list[TableUse]:
    uses, seen = [], set()
    is_delete = bool(re.match(r"\s*DELETE\b", sql, re.IGNORECASE))
    for keyword, target in PATTERN_TABLE.findall(sql):
        name = target.replace('"', "")
        schema, _, table = name.rpartition(".")
        if HOLE_RE.fullmatch(table) or table.upper() in NOT_TABLES:
            continue
        kind = QueryKind.DELETE if is_delete and keyword.upper() == "FROM" else PATTERN_KIND[keyword.upper()]
        if (kind, table) not in seen:
            seen.add((kind, table))
            uses.append(TableUse(kind, table, schema or None, columns_known=False))
    return uses


def _table_name(table: exp.Table) -> tuple[str | None, str | None]:
    name = table.name
    if not name or HOLE_RE.fullmatch(name):
        return None, None
    return name, (table.db or None)


def _statement_uses(statement: exp.Expr) -> list[TableUse]:
    uses: list[TableUse] = []
    if isinstance(statement, exp.Insert):
        uses.append(_insert_use(statement))
    elif isinstance(statement, exp.Update):
        uses.append(_update_use(statement))
    elif isinstance(statement, exp.Delete):
        uses.append(_delete_use(statement))
    elif isinstance(statement, exp.Copy) and not isinstance(statement.this, exp.Subquery):
        uses.append(_copy_use(statement))
    uses.extend(_select_uses(statement.this if isinstance(statement, exp.Copy) else statement))
    return uses


def _select_uses(statement: exp.Expr) -> list[TableUse]:
    """Reads by every SELECT scope in the statement (including sub-queries and CTEs)."""
    uses: list[TableUse] = []
    try:
        scopes = traverse_scope(statement)
    except (SqlglotError, KeyError, AttributeError):
        return uses
    for scope in scopes:
        if isinstance(scope.expression, exp.Select):
            uses.extend(_scope_uses(scope))
    return uses


def _scope_uses(scope: Scope) -> list[TableUse]:
    sources = {alias: source for alias, (_node, source) in scope.selected_sources.items() if isinstance(source, exp.Table)}
    # `FROM generate_series(…) g`, `FROM ${schema}.add_job(…)`: sqlglot reads a function call in
    # FROM as a Table whose name is the call; it is no table (never an unresolved one), but an
    # unqualified column may still be one of its outputs.
    tables = {alias: source for alias, source in sources.items() if not isinstance(source.this, exp.Func)}
    if not tables:
        return []
    selects = scope.expression.selects
    bare_star = any(isinstance(s, exp.Star) for s in selects)
    starred = {s.table for s in selects if isinstance(s, exp.Column) and isinstance(s.this, exp.Star)}
    select_nodes = {id(n) for s in selects for n in s.walk()}
    uses = {}
    for alias, table in tables.items():
        name, schema = _table_name(table)
        star = bare_star or alias in starred
        uses[alias] = TableUse(QueryKind.SELECT_STAR if star else QueryKind.SELECT_COLUMNS, name, schema)
    single = next(iter(uses)) if len(uses) == 1 and len(sources) == 1 else None
    for column in scope.columns:
        # Columns of a nested sub-query belong to that sub-query's scope.
        if isinstance(column.this, exp.Star) or column.find_ancestor(exp.Select) is not scope.expression:
            continue
        in_select = id(column) in select_nodes
        bucket = "columns" if in_select else "filter_columns"
        owner = column.table or single
        if owner in uses:
            target = uses[owner]
            target.add(bucket if target.kind is QueryKind.SELECT_COLUMNS else "filter_columns", column.name)
        elif not column.table:
            for use in uses.values():
                use.add("ambiguous_columns", column.name)
    return list(uses.values())


def _target(table_expr: exp.Expr) -> tuple[exp.Table | None, list[str] | None]:
    """The written table and, for INSERT, the explicit column list (None when absent)."""
    if isinstance(table_expr, exp.Schema):
        columns = [i.name for i in table_expr.expressions]
        return table_expr.this if isinstance(table_expr.this, exp.Table) else None, columns
    return table_expr if isinstance(table_expr, exp.Table) else None, None


def _own_columns(node: exp.Expr | None, alias: str, name: str | None) -> list[str]:
    """Columns under `node` that belong to the target (unqualified, or qualified by it)."""
    if node is None:
        return []
    found = []
    for column in node.find_all(exp.Column):
        # Sub-query columns belong to the sub-query's own tables (handled by the scope walk).
        if isinstance(column.this, exp.Star) or column.table not in ("", alias, name):
            continue
        if _inside_subquery(column, node):
            continue
        found.append(column.name)
    return found


def _inside_subquery(column: exp.Column, root: exp.Expr) -> bool:
    parent = column.parent
    while parent is not None and parent is not root:
        if isinstance(parent, (exp.Select, exp.Subquery)):
            return True
        parent = parent.parent
    return False


def _insert_use(insert: exp.Insert) -> TableUse:
    table, columns = _target(insert.this)
    name, schema = _table_name(table) if table is not None else (None, None)
    conflict = insert.args.get("conflict")
    use = TableUse(QueryKind.UPSERT if conflict is not None else QueryKind.INSERT, name, schema)
    if columns is None:
        use.columns_known = False
    for column in columns or []:
        use.add("columns", column)
    alias = table.alias_or_name if table is not None else ""
    if conflict is not None:
        for key in conflict.args.get("conflict_keys") or []:
            use.add("filter_columns", key.name)
        for assignment in conflict.args.get("expressions") or []:
            if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                use.add("columns", assignment.this.name)
    for column in _own_columns(insert.args.get("returning"), alias, name):
        use.add("filter_columns", column)
    return use


def _update_use(update: exp.Update) -> TableUse:
    table = update.this if isinstance(update.this, exp.Table) else None
    name, schema = _table_name(table) if table is not None else (None, None)
    use = TableUse(QueryKind.UPDATE, name, schema)
    alias = table.alias_or_name if table is not None else ""
    if any(HOLE_RE.search(a.sql()) and not isinstance(a, exp.EQ) or (isinstance(a, exp.EQ) and HOLE_RE.fullmatch(a.this.name or "")) for a in update.expressions):
        use.columns_known = False  # `SET {assignments}`: which columns is decided at run time
    for assignment in update.expressions:
        if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
            use.add("columns", assignment.this.name)
            for column in _own_columns(assignment.expression, alias, name):
                use.add("filter_columns", column)
    for key in ("where", "returning"):
        for column in _own_columns(update.args.get(key), alias, name):
            use.add("filter_columns", column)
    return use


def _delete_use(delete: exp.Delete) -> TableUse:
    table = delete.this if isinstance(delete.this, exp.Table) else None
    name, schema = _table_name(table) if table is not None else (None, None)
    use = TableUse(QueryKind.DELETE, name, schema)
    alias = table.alias_or_name if table is not None else ""
    for key in ("where", "returning"):
        for column in _own_columns(delete.args.get(key), alias, name):
            use.add("filter_columns", column)
    return use


def _copy_use(copy: exp.Copy) -> TableUse:
    """COPY t (cols) FROM ... writes rows; COPY t (cols) TO ... reads them."""
    table, columns = _target(copy.this)
    name, schema = _table_name(table) if table is not None else (None, None)
    writes = bool(copy.args.get("kind"))
    if writes:
        kind = QueryKind.INSERT
    else:
        kind = QueryKind.SELECT_COLUMNS if columns else QueryKind.SELECT_STAR
    use = TableUse(kind, name, schema, columns_known=columns is not None or not writes)
    for column in columns or []:
        use.add("columns", column)
    return use


def _merge(uses: list[TableUse]) -> list[TableUse]:
    """One use per (kind, table): a statement reading a table twice is one query on it."""
    merged: dict[tuple, TableUse] = {}
    for use in uses:
        key = (use.kind, use.schema, use.table)
        if key not in merged:
            merged[key] = use
            continue
        into = merged[key]
        for bucket in ("columns", "filter_columns", "ambiguous_columns"):
            for name in getattr(use, bucket):
                into.add(bucket, name)
        into.columns_known = into.columns_known and use.columns_known
    return list(merged.values())
