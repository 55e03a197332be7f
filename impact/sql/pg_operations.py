"""PostgreSQL parse tree (pglast, i.e. libpg_query) -> Operations.

The fallback for everything sqlglot leaves as exp.Command or cannot read: policies, RLS switches,
VALIDATE CONSTRAINT, `RENAME a TO b` without COLUMN, ALTER TABLE mixing several actions, DO, ...
"""
from __future__ import annotations

import re
from dataclasses import replace

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType as CT
from pglast.enums import ObjectType
from pglast.stream import RawStream

from impact.model import ColumnSpec, Operation, OpKind, Statement
from impact.op_details import (AlterAction, ConstraintDetails, DropDetails, DropObjectDetails, EnumValueDetails, GrantDetails,
                                IndexDetails, PolicyDetails, ReindexDetails, StatementDetails, TableDetails, TypeChange)
from impact.sql.statement_kinds import from_table
from impact.sql.volatility import is_volatile

SIMPLE_ALTERS = {
    AT.AT_EnableRowSecurity: OpKind.ENABLE_RLS,
    AT.AT_DisableRowSecurity: OpKind.DISABLE_RLS,
    AT.AT_ForceRowSecurity: OpKind.FORCE_RLS,
    AT.AT_NoForceRowSecurity: OpKind.NO_FORCE_RLS,
    AT.AT_ValidateConstraint: OpKind.VALIDATE_CONSTRAINT,
    AT.AT_AttachPartition: OpKind.ATTACH_PARTITION,
    AT.AT_DetachPartition: OpKind.DETACH_PARTITION,
    AT.AT_DropNotNull: OpKind.DROP_NOT_NULL,
    AT.AT_SetNotNull: OpKind.SET_NOT_NULL,
}
CONSTRAINT_TYPES = {
    CT.CONSTR_FOREIGN: "foreign_key", CT.CONSTR_CHECK: "check", CT.CONSTR_UNIQUE: "unique",
    CT.CONSTR_PRIMARY: "primary_key", CT.CONSTR_EXCLUSION: "exclude", CT.CONSTR_NOTNULL: "not_null",
}
# Statements we understand well enough to know they do not change any table's shape.
SHAPE_NEUTRAL = (
    ast.CreateSchemaStmt, ast.CreateRoleStmt, ast.AlterRoleStmt, ast.CreateSeqStmt, ast.AlterSeqStmt,
    ast.AlterOwnerStmt, ast.AlterDefaultPrivilegesStmt, ast.CreateDomainStmt, ast.CreateCastStmt,
    ast.VariableShowStmt, ast.NotifyStmt, ast.AlterFunctionStmt, ast.CreatePublicationStmt,
    ast.AlterPublicationStmt, ast.AnalyzeStmt if hasattr(ast, "AnalyzeStmt") else ast.VacuumStmt,
    ast.SelectStmt, ast.CreateEventTrigStmt, ast.RuleStmt, ast.DropdbStmt, ast.AlterDomainStmt,
    ast.ConstraintsSetStmt,  # SET CONSTRAINTS ... IMMEDIATE: Django runs it around every foreign key change
    ast.DefineStmt,  # CREATE COLLATION / AGGREGATE / OPERATOR: no table changes shape
)


def deparse(node) -> str | None:
    return RawStream()(node) if node is not None else None


def from_pglast(node, st: Statement) -> list[Operation] | None:
    handler = HANDLERS.get(type(node))
    if handler is not None:
        return handler(node, st)
    if isinstance(node, SHAPE_NEUTRAL):
        return [Operation(OpKind.OTHER, statement=st, info=StatementDetails(type(node).__name__, type(node).__name__))]
    return from_table(node, st)  # every other statement PostgreSQL accepts: named, with its lock


def _rel(rangevar) -> dict:
    if rangevar is None:
        return {}
    return {"table": rangevar.relname, "schema": rangevar.schemaname or None}


