"""operations x queries x rules -> findings, and a judgement for every (operation, query) pair."""
from __future__ import annotations

import difflib
import re
from collections import defaultdict

from impact.judge.catalog import table_key
from impact.judge.context import OpContext
from impact.judge.failure_predicates import _not_null_checked_column, calls_with_wrong_arguments, duplicate_columns
from impact.judge.statement_predicates import nesting_message
from impact.judge.transactions import held_until, held_work
from impact.judge.findings import Evidence, Finding, Judged, PairJudgement
from impact.judge.locks import lock_fact
from impact.judge.predicates import OBJECT_MATCHERS, OP_PREDICATES, QUERY_MATCHERS, REFERENCE_MATCHERS
from impact.judge.reasons import unaffected_reason
from impact.judge.version_predicates import too_new
from impact.sql.identifiers import quote
from impact.judge.rules import ANY_OPERATION, Rule
from impact.model import ColumnReference, Confidence, OpKind, Query, QueryKind
from impact.op_details import ConstraintDetails, GrantDetails, IndexDetails, PolicyDetails, TableDetails
from impact.test_paths import is_test_path

STATUS_RANK = {"unaffected": 0, "review": 1, "breaks": 2}


def attach_code(contexts: list[OpContext], queries: list[Query], references: list[ColumnReference]) -> None:
    """Give every operation the code's queries on its table and the references to its column."""
    by_table: dict[str, list[Query]] = defaultdict(list)
    for query in queries:
        if query.table:
            by_table[table_key(query.table, query.schema)].append(query)
    earlier_names: dict[str, list[str]] = {}  # a table renamed earlier in this migration: the code still says its old name
    for ctx in contexts:
        keys = [ctx.table_key, *earlier_names.get(ctx.table_key, [])] if ctx.op.table else []
        ctx.queries = [q for key in keys for q in by_table.get(key, [])] if keys else ctx.queries
        names = {ctx.op.column_name, ctx.op.new_name} - {None}
        tables = {k.rsplit(".", 1)[-1] for k in keys} or {""}
        ctx.references = [r for r in references if r.column in names and (r.table is None or r.table.lower() in tables)]
        if ctx.op.kind in (OpKind.DROP_TABLE, OpKind.RENAME_TABLE):  # code naming the table's ORM model (impact.orm.model_types)
            # and, for a dropped table, the code using its columns (impact.judge.reference_predicates.names_model_of_table)
            ctx.references = [r for r in references if (r.via in ("model-type", "model-row", "table-name") or ctx.op.kind is OpKind.DROP_TABLE)
                              and r.table and r.table.lower() in tables]
        if ctx.op.kind is OpKind.RENAME_TABLE and ctx.op.new_name:
            renamed = table_key(ctx.op.new_name, ctx.op.schema)
            earlier_names[renamed] = [ctx.table_key, *earlier_names.get(ctx.table_key, [])]


def judge(contexts: list[OpContext], queries: list[Query], rules: tuple[Rule, ...]) -> Judged:
    position = {id(q): i for i, q in enumerate(queries)}
    by_kind: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        for kind in rule.on:
            by_kind[kind].append(rule)
    judged = Judged()
    said: set[tuple] = set()
    for ctx in contexts:
        pair_status: dict[int, PairJudgement] = {}
        for rule in by_kind.get(ctx.op.kind.value, []) + by_kind.get(ANY_OPERATION, []):
            finding = _apply(rule, ctx, pair_status, position)
            # One statement doing the same thing twice (ADD COLUMN a, ADD COLUMN b) is said once.
            key = (finding.rule_id, ctx.op.statement.index, finding.message, finding.evidence) if finding else None
            if finding is not None and key not in said:
                said.add(key)
                judged.findings.append(finding)
        reasons: dict = {}  # unaffected_reason reads the operation and the query's kind only: once per kind
        for query in ctx.queries:
            index = position[id(query)]
            pair = pair_status.get(index)
            if pair is None:
                reason = reasons.get(query.kind)
                if reason is None:
                    reason = reasons[query.kind] = unaffected_reason(ctx.op, query)
                pair = unaffected_pair(ctx.index, index, reason)
            judged.pairs.append(pair)
    return judged


def unaffected_pair(operation: int, query: int, reason: str) -> PairJudgement:
    """The judgement of a pair the operation leaves alone (most pairs: 7,432 on the generated 5k repo)."""
    return PairJudgement(operation, query, "unaffected", reason)


def _holds(rule: Rule, ctx: OpContext) -> bool:
    for name in rule.when:
        negate = name.startswith("not ")
        if OP_PREDICATES[name.removeprefix("not ")](ctx) == negate:
            return False
    return True


