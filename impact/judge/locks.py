"""What lock each operation takes on its table, what that lock blocks, and whether it rewrites.

Sources: PostgreSQL docs (ALTER TABLE, explicit locking), policy.c, the ADD FOREIGN KEY lock
patch (9.5), and the peers' tables (see ../shared/reference/peers-and-postgres-locks.md §9).
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.model import Operation, OpKind
from impact.op_details import AlterAction, ConstraintDetails, DropObjectDetails, IndexDetails, ReindexDetails, StatementDetails, TypeChange
from impact.sql.op_specs import SPECS
from impact.sql.statement_kinds import LOCK_BLOCKS


@dataclass(frozen=True)
class LockFact:
    lock: str
    blocks: str  # "reads and writes" | "writes" | "nothing" (other DDL only)
    work: str = "catalog only"  # "catalog only" | "table scan" | "table rewrite" | "index build"

    @property
    def long_running(self) -> bool:
        return self.work != "catalog only"


AE = "ACCESS EXCLUSIVE"
BRIEF_AE = LockFact(AE, "reads and writes")
# Read from the one table of operation specs (impact/sql/op_specs.py).
FACTS: dict[OpKind, LockFact] = {
    kind: LockFact(s.lock, s.blocks or LOCK_BLOCKS.get(s.lock.split(" (")[0], "reads and writes"), s.work)
    for kind, s in SPECS.items() if s.lock and kind is not OpKind.ADD_CONSTRAINT
}


def lock_fact(op: Operation) -> LockFact | None:
    """The lock `op` takes, refined by its options (CONCURRENTLY, NOT VALID, volatile default, ...)."""
    info = op.info
    if isinstance(info, IndexDetails) and info.concurrently:
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing", "index build")
    if op.kind is OpKind.DROP_INDEX:
        concurrently = isinstance(info, DropObjectDetails) and info.concurrently
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing") if concurrently else BRIEF_AE
    if isinstance(info, ReindexDetails) and info.concurrently:
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing", "index build")
    if op.kind is OpKind.ADD_COLUMN and op.column and (op.column.default_volatile or (op.column.generated and not _virtual(op))):
        return LockFact(AE, "reads and writes", "table rewrite")
    if op.kind is OpKind.ADD_CONSTRAINT:
        return _constraint_lock(op.of(ConstraintDetails))
    if isinstance(info, TypeChange) and info.binary_coercible:
        return BRIEF_AE
    if isinstance(info, AlterAction) and info.rewrite:
        return LockFact(AE, "reads and writes", "table rewrite")
    if op.kind is OpKind.OTHER and isinstance(info, StatementDetails) and info.lock:  # impact/sql/statement_kinds.py: LOCK, MERGE, COPY, ...
        return LockFact(info.lock, info.blocks or "reads and writes", info.work or "catalog only")
    return FACTS.get(op.kind)


def _virtual(op: Operation) -> bool:
    """A PostgreSQL 18 VIRTUAL generated column (the default when STORED is not said) stores
    nothing: no rewrite. Identity and serial columns are filled per row."""
    sql = op.statement.sql.upper()
    if "VIRTUAL" in sql.split():
        return True
    return "GENERATED ALWAYS AS (" in " ".join(sql.split()).replace("AS(", "AS (") and "STORED" not in sql


def _constraint_lock(details: ConstraintDetails | None) -> LockFact:
    if details is None:  # never made by the parsers: assume the worst ordinary case
        return LockFact(AE, "reads and writes", "table scan")
    ctype = details.type
    if details.not_valid:
        lock = "SHARE ROW EXCLUSIVE" if ctype == "foreign_key" else AE
        return LockFact(lock, "writes" if ctype == "foreign_key" else "reads and writes")
    if ctype == "foreign_key":
        return LockFact("SHARE ROW EXCLUSIVE (both tables)", "writes", "table scan")
    if ctype in ("unique", "primary_key", "exclude"):
        work = "catalog only" if details.using_index else "index build"
        return LockFact(AE, "reads and writes", work)
    return LockFact(AE, "reads and writes", "table scan")