def column_spec(coldef) -> ColumnSpec:
    nullable, default, references, generated = not coldef.is_not_null, None, None, False
    for constraint in coldef.constraints or ():
        kind = constraint.contype
        if kind in (CT.CONSTR_NOTNULL, CT.CONSTR_PRIMARY):
            nullable = False
        elif kind == CT.CONSTR_DEFAULT:
            default = deparse(constraint.raw_expr)
        elif kind == CT.CONSTR_FOREIGN and constraint.pktable is not None:
            cols = ", ".join(a.sval for a in constraint.pk_attrs or ())
            references = f"{constraint.pktable.relname}({cols})" if cols else constraint.pktable.relname
        elif kind in (CT.CONSTR_IDENTITY, CT.CONSTR_GENERATED):
            generated = True
    type_sql = deparse(coldef.typeName)
    if type_sql and type_sql.lower() in ("serial", "bigserial", "smallserial"):
        generated = True
    return ColumnSpec(coldef.colname, type_sql, nullable, default, is_volatile(default), generated, references)


def _alter_table(node: ast.AlterTableStmt, st: Statement) -> list[Operation] | None:
    if node.objtype not in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_FOREIGN_TABLE):
        return [Operation(OpKind.OTHER, statement=st, info=StatementDetails(f"ALTER {node.objtype.name[7:]}"))]
    base = dict(statement=st, **_rel(node.relation))
    ops: list[Operation] = []
    for cmd in node.cmds:
        ops.extend(_alter_cmd(cmd, base))
    return ops


def _alter_cmd(cmd: ast.AlterTableCmd, base: dict) -> list[Operation]:
    subtype = cmd.subtype
    column = ColumnSpec(cmd.name) if cmd.name else None
    if subtype in SIMPLE_ALTERS:
        kind = SIMPLE_ALTERS[subtype]
        if kind is OpKind.VALIDATE_CONSTRAINT:
            return [Operation(kind, name=cmd.name, **base)]
        return [Operation(kind, column=column if kind in (OpKind.SET_NOT_NULL, OpKind.DROP_NOT_NULL) else None, **base)]
    if subtype == AT.AT_AddColumn:
        added = Operation(OpKind.ADD_COLUMN, column=column_spec(cmd.def_), if_exists=bool(cmd.missing_ok), **base)
        return [added, *_inline_index_constraints(cmd.def_, base)]
    if subtype == AT.AT_DropColumn:
        return [Operation(OpKind.DROP_COLUMN, column=column, if_exists=bool(cmd.missing_ok), info=DropDetails(cmd.behavior.value == 1), **base)]
    if subtype == AT.AT_ColumnDefault:
        if cmd.def_ is None:
            return [Operation(OpKind.DROP_DEFAULT, column=column, **base)]
        default = deparse(cmd.def_)
        return [Operation(OpKind.SET_DEFAULT, column=ColumnSpec(cmd.name, default=default, default_volatile=is_volatile(default)), **base)]
    if subtype == AT.AT_AlterColumnType:
        info = TypeChange(using=deparse(cmd.def_.raw_default))
        return [Operation(OpKind.ALTER_COLUMN_TYPE, column=column, new_name=deparse(cmd.def_.typeName), info=info, **base)]
    if subtype == AT.AT_AddConstraint:
        return [_add_constraint(cmd.def_, base)]
    if subtype == AT.AT_DropConstraint:
        return [Operation(OpKind.DROP_CONSTRAINT, name=cmd.name, if_exists=bool(cmd.missing_ok), info=DropDetails(cmd.behavior.value == 1), **base)]
    if subtype in (AT.AT_AddIdentity, AT.AT_SetExpression):
        return [Operation(OpKind.ALTER_TABLE_OTHER, column=column, info=AlterAction(subtype.name[3:], rewrite=True), **base)]
    return [Operation(OpKind.ALTER_TABLE_OTHER, column=column, info=AlterAction(subtype.name[3:]), **base)]