def _apply(rule: Rule, ctx: OpContext, pair_status: dict, position: dict) -> Finding | None:
    if not _holds(rule, ctx):
        return None
    matched = [q for q in ctx.queries if QUERY_MATCHERS[rule.queries](ctx, q)] if rule.queries else []
    refs = [r for r in ctx.references if REFERENCE_MATCHERS[rule.references](ctx, r)] if rule.references else []
    objects = [o for o in ctx.before.objects if OBJECT_MATCHERS[rule.objects](ctx, o)] if rule.objects else []
    if rule.needs_evidence and not matched and not refs and not objects:
        return None
    for query in matched:
        index = position[id(query)]
        current = pair_status.get(index)
        if current is None or STATUS_RANK[rule.effect] > STATUS_RANK[current.status]:
            pair_status[index] = PairJudgement(ctx.index, index, rule.effect, rule.title, rule.id)
    # The lines to edit first: a whole-row ORM query is fixed by the model (IMP109), listed after them;
    # within each, the code a deploy runs before its tests (inbox-zero listed 8 test files first).
    column = ctx.op.column_name or ""
    ordered = sorted(matched, key=lambda q: (whole_row(q, column), is_test_path(q.file)))
    # A line naming the column twice (`isKeyAction: filter.isKeyAction`) is one place: listed and counted once
    # (crowd.dev: "262 places", then "60 more places shown above" that were this item's own lines).
    # A reference on the line a matched query starts is that query's evidence already: listed once.
    places: dict[tuple[str, int], Evidence] = {(q.file, q.line): None for q in matched}
    for ref in refs:
        places.setdefault((ref.file, ref.line), _reference_evidence(ref))
    places = {at: e for at, e in places.items() if e is not None}
    named = tuple(places.values())
    evidence = tuple(_query_evidence(q, column) for q in ordered) + named
    evidence += tuple(Evidence(o.file, o.line, "database object", " ".join((o.sql or o.text).split())[:300], f"{o.kind} {o.name} names {ctx.op.column_name}")
                      for o in objects)
    return Finding(
        rule_id=rule.id, code=rule.code, severity=rule.severity,
        confidence=_confidence(rule, ctx, evidence), title=rule.title,
        message=format_message(rule.message, ctx, len(matched) + len(named) + len(objects), uses=_uses(matched, refs, ctx.op.column_name)),
        why=format_message(rule.why, ctx, 0), solution=format_message(rule.solution, ctx, 0),
        safe_sql=format_message(rule.safe_sql, ctx, 0, sql=True),
        category=rule.category, operation=ctx.op, evidence=evidence,
    )


def _confidence(rule: Rule, ctx: OpContext, evidence: tuple[Evidence, ...]) -> Confidence:
    if evidence:
        # The strongest piece of evidence proves the finding.
        return Confidence.highest(*(e.confidence for e in evidence))
    if ctx.op.statement.parser == "none":
        return Confidence.LOW
    # Rules about existing tables are less sure when no earlier migration tells us the table.
    if "existing_table" in rule.when and ctx.unreplayed_table:
        return Confidence.MEDIUM
    return Confidence.HIGH


def _query_evidence(query: Query, column: str = "") -> Evidence:
    implicit = set(query.implicit_columns) if query.all_columns else set()
    named = [c for c in query.columns if c not in implicit]  # a create's keys, not the model's other columns
    columns = ", ".join(named) if named else ("*" if query.kind.value == "select_star" else "")
    if query.all_columns and query.kind in (QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR):
        columns = "every column its model declares"  # the list itself is the model's, shown once by IMP109
    elif query.all_columns:  # a create given a variable (`bulkCreate(rows)`) has no keys to list first
        columns = "; ".join(filter(None, (columns, "the ORM names every column its model declares")))
    elif not columns and query.filter_columns and query.kind in (QueryKind.SELECT_COLUMNS, QueryKind.UPDATE, QueryKind.DELETE):
        # `Project.objects.filter(inbox_view=True).exists()` selects no column: it names its
        # columns elsewhere (WHERE, ORDER BY, GROUP BY), and an empty list hid why it breaks
        columns = "uses " + ", ".join(dict.fromkeys(query.filter_columns))
    elif columns and column and column in query.filter_columns and column not in query.columns:
        # Named only in a JOIN ON/WHERE (crowd.dev's `LEFT JOIN activities a ON (… a."isKeyAction")`): the
        # selected list alone (`activities(timestamp)`) did not say why the query breaks.
        columns += f"; uses {column}"
    detail = f"{query.kind.value} {query.table}({columns})" + (f" — {query.note}" if query.note else "")
    return Evidence(query.file, query.line, "query", query.snippet, detail, query.confidence)


