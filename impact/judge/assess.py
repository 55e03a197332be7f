"""Findings -> verdict, confidence, and the seed's risk table (breaking changes, backward
compatibility, data loss, RLS impact, lock risk) plus the query-pattern table."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from impact.judge.context import OpContext
from impact.judge.findings import Finding, PairJudgement
from impact.judge.locks import lock_fact
from impact.judge.transactions import held_work
from impact.judge.reasons import SHAPE_CHANGES, added_columns_reason
from impact.sql.op_specs import kinds_where
from impact.model import Confidence, OpKind, Query, QueryKind
from impact.op_details import DataChange

VERDICTS = ("safe", "caution", "breaking")
PATTERN_LABELS = {
    QueryKind.SELECT_COLUMNS: "SELECT with specific columns",
    QueryKind.SELECT_STAR: "SELECT *",
    QueryKind.INSERT: "INSERT",
    QueryKind.UPDATE: "UPDATE",
    QueryKind.UPSERT: "UPSERT",
    QueryKind.DELETE: "DELETE",
}
DATA_LOSS = kinds_where(data_loss=True)  # impact/sql/op_specs.py
RLS_KINDS = kinds_where(rls=True)


@dataclass
class Dimension:
    status: str  # "none" | "review" | "risk"
    summary: str
    items: list[str] = field(default_factory=list)


@dataclass
class Pattern:
    kind: QueryKind
    label: str
    count: int
    status: str  # worst pair status over these queries
    reason: str


@dataclass
class Assessment:
    verdict: str
    confidence: Confidence
    confidence_reasons: list[str]
    dimensions: dict[str, Dimension]
    patterns: list[Pattern]


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def verdict_of(findings: list[Finding]) -> str:
    levels = {f.severity for f in findings}
    return "breaking" if "breaking" in levels else "caution" if "caution" in levels else "safe"


def confidence_of(verdict: str, findings: list[Finding], unknown: int, unresolved: int, file_issues: int, schema_known: bool) -> tuple[Confidence, list[str]]:
    reasons: list[str] = []
    deciding = [f for f in findings if f.severity == verdict]
    level = Confidence.highest(*(f.confidence for f in deciding)) if deciding else Confidence.HIGH
    if deciding and level is not Confidence.HIGH:
        reasons.append(f"the strongest evidence for '{verdict}' is {level.value}-confidence")
    if unknown:
        level = Confidence.LOW
        reasons.append(f"{_n(unknown, 'migration statement')} could not be understood")
    if verdict != "breaking":
        # A clean result is only as good as what we could see.
        if unresolved:
            level = Confidence.lowest(level, Confidence.MEDIUM)
            reasons.append(f"{_n(unresolved, 'query', 'queries')} {'names its' if unresolved == 1 else 'name their'} table through a variable")
        if file_issues:
            level = Confidence.lowest(level, Confidence.MEDIUM)
            reasons.append(f"{_n(file_issues, 'file')} could not be parsed")
        if not schema_known:
            level = Confidence.lowest(level, Confidence.MEDIUM)
            reasons.append("no earlier migrations: the schema before this migration is unknown")
    return level, reasons


def assess(contexts: list[OpContext], findings: list[Finding], pairs: list[PairJudgement], queries: list[Query],
           unknown: int, unresolved: int, file_issues: int) -> Assessment:
    verdict = verdict_of(findings)
    schema_known = not contexts or contexts[0].base.known  # nothing to judge needs no schema
    confidence, reasons = confidence_of(verdict, findings, unknown, unresolved, file_issues, schema_known)
    mapped, changed = _made_outside(contexts)
    if mapped:
        confidence = Confidence.lowest(confidence, Confidence.MEDIUM)
        reasons.append(f"{', '.join(mapped)} {'is' if len(mapped) == 1 else 'are'} mapped by the code's ORM models but created by no "
                       "earlier migration (made outside them: create_all, a dump): the columns before this migration are not known "
                       "(pass the base schema with --schema FILE)")
    if changed:
        confidence = Confidence.lowest(confidence, Confidence.MEDIUM)
        reasons.append(f"{', '.join(changed)} {'is' if len(changed) == 1 else 'are'} changed by earlier migrations but created by none "
                       "of them (made outside them: a base schema file, a dump): the columns before this migration are not known "
                       "(pass the base schema with --schema FILE)")
    dimensions = {
        "breaking_changes": _breaking(findings),
        "backward_compatibility": _compatibility(findings, pairs),
        "data_loss": _data_loss(contexts),
        "rls_impact": _rls(contexts, findings),
        "lock_risk": _locks(contexts),
    }
    if unknown:  # "none" is only as good as what was read: a statement not understood could be any of them
        dimensions = {key: _unread(d, unknown) if d.status == "none" else d for key, d in dimensions.items()}
    return Assessment(verdict, confidence, reasons, dimensions, patterns(contexts, pairs, queries))


def _made_outside(contexts: list[OpContext]) -> tuple[list[str], list[str]]:
    """The tables this migration changes that exist though no earlier migration made them: those the
    code's ORM maps, and (the others) those earlier migrations changed."""
    from impact.judge.predicates import changed_before, mapped_by_orm

    unknown = [c for c in contexts if c.op.table and c.base.known and c.unreplayed_table]
    mapped = {c.op.table for c in unknown if mapped_by_orm(c)}
    return sorted(mapped), sorted({c.op.table for c in unknown if c.op.table not in mapped and changed_before(c)})


