"""The migration as the transactions it runs in, and per transaction a lock timeline: for each
table the strongest lock held, from which statement until the transaction ends, and the costly
work (rewrite, full scan, index build, validation) other statements do while it is held.

A lock is held to the end of its transaction, so what blocks the application is not one
statement's lock but the strongest one taken earlier in the same transaction: `ADD CONSTRAINT …
NOT VALID` (ACCESS EXCLUSIVE, instant) then `VALIDATE CONSTRAINT` (a full scan that alone blocks
nothing) in one transaction keeps reads and writes waiting for the whole scan.

Transactions come from explicit BEGIN/COMMIT/ROLLBACK, from statements PostgreSQL refuses inside
a transaction block (each runs on its own, as `impact apply` runs them), and from the runner's
own wrapping (config `transaction_wrapping`):

- "file" (the default): the runner runs each migration file in one transaction. Supabase CLI
  (one batch per file), Prisma Migrate (one script), Django (`atomic = True`), Alembic
  (`transaction_per_migration`, or all migrations in one), Flyway and `impact apply` all do.
- "statement": autocommit, as `psql -f` runs a file: each statement outside BEGIN … COMMIT is
  its own transaction.

Only tables that existed before the migration count: nobody else can see a table this
transaction created. Known limit: a table's lock is taken per statement; locks on other objects
a statement touches (the referenced table of a foreign key aside) are not modelled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from impact.judge.locks import lock_fact
from impact.model import OpKind
from impact.op_details import ConstraintDetails
from impact.sql.op_specs import runs_outside_transaction
from impact.sql.statement_kinds import LOCK_BLOCKS

if TYPE_CHECKING:
    from impact.judge.context import OpContext

WRAPPINGS = ("file", "statement")
DEFAULT_WRAPPING = "file"
MODES = ("ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
         "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE")
BLOCK_RANK = {"nothing": 0, "writes": 1, "reads and writes": 2}


def lock_mode(lock: str) -> str:
    """"SHARE ROW EXCLUSIVE (both tables)" -> "SHARE ROW EXCLUSIVE"."""
    return lock.split(" (")[0].strip()


def blocks(mode: str) -> str:
    return LOCK_BLOCKS.get(mode, "reads and writes")


@dataclass(frozen=True)
class Held:
    table: str
    mode: str
    statement: int  # the statement that took it


@dataclass
class HeldWork:
    """Costly work done under a stronger lock an earlier statement of the transaction took."""

    statement: int
    table: str
    work: str  # "table scan" | "table rewrite" | "index build"
    doing: str  # what the statement does, for messages
    own_mode: str
    held: Held
    end: str  # how the transaction ends, for messages

    @property
    def waits(self) -> str:
        return blocks(self.held.mode)

    def describe(self) -> str:
        return (f"{self.held.mode} on `{self.table}` from statement {self.held.statement} until {self.end}; "
                f"statement {self.statement} {self.doing} while it is held: {self.waits} wait")


@dataclass
class Transaction:
    number: int
    statements: list[int] = field(default_factory=list)
    kind: str = "runner"  # "explicit" (BEGIN … COMMIT) | "runner" (the runner's wrapping) | "autocommit" | "outside" (cannot run in one)
    end: str = "the runner's COMMIT"
    held: dict[str, Held] = field(default_factory=dict)  # existing table -> strongest lock
    work: list[HeldWork] = field(default_factory=list)
    runner_wraps: bool = False  # "outside" only: the runner would still run it inside its own transaction


FILE_DIRECTIVES = ("squawk-disable-assume-in-transaction", "impact: no-transaction")


def file_wrapping(comments: dict, configured: str) -> str:
    """A file can say its runner does not wrap it: `-- impact: no-transaction` (or squawk's
    `-- squawk-disable-assume-in-transaction`) anywhere in its comments."""
    said = any(d in c.lower() for cs in comments.values() for c in cs for d in FILE_DIRECTIVES)
    return "statement" if said else configured


def cannot_run_in_transaction(ctx: "OpContext") -> bool:
    return runs_outside_transaction(ctx.op)


def _doing(ctx: "OpContext", work: str) -> str:
    op = ctx.op
    if op.kind is OpKind.VALIDATE_CONSTRAINT:
        return f"validates {op.name or 'a constraint'} with a full scan"
    if op.kind is OpKind.ADD_CONSTRAINT:
        ctype = constraint.type if (constraint := op.of(ConstraintDetails)) else "a"
        return f"adds {ctype.replace('_', ' ')} constraint {op.name or ''} with {'an index build' if work == 'index build' else 'a full scan'}".replace("  ", " ")
    if op.kind is OpKind.CREATE_INDEX:
        return f"builds index {op.name or ''}".rstrip()
    if op.kind in (OpKind.UPDATE_ROWS, OpKind.DELETE_ROWS, OpKind.INSERT_ROWS):
        return f"{op.kind.value.split('_')[0]}s rows (a scan)"
    return {"table rewrite": "rewrites the table", "table scan": "scans every row", "index build": "builds an index"}.get(work, work)


def locks_taken(ctx: "OpContext", mode: str) -> list[tuple[str, str]]:
    """(table, mode) for each table the operation locks: its own, and a foreign key's referenced
    table (SHARE ROW EXCLUSIVE, whether the key is added as a constraint or inline in ADD COLUMN)."""
    taken = [(ctx.table_key, mode)]
    op = ctx.op
    referenced = None
    constraint = op.of(ConstraintDetails)
    if constraint is not None and constraint.type == "foreign_key":
        referenced = constraint.references
    elif op.kind is OpKind.ADD_COLUMN and op.column is not None:
        referenced = op.column.references
    if referenced:
        name = str(referenced).split("(")[0].strip().replace('"', "").lower().removeprefix("public.")
        taken.append((name, "SHARE ROW EXCLUSIVE"))
    return taken


def build_transactions(contexts: list["OpContext"], wrapping: str = DEFAULT_WRAPPING) -> list[Transaction]:
    """Group the operations into transactions, fill each one's lock timeline, and point every
    context at its transaction (`ctx.transaction`)."""
    transactions: list[Transaction] = []
    current: Transaction | None = None
    # The file's own COMMIT ends the runner's transaction: until its next BEGIN the statements run
    # on their own (the `COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;` idiom).
    closed = False

    def start(kind: str, end: str) -> Transaction:
        transactions.append(Transaction(len(transactions) + 1, kind=kind, end=end))
        return transactions[-1]

    by_statement: dict[int, list["OpContext"]] = {}
    for ctx in contexts:
        by_statement.setdefault(ctx.op.statement.index, []).append(ctx)
    for index, group in by_statement.items():
        kinds = {c.op.kind for c in group}
        if OpKind.BEGIN in kinds:
            closed = False
            if current is None:
                current = start("explicit", "the end of the file (no COMMIT)")
            else:  # BEGIN inside the runner's transaction is ignored (a warning): the same one goes on
                current.kind = "explicit"
        elif any(cannot_run_in_transaction(c) for c in group):
            alone = start("outside", f"statement {index} ends")
            # A file of this one statement is sent alone: no transaction block, even for runners
            # that wrap a file's statements in one (Django's atomic BEGIN is the exception).
            lone = len(by_statement) == 1
            alone.runner_wraps = wrapping == "file" and not closed and not lone and (current is None or current.kind == "runner")
            _add(alone, group)
            continue
        elif current is None:
            runner = wrapping == "file" and not closed
            current = start("runner", "the runner's COMMIT") if runner else start("autocommit", f"statement {index} ends")
        _add(current, group)
        if kinds & {OpKind.COMMIT, OpKind.ROLLBACK}:
            word = "COMMIT" if OpKind.COMMIT in kinds else "ROLLBACK"
            current.end = f"{word} (statement {index})"
            for item in current.work:
                item.end = current.end
            current, closed = None, wrapping == "file"
        elif current.kind == "autocommit":
            current = None
    return transactions


def _add(txn: Transaction, group: list["OpContext"]) -> None:
    index = group[0].op.statement.index
    txn.statements.append(index)
    taken: dict[str, Held] = {}
    for ctx in group:
        ctx.transaction = txn
        fact = lock_fact(ctx.op)
        if fact is None or not ctx.op.table:
            continue
        mode = lock_mode(fact.lock)
        if mode not in MODES:
            continue
        held = txn.held.get(ctx.table_key)
        if (ctx.existing_table and fact.long_running and held is not None and held.statement != index
                and BLOCK_RANK[blocks(held.mode)] > BLOCK_RANK[blocks(mode)]):
            txn.work.append(HeldWork(index, ctx.op.table, fact.work, _doing(ctx, fact.work), mode, held, txn.end))
        if not ctx.existing_table:
            continue
        for table, table_mode in locks_taken(ctx, mode):
            best = taken.get(table) or txn.held.get(table)
            if best is None or MODES.index(table_mode) > MODES.index(best.mode):
                taken[table] = Held(table, table_mode, index)
    txn.held.update(taken)


def held_until(ctx: "OpContext") -> str:
    """When the lock this operation takes is released, for messages: its transaction's end."""
    txn = getattr(ctx, "transaction", None)
    if txn is None or txn.kind in ("autocommit", "outside"):
        return "the statement ends"
    return txn.end


def held_work(ctx: "OpContext") -> list[HeldWork]:
    """The costly work of this operation's statement done under an earlier statement's lock."""
    txn = getattr(ctx, "transaction", None)
    if txn is None:
        return []
    return [w for w in txn.work if w.statement == ctx.op.statement.index and w.table == ctx.op.table]