def _reference_evidence(ref: ColumnReference) -> Evidence:
    if ref.via == "model-type":
        detail = f"names {ref.spelling or ref.column}, of model {ref.column} on {ref.table}"
        return Evidence(ref.file, ref.line, "reference", ref.snippet, detail, Confidence.MEDIUM)
    if ref.via == "table-name":  # impact.orm.table_names
        return Evidence(ref.file, ref.line, "reference", ref.snippet, f"names the table {ref.table} as a string", Confidence.MEDIUM)
    if ref.via == "model-row":  # impact.orm.prisma_rows
        detail = f"reads {ref.spelling}, a row of model {ref.column} on {ref.table}"
        return Evidence(ref.file, ref.line, "reference", ref.snippet, detail, Confidence.MEDIUM)
    if ref.inferred:  # the name alone says nothing of its table; the file's queries do
        detail = f"{ref.context} naming {ref.column} (this file's queries use {ref.table}.{ref.column})"
    else:
        detail = f"{ref.context} naming {f'{ref.table}.' if ref.table else ''}{ref.column}"
    detail += " (generated file)" if ref.generated else ""
    confidence = Confidence.MEDIUM if ref.table and not ref.inferred else Confidence.LOW
    return Evidence(ref.file, ref.line, "reference", ref.snippet, detail, confidence)


