"""The static lock model beside what a traced server did (impact/db/trace.py), statement by
statement: the lock on each table the model names, rewrite yes/no, fails yes/no. Where they
disagree the server is right; the report says so.

Only tables that existed before the migration are compared (a table this transaction created
is invisible to everyone else), and a statement that takes no new lock because an earlier one
of the transaction already holds an equal or stronger lock agrees.
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.judge.context import OpContext
from impact.judge.locks import lock_fact
from impact.judge.transactions import MODES, lock_mode, locks_taken
from impact.model import OpKind
from impact.op_details import DropDetails

# Rules whose finding means "this statement fails when it runs".
FAILS = {"unknown-column", "unknown-table-or-column", "ban-duplicate-column-assignments", "function-does-not-exist",
         "retyped-column-used-by-view", "type-takes-no-length"}  # "cannot alter type of a column used by a view or rule"
FAILS_WITH_ROWS = {"adding-required-field", "check-rejects-all-null-column"}


@dataclass(frozen=True)
class Expected:
    locks: dict  # table -> mode
    rewrite: set
    fails: bool
    truncated: set


@dataclass(frozen=True)
class Disagreement:
    statement: int
    what: str  # "lock" | "rewrite" | "fails"
    static: str
    server: str

    def describe(self) -> str:
        return f"statement {self.statement}: {self.what} — static model says {self.static}, the server did {self.server} (trust the server)"


def _cascade(op) -> bool:
    drop = op.of(DropDetails)
    return drop is not None and drop.cascade


def _drop_blocked_by_view(finding) -> bool:
    """DROP COLUMN without CASCADE fails when a view depends on the column (an index on it is
    dropped with it, a function body is not checked)."""
    return (finding.rule_id == "dropped-column-used-by-database-object" and not _cascade(finding.operation)
            and any(e.detail.startswith("view ") for e in finding.evidence))


def expected(contexts: list[OpContext], findings, rows: int = 0) -> dict[int, Expected]:
    by_statement: dict[int, Expected] = {}
    failing = FAILS | (FAILS_WITH_ROWS if rows else set())
    fails = {f.operation.statement.index for f in findings if f.rule_id in failing or _drop_blocked_by_view(f)}
    for ctx in contexts:
        index = ctx.op.statement.index
        # A statement no parser reads is a syntax error to PostgreSQL too: it certainly fails.
        syntax_error = ctx.op.kind is OpKind.UNKNOWN and ctx.op.statement.error.startswith("PostgreSQL syntax error")
        entry = by_statement.setdefault(index, Expected({}, set(), index in fails or syntax_error, set()))
        if ctx.op.kind is OpKind.TRUNCATE and ctx.op.table:
            entry.truncated.add(ctx.op.table.lower())
        fact = lock_fact(ctx.op)
        if fact is None or not ctx.op.table or not ctx.replayed_existing:
            continue
        mode = lock_mode(fact.lock)
        if mode not in MODES:
            continue
        for table, table_mode in locks_taken(ctx, mode):  # a foreign key locks the referenced table too
            if table not in entry.locks or MODES.index(table_mode) > MODES.index(entry.locks[table]):
                entry.locks[table] = table_mode
        if fact.work == "table rewrite":
            entry.rewrite.add(ctx.op.table.lower())
    return by_statement


def compare(contexts: list[OpContext], findings, trace) -> list[Disagreement]:
    model = expected(contexts, findings, trace.rows)
    out = []
    for traced in trace.statements:
        if not traced.ran:
            continue
        traced = _folded(traced)
        want = model.get(traced.index, Expected({}, set(), False, set()))
        if want.fails != traced.failed:
            out.append(Disagreement(traced.index, "fails", "it fails" if want.fails else "it runs",
                                    f"fail: {traced.error}" if traced.failed else "run it"))
        if traced.failed:
            continue
        for table, mode in want.locks.items():
            got = traced.locks.get(table)
            before = traced.held_before.get(table)
            if got == mode or (got is None and before and MODES.index(before) >= MODES.index(mode)):
                continue
            out.append(Disagreement(traced.index, f"lock on {table}", mode, got or "take no new lock"))
        # TRUNCATE gives the table new, empty storage: a new relfilenode, but no rows are copied.
        rewritten = set(traced.rewritten) - want.truncated
        for table in sorted(want.rewrite ^ rewritten):
            if table not in want.locks and table not in want.rewrite:
                continue  # a table the model does not name (created here, or another table)
            out.append(Disagreement(traced.index, f"rewrite of {table}", "a rewrite" if table in want.rewrite else "no rewrite",
                                    "rewrite it" if table in rewritten else "not rewrite it"))
    return out


def _folded(traced):
    """The server names tables as stored (`Sessions`); the model as impact.judge.catalog.table_key
    does (`sessions`): compared in one case, a Prisma or Sequelize table's lock is not 'missing'."""
    from dataclasses import replace

    return replace(traced, locks={t.lower(): m for t, m in traced.locks.items()},
                   held_before={t.lower(): m for t, m in traced.held_before.items()},
                   rewritten=sorted(t.lower() for t in traced.rewritten))
