"""The closed vocabulary rules/*.toml may use in `when`, `queries` and `references`.

One short function per name. A rule names them; an unknown name is an error at load time.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from impact.judge.catalog import table_key
from impact.judge.context import OpContext
from impact.model import ColumnReference, OpKind, Query, QueryKind
from impact.op_details import (ConstraintDetails, DataChange, DropDetails, DropObjectDetails, EnumValueDetails, GrantDetails,
                                IndexDetails, PolicyDetails, ReindexDetails, TypeChange)

if TYPE_CHECKING:
    from impact.judge.catalog import DbObject

OpPredicate = Callable[[OpContext], bool]
QueryMatcher = Callable[[OpContext, Query], bool]
ReferenceMatcher = Callable[[OpContext, ColumnReference], bool]

ObjectMatcher = Callable[[OpContext, "DbObject"], bool]
OP_PREDICATES: dict[str, OpPredicate] = {}
OBJECT_MATCHERS: dict[str, ObjectMatcher] = {}
QUERY_MATCHERS: dict[str, QueryMatcher] = {}
REFERENCE_MATCHERS: dict[str, ReferenceMatcher] = {}


def op_predicate(fn: OpPredicate) -> OpPredicate:
    OP_PREDICATES[fn.__name__] = fn
    return fn


def query_matcher(fn: QueryMatcher) -> QueryMatcher:
    QUERY_MATCHERS[fn.__name__] = fn
    return fn


def object_matcher(fn: ObjectMatcher) -> ObjectMatcher:
    OBJECT_MATCHERS[fn.__name__] = fn
    return fn


def reference_matcher(fn: ReferenceMatcher) -> ReferenceMatcher:
    REFERENCE_MATCHERS[fn.__name__] = fn
    return fn


# -- operation predicates -------------------------------------------------------------------

@op_predicate
def never(ctx: OpContext) -> bool:
    """For rules raised outside the operation walk (unused-ignore): never fires from it."""
    return False


@op_predicate
def costly_under_held_lock(ctx: OpContext) -> bool:
    """This statement scans, rewrites or builds an index on a table while a stronger lock an
    earlier statement of its transaction took is still held (impact/judge/transactions.py)."""
    from impact.judge.transactions import held_work

    return bool(held_work(ctx))


@op_predicate
def created_again(ctx: OpContext) -> bool:
    """A later statement of the migration creates the dropped table or view again (paperless-ngx 0019:
    DeleteModel, then CreateModel of PaperlessTask with a new schema): the code meets the new one."""
    name = (ctx.op.table or "").lower()
    if ctx.op.kind is OpKind.DROP_VIEW:
        return any(o.kind == "view" and o.name == name for o in ctx.after_migration.objects)
    return ctx.after_migration.get(ctx.op.table, ctx.op.schema) is not None


@op_predicate
def existing_table(ctx: OpContext) -> bool:
    """The table existed before this migration (so it may hold rows and serve traffic)."""
    return ctx.existing_table


@op_predicate
def concurrently(ctx: OpContext) -> bool:
    info = ctx.op.info
    return isinstance(info, (IndexDetails, DropObjectDetails, ReindexDetails)) and info.concurrently


@op_predicate
def unique(ctx: OpContext) -> bool:
    index = ctx.op.of(IndexDetails)
    return index is not None and index.unique


@op_predicate
def not_valid(ctx: OpContext) -> bool:
    constraint = ctx.op.of(ConstraintDetails)
    return constraint is not None and constraint.not_valid


@op_predicate
def using_index(ctx: OpContext) -> bool:
    constraint = ctx.op.of(ConstraintDetails)
    return constraint is not None and constraint.using_index


@op_predicate
def in_transaction(ctx: OpContext) -> bool:
    return ctx.in_transaction


@op_predicate
def runner_wraps_it(ctx: OpContext) -> bool:
    """A statement PostgreSQL refuses in a transaction block, outside BEGIN … COMMIT, in a file
    the runner is configured to wrap in one transaction (`transaction_wrapping = "file"`)."""
    return not ctx.in_transaction and bool(getattr(ctx.transaction, "runner_wraps", False))


@op_predicate
def lock_timeout_set(ctx: OpContext) -> bool:
    return ctx.lock_timeout_set


@op_predicate
def nullable(ctx: OpContext) -> bool:
    return ctx.op.column is not None and ctx.op.column.nullable


@op_predicate
def has_default(ctx: OpContext) -> bool:
    return ctx.op.column is not None and (ctx.op.column.default is not None or ctx.op.column.generated)


@op_predicate
def volatile_default(ctx: OpContext) -> bool:
    return ctx.op.column is not None and ctx.op.column.default_volatile


@op_predicate
def generated_column(ctx: OpContext) -> bool:
    return ctx.op.column is not None and ctx.op.column.generated


@op_predicate
def inline_foreign_key(ctx: OpContext) -> bool:
    return ctx.op.column is not None and ctx.op.column.references is not None


def _constraint_type(name: str) -> OpPredicate:
    def predicate(ctx: OpContext) -> bool:
        constraint = ctx.op.of(ConstraintDetails)
        return constraint is not None and constraint.type == name
    predicate.__name__ = f"{name}_constraint"
    return op_predicate(predicate)


for _type in ("foreign_key", "check", "unique", "primary_key", "exclude", "not_null"):
    _constraint_type(_type)


@op_predicate
def cascade(ctx: OpContext) -> bool:
    info = ctx.op.info
    return isinstance(info, (DropDetails, DropObjectDetails)) and info.cascade


@op_predicate
def has_where(ctx: OpContext) -> bool:
    change = ctx.op.of(DataChange)
    return change is not None and change.has_where


@op_predicate
def binary_coercible(ctx: OpContext) -> bool:
    """ALTER COLUMN TYPE that PostgreSQL does without a rewrite (varchar widening, -> text, ...)."""
    op = ctx.op
    old = _column_type(ctx)
    new = (op.new_name or "").lower()
    change = op.of(TypeChange)
    if (change is not None and change.using) or old is None:
        return False
    if new in ("text", "varchar", "character varying"):
        return old.startswith(("varchar", "character varying", "text", "citext"))
    old_len, new_len = _varchar_length(old), _varchar_length(new)
    if old_len and new_len:
        return new_len >= old_len
    return old == new


def _column_type(ctx: OpContext) -> str | None:
    info = ctx.before.get(ctx.op.table, ctx.op.schema)
    column = info.columns.get(ctx.op.column_name or "") if info else None
    return column.data_type.lower() if column and column.data_type else None


def _varchar_length(type_sql: str) -> int | None:
    match = re.match(r"(?:varchar|character varying)\s*\(\s*(\d+)\s*\)", type_sql)
    return int(match.group(1)) if match else None


@op_predicate
def table_missing(ctx: OpContext) -> bool:
    """The statement names a table that neither earlier migrations nor this one created, and that no
    ORM model of the code maps: a table the code's models map exists, made outside the migrations
    (Netflix dispatch creates its base schema with SQLAlchemy's create_all); assess says so instead."""
    if not ctx.before.known or ctx.op.table is None or ctx.op.if_exists:
        return False
    return ctx.before.get(ctx.op.table, ctx.op.schema) is None and not mapped_by_orm(ctx) and not changed_before(ctx)


@op_predicate
def index_already_dropped(ctx: OpContext) -> bool:
    """DROP INDEX IF EXISTS of an index an earlier migration dropped and none made again: PostgreSQL
    takes no lock for it (medusa's pricing migration drops one twice; IMP902 advised on the second)."""
    name = (ctx.op.name or "").lower()
    return ctx.op.kind is OpKind.DROP_INDEX and ctx.op.if_exists and name in ctx.before.dropped_indexes \
        and name not in ctx.before.index_tables


def changed_before(ctx: OpContext) -> bool:
    """Earlier migrations change the table without creating it: it exists, made outside them."""
    return table_key(ctx.op.table, ctx.op.schema) in ctx.before.outside


def mapped_by_orm(ctx: OpContext) -> bool:
    table = (ctx.op.table or "").lower()
    return any(q.orm and (q.table or "").lower() == table for q in ctx.queries)


@op_predicate
def column_missing(ctx: OpContext) -> bool:
    if not ctx.before.known or ctx.op.column is None or ctx.op.if_exists:
        return False
    return ctx.before.has_column(ctx.op.table, ctx.op.column.name, ctx.op.schema) is False


@op_predicate
def column_stays_not_null(ctx: OpContext) -> bool:
    """The column is NOT NULL right before this operation and still is once the migration ran."""
    if ctx.op.column is None:
        return False
    columns = [c.columns.get(ctx.op.column.name) for c in (ctx.before, ctx.after_migration)
               for c in (c.get(ctx.op.table, ctx.op.schema),) if c is not None]
    return len(columns) == 2 and all(col is not None and not col.nullable for col in columns)


@op_predicate
def column_already_exists(ctx: OpContext) -> bool:
    if ctx.op.column is None or ctx.op.if_exists:
        return False
    return bool(ctx.before.has_column(ctx.op.table, ctx.op.column.name, ctx.op.schema))


@op_predicate
def table_has_policies(ctx: OpContext) -> bool:
    info = ctx.after_migration.get(ctx.op.table, ctx.op.schema)
    return bool(info and info.policies)


@op_predicate
def table_has_rls(ctx: OpContext) -> bool:
    info = ctx.after_migration.get(ctx.op.table, ctx.op.schema)
    return bool(info and info.rls)


@op_predicate
def grants_to_client_roles(ctx: OpContext) -> bool:
    info = ctx.op.info
    return isinstance(info, (GrantDetails, PolicyDetails)) and bool(set(info.roles) & CLIENT_ROLES)


@op_predicate
def enum_value_positioned(ctx: OpContext) -> bool:
    enum = ctx.op.of(EnumValueDetails)
    return enum is not None and enum.before_after


# -- query matchers (code evidence) -------------------------------------------------------

CLIENT_EXTRACTORS = {"supabase-js", "supabase-py"}  # go through PostgREST as anon/authenticated
CLIENT_ROLES = {"anon", "authenticated", "public", "PUBLIC"}
READS = (QueryKind.SELECT_COLUMNS, QueryKind.SELECT_STAR)
WRITES = (QueryKind.INSERT, QueryKind.UPSERT)


def _names(ctx: OpContext, query: Query, column: str | None) -> bool:
    if column is None:
        return False
    if query.names_column(column):
        return True
    # An unqualified name in a join is this table's only if the schema says the table has it.
    return column in query.ambiguous_columns and ctx.before.has_column(ctx.op.table, column, ctx.op.schema) is not False


@query_matcher
def any_query(ctx: OpContext, query: Query) -> bool:
    return True


@query_matcher
def names_column(ctx: OpContext, query: Query) -> bool:
    return _names(ctx, query, ctx.op.column_name) and not ctx.name_given_again and not (query.orm and ctx.data_moved)


@query_matcher
def names_column_the_new_table_lacks(ctx: OpContext, query: Query) -> bool:
    """A query naming a column that the table, created again by this migration, no longer has (an ORM
    read of every column its model declares included: the model still declares it)."""
    after = ctx.after_migration.get(ctx.op.table, ctx.op.schema)
    if after is None or not query.columns:
        return False
    kept = {name.lower() for name in after.columns}
    return any(column.lower() not in kept for column in query.columns)


@query_matcher
def reads_column_value(ctx: OpContext, query: Query) -> bool:
    """A read that selects the column by name: the code asked for its value. Reads of every column
    (`SELECT *`, an ORM's whole rows: jellyseerr's 18 repository reads of media_request) are left
    out: they do not say the code uses it, and the model's declaration (listed too) is where an ORM
    app learns the column's type."""
    column = ctx.op.column_name or ""
    return query.kind is QueryKind.SELECT_COLUMNS and not query.all_columns and column in query.columns


@query_matcher
def select_star(ctx: OpContext, query: Query) -> bool:
    """`SELECT *`: its rows change shape. Not an ORM read of the columns its model declares
    (paperless-ngx's `SavedView.objects.all()`): without the column in the model it never had it,
    with it the model is what breaks (IMP109)."""
    return query.kind is QueryKind.SELECT_STAR and not query.all_columns and not query.names_column(ctx.op.column_name or "")


@query_matcher
def insert_omits_column(ctx: OpContext, query: Query) -> bool:
    """An INSERT/upsert that does not provide the column (or whose column list is unknown)."""
    return query.kind in WRITES and not _names(ctx, query, ctx.op.column_name)


@query_matcher
def writes_column(ctx: OpContext, query: Query) -> bool:
    return query.kind in (*WRITES, QueryKind.UPDATE) and ctx.op.column_name in query.columns


@query_matcher
def writes_unknown_columns(ctx: OpContext, query: Query) -> bool:
    """A write whose column list could not be read (a variable payload, `SET {assignments}`). An ORM
    write that lists every column its model declares (a Drizzle or TypeORM insert, resolved by
    impact.orm.resolve) has a known column list whatever its payload: when it does not name the
    column, the model no longer declares it and the ORM cannot write it."""
    if query.orm and query.all_columns and query.table:
        return False
    return query.kind in (*WRITES, QueryKind.UPDATE) and not query.columns_known and not _names(ctx, query, ctx.op.column_name)


@query_matcher
def writes_table(ctx: OpContext, query: Query) -> bool:
    return query.kind in (*WRITES, QueryKind.UPDATE)


@query_matcher
def client_query(ctx: OpContext, query: Query) -> bool:
    """Through supabase-js/-py: runs as anon/authenticated, so RLS and grants apply to it."""
    return query.extractor in CLIENT_EXTRACTORS


@query_matcher
def client_query_of_revoked(ctx: OpContext, query: Query) -> bool:
    privileges = set(grant.privileges) if (grant := ctx.op.of(GrantDetails)) else set()
    needed = {"SELECT"} if query.kind in READS else {"INSERT"} if query.kind in WRITES else {query.kind.value.upper()}
    return client_query(ctx, query) and bool(privileges & (needed | {"ALL"}))


# -- database-object matchers (views, functions, triggers, policies, indexes) ----------------

# Registered here so that every name a rule may use is known once this module is imported.
from impact.judge import (failure_predicates, object_predicates, reference_predicates, statement_predicates,  # noqa: E402,F401
                          version_predicates)
