"""sqlglot node -> Operations. The only module that reads sqlglot's DDL node args.

Strict on purpose: a node shape this module does not fully recognise returns None, and the
statement goes to the PostgreSQL parser (pg_operations) instead of being half-understood.
(sqlglot 30 reads `ALTER TABLE t RENAME a TO b` as a table rename: a silent misparse we refuse.)
"""
from __future__ import annotations

from sqlglot import exp

from impact.model import ColumnSpec, Operation, OpKind, Statement
from impact.op_details import (CommentDetails, ConstraintDetails, CreateDetails, DataChange, DropDetails, DropObjectDetails,
                                GrantDetails, IndexDetails, SettingDetails, TableDetails, TypeChange)
from impact.sql.volatility import is_volatile

ALTER_ACTIONS = (exp.ColumnDef, exp.Drop, exp.AlterColumn, exp.AddConstraint, exp.RenameColumn, exp.AlterRename)


def from_sqlglot(node: exp.Expr, st: Statement) -> list[Operation] | None:
    handler = HANDLERS.get(type(node))
    return handler(node, st) if handler else None


def _table(node: exp.Expr | None) -> tuple[str | None, str | None]:
    if isinstance(node, exp.Schema):
        node = node.this
    if not isinstance(node, exp.Table):
        return None, None
    return node.name, (node.db or None)


def _sql(node: exp.Expr | None) -> str | None:
    return node.sql(dialect="postgres") if isinstance(node, exp.Expr) else None


def column_spec(coldef: exp.ColumnDef) -> ColumnSpec:
    nullable, default, references, generated = True, None, None, False
    dtype = coldef.args.get("kind")
    for constraint in coldef.constraints:
        kind = constraint.kind
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            nullable = False
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default = kind.this
        elif isinstance(kind, exp.Reference):
            references = _sql(kind.this)
        elif isinstance(kind, (exp.GeneratedAsIdentityColumnConstraint, exp.ComputedColumnConstraint)):
            generated = True
    type_sql = _sql(dtype)
    if type_sql and type_sql.upper() in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
        generated = True
    return ColumnSpec(
        name=coldef.name,
        data_type=type_sql,
        nullable=nullable,
        default=_sql(default),
        default_volatile=is_volatile(default),
        generated=generated,
        references=references,
    )


def _alter(node: exp.Alter, st: Statement) -> list[Operation] | None:
    kind = (node.args.get("kind") or "").upper()
    actions = node.args.get("actions") or []
    if kind != "TABLE" or node.args.get("options") or not actions:
        return None
    if not all(isinstance(a, ALTER_ACTIONS) for a in actions):
        return None
    table, schema = _table(node.this)
    ops: list[Operation] = []
    for action in actions:
        converted = _alter_action(action, st, table, schema)
        if converted is None:
            return None
        ops.extend(converted)
    return ops


def _alter_action(action: exp.Expr, st: Statement, table, schema) -> list[Operation] | None:
    base = dict(statement=st, table=table, schema=schema)
    if isinstance(action, exp.ColumnDef):
        return [Operation(OpKind.ADD_COLUMN, column=column_spec(action), if_exists=bool(action.args.get("exists")), **base)]
    if isinstance(action, exp.Drop):
        return _alter_drop(action, base)
    if isinstance(action, exp.RenameColumn):
        return [Operation(OpKind.RENAME_COLUMN, column=ColumnSpec(action.this.name), new_name=action.args["to"].name, **base)]
    if isinstance(action, exp.AlterRename):
        new_table, _ = _table(action.this)
        return [Operation(OpKind.RENAME_TABLE, new_name=new_table, **base)]
    if isinstance(action, exp.AlterColumn):
        return _alter_column(action, base)
    if isinstance(action, exp.AddConstraint):
        return _add_constraints(action, base)
    return None


def _alter_drop(action: exp.Drop, base: dict) -> list[Operation] | None:
    kind = (action.args.get("kind") or "").upper()
    exists = bool(action.args.get("exists"))
    info = DropDetails(bool(action.args.get("cascade")))
    targets = action.args.get("tables") or []
    if kind == "COLUMN":
        return [Operation(OpKind.DROP_COLUMN, column=ColumnSpec(t.name), if_exists=exists, info=info, **base) for t in targets]
    if kind == "CONSTRAINT":
        return [Operation(OpKind.DROP_CONSTRAINT, name=t.name, if_exists=exists, info=info, **base) for t in targets]
    return None