def _did_you_mean(ctx: OpContext) -> str:
    """The closest existing name to a missing table (or, on a known table, a missing column).

    Computed only for a message that shows it (format_message is lazy), over at most
    MAX_SUGGESTION_CANDIDATES names of a similar length: difflib over every column for every
    message made an 800-column ALTER take 30-50 s."""
    info = ctx.before.get(ctx.op.table, ctx.op.schema)
    if info is None:
        names, wanted = ctx.before.tables, table_key(ctx.op.table, ctx.op.schema)
    else:
        names, wanted = info.columns, (ctx.op.column_name or "").lower()
    if not wanted:
        return ""
    # A ratio of 0.75 needs the lengths within a factor of 0.6..1.67 of each other.
    close_length = [n for n in names if 0.6 * len(wanted) <= len(n) <= 1.67 * len(wanted) + 1][:MAX_SUGGESTION_CANDIDATES]
    close = difflib.get_close_matches(wanted, close_length, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


MAX_SUGGESTION_CANDIDATES = 200
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _old_type(ctx: OpContext) -> str:
    """The column's type before this statement, as the earlier migrations declared it."""
    info = ctx.before.get(ctx.op.table, ctx.op.schema)
    spec = info.columns.get(ctx.op.column_name or "") if info else None
    return spec.data_type if spec and spec.data_type else f"<type of {ctx.op.column_name or 'the column'}>"


def _roles(op) -> tuple[str, ...]:
    info = op.info
    return info.roles if isinstance(info, (GrantDetails, PolicyDetails)) else ()


def _columns(op) -> tuple:
    """The columns an index, constraint or CREATE TABLE names (ColumnSpecs for a table)."""
    info = op.info
    return info.columns if isinstance(info, (IndexDetails, ConstraintDetails, TableDetails)) else ()


def whole_row(query: Query, column: str) -> bool:
    """An ORM query that uses `column` only because it reads or returns every column its model declares
    (a Prisma create or update returns the whole row too, a Django create writes it): no line of it
    names the column. One rule for every ORM: what the code names is kept apart from what the ORM
    adds (Query.implicit_columns)."""
    return query.all_columns and (column in query.implicit_columns or not query.names_column(column))


def _uses(queries: list, refs: list, column: str | None = None) -> str:
    """'3 queries and 2 lines naming its model': a line naming the ORM model of a dropped table is
    not a query, so a message counting both as queries would overstate what runs SQL."""
    typed = sum(r.via == "model-type" for r in refs)
    rows = sum(r.via == "model-row" for r in refs)
    quoted = sum(r.via == "table-name" for r in refs)
    # A dropped table's columns used in code (impact.judge.reference_predicates.names_model_of_table): no query either.
    columns = [] if column else [r for r in refs if r.via not in ("model-type", "model-row", "table-name")]
    used = len({(r.file, r.line) for r in columns})  # a line naming the column twice is one line
    # Whole-row ORM queries use a column without naming it: counted apart (IMP109 says why they name it).
    wholes = [q for q in queries if whole_row(q, column)] if column else []
    whole = len(wholes)
    parts = [f"{n} quer{'y' if n == 1 else 'ies'}" for n in (len(queries) + len(refs) - typed - rows - quoted - len(columns) - whole,) if n]
    written = sum(q.kind not in (QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR) for q in wholes)  # a create, or an update returning the row
    parts += [f"{n} whole-row ORM {kind}{'' if n == 1 else 's'}" for n, kind in ((whole - written, "read"), (written, "write")) if n]
    parts += [f"{typed} line{'' if typed == 1 else 's'} naming its ORM model"] if typed else []
    parts += [f"{quoted} line{'' if quoted == 1 else 's'} naming the table"] if quoted else []
    parts += [f"{rows} line{'' if rows == 1 else 's'} using a row of it"] if rows else []
    parts += [f"{used} line{'' if used == 1 else 's'} using a column of it"] if used else []
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else (parts or ["0 queries"])[0]


def _index_table(ctx: OpContext) -> str | None:
    """The table of a dropped index (`DROP INDEX "IDX_x"` names none) as the replayed schema knows it."""
    return ctx.before.index_tables.get((ctx.op.name or "").lower()) if ctx.op.kind is OpKind.DROP_INDEX else None


def format_message(template: str, ctx: OpContext, count: int, uses: str = "", sql: bool = False) -> str:
    """The template with its placeholders filled; `sql`: names written as SQL needs them (`"User"`)."""
    if not template:
        return ""
    op = ctx.op
    wanted = set(PLACEHOLDER.findall(template))
    fact = lock_fact(op) if wanted & {"lock", "blocks", "work"} else None
    column = op.column
    values = dict(
        table=lambda: op.table or _index_table(ctx) or "?", column=lambda: op.column_name or "?", target=lambda: op.target,
        name=lambda: op.name or "(unnamed)", new_name=lambda: op.new_name or "?", count=lambda: count,
        lock=lambda: fact.lock if fact else "?", blocks=lambda: fact.blocks if fact else "?",
        work=lambda: fact.work if fact else "?", default=lambda: (column.default if column else None) or "?",
        type=lambda: (column.data_type if column else None) or op.new_name or "?",
        old_type=lambda: _old_type(ctx), replaced_type=lambda: (ctx.replaced_types or ("?", "?"))[0],
        replacing_type=lambda: (ctx.replaced_types or ("?", "?"))[1],
        roles=lambda: ", ".join(_roles(op)) or "?",
        privileges=lambda: ", ".join(grant.privileges if (grant := op.of(GrantDetails)) else ()) or "?",
        columns=lambda: ", ".join(_column_names(op, quote if sql else str)) or "?",
        plural=lambda: "y" if count == 1 else "ies", s=lambda: "" if count == 1 else "s", verb_s=lambda: "s" if count == 1 else "", uses=lambda: uses or f"{count} quer{'y' if count == 1 else 'ies'}",
        pg_version=lambda: ctx.pg_version or "?", did_you_mean=lambda: _did_you_mean(ctx),
        orm_reads=lambda: sum(q.all_columns for q in ctx.queries),
        orm_reads_found=lambda: f"{n} found" if (n := sum(q.all_columns for q in ctx.queries)) else "none found",
        features=lambda: "; ".join(f"{f.name} (PostgreSQL {f.since}+)" for f in too_new(ctx)) or "?",
        statement=lambda: op.statement.index, reason=lambda: _unread_reason(op), held_until=lambda: held_until(ctx), nesting=lambda: nesting_message(ctx), held_lock=lambda: "; ".join(w.describe() for w in held_work(ctx)) or "?", bad_calls=lambda: "; ".join(calls_with_wrong_arguments(ctx)) or "?",
        duplicates=lambda: ", ".join(duplicate_columns(op.statement.sql)) or "?",
        column_checked=lambda: _not_null_checked_column(constraint.expression if (constraint := op.of(ConstraintDetails)) else None) or "?",
    )
    # Only `{name}` of a known placeholder is replaced: rule texts quote code with braces in it.
    # Each value is computed only if the template shows it (some, like did_you_mean, are not cheap).
    def fill(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            return m.group(0)
        value = str(values[key]())
        return quote(value) if sql and key in SQL_NAMES and value not in ("?", "(unnamed)") and _stands_alone(template, m) else value

    return PLACEHOLDER.sub(fill, template).strip()


# Placeholders that are one SQL identifier: quoted in SQL where they stand alone (`"User"`), left as
# written inside a name built from them (`{table}_{column}_not_null`) or a string literal.
SQL_NAMES = frozenset({"table", "column", "name", "new_name"})


def _stands_alone(template: str, m: re.Match) -> bool:
    before = template[m.start() - 1] if m.start() else " "
    after = template[m.end()] if m.end() < len(template) else " "
    return not (before.isalnum() or before in "_\"'$") and not (after.isalnum() or after in "_\"'$")


def _unread_reason(op) -> str:
    if op.kind is OpKind.DO_BLOCK:  # an SQL DO block, or a framework's code step (Django's RunPython(f))
        return f"{op.name}: code the migration runs, not read statically" if op.name else "a DO block: its procedural body is not run"
    first = (op.statement.error or "").strip().splitlines()[:1]
    return first[0][:160] if first else "neither SQL parser could read it"


def _column_names(op, written) -> list[str]:
    return [written(c if isinstance(c, str) else c.name) for c in _columns(op)]