def _inline_index_constraints(coldef, base: dict) -> list[Operation]:
    """`ADD COLUMN c text UNIQUE` (or PRIMARY KEY) builds a unique index over every row inside the
    ALTER TABLE, under its ACCESS EXCLUSIVE lock: the same work as ADD CONSTRAINT … UNIQUE, so it
    becomes that operation too. (An inline REFERENCES on a column without a default validates
    nothing — every value is NULL — and an inline CHECK is judged with the column.)"""
    ops = []
    for constraint in coldef.constraints or ():
        if constraint.contype in (CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY):
            info = ConstraintDetails(CONSTRAINT_TYPES[constraint.contype], columns=(coldef.colname,), inline=True)
            # PostgreSQL's own name for it when none is given (table_col_key, table_pkey).
            default = f"{base.get('table')}_{coldef.colname}_key" if info.type == "unique" else f"{base.get('table')}_pkey"
            ops.append(Operation(OpKind.ADD_CONSTRAINT, name=constraint.conname or default, info=info, **base))
    return ops


def _add_constraint(constraint: ast.Constraint, base: dict) -> Operation:
    return Operation(OpKind.ADD_CONSTRAINT, name=constraint.conname, info=_constraint_details(constraint), **base)


def _constraint_details(constraint: ast.Constraint) -> ConstraintDetails:
    ctype = CONSTRAINT_TYPES.get(constraint.contype, constraint.contype.name.lower())
    return ConstraintDetails(
        ctype,
        not_valid=bool(constraint.skip_validation),
        using_index=bool(constraint.indexname),
        columns=tuple(k.sval for k in constraint.keys or constraint.fk_attrs or ()),
        expression=deparse(constraint.raw_expr),
        references=constraint.pktable.relname if constraint.pktable is not None else None,
    )


def _rename(node: ast.RenameStmt, st: Statement) -> list[Operation] | None:
    base = dict(statement=st, **_rel(node.relation))
    kind = node.renameType
    if kind == ObjectType.OBJECT_COLUMN:
        return [Operation(OpKind.RENAME_COLUMN, column=ColumnSpec(node.subname), new_name=node.newname, **base)]
    if kind == ObjectType.OBJECT_TABLE:
        return [Operation(OpKind.RENAME_TABLE, new_name=node.newname, **base)]
    if kind == ObjectType.OBJECT_INDEX:  # the relation is the index: no table's queries to look for
        base.update(table=None)
    return [Operation(OpKind.OTHER, name=node.newname, info=StatementDetails(f"RENAME {kind.name[7:]}"), **base)]


def _policy(kind: OpKind):
    def convert(node, st: Statement) -> list[Operation]:
        info = PolicyDetails(
            command=getattr(node, "cmd_name", None),
            roles=tuple(r.rolename or r.roletype.name for r in node.roles or ()),
            using=deparse(node.qual),
            with_check=deparse(node.with_check),
            permissive=getattr(node, "permissive", True),
        )
        return [Operation(kind, statement=st, name=node.policy_name, info=info, **_rel(node.table))]
    return convert


def _drop(node: ast.DropStmt, st: Statement) -> list[Operation] | None:
    kind = node.removeType
    ops = []
    for obj in node.objects or ():
        names = [n.sval for n in obj] if isinstance(obj, tuple) else [getattr(obj, "sval", "?")]
        if kind == ObjectType.OBJECT_POLICY:
            table = names[-2] if len(names) >= 2 else None
            ops.append(Operation(OpKind.DROP_POLICY, statement=st, table=table, schema=names[-3] if len(names) > 2 else None, name=names[-1], if_exists=bool(node.missing_ok)))
        elif kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_INDEX, ObjectType.OBJECT_MATVIEW):
            op_kind = {ObjectType.OBJECT_TABLE: OpKind.DROP_TABLE, ObjectType.OBJECT_INDEX: OpKind.DROP_INDEX}.get(kind, OpKind.DROP_VIEW)
            field = "name" if op_kind is OpKind.DROP_INDEX else "table"
            ops.append(Operation(op_kind, statement=st, schema=names[-2] if len(names) > 1 else None, if_exists=bool(node.missing_ok),
                                 info=DropObjectDetails(node.behavior.value == 1, bool(node.concurrent)), **{field: names[-1]}))
        else:
            ops.append(Operation(OpKind.OTHER, statement=st, name=names[-1], info=StatementDetails(f"DROP {kind.name[7:]}")))
    return ops


def _do(node, st: Statement) -> list[Operation]:
    from impact.sql.do_blocks import do_operations  # a DO of static SQL is that SQL

    return do_operations(node, st) or [Operation(OpKind.DO_BLOCK, statement=st)]


