"""What lock each operation takes on its table, what that lock blocks, and whether it rewrites.

Sources: PostgreSQL docs (ALTER TABLE, explicit locking), policy.c, the ADD FOREIGN KEY lock
patch (9.5), and the peers' tables (see ../shared/reference/peers-and-postgres-locks.md §9).
"""
from __future__ import annotations

from dataclasses import dataclass

from impact.model import Operation, OpKind
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
    details = op.details
    if op.kind is OpKind.CREATE_INDEX and details.get("concurrently"):
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing", "index build")
    if op.kind is OpKind.DROP_INDEX:
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing") if details.get("concurrently") else BRIEF_AE
    if op.kind is OpKind.REINDEX and details.get("concurrently"):
        return LockFact("SHARE UPDATE EXCLUSIVE", "nothing", "index build")
    if op.kind is OpKind.ADD_COLUMN and op.column and (op.column.default_volatile or (op.column.generated and not _virtual(op))):
        return LockFact(AE, "reads and writes", "table rewrite")
    if op.kind is OpKind.ADD_CONSTRAINT:
        return _constraint_lock(details)
    if op.kind is OpKind.ALTER_COLUMN_TYPE and details.get("binary_coercible"):
        return BRIEF_AE
    if op.kind is OpKind.ALTER_TABLE_OTHER and details.get("rewrite"):
        return LockFact(AE, "reads and writes", "table rewrite")
    if op.kind is OpKind.OTHER and details.get("lock"):  # impact/sql/statement_kinds.py: LOCK, MERGE, COPY, ...
        return LockFact(details["lock"], details.get("blocks", "reads and writes"), details.get("work", "catalog only"))
    return FACTS.get(op.kind)


def _virtual(op: Operation) -> bool:
    """A PostgreSQL 18 VIRTUAL generated column (the default when STORED is not said) stores
    nothing: no rewrite. Identity and serial columns are filled per row."""
    sql = op.statement.sql.upper()
    if "VIRTUAL" in sql.split():
        return True
    return "GENERATED ALWAYS AS (" in " ".join(sql.split()).replace("AS(", "AS (") and "STORED" not in sql


def _constraint_lock(details: dict) -> LockFact:
    ctype = details.get("type")
    if details.get("not_valid"):
        lock = "SHARE ROW EXCLUSIVE" if ctype == "foreign_key" else AE
        return LockFact(lock, "writes" if ctype == "foreign_key" else "reads and writes")
    if ctype == "foreign_key":
        return LockFact("SHARE ROW EXCLUSIVE (both tables)", "writes", "table scan")
    if ctype in ("unique", "primary_key", "exclude"):
        work = "catalog only" if details.get("using_index") else "index build"
        return LockFact(AE, "reads and writes", work)
    return LockFact(AE, "reads and writes", "table scan")
