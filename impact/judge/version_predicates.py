"""Predicates that depend on the target PostgreSQL version (`pg_version` in the config).

With no version configured, a current release is assumed and none of these hold: a rule about an
old server must not fire for a team that never said it runs one.
"""
from __future__ import annotations

from impact.judge.context import OpContext
from impact.judge.predicates import op_predicate
from impact.model import OpKind
from impact.sql.features import GEN_RANDOM_UUID, Feature, newer_than

ENUM_VALUE_IN_TRANSACTION = Feature("ALTER TYPE ... ADD VALUE inside a transaction block", 12)


def _before(ctx: OpContext, major: int) -> bool:
    return ctx.pg_version is not None and ctx.pg_version < major


@op_predicate
def pg_before_11(ctx: OpContext) -> bool:
    return _before(ctx, 11)


@op_predicate
def pg_before_12(ctx: OpContext) -> bool:
    return _before(ctx, 12)


def too_new(ctx: OpContext) -> list[Feature]:
    """What this operation's statement uses that the target server does not have."""
    if ctx.pg_version is None:
        return []
    found = newer_than(ctx.op.statement.sql, ctx.pg_version)
    if GEN_RANDOM_UUID in found and any("pgcrypto" in op.statement.sql.lower() for op in ctx.operations):
        found.remove(GEN_RANDOM_UUID)  # the migration installs pgcrypto, which provides it on any version
    if ctx.op.kind is OpKind.ALTER_ENUM_ADD_VALUE and ctx.in_transaction and ctx.pg_version < 12:
        found.append(ENUM_VALUE_IN_TRANSACTION)
    return found


@op_predicate
def needs_newer_postgres(ctx: OpContext) -> bool:
    return bool(too_new(ctx))