def _alter_column(action: exp.AlterColumn, base: dict) -> list[Operation] | None:
    column = ColumnSpec(action.this.name)
    args = action.args
    if args.get("dtype") is not None:
        info = TypeChange(using=_sql(args.get("using")))
        return [Operation(OpKind.ALTER_COLUMN_TYPE, column=column, new_name=_sql(args["dtype"]), info=info, **base)]
    if args.get("allow_null") is False:
        return [Operation(OpKind.SET_NOT_NULL, column=column, **base)]
    if args.get("allow_null") is True and args.get("drop"):
        return [Operation(OpKind.DROP_NOT_NULL, column=column, **base)]
    if args.get("default") is not None:
        default = args["default"]
        spec = ColumnSpec(column.name, default=_sql(default), default_volatile=is_volatile(default))
        return [Operation(OpKind.SET_DEFAULT, column=spec, **base)]
    if args.get("drop") and len([k for k, v in args.items() if v]) == 2:
        return [Operation(OpKind.DROP_DEFAULT, column=column, **base)]
    return None


CONSTRAINT_TYPES = {
    exp.ForeignKey: "foreign_key",
    exp.CheckColumnConstraint: "check",
    exp.UniqueColumnConstraint: "unique",
    exp.PrimaryKey: "primary_key",
    exp.PrimaryKeyColumnConstraint: "primary_key",
}


def _add_constraints(action: exp.AddConstraint, base: dict) -> list[Operation] | None:
    ops = []
    not_valid = "NOT VALID" in base["statement"].sql.upper()
    for constraint in action.expressions:
        if not isinstance(constraint, exp.Constraint) or not constraint.expressions:
            return None
        body = constraint.expressions[0]
        ctype = CONSTRAINT_TYPES.get(type(body))
        if ctype is None:
            return None
        columns = tuple(c.name for c in body.find_all(exp.Identifier, exp.Column))[:16] if ctype != "check" else ()
        # A CHECK's expression as pglast records it: the rollback re-creates it.
        expression = _sql(body.this) if ctype == "check" and body.this is not None else None
        references = None
        if ctype == "foreign_key":
            reference = body.args.get("reference")
            references = _sql(reference.this) if reference is not None else None
            columns = tuple(e.name for e in body.expressions)
        info = ConstraintDetails(ctype, not_valid, "USING INDEX" in _sql(body).upper(), columns, expression, references)
        ops.append(Operation(OpKind.ADD_CONSTRAINT, name=constraint.name, info=info, **base))
    return ops


def _create(node: exp.Create, st: Statement) -> list[Operation] | None:
    kind = (node.args.get("kind") or "").upper()
    exists = bool(node.args.get("exists"))
    if kind == "INDEX":
        return _create_index(node, st, exists)
    if kind == "TABLE":
        return _create_table(node, st, exists)
    simple = {"VIEW": OpKind.CREATE_VIEW, "FUNCTION": OpKind.CREATE_FUNCTION, "PROCEDURE": OpKind.CREATE_FUNCTION,
              "TRIGGER": OpKind.CREATE_TRIGGER, "TYPE": OpKind.CREATE_TYPE, "SCHEMA": OpKind.OTHER, "SEQUENCE": OpKind.OTHER}
    if kind in simple:
        name = node.this.name if isinstance(node.this, (exp.Table, exp.Identifier)) else None
        return [Operation(simple[kind], statement=st, name=name, if_exists=exists, info=CreateDetails(bool(node.args.get("replace"))))]
    return None


def _create_index(node: exp.Create, st: Statement, exists: bool) -> list[Operation] | None:
    index = node.this
    if not isinstance(index, exp.Index):
        return None
    table, schema = _table(index.args.get("table"))
    params = index.args.get("params")
    columns, where = [], None
    if params is not None:
        columns = [_sql(c.this if isinstance(c, exp.Ordered) else c) for c in params.args.get("columns") or []]
        where = params.args.get("where")
    info = IndexDetails(
        unique=bool(node.args.get("unique")),
        concurrently=bool(node.args.get("concurrently")),
        columns=tuple(columns),
        where=_sql(where.this) if where is not None else None,
    )
    name = index.this.name if index.this else None
    return [Operation(OpKind.CREATE_INDEX, statement=st, table=table, schema=schema, name=name, if_exists=exists, info=info)]


def _create_table(node: exp.Create, st: Statement, exists: bool) -> list[Operation] | None:
    target = node.this
    table, schema = _table(target)
    if table is None or node.expression is not None:  # CREATE TABLE AS: let pglast describe it
        return None
    columns = [column_spec(c) for c in (target.expressions if isinstance(target, exp.Schema) else []) if isinstance(c, exp.ColumnDef)]
    primary = _table_primary_key(target)
    columns = [ColumnSpec(**{**c.__dict__, "nullable": False}) if c.name in primary else c for c in columns]
    return [Operation(OpKind.CREATE_TABLE, statement=st, table=table, schema=schema, if_exists=exists, info=TableDetails(tuple(columns)))]


