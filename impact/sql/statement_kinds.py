"""Every statement PostgreSQL's parser accepts becomes an operation: the ones `pg_operations` does
not model get a named `other` operation here, with the lock PostgreSQL documents for it.

Before this table, a migration made only of such statements (LOCK, MERGE, COPY, CREATE STATISTICS,
…) was refused with "X is not modelled — fix the SQL syntax", although PostgreSQL runs it. Such an
operation is understood enough to judge: it changes no table's shape the code sees, and the lock
it takes on an existing table is what the lock assessment needs. `OpKind.UNKNOWN` stays for what
no parser could read.

info: a StatementDetails (impact/op_details.py) with statement_kind (the parse node's name, e.g.
"LockStmt"), statement (how a report names it), and, when the statement locks a table, lock,
blocks and work (read by impact/judge/locks.py). Sources: PostgreSQL docs, "Explicit Locking" (13.3) and each command's page.

Known limit: CALL, EXPLAIN ANALYZE and SELECT of a function run code nobody reads here; they are
named but their effects (and locks) are not known.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pglast loads with the parser: judge/locks reads LOCK_BLOCKS on a warm scan
    from pglast import ast

from impact.model import ColumnSpec, Operation, OpKind, Statement
from impact.op_details import CommentDetails, DataChange, DropDetails, SettingDetails, StatementDetails

# What each lock mode blocks for the application (ROW EXCLUSIVE and weaker block only other DDL).
LOCK_BLOCKS = {
    "ACCESS SHARE": "nothing", "ROW SHARE": "nothing", "ROW EXCLUSIVE": "nothing",
    "SHARE UPDATE EXCLUSIVE": "nothing", "SHARE": "writes", "SHARE ROW EXCLUSIVE": "writes",
    "EXCLUSIVE": "writes", "ACCESS EXCLUSIVE": "reads and writes",
}
LOCK_MODES = {1: "ACCESS SHARE", 2: "ROW SHARE", 3: "ROW EXCLUSIVE", 4: "SHARE UPDATE EXCLUSIVE", 5: "SHARE",
              6: "SHARE ROW EXCLUSIVE", 7: "EXCLUSIVE", 8: "ACCESS EXCLUSIVE"}

# node class name -> (how a report names it, the lock it takes on the table it names, or None).
# Statements on objects other than tables (roles, databases, servers, ...) lock no table.
KINDS: dict[str, tuple[str, str | None]] = {
    "CreateStatsStmt": ("CREATE STATISTICS", "SHARE UPDATE EXCLUSIVE"),
    "AlterStatsStmt": ("ALTER STATISTICS", None),
    "CreateForeignTableStmt": ("CREATE FOREIGN TABLE", None),
    "ImportForeignSchemaStmt": ("IMPORT FOREIGN SCHEMA", None),
    "CreateSubscriptionStmt": ("CREATE SUBSCRIPTION", None),
    "AlterSubscriptionStmt": ("ALTER SUBSCRIPTION", None),
    "DropSubscriptionStmt": ("DROP SUBSCRIPTION", None),
    "SecLabelStmt": ("SECURITY LABEL", None),
    "DropRoleStmt": ("DROP ROLE", None),
    "GrantRoleStmt": ("GRANT role", None),
    "DropOwnedStmt": ("DROP OWNED", None),
    "ReassignOwnedStmt": ("REASSIGN OWNED", None),
    "CreatedbStmt": ("CREATE DATABASE", None),
    "AlterDatabaseStmt": ("ALTER DATABASE", None),
    "AlterDatabaseSetStmt": ("ALTER DATABASE SET", None),
    "AlterDatabaseRefreshCollStmt": ("ALTER DATABASE REFRESH COLLATION VERSION", None),
    "AlterRoleSetStmt": ("ALTER ROLE SET", None),
    "AlterSystemStmt": ("ALTER SYSTEM", None),
    "CreateTableSpaceStmt": ("CREATE TABLESPACE", None),
    "DropTableSpaceStmt": ("DROP TABLESPACE", None),
    "AlterTableSpaceOptionsStmt": ("ALTER TABLESPACE", None),
    "CreateFdwStmt": ("CREATE FOREIGN DATA WRAPPER", None),
    "AlterFdwStmt": ("ALTER FOREIGN DATA WRAPPER", None),
    "CreateForeignServerStmt": ("CREATE SERVER", None),
    "AlterForeignServerStmt": ("ALTER SERVER", None),
    "CreateUserMappingStmt": ("CREATE USER MAPPING", None),
    "AlterUserMappingStmt": ("ALTER USER MAPPING", None),
    "DropUserMappingStmt": ("DROP USER MAPPING", None),
    "CreateAmStmt": ("CREATE ACCESS METHOD", None),
    "CreateOpClassStmt": ("CREATE OPERATOR CLASS", None),
    "CreateOpFamilyStmt": ("CREATE OPERATOR FAMILY", None),
    "AlterOpFamilyStmt": ("ALTER OPERATOR FAMILY", None),
    "AlterOperatorStmt": ("ALTER OPERATOR", None),
    "CreateConversionStmt": ("CREATE CONVERSION", None),
    "CreateTransformStmt": ("CREATE TRANSFORM", None),
    "CreatePLangStmt": ("CREATE LANGUAGE", None),
    "CreateRangeStmt": ("CREATE TYPE … AS RANGE", None),
    "DefineStmt": ("CREATE (aggregate, operator, collation, base type, text search object)", None),
    "AlterTypeStmt": ("ALTER TYPE", None),
    "AlterCollationStmt": ("ALTER COLLATION", None),
    "AlterEventTrigStmt": ("ALTER EVENT TRIGGER", None),
    "AlterExtensionStmt": ("ALTER EXTENSION", None),
    "AlterExtensionContentsStmt": ("ALTER EXTENSION ADD/DROP", None),
    "AlterObjectDependsStmt": ("ALTER … DEPENDS ON EXTENSION", None),
    "AlterTSConfigurationStmt": ("ALTER TEXT SEARCH CONFIGURATION", None),
    "AlterTSDictionaryStmt": ("ALTER TEXT SEARCH DICTIONARY", None),
    "ReplicaIdentityStmt": ("REPLICA IDENTITY", "ACCESS EXCLUSIVE"),
    "ConstraintsSetStmt": ("SET CONSTRAINTS", None),
    "CheckPointStmt": ("CHECKPOINT", None),
    "LoadStmt": ("LOAD", None),
    "DiscardStmt": ("DISCARD", None),
    "ListenStmt": ("LISTEN", None),
    "UnlistenStmt": ("UNLISTEN", None),
    "PrepareStmt": ("PREPARE", None),
    "ExecuteStmt": ("EXECUTE", None),
    "DeallocateStmt": ("DEALLOCATE", None),
    "DeclareCursorStmt": ("DECLARE CURSOR", None),
    "FetchStmt": ("FETCH/MOVE", None),
    "ClosePortalStmt": ("CLOSE", None),
    "CallStmt": ("CALL", None),
    "ExplainStmt": ("EXPLAIN", None),
    "SetOperationStmt": ("SELECT", None),
    "ReturnStmt": ("RETURN", None),
    "PLAssignStmt": ("assignment", None),
}


def other(st: Statement, label: str, node_name: str, lock: str | None = None, work: str = "catalog only", **fields) -> Operation:
    if lock and fields.get("table"):
        info = StatementDetails(label, node_name, lock, LOCK_BLOCKS.get(lock.split(" (")[0], "reads and writes"), work)
    else:
        info = StatementDetails(label, node_name)
    return Operation(OpKind.OTHER, statement=st, info=info, **fields)


def _rel(rangevar) -> dict:
    if rangevar is None:
        return {}
    return {"table": rangevar.relname, "schema": rangevar.schemaname or None}


def from_table(node, st: Statement) -> list[Operation] | None:
    """The operations of a statement `pg_operations` has no handler for; None only for a node
    that is not a statement at all."""
    name = type(node).__name__
    handler = SPECIAL.get(name)
    if handler is not None:
        return handler(node, st)
    if name in KINDS:
        label, lock = KINDS[name]
        relation = getattr(node, "relation", None) or getattr(getattr(node, "base", None), "relation", None)
        rel = _rel(relation) if type(relation).__name__ == "RangeVar" else {}
        return [other(st, label, name, lock, **rel)]
    if name.endswith("Stmt"):  # a statement added by a newer PostgreSQL: named, no lock known
        return [other(st, name.removesuffix("Stmt"), name)]
    return None


def _lock(node: ast.LockStmt, st: Statement) -> list[Operation]:
    mode = LOCK_MODES.get(int(node.mode), "ACCESS EXCLUSIVE")
    # LOCK waits for the lock and then holds it to the end of the transaction: blocking, but brief
    # only if the transaction is.
    return [other(st, f"LOCK {mode}", "LockStmt", mode, "transaction", **_rel(r)) for r in node.relations or ()]


def _merge(node, st: Statement) -> list[Operation]:
    return [other(st, "MERGE", "MergeStmt", "ROW EXCLUSIVE", "table scan", **_rel(node.relation))]


def _copy(node: ast.CopyStmt, st: Statement) -> list[Operation]:
    if node.relation is None:  # COPY (query) TO …
        return [other(st, "COPY (query) TO", "CopyStmt")]
    if node.is_from:
        info = DataChange(node.whereClause is not None, "CopyStmt", "COPY FROM")
        return [Operation(OpKind.INSERT_ROWS, statement=st, info=info, **_rel(node.relation))]
    return [other(st, "COPY TO", "CopyStmt", "ACCESS SHARE", "table scan", **_rel(node.relation))]


def _insert(node: ast.InsertStmt, st: Statement) -> list[Operation]:
    return [Operation(OpKind.INSERT_ROWS, statement=st, info=DataChange(False, "InsertStmt"), **_rel(node.relation))]


def _update(node: ast.UpdateStmt, st: Statement) -> list[Operation]:
    targets = tuple(t.name for t in node.targetList or () if getattr(t, "name", None))
    return [Operation(OpKind.UPDATE_ROWS, statement=st, info=DataChange(node.whereClause is not None, "UpdateStmt", columns=targets), **_rel(node.relation))]


def _delete(node: ast.DeleteStmt, st: Statement) -> list[Operation]:
    return [Operation(OpKind.DELETE_ROWS, statement=st, info=DataChange(node.whereClause is not None, "DeleteStmt"), **_rel(node.relation))]


def _truncate(node: ast.TruncateStmt, st: Statement) -> list[Operation]:
    info = DropDetails(node.behavior.value == 1, "TruncateStmt")
    return [Operation(OpKind.TRUNCATE, statement=st, info=info, **_rel(r)) for r in node.relations or ()]


def _comment(node: ast.CommentStmt, st: Statement) -> list[Operation]:
    from pglast.enums import ObjectType

    names = [getattr(n, "sval", None) for n in node.object] if isinstance(node.object, tuple) else []
    info = CommentDetails(node.objtype.name[7:].lower(), node.comment, "CommentStmt")
    if node.objtype == ObjectType.OBJECT_COLUMN and len(names) >= 2 and all(names):
        schema = names[-3] if len(names) > 2 else None
        return [Operation(OpKind.COMMENT, statement=st, table=names[-2], schema=schema, column=ColumnSpec(names[-1]), info=info)]
    if node.objtype == ObjectType.OBJECT_TABLE and names and all(names):
        return [Operation(OpKind.COMMENT, statement=st, table=names[-1], schema=names[-2] if len(names) > 1 else None, info=info)]
    return [Operation(OpKind.COMMENT, statement=st, info=info)]


def _set(node: ast.VariableSetStmt, st: Statement) -> list[Operation]:
    if node.kind.name == "VAR_SET_VALUE" and node.name and node.args:
        value = getattr(node.args[0], "val", None)
        value = getattr(value, "sval", None) or getattr(value, "ival", None)
        return [Operation(OpKind.SET_SETTING, statement=st, name=node.name.lower(),
                          info=SettingDetails(str(value) if value is not None else None, bool(node.is_local), "VariableSetStmt"))]
    return [other(st, "SET/RESET", "VariableSetStmt")]


def _object_schema(node: ast.AlterObjectSchemaStmt, st: Statement) -> list[Operation]:
    label = f"ALTER {node.objectType.name[7:]} SET SCHEMA {node.newschema}"
    return [other(st, label, "AlterObjectSchemaStmt", "ACCESS EXCLUSIVE", **_rel(node.relation))]


def _move_all(node, st: Statement) -> list[Operation]:
    # Every table in the tablespace is rewritten under ACCESS EXCLUSIVE; which ones is not known here.
    return [other(st, f"ALTER {node.objtype.name[7:]} ALL IN TABLESPACE … SET TABLESPACE", "AlterTableMoveAllStmt")]


SPECIAL = {
    "LockStmt": _lock,
    "MergeStmt": _merge,
    "CopyStmt": _copy,
    "InsertStmt": _insert,
    "UpdateStmt": _update,
    "DeleteStmt": _delete,
    "TruncateStmt": _truncate,
    "CommentStmt": _comment,
    "VariableSetStmt": _set,
    "AlterObjectSchemaStmt": _object_schema,
    "AlterTableMoveAllStmt": _move_all,
}
