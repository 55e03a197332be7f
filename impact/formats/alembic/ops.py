"""The `op.*` calls Alembic offers, each as the SQL its PostgreSQL implementation emits.

A mixin of the Translator (impact.formats.alembic.translate): every `_op_<name>(call, batch)`
returns the statements for one call, in Alembic's order, or raises `_Unreadable` with the
reason an argument cannot be known statically. `batch` is (table, schema, variable) inside
`with op.batch_alter_table(...)`, where the table argument is implied.
"""
from __future__ import annotations

import ast

from impact.formats.alembic.ddl import Column, fk_actions, literal, qualified, quote, read_column, render_default, render_type
from impact.formats.alembic.values import Dynamic, Entity, Scope, Text, argument, call_name, keywords, last


class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OpSql:
    scope: Scope

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
        # SQLAlchemy's before_create event: each Enum type of the table, once, before the table.
        enums = {c.creates_type.name: c.creates_type for c in columns if c.creates_type}
        types = [f"CREATE TYPE {quote(e.name)} AS ENUM ({', '.join(literal(v) for v in e.values)})" for e in enums.values()]
        return types + [f"CREATE TABLE {target} (\n    " + ",\n    ".join(body) + "\n)"] + indexes

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
        # {"username": "gin_trgm_ops"}: without its operator class a GIN index on text fails (warehouse ff0b39808d7c)
        classes = self._opt(call, "postgresql_ops")
        classes = classes if isinstance(classes, dict) else {}
        exists = " IF NOT EXISTS" if self._opt(call, "if_not_exists") is True else ""
        listed = ", ".join((c if not _plain(c) else quote(c)) + (f" {classes[c]}" if isinstance(classes.get(c), str) else "") for c in columns)
        sql = (f"CREATE {'UNIQUE ' if unique else ''}INDEX {'CONCURRENTLY ' if concurrently else ''}{exists.strip() + ' ' if exists else ''}"
               f"{quote(name)} ON {qualified(table, schema)}{f' USING {using}' if isinstance(using, str) else ''} ({listed})")
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

    # alembic_utils' entities, as its `to_sql_statement_create/drop` write them.
    def _entity(self, call) -> Entity:
        entity = self.scope.eval(argument(call, 0, "entity"))
        if not isinstance(entity, Entity):
            raise _Unreadable(entity.reason if isinstance(entity, Dynamic) else "the entity is not a PGFunction/PGTrigger/... written in the migration")
        return entity

    def _op_create_entity(self, call, batch, replace: bool = False):
        e = self._entity(call)
        create = "CREATE OR REPLACE" if replace else "CREATE"
        if e.kind == "PGFunction":
            return [f"{create} FUNCTION {quote(e.schema)}.{e.signature} {e.definition}"]
        if e.kind == "PGTrigger":
            return [f"CREATE TRIGGER {quote(e.signature)} {e.definition}"]
        if e.kind == "PGExtension":
            return [f'CREATE EXTENSION IF NOT EXISTS "{e.signature}" WITH SCHEMA {quote(e.schema)}']
        if e.kind in ("PGView", "PGMaterializedView"):
            what = "MATERIALIZED VIEW" if e.kind == "PGMaterializedView" else "VIEW"
            return [f"{create if e.kind == 'PGView' else 'CREATE'} {what} {quote(e.schema)}.{e.signature} AS {e.definition}"]
        raise _Unreadable(f"alembic_utils {e.kind} is not translated")

    def _op_replace_entity(self, call, batch):
        return self._op_create_entity(call, batch, replace=True)

    def _op_drop_entity(self, call, batch):
        e = self._entity(call)
        if e.kind == "PGTrigger":
            table = e.on_entity or "?"
            return [f"DROP TRIGGER {quote(e.signature)} ON {table}"]
        what = {"PGFunction": "FUNCTION", "PGExtension": "EXTENSION", "PGView": "VIEW", "PGMaterializedView": "MATERIALIZED VIEW"}.get(e.kind)
        if what is None:
            raise _Unreadable(f"alembic_utils {e.kind} is not translated")
        name = f'"{e.signature}"' if e.kind == "PGExtension" else f"{quote(e.schema)}.{e.signature}"
        return [f"DROP {what} {name}"]

    def _op_get_bind(self, call, batch):
        return []

    def _op_f(self, call, batch):
        return []


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


def _plain(column: str) -> bool:
    return column.replace("_", "").isalnum()
