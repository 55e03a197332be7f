"""What a rule may know about one operation: the schema around it and the migration so far."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

from impact.judge.catalog import Catalog, table_key
from impact.judge.transactions import build_transactions
from impact.model import ColumnReference, Operation, OpKind, Query
from impact.op_details import TypeChange


@dataclass
class OpContext:
    op: Operation
    index: int  # position of the operation in the migration
    before: Catalog  # schema right before this operation
    base: Catalog  # schema before the migration
    after_migration: Catalog  # schema once the whole migration ran
    created_here: set[str]  # tables created earlier in this migration
    in_transaction: bool  # inside an explicit BEGIN ... COMMIT
    lock_timeout_set: bool  # SET lock_timeout ran earlier in the migration
    operations: tuple[Operation, ...] = ()  # the whole migration, in order
    pg_version: int | None = None  # the target server's major version, if configured
    queries: list[Query] = field(default_factory=list)  # the code's queries on this op's table
    references: list[ColumnReference] = field(default_factory=list)
    transaction: object = None  # impact.judge.transactions.Transaction: the one this operation runs in

    @property
    def table_key(self) -> str:
        return table_key(self.op.table, self.op.schema)

    @property
    def name_given_again(self) -> bool:
        """A later rename of the migration gives the dropped or renamed column's name to another
        column of the table, which keeps it (saleor: DROP id, then RENAME token TO id): code naming it
        still reads a column holding the rows' data, so it is no evidence of this operation breaking it.
        A column added under the name is not (netbox: RENAME key TO plaintext, then ADD key): code
        naming it would read a new, empty column, and its authors changed 35 of 37 such lines."""
        op = self.op
        if op.kind not in (OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN) or op.column_name is None:
            return False
        renamed_into = any(later.kind is OpKind.RENAME_COLUMN and later.new_name == op.column_name
                           and table_key(later.table, later.schema) == self.table_key
                           for later in self.operations[self.index + 1:])
        return renamed_into and self.after_migration.has_column(op.table, op.column_name, op.schema) is True

    @cached_property
    def replaced_types(self) -> tuple[str, str] | None:
        """(type before, type after) when the name given again (name_given_again) holds another type:
        the full-stack FastAPI template's d98dd8ec85a3 drops integer `item.id` and renames uuid `new_id`
        to `id`; its authors changed every declaration typing `id` as int (3 model fields). Code naming
        the column keeps running, but a model declaring the old type reads and writes the wrong one."""
        if self.op.kind is not OpKind.DROP_COLUMN or not self.name_given_again:
            return None
        old = self.before.get(self.op.table, self.op.schema)
        new = self.after_migration.get(self.op.table, self.op.schema)
        old_spec = old.columns.get(self.op.column_name) if old else None
        new_spec = new.columns.get(self.op.column_name) if new else None
        if not (old_spec and new_spec and old_spec.data_type and new_spec.data_type):
            return None
        if _type_family(old_spec.data_type) == _type_family(new_spec.data_type):
            return None
        return old_spec.data_type.lower(), new_spec.data_type.lower()

    @cached_property
    def data_moved(self) -> bool:
        """A dropped column whose values the migration copied into a column it added: ORM code keeps
        its attribute once the model maps it to that column; or a field moved up to a multi-table
        inheritance parent (impact.judge.moved_columns)."""
        from impact.judge.moved_columns import moved_to, moved_to_parent

        return moved_to(self) is not None or moved_to_parent(self) is not None

    @property
    def backfills_new_columns(self) -> bool:
        """An UPDATE that only sets columns this migration added earlier to the table (Flowise:
        `ADD COLUMN "webhookSecretConfigured" … DEFAULT FALSE`, then `UPDATE … SET … = TRUE WHERE …`):
        it overwrites no value that existed before, and dropping the columns undoes it."""
        from impact.op_details import DataChange

        change = self.op.of(DataChange)
        if self.op.kind is not OpKind.UPDATE_ROWS or change is None or not change.columns:
            return False
        table = (self.op.table or "").lower()
        added = {op.column_name for op in self.operations[:self.index]
                 if op.kind is OpKind.ADD_COLUMN and (op.table or "").lower() == table and op.column_name}
        return set(change.columns) <= added

    @property
    def existing_table(self) -> bool:
        """The table held data before this migration: any table the migration did not create itself.
        One the earlier migrations never created counts too (paperless-ngx 0020 drops the tables of an
        installed app, django_celery_results, and deletes from django_migrations): the statement needs
        it to exist, and whatever made it is outside the replay (`unreplayed_table` lowers confidence)."""
        if self.table_key in self.created_here:
            return False
        return self.replayed_existing if self.op.kind is OpKind.CREATE_TABLE else True

    @property
    def replayed_existing(self) -> bool:
        """Existing as far as the replay can show: earlier migrations created it (or there were none to
        replay). What a shadow database rebuilt from them holds (impact.db.trace, the verification plan)."""
        if self.table_key in self.created_here:
            return False
        return not self.base.known or self.base.get(self.op.table, self.op.schema) is not None

    @property
    def unreplayed_table(self) -> bool:
        """An existing table the replay of the earlier migrations does not know: its rows and columns are not known."""
        return self.existing_table and (not self.base.known or self.base.get(self.op.table, self.op.schema) is None)


# Spellings of one type (`int`, `INTEGER`, `serial`): a swap between them changes no value's type.
_TYPE_FAMILIES = {"int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer", "int8": "bigint",
                  "bigserial": "bigint", "serial8": "bigint", "int2": "smallint", "smallserial": "smallint", "serial2": "smallint",
                  "varchar": "character varying", "bool": "boolean", "float8": "double precision", "float4": "real",
                  "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone", "decimal": "numeric"}


def _type_family(data_type: str) -> str:
    name = " ".join(data_type.lower().split()).split("(")[0].strip()
    return _TYPE_FAMILIES.get(name, name)


def build_contexts(operations: tuple[Operation, ...], base: Catalog, pg_version: int | None = None,
                   wrapping: str = "file") -> list[OpContext]:
    """Walk the migration once, recording the state each operation sees."""
    state = base.copy()
    created: set[str] = set()
    contexts = []
    in_txn = lock_timeout = False
    for index, op in enumerate(operations):
        contexts.append(OpContext(op, index, state.copy(), base, base, set(created), in_txn, lock_timeout))
        if op.kind is OpKind.CREATE_TABLE:
            created.add(table_key(op.table, op.schema))
        elif op.kind is OpKind.BEGIN:
            in_txn = True
        elif op.kind in (OpKind.COMMIT, OpKind.ROLLBACK):
            in_txn = False
        elif op.kind is OpKind.SET_SETTING and op.name == "lock_timeout":
            lock_timeout = True
        state.apply(op)
    from impact.judge.predicates import binary_coercible  # predicates import this module

    for context in contexts:
        info = context.op.info
        if isinstance(info, TypeChange) and info.binary_coercible is None:
            # Read by locks.lock_fact: varchar(n) -> text and the like change no stored byte (no rewrite).
            # The details are frozen: the context gets an operation that knows it.
            context.op = replace(context.op, info=replace(info, binary_coercible=binary_coercible(context)))
    operations = tuple(c.op for c in contexts)
    for context in contexts:
        context.after_migration = state
        context.operations = operations
        context.pg_version = pg_version
    build_transactions(contexts, wrapping)
    return contexts
