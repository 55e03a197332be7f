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
from pathlib import Path

from impact.formats.alembic.custom_types import CustomTypes
from impact.formats.alembic.ddl import literal, quote
from impact.formats.alembic.ops import OpSql, _Unreadable
from impact.formats.pieces import Piece
from impact.formats.alembic.values import Dynamic, EnumType, Scope, SequenceRef, TableRef, Text, argument, call_name, keywords, last

HARMLESS_CALLS = {"print", "get_bind", "get_context", "info", "debug", "warning", "warn", "error", "echo", "getLogger",
                  "inspect", "get_table_names", "get_columns", "has_table", "get_indexes", "get_foreign_keys",
                  "get_unique_constraints", "MetaData", "Table", "table", "column", "Session", "sessionmaker", "commit",
                  "flush", "close", "begin", "reflect", "get_pk_constraint", "get_check_constraints", "get_view_names"}
EXECUTORS = {"execute", "exec_driver_sql"}


@dataclass
class Translation:
    pieces: list[Piece] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Translator(OpSql):
    def __init__(self, module: ast.Module, source: str, path: Path | None = None) -> None:
        self.module = module
        self.source = source
        self.scope = Scope()
        self.scope.custom_types = CustomTypes(path, module)  # the project's TypeDecorators: their PostgreSQL type
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
            try:
                self._statement(stmt, batch)
            except (AttributeError, TypeError, ValueError, IndexError, KeyError, RecursionError) as exc:
                # An expression shape nobody planned for: that statement is unknown, the scan goes on.
                self._unknown(stmt, f"unexpected Python shape ({type(exc).__name__})")

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
                if self.scope.eval(keywords(ctx).get("recreate")) == "always":
                    self.out.notes.append(f"line {stmt.lineno}: batch_alter_table(recreate='always') copies the table "
                                          "(CREATE _alembic_tmp, INSERT ... SELECT, DROP, RENAME); read here as the ALTERs it stands for")
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


def _ddl_construct(node: ast.AST, scope: Scope) -> str | None:
    """`sa.schema.DropSequence(sa.schema.Sequence("s"))` and friends, as SQL."""
    verb = last(call_name(node)) if isinstance(node, ast.Call) else ""
    if verb in ("DropSequence", "CreateSequence") and node.args:
        sequence = scope.eval(node.args[0])  # `Sequence("s")`, or a name holding one (a helper's parameter)
        if isinstance(sequence, SequenceRef):
            return f"{'DROP' if verb == 'DropSequence' else 'CREATE'} SEQUENCE {quote(sequence.name)}"
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
