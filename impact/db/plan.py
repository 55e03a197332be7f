"""How a migration will be applied: what runs in the one transaction, what must run outside it,
and which of the file's own transaction-control statements are left out (we wrap it ourselves)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from impact.model import OpKind, Statement
from impact.sql.op_specs import TRANSACTION_CONTROL as CONTROL, runs_outside_transaction
from impact.sql.parsed import ParsedMigration

# PostgreSQL refuses these inside a transaction block.
OUTSIDE_TEXT = re.compile(
    r"^\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b.*\bCONCURRENTLY|"
    r"VACUUM\b|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|CREATE\s+TABLESPACE|DROP\s+TABLESPACE|"
    r"ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class ApplyPlan:
    in_transaction: list[Statement] = field(default_factory=list)
    outside: list[Statement] = field(default_factory=list)
    left_out: list[Statement] = field(default_factory=list)  # BEGIN/COMMIT of the file itself

    @property
    def first(self) -> list[Statement]:
        """The transactional statements before the first that cannot run in a transaction: the one transaction."""
        start = min((s.index for s in self.outside), default=None)
        return [s for s in self.in_transaction if start is None or s.index < start]

    @property
    def after(self) -> list[Statement]:
        """The rest, in the file's order: the statements outside a transaction, and the transactional
        ones that follow one of them (they may need it: `ADD CONSTRAINT ... USING INDEX` of an index
        built CONCURRENTLY just before), which run after it in transactions of their own."""
        first = {s.index for s in self.first}
        return sorted([s for s in self.in_transaction if s.index not in first] + self.outside, key=lambda s: s.index)

    def describe(self) -> list[str]:
        first = self.first
        lines = [f"{len(first)} statement{'s' if len(first) != 1 else ''} in one transaction"]
        if self.outside:
            lines.append(f"{len(self.outside)} statement{'s' if len(self.outside) != 1 else ''} cannot run in a transaction and run after it, one by one: "
                         + ", ".join(f"#{s.index} (line {s.line})" for s in self.outside))
        outside = {s.index for s in self.outside}
        later = [s for s in self.after if s.index not in outside]
        if later:
            lines.append(f"{len(later)} statement{'s' if len(later) != 1 else ''} after them keep{'s' if len(later) == 1 else ''} the file's order, "
                         "in transactions of their own: " + ", ".join(f"#{s.index} (line {s.line})" for s in later))
        if self.left_out:
            lines.append(f"the file's own {', '.join(s.sql.split()[0].upper() for s in self.left_out)} left out: impact wraps the migration itself")
        return lines


def needs_own_transaction(statement: Statement, ops: list | None = None) -> bool:
    """From the operations' specs (impact/sql/op_specs.py) when the statement was parsed, so
    `REINDEX (CONCURRENTLY false)` stays in the transaction; from the text otherwise."""
    if ops and not any(op.kind is OpKind.UNKNOWN for op in ops):
        return any(runs_outside_transaction(op) for op in ops)
    return bool(OUTSIDE_TEXT.match(statement.sql))


def plan_apply(parsed: ParsedMigration) -> ApplyPlan:
    kinds: dict[int, set[OpKind]] = {}
    ops: dict[int, list] = {}
    for op in parsed.operations:
        kinds.setdefault(op.statement.index, set()).add(op.kind)
        ops.setdefault(op.statement.index, []).append(op)
    result = ApplyPlan()
    for statement in parsed.statements:
        if kinds.get(statement.index, set()) <= CONTROL and kinds.get(statement.index):
            result.left_out.append(statement)
        elif needs_own_transaction(statement, ops.get(statement.index)):
            result.outside.append(statement)
        else:
            result.in_transaction.append(statement)
    return result
