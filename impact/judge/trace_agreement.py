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
from impact.judge.predicates import binary_coercible
from impact.judge.transactions import MODES, lock_mode

# Rules whose finding means "this statement fails when it runs".
FAILS = {"unknown-column", "unknown-table-or-column", "ban-duplicate-column-assignments", "function-does-not-exist"}
FAILS_WITH_ROWS = {"adding-required-field", "check-rejects-all-null-column"}


@dataclass(frozen=True)
class Expected:
    locks: dict  # table -> mode
    rewrite: set
    fails: bool


@dataclass(frozen=True)
class Disagreement:
    statement: int
    what: str  # "lock" | "rewrite" | "fails"
    static: str
    server: str

    def describe(self) -> str:
        return f"statement {self.statement}: {self.what} — static model says {self.static}, the server did {self.server} (trust the server)"


def expected(contexts: list[OpContext], findings, rows: int = 0) -> dict[int, Expected]:
    by_statement: dict[int, Expected] = {}
    failing = FAILS | (FAILS_WITH_ROWS if rows else set())
    fails = {f.operation.statement.index for f in findings if f.rule_id in failing}
    for ctx in contexts:
        index = ctx.op.statement.index
        entry = by_statement.setdefault(index, Expected({}, set(), index in fails))
        fact = lock_fact(ctx.op)
        if fact is None or not ctx.op.table or not ctx.existing_table:
            continue
        mode = lock_mode(fact.lock)
        if mode not in MODES:
            continue
        table = ctx.op.table
        if table not in entry.locks or MODES.index(mode) > MODES.index(entry.locks[table]):
            entry.locks[table] = mode
        if fact.work == "table rewrite" and not binary_coercible(ctx):
            entry.rewrite.add(table)
    return by_statement


def compare(contexts: list[OpContext], findings, trace) -> list[Disagreement]:
    model = expected(contexts, findings, trace.rows)
    out = []
    for traced in trace.statements:
        if not traced.ran:
            continue
        want = model.get(traced.index, Expected({}, set(), False))
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
        rewritten = set(traced.rewritten) & {t for t in traced.locks} | set(traced.rewritten)
        for table in sorted(want.rewrite ^ rewritten):
            if table not in want.locks and table not in want.rewrite:
                continue  # a table the model does not name (created here, or another table)
            out.append(Disagreement(traced.index, f"rewrite of {table}", "a rewrite" if table in want.rewrite else "no rewrite",
                                    "rewrite it" if table in rewritten else "not rewrite it"))
    return out