def _table_primary_key(target: exp.Expr) -> set[str]:
    keys = set()
    for pk in target.find_all(exp.PrimaryKey):
        keys.update(e.name for e in pk.expressions)
    return keys


def _drop(node: exp.Drop, st: Statement) -> list[Operation] | None:
    kind = (node.args.get("kind") or "").upper()
    mapping = {"TABLE": OpKind.DROP_TABLE, "INDEX": OpKind.DROP_INDEX, "VIEW": OpKind.DROP_VIEW}
    if kind not in mapping:
        return None
    info = DropObjectDetails(bool(node.args.get("cascade")), bool(node.args.get("concurrently")))
    ops = []
    for target in node.args.get("tables") or []:
        name, schema = _table(target)
        if kind == "INDEX":
            ops.append(Operation(OpKind.DROP_INDEX, statement=st, name=name, schema=schema, if_exists=bool(node.args.get("exists")), info=info))
        else:
            ops.append(Operation(mapping[kind], statement=st, table=name, schema=schema, if_exists=bool(node.args.get("exists")), info=info))
    return ops or None


def _comment(node: exp.Comment, st: Statement) -> list[Operation] | None:
    kind = (node.args.get("kind") or "").upper()
    text = node.expression.name if isinstance(node.expression, exp.Literal) else None
    target = node.this
    if kind == "COLUMN" and isinstance(target, exp.Column):
        parts = [p.name for p in target.parts]
        table, schema = (parts[-2], parts[-3] if len(parts) > 2 else None) if len(parts) >= 2 else (None, None)
        return [Operation(OpKind.COMMENT, statement=st, table=table, schema=schema, column=ColumnSpec(target.name), info=CommentDetails("column", text))]
    if kind == "TABLE":
        table, schema = _table(target)
        return [Operation(OpKind.COMMENT, statement=st, table=table, schema=schema, info=CommentDetails("table", text))]
    return [Operation(OpKind.COMMENT, statement=st, info=CommentDetails(kind.lower(), text))]


def _set(node: exp.Set, st: Statement) -> list[Operation] | None:
    ops = []
    for item in node.expressions:
        assignment = item.this if isinstance(item, exp.SetItem) else None
        if not isinstance(assignment, exp.EQ):
            return None
        value = assignment.expression
        # `SET foo.lock_timeout` is a custom setting, not lock_timeout: keep the whole dotted name.
        name = _sql(assignment.this).replace('"', "").lower() if isinstance(assignment.this, (exp.Column, exp.Dot)) else assignment.this.name.lower()
        ops.append(Operation(OpKind.SET_SETTING, statement=st, name=name, info=SettingDetails(value.name if isinstance(value, exp.Literal) else _sql(value))))
    return ops


def _data(kind: OpKind):
    def convert(node: exp.Expr, st: Statement) -> list[Operation]:
        target = node.this
        table, schema = _table(target)
        targets = tuple(e.this.name for e in node.args.get("expressions") or () if isinstance(e, exp.EQ) and isinstance(e.this, exp.Column))
        return [Operation(kind, statement=st, table=table, schema=schema, info=DataChange(node.args.get("where") is not None, columns=targets))]
    return convert


def _truncate(node: exp.TruncateTable, st: Statement) -> list[Operation]:
    info = DropDetails("CASCADE" in st.sql.upper())
    return [Operation(OpKind.TRUNCATE, statement=st, table=t.name, schema=t.db or None, info=info) for t in node.expressions]


def _grant(kind: OpKind):
    def convert(node: exp.Expr, st: Statement) -> list[Operation] | None:
        securable = node.args.get("securable")
        if not isinstance(securable, exp.Table):
            return None
        privileges = tuple(p.this.name.upper() if p.this else "" for p in node.args.get("privileges") or [])
        roles = tuple(p.this.name for p in node.args.get("principals") or [] if p.this is not None)
        return [Operation(kind, statement=st, table=securable.name, schema=securable.db or None, info=GrantDetails(privileges, roles))]
    return convert


HANDLERS = {
    exp.Alter: _alter,
    exp.Create: _create,
    exp.Drop: _drop,
    exp.Comment: _comment,
    exp.Set: _set,
    exp.Insert: _data(OpKind.INSERT_ROWS),
    exp.Update: _data(OpKind.UPDATE_ROWS),
    exp.Delete: _data(OpKind.DELETE_ROWS),
    exp.TruncateTable: _truncate,
    exp.Grant: _grant(OpKind.GRANT),
    exp.Revoke: _grant(OpKind.REVOKE),
    exp.Transaction: lambda node, st: [Operation(OpKind.BEGIN, statement=st)],
    exp.Commit: lambda node, st: [Operation(OpKind.COMMIT, statement=st)],
    exp.Rollback: lambda node, st: [Operation(OpKind.ROLLBACK, statement=st)],
}
