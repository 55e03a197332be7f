"""`upgrade()`'s body -> the SQL Alembic would run on PostgreSQL, one piece per `op.*` call.

Decisions:
- Each `op.<name>(...)` (and `batch_op.<name>(...)` inside `with op.batch_alter_table(t)`) becomes
  the DDL Alembic's PostgreSQL implementation emits, in its order (alter_column: type, nullable,
  default, rename). On PostgreSQL a batch is plain ALTER TABLEs (no table copy).
- `op.execute(...)`, `conn.execute(...)` and `op.get_bind().execute(...)` with a static string or
  `sa.text(...)`: that SQL.
- Loops over a static list are unrolled; statements under `if` are read as if the branch is
  taken (noted); a module-level helper function called without arguments is read inline.
- Everything else that may change the database (a call of unknown effect, a computed table
  name, `op.execute(variable)`) is a piece with `error` set: an `unknown` operation naming why.
  Plain assignments, logging and `op.get_bind()` change nothing and are skipped.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from impact.formats.alembic.ddl import Column, fk_actions, literal, qualified, quote, read_column, render_default, render_type
from impact.formats.pieces import Piece
from impact.formats.alembic.values import Dynamic, EnumType, Scope, TableRef, Text, argument, call_name, keywords, last

HARMLESS_CALLS = {"print", "get_bind", "get_context", "info", "debug", "warning", "warn", "error", "echo", "getLogger",
                  "inspect", "get_table_names", "get_columns", "has_table", "get_indexes", "get_foreign_keys",
                  "get_unique_constraints", "MetaData", "Table", "table", "column", "Session", "sessionmaker", "commit",
                  "flush", "close", "begin", "reflect", "get_pk_constraint", "get_check_constraints", "get_view_names"}
EXECUTORS = {"execute", "exec_driver_sql"}


@dataclass
class Translation:
    pieces: list[Piece] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Translator:
    def __init__(self, module: ast.Module, source: str) -> None:
        self.module = module
        self.source = source
        self.scope = Scope()
        self.functions = {n.name: n for n in module.body if isinstance(n, ast.FunctionDef)}
        self.out = Translation()
        self.autocommit = False
        self._inlined: set[str] = set()
        for node in module.body:
            if isinstance(node, ast.Assign):
                value = self.scope.eval(node.value)
                for target in node.targets:
                    self.scope.bind(target, value)

    def translate(self, function: str = "upgrade") -> Translation:
        fn = self.functions.get(function)
        if fn is None:
            return self.out
        self.scope = self.scope.child()
        self._body(fn.body, batch=None)
        return self.out

    # -- statements ---------------------------------------------------------------------------
    def _body(self, body: list[ast.stmt], batch: tuple[str, str | None, str] | None) -> None:
        for stmt in body:
            self._statement(stmt, batch)

    def _statement(self, stmt: ast.stmt, batch) -> None:
        if isinstance(stmt, (ast.Expr, ast.Return)) and isinstance(stmt.value, (ast.Call, ast.Await)):
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if isinstance(call, ast.Call):
                self._call(call, stmt, batch)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            value = stmt.value
            if isinstance(value, ast.Call) and (last(call_name(value)) in EXECUTORS | {"add_column", "create_table", "bulk_insert"}
                                                or call_name(value) in self.functions):
                self._call(value, stmt, batch)  # `res = conn.execute(text("..."))`, `t = op.create_table(...)`
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self.scope.bind(target, self.scope.eval(value) if value is not None else Dynamic("annotated only"))
        elif isinstance(stmt, ast.With):
            self._with(stmt, batch)
        elif isinstance(stmt, ast.For):
            items = self.scope.eval(stmt.iter)
            if isinstance(items, dict):
                items = list(items)
            if isinstance(items, list):
                for item in items:
                    self.scope.bind(stmt.target, item)
                    self._body(stmt.body, batch)
            else:
                self.scope.bind(stmt.target, Dynamic(f"the loop variable of `for ... in {ast.unparse(stmt.iter)[:40]}`"))
                self._body(stmt.body, batch)
        elif isinstance(stmt, ast.While):
            before = len(self.out.pieces)
            self._body(stmt.body, batch)
            if len(self.out.pieces) > before:
                self.out.notes.append(f"line {stmt.lineno}: the body of `while {ast.unparse(stmt.test)[:60]}` is read once")
        elif isinstance(stmt, ast.If):
            before = len(self.out.pieces)
            self._body(stmt.body, batch)
            if len(self.out.pieces) > before:
                self.out.notes.append(f"line {stmt.lineno}: operations under `if {ast.unparse(stmt.test)[:60]}` are read as if the condition holds")
            self._body(stmt.orelse, batch)
        elif isinstance(stmt, ast.Try):
            self._body(stmt.body, batch)
            self._body(stmt.finalbody, batch)
        elif isinstance(stmt, (ast.Pass, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.FunctionDef, ast.ClassDef)):
            pass
        elif isinstance(stmt, (ast.AugAssign, ast.Delete, ast.Assert, ast.Raise, ast.Expr, ast.Continue, ast.Break, ast.Return)):
            pass  # no database effect
        else:
            self._unknown(stmt, f"a `{type(stmt).__name__}` statement is not read")

    def _with(self, stmt: ast.With, batch) -> None:
        for item in stmt.items:
            ctx = item.context_expr
            name = call_name(ctx)
            if isinstance(ctx, ast.Call) and last(name) == "batch_alter_table":
                table = self.scope.string(argument(ctx, 0, "table_name"))
                schema = self.scope.eval(keywords(ctx).get("schema"))
                if isinstance(table, Dynamic):
                    self._unknown(stmt, table.reason)
                    return
                var = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else "batch_op"
                self.scope.bind(ast.Name(id=var), Dynamic("a batch operations object"))
                self._body(stmt.body, (table, schema if isinstance(schema, str) else None, var))
                return
            if last(name) == "autocommit_block":
                was, self.autocommit = self.autocommit, True
                self._body(stmt.body, batch)
                self.autocommit = was
                return
        self._body(stmt.body, batch)

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, call: ast.Call, stmt: ast.stmt, batch) -> None:
        name = call_name(call)
        verb = last(name)
        receiver = name.rsplit(".", 1)[0] if "." in name else ""
        if verb in EXECUTORS:
            self._execute(call, stmt)
            return
        if receiver == "op" or (batch is not None and receiver == batch[2]):
            handler = getattr(self, f"_op_{verb}", None)
            if handler is None:
                self._unknown(stmt, f"`{receiver}.{verb}` is not translated")
                return
            try:
                sql = handler(call, batch if receiver != "op" else None)
            except _Unreadable as exc:
                self._unknown(stmt, exc.reason)
                return
            for text in sql:
                self._emit(text, stmt, concurrently="CONCURRENTLY" in text.split("(")[0])
            return
        if not receiver and name in self.functions and name not in self._inlined:
            self._inline(self.functions[name], call, batch)
            return
        if verb in ("create", "drop") and isinstance(call.func, ast.Attribute):
            enum = self.scope.eval(call.func.value)
            if isinstance(enum, EnumType):
                values = ", ".join(literal(v) for v in enum.values)
                self._emit(f"CREATE TYPE {quote(enum.name)} AS ENUM ({values})" if verb == "create" else f"DROP TYPE {quote(enum.name)}", stmt)
                return
        if verb in HARMLESS_CALLS:
            return
        self._unknown(stmt, f"`{ast.unparse(call.func)[:50]}(...)` runs Python code whose database effect is not known statically")

    def _inline(self, fn: ast.FunctionDef, call: ast.Call, batch) -> None:
        """A helper function of this module: its body read in place, parameters bound to the arguments."""
        outer = self.scope
        self.scope = Scope(outer)
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        defaults = dict(zip(reversed(params), reversed(fn.args.defaults)))
        given = {k.arg: k.value for k in call.keywords if k.arg}
        for i, param in enumerate(params):
            node = call.args[i] if i < len(call.args) else given.get(param, defaults.get(param))
            self.scope.values[param] = outer.eval(node) if node is not None else Dynamic(f"parameter `{param}` of {fn.name}()")
        self._inlined.add(fn.name)
        try:
            self._body(fn.body, batch)
        finally:
            self._inlined.discard(fn.name)
            self.scope = outer

    def _execute(self, call: ast.Call, stmt: ast.stmt) -> None:
        value = self.scope.eval(call.args[0]) if call.args else Dynamic("execute() without SQL")
        if isinstance(value, Text):
            value = value.sql
        if isinstance(value, str):
            self._emit(_positional_binds(value), stmt)
            return
        ddl = _ddl_construct(call.args[0], self.scope) if call.args else None
        if ddl is not None:
            self._emit(ddl, stmt)
            return
        core = _core_statement(call.args[0], self.scope) if call.args else None
        if core is not None:
            kind, table = core
            if kind:  # a select reads only
                source = ast.get_source_segment(self.source, stmt) or ast.unparse(stmt)
                self.out.pieces.append(Piece(source, stmt.lineno, stmt.end_lineno or stmt.lineno, kind=kind, table=table))
            return
        if isinstance(value, Dynamic):
            self._unknown(stmt, f"the SQL given to execute() is not a static string: {value.reason}")
        else:
            self._unknown(stmt, "execute() is given a SQLAlchemy construct, not SQL text")

    def _emit(self, sql: str, stmt: ast.stmt, concurrently: bool = False) -> None:
        sql = sql.strip()
        if not sql.endswith(";"):
            sql += ";"
        self.out.pieces.append(Piece(sql, stmt.lineno, stmt.end_lineno or stmt.lineno, concurrently=concurrently,
                                     outside_transaction=self.autocommit))

    def _unknown(self, stmt: ast.stmt, reason: str) -> None:
        source = ast.get_source_segment(self.source, stmt) or ast.unparse(stmt)
        self.out.pieces.append(Piece(source, stmt.lineno, stmt.end_lineno or stmt.lineno, error=reason))

    # -- helpers for the op handlers -----------------------------------------------------------
    def _str(self, call: ast.Call, position: int, name: str) -> str:
        value = self.scope.string(argument(call, position, name))
        if isinstance(value, Dynamic):
            raise _Unreadable(f"{name}: {value.reason}")
        return value

    def _opt(self, call: ast.Call, name: str) -> object:
        value = self.scope.eval(keywords(call).get(name))
        if isinstance(value, Dynamic):
            raise _Unreadable(f"{name}: {value.reason}")
        return value

    def _table(self, call: ast.Call, batch, position: int = 0, name: str = "table_name") -> tuple[str, str | None, int]:
        """The table (and schema) an op works on, and where its remaining arguments start."""
        if batch is not None:
            return batch[0], batch[1], position
        schema = self._opt(call, "schema")
        return self._str(call, position, name), schema if isinstance(schema, str) else None, position + 1

    def _names(self, node: ast.AST | None) -> list[str]:
        value = self.scope.eval(node)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, (str, Text)) for v in value):
            return [v.sql if isinstance(v, Text) else v for v in value]
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for elt in node.elts:  # sa.text("lower(email)") expressions, column names
                item = self.scope.eval(elt)
                if isinstance(item, Text):
                    out.append(item.sql)
                elif isinstance(item, str):
                    out.append(item)
                elif (expression := sql_expression(elt, self.scope)) is not None:
                    out.append(expression)
                else:
                    raise _Unreadable(f"index expression `{ast.unparse(elt)[:40]}` is computed")
            return out
        raise _Unreadable(f"column list `{ast.unparse(node)[:40] if node is not None else ''}` is computed")

    def _column(self, node: ast.AST | None) -> Column:
        if not isinstance(node, ast.Call):
            raise _Unreadable("the column is not a sa.Column(...) written in the migration")
        column = read_column(node, self.scope)
        if isinstance(column, Dynamic):
            raise _Unreadable(column.reason)
        return column

    # -- op handlers: each returns the SQL statements Alembic would emit -------------------------
    def _op_add_column(self, call, batch):
        table, schema, at = self._table(call, batch)
        column = self._column(argument(call, at, "column"))
        target = qualified(table, schema)
        sql = [f"ALTER TABLE {target} ADD COLUMN {column.ddl()}"]
        for ref_table, ref_col, actions in column.foreign_keys:
            sql.append(f"ALTER TABLE {target} ADD FOREIGN KEY({quote(column.name)}) REFERENCES {quote(ref_table)} ({quote(ref_col)}){actions}")
        if column.index:
            sql.append(f"CREATE INDEX {quote(f'ix_{table}_{column.name}')} ON {target} ({quote(column.name)})")
        return sql

    def _op_drop_column(self, call, batch):
        table, schema, at = self._table(call, batch)
        return [f"ALTER TABLE {qualified(table, schema)} DROP COLUMN {quote(self._str(call, at, 'column_name'))}"]

    def _op_alter_column(self, call, batch):
        table, schema, at = self._table(call, batch)
        column = self._str(call, at, "column_name")
        kw = keywords(call)
        target, col = qualified(table, schema), quote(column)
        sql = []
        if kw.get("type_") is not None:
            data_type = render_type(kw["type_"], self.scope)
            if isinstance(data_type, Dynamic):
                raise _Unreadable(data_type.reason)
            using = self._opt(call, "postgresql_using")
            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {data_type}" + (f" USING {using}" if isinstance(using, str) else ""))
        nullable = self._opt(call, "nullable")
        if nullable is not None:
            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} {'DROP' if nullable else 'SET'} NOT NULL")
        if "server_default" in kw and not (isinstance(kw["server_default"], ast.Constant) and kw["server_default"].value is False):
            default = render_default(kw["server_default"], self.scope)
            if isinstance(default, Dynamic):
                raise _Unreadable(default.reason)
            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} " + (f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"))
        new_name = self._opt(call, "new_column_name")
        if isinstance(new_name, str):
            sql.append(f"ALTER TABLE {target} RENAME {col} TO {quote(new_name)}")
        return sql

    def _op_create_table(self, call, batch):
        table = self._str(call, 0, "table_name")
        schema = self._opt(call, "schema")
        columns, constraints, indexes = [], [], []
        for node in call.args[1:]:
            kind = last(call_name(node))
            if kind == "Column":
                columns.append(self._column(node))
            elif kind == "Index":
                indexes.append(self._table_index(node, table, schema if isinstance(schema, str) else None))
            else:
                constraints.append(self._constraint(node, table))
        target = qualified(table, schema if isinstance(schema, str) else None)
        keys = [c for c in columns if c.primary_key]
        key_names = [c.name for c in keys] or self._primary_key_names(call.args[1:])
        body = [c.ddl(serial=key_names == [c.name]) for c in columns]
        if keys:
            body.append(f"PRIMARY KEY ({', '.join(quote(c.name) for c in keys)})")
        # SQLAlchemy's order: the primary key, the constraints written as arguments (created before
        # the Table), then those the columns make when attached (ForeignKey, unique=True).
        body += constraints
        for c in columns:
            for ref_table, ref_col, actions in c.foreign_keys:
                body.append(f"FOREIGN KEY({quote(c.name)}) REFERENCES {quote(ref_table)} ({quote(ref_col)}){actions}")
            if c.unique:
                body.append(f"UNIQUE ({quote(c.name)})")
            if c.index:
                indexes.append(f"CREATE INDEX {quote(f'ix_{table}_{c.name}')} ON {target} ({quote(c.name)})")
        return [f"CREATE TABLE {target} (\n    " + ",\n    ".join(body) + "\n)"] + indexes

    def _table_index(self, node: ast.Call, table: str, schema: str | None) -> str:
        name = self.scope.eval(node.args[0]) if node.args else None
        if not isinstance(name, str):
            raise _Unreadable("an Index without a static name")
        columns = self._names(ast.List(elts=list(node.args[1:])))
        unique = "UNIQUE " if self.scope.eval(keywords(node).get("unique")) is True else ""
        return f"CREATE {unique}INDEX {quote(name)} ON {qualified(table, schema)} ({', '.join(c if not _plain(c) else quote(c) for c in columns)})"

    def _primary_key_names(self, nodes: list[ast.AST]) -> list[str]:
        for node in nodes:
            if isinstance(node, ast.Call) and last(call_name(node)) == "PrimaryKeyConstraint":
                return self._names(ast.List(elts=list(node.args)))
        return []

    def _constraint(self, node: ast.AST, table: str) -> str:
        if not isinstance(node, ast.Call):
            raise _Unreadable(f"`{ast.unparse(node)[:40]}` in create_table is computed")
        kind = last(call_name(node))
        name = self.scope.eval(keywords(node).get("name"))
        prefix = f"CONSTRAINT {quote(name)} " if isinstance(name, str) else ""
        if kind in ("PrimaryKeyConstraint", "UniqueConstraint"):
            cols = ", ".join(quote(c) for c in self._names(ast.List(elts=list(node.args))))
            return prefix + ("PRIMARY KEY" if kind == "PrimaryKeyConstraint" else "UNIQUE") + f" ({cols})"
        if kind == "ForeignKeyConstraint" and len(node.args) >= 2:
            local, remote = self._names(node.args[0]), self._names(node.args[1])
            ref_table = remote[0].rpartition(".")[0]
            return (prefix + f"FOREIGN KEY({', '.join(quote(c) for c in local)}) REFERENCES {quote(ref_table)} "
                    f"({', '.join(quote(r.rpartition('.')[2]) for r in remote)}){fk_actions(keywords(node), self.scope)}")
        if kind == "CheckConstraint" and node.args:
            condition = self.scope.eval(node.args[0])
            condition = condition.sql if isinstance(condition, Text) else condition
            if isinstance(condition, str):
                return prefix + f"CHECK ({condition})"
        raise _Unreadable(f"`{kind}` in create_table is not translated")

    def _op_drop_table(self, call, batch):
        schema = self._opt(call, "schema")
        return [f"DROP TABLE {qualified(self._str(call, 0, 'table_name'), schema if isinstance(schema, str) else None)}"]

    def _op_rename_table(self, call, batch):
        schema = self._opt(call, "schema")
        old = qualified(self._str(call, 0, "old_table_name"), schema if isinstance(schema, str) else None)
        return [f"ALTER TABLE {old} RENAME TO {quote(self._str(call, 1, 'new_table_name'))}"]

    def _op_create_index(self, call, batch):
        name = self._str(call, 0, "index_name")
        table, schema, at = self._table(call, batch, 1)
        columns = self._names(argument(call, at, "columns"))
        unique = self._opt(call, "unique") is True
        concurrently = self._opt(call, "postgresql_concurrently") is True
        where = self.scope.eval(keywords(call).get("postgresql_where"))
        using = self._opt(call, "postgresql_using")
        exists = " IF NOT EXISTS" if self._opt(call, "if_not_exists") is True else ""
        sql = (f"CREATE {'UNIQUE ' if unique else ''}INDEX {'CONCURRENTLY ' if concurrently else ''}{exists.strip() + ' ' if exists else ''}"
               f"{quote(name)} ON {qualified(table, schema)}{f' USING {using}' if isinstance(using, str) else ''} "
               f"({', '.join(c if not _plain(c) else quote(c) for c in columns)})")
        if isinstance(where, Text):
            where = where.sql
        if isinstance(where, str):
            sql += f" WHERE {where}"
        elif isinstance(where, Dynamic):
            raise _Unreadable(f"postgresql_where: {where.reason}")
        return [sql]

    def _op_drop_index(self, call, batch):
        name = self._str(call, 0, "index_name")
        schema = self._opt(call, "schema") if batch is None else batch[1]
        concurrently = self._opt(call, "postgresql_concurrently") is True
        exists = "IF EXISTS " if self._opt(call, "if_exists") is True else ""
        return [f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}{exists}{qualified(name, schema if isinstance(schema, str) else None)}"]

    def _op_create_foreign_key(self, call, batch):
        name = self.scope.eval(argument(call, 0, "constraint_name"))
        if batch is None:
            source = self._str(call, 1, "source_table")
            referent, local, remote = self._str(call, 2, "referent_table"), argument(call, 3, "local_cols"), argument(call, 4, "remote_cols")
        else:
            source = batch[0]
            referent, local, remote = self._str(call, 1, "referent_table"), argument(call, 2, "local_cols"), argument(call, 3, "remote_cols")
        prefix = f"CONSTRAINT {quote(name)} " if isinstance(name, str) else ""
        schema = self._opt(call, "source_schema") if batch is None else batch[1]
        return [f"ALTER TABLE {qualified(source, schema if isinstance(schema, str) else None)} ADD {prefix}FOREIGN KEY("
                f"{', '.join(quote(c) for c in self._names(local))}) REFERENCES {quote(referent)} "
                f"({', '.join(quote(c) for c in self._names(remote))}){fk_actions(keywords(call), self.scope)}"]

    def _op_create_unique_constraint(self, call, batch):
        name = self.scope.eval(argument(call, 0, "constraint_name"))
        table, schema, at = self._table(call, batch, 1)
        prefix = f"CONSTRAINT {quote(name)} " if isinstance(name, str) else ""
        return [f"ALTER TABLE {qualified(table, schema)} ADD {prefix}UNIQUE ({', '.join(quote(c) for c in self._names(argument(call, at, 'columns')))})"]

    def _op_create_primary_key(self, call, batch):
        name = self.scope.eval(argument(call, 0, "constraint_name"))
        table, schema, at = self._table(call, batch, 1)
        prefix = f"CONSTRAINT {quote(name)} " if isinstance(name, str) else ""
        return [f"ALTER TABLE {qualified(table, schema)} ADD {prefix}PRIMARY KEY ({', '.join(quote(c) for c in self._names(argument(call, at, 'columns')))})"]

    def _op_create_check_constraint(self, call, batch):
        name = self.scope.eval(argument(call, 0, "constraint_name"))
        table, schema, at = self._table(call, batch, 1)
        condition = self.scope.eval(argument(call, at, "condition"))
        condition = condition.sql if isinstance(condition, Text) else condition
        if not isinstance(condition, str):
            raise _Unreadable("the check condition is a SQLAlchemy expression, not SQL text")
        prefix = f"CONSTRAINT {quote(name)} " if isinstance(name, str) else ""
        return [f"ALTER TABLE {qualified(table, schema)} ADD {prefix}CHECK ({condition})"]

    def _op_drop_constraint(self, call, batch):
        name = self._str(call, 0, "constraint_name")
        table, schema, _ = self._table(call, batch, 1)
        exists = "IF EXISTS " if self._opt(call, "if_exists") is True else ""
        return [f"ALTER TABLE {qualified(table, schema)} DROP CONSTRAINT {exists}{quote(name)}"]

    def _op_create_table_comment(self, call, batch):
        table, schema, at = self._table(call, batch)
        return [f"COMMENT ON TABLE {qualified(table, schema)} IS {literal(self._str(call, at, 'comment'))}"]

    def _op_drop_table_comment(self, call, batch):
        table, schema, _ = self._table(call, batch)
        return [f"COMMENT ON TABLE {qualified(table, schema)} IS NULL"]

    def _op_bulk_insert(self, call, batch):
        table = argument(call, 0, "table")
        name = self.scope.eval(table.args[0]) if isinstance(table, ast.Call) and table.args else None
        if not isinstance(name, str):
            raise _Unreadable("bulk_insert into a table object that is not a static sa.table(...)")
        return [f"INSERT INTO {quote(name)} DEFAULT VALUES"]  # the rows do not matter for the schema

    def _op_get_bind(self, call, batch):
        return []

    def _op_f(self, call, batch):
        return []


def _ddl_construct(node: ast.AST, scope: Scope) -> str | None:
    """`sa.schema.DropSequence(sa.schema.Sequence("s"))` and friends, as SQL."""
    verb = last(call_name(node)) if isinstance(node, ast.Call) else ""
    if verb in ("DropSequence", "CreateSequence") and node.args and isinstance(node.args[0], ast.Call):
        name = scope.eval(node.args[0].args[0]) if node.args[0].args else None
        if isinstance(name, str):
            return f"{'DROP' if verb == 'DropSequence' else 'CREATE'} SEQUENCE {quote(name)}"
    return None


def sql_expression(node: ast.AST, scope: Scope) -> str | None:
    """An index expression: `sa.func.lower(sa.Column("email"))` -> lower(email); None if not static."""
    if isinstance(node, ast.Call):
        name = call_name(node)
        if last(name) in ("Column", "column") and node.args:
            col = scope.eval(node.args[0])
            return quote(col) if isinstance(col, str) else None
        if ".func." in f".{name}":
            args = [sql_expression(a, scope) for a in node.args]
            return f"{last(name)}({', '.join(args)})" if None not in args else None
        if last(name) == "desc" and isinstance(node.func, ast.Attribute):
            inner = sql_expression(node.func.value, scope)
            return f"{inner} DESC" if inner else None
    value = scope.eval(node)
    if isinstance(value, Text):
        return value.sql
    if isinstance(value, str):
        return quote(value)
    return None


CORE_VERBS = {"update": "update_rows", "insert": "insert_rows", "delete": "delete_rows", "select": ""}


def _core_statement(node: ast.AST, scope: Scope) -> tuple[str, str] | None:
    """`t.update().where(...).values(...)` on a `sa.table("name")`: (OpKind value, table name)."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        verb, base = node.func.attr, node.func.value
        if verb in CORE_VERBS:
            table = scope.eval(base)
            if isinstance(table, TableRef):
                return CORE_VERBS[verb], table.name
        if verb in ("select",) and isinstance(base, ast.Name) and base.id in ("sa", "sqlalchemy"):
            return "", ""
        node = base
    if isinstance(node, ast.Call) and last(call_name(node)) == "select":
        return "", ""  # sa.select(...): a read
    return None


BIND = re.compile(r"(?<![:\w]):(\w+)")


def _positional_binds(sql: str) -> str:
    """SQLAlchemy's `:name` binds (text() and op.execute strings) as PostgreSQL's `$n`, so the SQL parses."""
    names: dict[str, int] = {}
    return BIND.sub(lambda m: f"${names.setdefault(m.group(1), len(names) + 1)}", sql)


def _plain(column: str) -> bool:
    return column.replace("_", "").isalnum()


class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