def _unread(dimension: Dimension, unknown: int) -> Dimension:
    return Dimension("review", f"not known: {_n(unknown, 'statement')} not understood; none found in the rest", dimension.items)


def _breaking(findings: list[Finding]) -> Dimension:
    items = [f"{f.code} {f.message}" for f in findings if f.severity == "breaking"]
    return Dimension("risk" if items else "none", _n(len(items), "breaking change") if items else "none found", items)


def _compatibility(findings: list[Finding], pairs: list[PairJudgement]) -> Dimension:
    # Queries, not (operation, query) pairs: rallly's drop of two columns said "44 queries break" in the
    # headline and "85 existing queries fail" here. A query that breaks is not also one to review.
    breaking = {p.query for p in pairs if p.status == "breaks"}
    breaks = len(breaking)
    review = len({p.query for p in pairs if p.status == "review"} - breaking)
    compat = [f.message for f in findings if f.category == "compatibility"]
    if breaks:
        return Dimension("risk", f"broken: {_n(breaks, 'existing query', 'existing queries')} fail{'s' if breaks == 1 else ''} after the migration", compat)
    # No query found, but a model still maps the column (IMP109): every whole-row read of it fails
    # (medusa's services reach their entities through calls impact cannot read: "maintained" beside it
    # contradicted the finding).
    declared = [f.message for f in findings if f.rule_id == "orm-model-declares-changed-column"]
    if declared:
        return Dimension("risk", f"broken: {_n(len(declared), 'ORM model declaration')} of a dropped or renamed column: "
                                 "the model's whole-row queries fail, none found in the code", declared)
    if review:
        return Dimension("review", f"maintained for queries found; {review} need review", compat)
    if compat:  # no query to review, but a change a reader must handle (a column that may now be NULL)
        codes = sorted({f.code for f in findings if f.category == "compatibility"})
        return Dimension("review", f"maintained for queries found; {_n(len(compat), 'schema change')} to check ({', '.join(codes)})", compat)
    return Dimension("none", "maintained: existing queries work unchanged", [])


def _has_where(op) -> bool:
    change = op.of(DataChange)
    return change is not None and change.has_where


def _data_loss(contexts: list[OpContext]) -> Dimension:
    items = [f"{c.op.kind.value} {c.op.target} (statement {c.op.statement.index}, line {c.op.statement.line})"
             for c in contexts if c.op.kind in DATA_LOSS and (c.op.kind is not OpKind.DELETE_ROWS or not _has_where(c.op)) and c.existing_table]
    narrowing = [f"alter_column_type {c.op.target} -> {c.op.new_name} (values may not survive the cast)"
                 for c in contexts if c.op.kind is OpKind.ALTER_COLUMN_TYPE]
    items += narrowing
    # An UPDATE keeps its rows but not the values it overwrites (wiki.js 2.5.128 lower-cases every
    # e-mail): not a loss of rows, but nothing in the migration can bring the old values back.
    rewritten = [f"update_rows {c.op.target} (statement {c.op.statement.index}, line {c.op.statement.line}): "
                 "the values it overwrites are not kept" for c in contexts
                 if c.op.kind is OpKind.UPDATE_ROWS and c.existing_table and not c.backfills_new_columns]
    if items:
        return Dimension("risk", "data is deleted or may not survive", items + rewritten)
    if rewritten:
        return Dimension("review", f"rows kept, values rewritten: {_n(len(rewritten), 'UPDATE')} overwrite{'s' if len(rewritten) == 1 else ''} "
                         "values the migration does not keep", rewritten)
    return Dimension("none", "none: no data is deleted or rewritten", [])


def _rls(contexts: list[OpContext], findings: list[Finding]) -> Dimension:
    items = [f"{c.op.kind.value} {c.op.target}" + (f" ({c.op.name})" if c.op.name else "") for c in contexts if c.op.kind in RLS_KINDS]
    if not items:
        return Dimension("none", "none: no RLS or policy change", [])
    breaking = any(f.category == "rls" and f.severity == "breaking" for f in findings)
    return Dimension("risk" if breaking else "review", "policies or RLS change for tables the code queries" if breaking else "RLS/policies change", items)