def option_on(options, name: str) -> bool:
    """A utility option (`VACUUM (FULL false)`, `REINDEX (CONCURRENTLY 0)`) as PostgreSQL's
    defGetBoolean reads it: present without a value is on; 0/1, true/false, on/off, yes/no."""
    for option in options or ():
        if option.defname != name:
            continue
        arg = option.arg
        if arg is None:
            return True
        value = getattr(arg, "ival", None)
        if value is not None:
            return value != 0
        text = str(getattr(arg, "sval", None) or getattr(arg, "boolval", "true")).lower()
        return text in ("on", "1") or "true".startswith(text) or "yes".startswith(text)
    return False


def _reindex(node, st: Statement) -> list[Operation]:
    if int(node.kind) == 3:  # ReindexObjectType.REINDEX_OBJECT_SYSTEM: the catalogs, never CONCURRENTLY
        return [Operation(OpKind.OTHER, statement=st, info=StatementDetails("REINDEX SYSTEM", "ReindexStmt", outside_transaction=True))]
    concurrently = option_on(node.params, "concurrently")
    info = ReindexDetails(concurrently, outside_transaction=int(node.kind) >= 2)  # SCHEMA/DATABASE: not in a transaction block
    return [Operation(OpKind.REINDEX, statement=st, info=info, **_rel(node.relation))]


def _vacuum(node, st: Statement) -> list[Operation]:
    full = option_on(node.options, "full")
    table = node.rels[0].relation if node.rels else None
    return [Operation(OpKind.VACUUM_FULL if full else OpKind.OTHER, statement=st, info=StatementDetails("VACUUM"), **_rel(table))]


def _alter_enum(node, st: Statement) -> list[Operation]:
    info = EnumValueDetails(node.newVal, bool(node.newValNeighbor), ".".join(n.sval for n in node.typeName))
    kind = OpKind.ALTER_ENUM_ADD_VALUE if not node.oldVal else OpKind.OTHER
    return [Operation(kind, statement=st, name=info.type, if_exists=bool(node.skipIfNewValExists), info=info)]


