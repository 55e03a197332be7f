"""One home per operation kind: the lock PostgreSQL takes on its table, the work done under it,
whether data is lost, whether it changes row-level security, how it is undone, and whether it
may run inside a transaction block.

impact/judge/locks.py (lock facts), impact/judge/assess.py (data-loss and RLS dimensions),
impact/judge/rollback_plan.py (irreversible steps), impact/judge/transactions.py (the lock
timeline) and impact/db/plan.py (the apply plan) all read this table instead of keeping their own.
Refinements that depend on an operation's options (CONCURRENTLY, NOT VALID, a volatile default)
stay in locks.lock_fact. Sources: PostgreSQL docs (ALTER TABLE, 13.3 Explicit Locking), policy.c,
/work/shared/reference/peers-and-postgres-locks.md §9; checked against a real server by
tests/test_trace_agreement.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.model import Operation, OpKind
from impact.op_details import DropObjectDetails, IndexDetails, ReindexDetails, StatementDetails

AE, SUE, SHARE, SRE, RE = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "ROW EXCLUSIVE"
UNDO = ("inverse", "irreversible", "definition", "none", "by hand")


@dataclass(frozen=True)
class OpSpec:
    lock: str | None = None  # on the operation's table; None: no table lock worth judging
    work: str = "catalog only"  # "catalog only" | "table scan" | "table rewrite" | "index build"
    blocks: str | None = None  # what the lock blocks, when the mode alone says it badly
    data_loss: bool = False  # rows or values are deleted
    rls: bool = False  # changes which rows queries see under row-level security
    undo: str = "inverse"  # see UNDO: generated SQL undoes it; data cannot come back; re-create; nothing; by hand


SPECS: dict[OpKind, OpSpec] = {
    OpKind.CREATE_TABLE: OpSpec(undo="inverse"),
    OpKind.ADD_COLUMN: OpSpec(AE),
    OpKind.DROP_COLUMN: OpSpec(AE, data_loss=True, undo="irreversible"),
    OpKind.RENAME_COLUMN: OpSpec(AE),
    OpKind.RENAME_TABLE: OpSpec(AE),
    OpKind.DROP_TABLE: OpSpec(AE, data_loss=True, undo="irreversible"),
    OpKind.TRUNCATE: OpSpec(AE, data_loss=True, undo="irreversible"),
    OpKind.ALTER_COLUMN_TYPE: OpSpec(AE, "table rewrite"),
    OpKind.SET_NOT_NULL: OpSpec(AE, "table scan"),
    OpKind.DROP_NOT_NULL: OpSpec(AE),
    OpKind.SET_DEFAULT: OpSpec(AE),
    OpKind.DROP_DEFAULT: OpSpec(AE),
    OpKind.ADD_CONSTRAINT: OpSpec(AE, "table scan"),  # refined by type and NOT VALID in locks.lock_fact
    OpKind.DROP_CONSTRAINT: OpSpec(AE, undo="definition"),  # ALTER TABLE's default lock (a foreign key's: its referenced table too)
    OpKind.VALIDATE_CONSTRAINT: OpSpec(SUE, "table scan", undo="none"),
    OpKind.CREATE_INDEX: OpSpec(SHARE, "index build"),
    OpKind.DROP_INDEX: OpSpec(AE, undo="definition"),
    # The table gets SHARE; each index rebuilt gets ACCESS EXCLUSIVE (reads that use it wait).
    OpKind.REINDEX: OpSpec(SHARE + " (on the table; ACCESS EXCLUSIVE on each index rebuilt)", "index build", "writes, and reads that use the index", undo="none"),
    OpKind.ENABLE_RLS: OpSpec(AE, rls=True),
    OpKind.DISABLE_RLS: OpSpec(AE, rls=True),
    OpKind.FORCE_RLS: OpSpec(AE, rls=True, undo="by hand"),
    OpKind.NO_FORCE_RLS: OpSpec(AE, rls=True, undo="by hand"),
    OpKind.CREATE_POLICY: OpSpec(AE, rls=True),
    OpKind.ALTER_POLICY: OpSpec(AE, rls=True, undo="definition"),
    OpKind.DROP_POLICY: OpSpec(AE, rls=True, undo="definition"),
    OpKind.GRANT: OpSpec(),
    OpKind.REVOKE: OpSpec(rls=True),
    OpKind.CREATE_TRIGGER: OpSpec(SRE, undo="by hand"),
    OpKind.VACUUM_FULL: OpSpec(AE, "table rewrite", undo="none"),
    OpKind.CLUSTER: OpSpec(AE, "table rewrite", undo="none"),
    OpKind.REFRESH_MATERIALIZED_VIEW: OpSpec(AE, "table rewrite", undo="none"),
    OpKind.ATTACH_PARTITION: OpSpec(SUE + " (parent, PG12+)", "table scan", "nothing", undo="by hand"),
    OpKind.DETACH_PARTITION: OpSpec(AE, undo="by hand"),
    OpKind.INSERT_ROWS: OpSpec(undo="irreversible"),
    OpKind.UPDATE_ROWS: OpSpec(RE, "table scan", "writes to the same rows", undo="irreversible"),
    OpKind.DELETE_ROWS: OpSpec(RE, "table scan", "writes to the same rows", data_loss=True, undo="irreversible"),
    OpKind.COMMENT: OpSpec(),
    OpKind.SET_SETTING: OpSpec(undo="none"),
    OpKind.BEGIN: OpSpec(undo="none"),
    OpKind.COMMIT: OpSpec(undo="none"),
    OpKind.ROLLBACK: OpSpec(undo="none"),
    OpKind.DROP_VIEW: OpSpec(undo="definition"),
}
DEFAULT = OpSpec(undo="by hand")
TRANSACTION_CONTROL = frozenset({OpKind.BEGIN, OpKind.COMMIT, OpKind.ROLLBACK})


def spec(kind: OpKind) -> OpSpec:
    return SPECS.get(kind, DEFAULT)


def loses_data(kind: OpKind) -> bool:
    return spec(kind).data_loss


def kinds_where(**wanted) -> frozenset[OpKind]:
    """The kinds whose spec has every given field value, e.g. kinds_where(data_loss=True)."""
    return frozenset(k for k, s in SPECS.items() if all(getattr(s, f) == v for f, v in wanted.items()))


def runs_outside_transaction(op: Operation) -> bool:
    """PostgreSQL refuses the statement inside a transaction block (it runs on its own)."""
    info = op.info
    if isinstance(info, (IndexDetails, ReindexDetails)) or (op.kind is OpKind.DROP_INDEX and isinstance(info, DropObjectDetails)):
        if info.concurrently:
            return True
    if isinstance(info, (ReindexDetails, StatementDetails)) and info.outside_transaction:
        return True
    if op.kind is OpKind.DETACH_PARTITION and "CONCURRENTLY" in op.statement.sql.upper():
        return True
    statement = op.of(StatementDetails)
    if op.kind is OpKind.VACUUM_FULL or (op.kind is OpKind.OTHER and statement is not None and statement.statement == "VACUUM"):
        return True
    return statement is not None and statement.statement_kind in ("VacuumStmt", "CreatedbStmt", "DropdbStmt", "AlterSystemStmt",
                                                                  "CreateTableSpaceStmt", "DropTableSpaceStmt")