def _locks(contexts: list[OpContext]) -> Dimension:
    """In the lock timeline's terms: the lock, from which statement until the transaction ends,
    and the costly work done while it is held (impact/judge/transactions.py)."""
    items, safe, created = [], [], {}
    for ctx in contexts:
        fact = lock_fact(ctx.op)
        if fact is None or not ctx.op.table:
            continue
        if not ctx.existing_table:
            if fact.long_running and fact.blocks != "nothing":  # where squawk warns, say why we do not
                created.setdefault(ctx.op.table, []).append((ctx.op.statement.index, fact.work))
            continue
        if ctx.op.kind is OpKind.ADD_COLUMN and ctx.op.column and ctx.op.column.references and ctx.op.column.default is None:
            safe.append(f"statement {ctx.op.statement.index} (ADD COLUMN … REFERENCES on `{ctx.op.table}`): no validation scan, every value of the new column is NULL")
        under = held_work(ctx)  # done under an earlier statement's stronger lock: that lock is what blocks
        if under:
            items += [w.describe() for w in under if w.describe() not in items]
        elif fact.long_running and fact.blocks != "nothing":
            article = "an" if fact.work[0] in "aeiou" else "a"
            end = getattr(ctx.transaction, "end", "its transaction ends")
            items.append(f"{fact.lock} on `{ctx.op.table}` from statement {ctx.op.statement.index} (line {ctx.op.statement.line}) until {end}; "
                         f"{article} {fact.work} while it is held: {fact.blocks} wait")
    safe = [f"{_statements(done)} on `{table}`): the table is created in this migration, empty and invisible to other sessions"
            for table, done in created.items()] + safe
    assumed = _wrapping_note(contexts) + ("; not a risk: " + "; ".join(safe[:3]) if safe else "")
    if items:
        return Dimension("risk", f"{_n(len(items), 'statement')} hold{'s' if len(items) == 1 else ''} a blocking lock for more than an instant{assumed}", items)
    return Dimension("none", f"only brief locks{assumed}", [])


def _statements(done: list[tuple[int, str]]) -> str:
    """`statement 3 (index build` or `statements 13, 14, 28 (index build, table scan`: one clause per table."""
    works = ", ".join(dict.fromkeys(work for _, work in done))
    numbers = _ranges([n for n, _ in done])
    return f"statement{'s' if len(done) > 1 else ''} {numbers} ({works}"


def _ranges(numbers: list[int]) -> str:
    """3, 4, 5, 9 -> `3–5, 9` (paperless-ngx 0019 builds 15 indexes on the table it creates)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def _wrapping_note(contexts: list[OpContext]) -> str:
    """Which transactions the lock timeline assumed (config `transaction_wrapping`)."""
    kinds = {getattr(c.transaction, "kind", None) for c in contexts}
    if "runner" in kinds:
        return " (timeline assumes the runner runs the file in one transaction: transaction_wrapping = \"file\", the default)"
    if "autocommit" in kinds:
        return " (timeline assumes each statement commits on its own: transaction_wrapping = \"statement\")"
    return ""


def patterns(contexts: list[OpContext], pairs: list[PairJudgement], queries: list[Query]) -> list[Pattern]:
    """The seed's query-pattern table: one row per query kind, its worst judgement and why."""
    rank = {"unaffected": 0, "review": 1, "breaks": 2}
    grouped: dict[QueryKind, list[PairJudgement]] = defaultdict(list)
    for pair in pairs:
        grouped[queries[pair.query].kind].append(pair)
    rows = []
    for kind, label in PATTERN_LABELS.items():
        kind_pairs = grouped.get(kind, [])
        if not kind_pairs:
            continue
        worst = max(kind_pairs, key=lambda p: (rank[p.status], contexts[p.operation].op.kind in SHAPE_CHANGES))
        shaped = [p for p in kind_pairs if p.status == worst.status and contexts[p.operation].op.kind in SHAPE_CHANGES] or [worst]
        reason = Counter(p.reason for p in shaped).most_common(1)[0][0]
        added = [contexts[p.operation].op.column for p in shaped if contexts[p.operation].op.kind is OpKind.ADD_COLUMN]
        if worst.status == "unaffected" and added and len(added) == len(shaped):
            reason = added_columns_reason(kind, list({c.name: c for c in added}.values()))
        rows.append(Pattern(kind, label, len({p.query for p in kind_pairs}), worst.status, reason))
    return rows