def _create_table(node: ast.CreateStmt, st: Statement) -> list[Operation]:
    columns = [column_spec(e) for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
    primary = {k.sval for e in node.tableElts or () if isinstance(e, ast.Constraint) and e.contype == CT.CONSTR_PRIMARY for k in e.keys or ()}
    columns = [ColumnSpec(**{**c.__dict__, "nullable": False}) if c.name in primary else c for c in columns]
    info = TableDetails(tuple(columns), _table_constraints(node, [c.name for c in columns]))
    return [Operation(OpKind.CREATE_TABLE, statement=st, if_exists=bool(node.if_not_exists), info=info, **_rel(node.relation))]


def _table_constraints(node: ast.CreateStmt, columns: list[str]) -> tuple[tuple[str, ConstraintDetails], ...]:
    """The CHECK, UNIQUE, PRIMARY KEY and table-level FOREIGN KEY constraints of a CREATE TABLE,
    under the names PostgreSQL gives them when none is written. An inline REFERENCES stays on its
    column (ColumnSpec.references), so the rollback plan does not add the foreign key twice."""
    table, found = node.relation.relname, []
    for element in node.tableElts or ():
        if isinstance(element, ast.ColumnDef):
            for c in element.constraints or ():
                if c.contype in (CT.CONSTR_CHECK, CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY):
                    found.append(_named(table, c, (element.colname,), columns))
        elif isinstance(element, ast.Constraint) and element.contype in CONSTRAINT_TYPES:
            found.append(_named(table, element, None, columns))
    return tuple(found)


def _named(table: str, c: ast.Constraint, column: tuple[str, ...] | None, columns: list[str]) -> tuple[str, ConstraintDetails]:
    info = _constraint_details(c)
    if column is not None:
        info = replace(info, columns=column if info.type != "check" else ())
    keys = column or info.columns
    if c.conname:
        return c.conname, info
    if info.type == "primary_key":
        return f"{table}_pkey", info
    if info.type == "check":  # PostgreSQL names a CHECK after its column, or the first column its expression names
        named = column or tuple(n for n in re.findall(r"[A-Za-z_]\w*", info.expression or "") if n in columns)[:1]
        return "_".join((table, *named, "check")), info
    suffix = {"unique": "key", "foreign_key": "fkey", "exclude": "excl"}.get(info.type, info.type)
    return "_".join((table, *keys, suffix)), info


def _create_index(node: ast.IndexStmt, st: Statement) -> list[Operation]:
    info = IndexDetails(
        unique=bool(node.unique),
        concurrently=bool(node.concurrent),
        columns=tuple(p.name or deparse(p.expr) for p in node.indexParams or ()),
        where=deparse(node.whereClause),
    )
    return [Operation(OpKind.CREATE_INDEX, statement=st, name=node.idxname, if_exists=bool(node.if_not_exists), info=info, **_rel(node.relation))]


def _grant(node: ast.GrantStmt, st: Statement) -> list[Operation]:
    kind = OpKind.GRANT if node.is_grant else OpKind.REVOKE
    if node.objtype != ObjectType.OBJECT_TABLE or node.targtype.value != 0:
        return [Operation(OpKind.OTHER, statement=st, info=StatementDetails(kind.value.upper()))]
    privileges = tuple(p.priv_name.upper() for p in node.privileges or ()) or ("ALL",)
    roles = tuple(r.rolename or r.roletype.name for r in node.grantees or ())
    return [Operation(kind, statement=st, info=GrantDetails(privileges, roles), **_rel(obj)) for obj in node.objects or ()]


def _transaction(node, st: Statement) -> list[Operation]:
    """BEGIN / START TRANSACTION / COMMIT / ROLLBACK (sqlglot reads only some of these forms)."""
    name = node.kind.name
    kind = OpKind.BEGIN if name in ("TRANS_STMT_BEGIN", "TRANS_STMT_START") else OpKind.COMMIT if name == "TRANS_STMT_COMMIT" \
        else OpKind.ROLLBACK if name == "TRANS_STMT_ROLLBACK" else OpKind.OTHER
    return [Operation(kind, statement=st, info=StatementDetails(name))]


def _simple(kind: OpKind, name_attr: str | None = None, rel_attr: str | None = None):
    def convert(node, st: Statement) -> list[Operation]:
        name = getattr(node, name_attr) if name_attr else None
        rel = _rel(getattr(node, rel_attr)) if rel_attr else {}
        return [Operation(kind, statement=st, name=name if isinstance(name, str) else None, **rel)]
    return convert


HANDLERS = {
    ast.AlterTableStmt: _alter_table,
    ast.RenameStmt: _rename,
    ast.CreatePolicyStmt: _policy(OpKind.CREATE_POLICY),
    ast.AlterPolicyStmt: _policy(OpKind.ALTER_POLICY),
    ast.DropStmt: _drop,
    ast.DoStmt: _do,
    ast.ReindexStmt: _reindex,
    ast.VacuumStmt: _vacuum,
    ast.AlterEnumStmt: _alter_enum,
    ast.CreateExtensionStmt: _simple(OpKind.CREATE_EXTENSION, "extname"),
    ast.CreateFunctionStmt: _simple(OpKind.CREATE_FUNCTION),
    ast.CreateTrigStmt: _simple(OpKind.CREATE_TRIGGER, "trigname", "relation"),
    ast.ViewStmt: _simple(OpKind.CREATE_VIEW, None, "view"),
    ast.ClusterStmt: _simple(OpKind.CLUSTER, None, "relation"),
    ast.RefreshMatViewStmt: _simple(OpKind.REFRESH_MATERIALIZED_VIEW, None, "relation"),
    ast.CreateEnumStmt: _simple(OpKind.CREATE_TYPE),
    ast.CompositeTypeStmt: _simple(OpKind.CREATE_TYPE),
    ast.CreateTableAsStmt: _simple(OpKind.OTHER),
    ast.GrantStmt: _grant,
    ast.TransactionStmt: _transaction,
    ast.CreateStmt: _create_table,
    ast.IndexStmt: _create_index,
}
