"""SQLAlchemy column and type expressions -> the PostgreSQL DDL SQLAlchemy would emit for them.

Types follow SQLAlchemy's PostgreSQL compiler (`sa.String(50)` -> VARCHAR(50), `sa.DateTime`
-> TIMESTAMP WITHOUT TIME ZONE, an autoincrementing Integer primary key -> SERIAL, ...). A type
a project's own TypeDecorator is written as the type it maps to on PostgreSQL (its `impl`, or what
`load_dialect_impl` returns for postgresql: custom_types.py), read from the repository's file defining it.
A type nobody here knows (a library's) is written as its class name: the operation is still read,
only its type name is the class's.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from impact.formats.alembic.values import Dynamic, EnumType, Scope, Text, call_name, keywords, last
from impact.sql.identifiers import quote

SIMPLE_TYPES = {
    "Integer": "INTEGER", "INTEGER": "INTEGER", "INT": "INTEGER", "BigInteger": "BIGINT", "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT", "SMALLINT": "SMALLINT", "Text": "TEXT", "TEXT": "TEXT", "UnicodeText": "TEXT",
    "Boolean": "BOOLEAN", "BOOLEAN": "BOOLEAN", "Date": "DATE", "DATE": "DATE", "Interval": "INTERVAL",
    "INTERVAL": "INTERVAL", "JSON": "JSON", "JSONB": "JSONB", "UUID": "UUID", "Uuid": "UUID", "LargeBinary": "BYTEA",
    "BYTEA": "BYTEA", "BINARY": "BYTEA", "Float": "FLOAT", "FLOAT": "FLOAT", "REAL": "REAL", "DOUBLE_PRECISION": "DOUBLE PRECISION",
    "Double": "DOUBLE PRECISION", "INET": "INET", "CIDR": "CIDR", "MACADDR": "MACADDR", "TSVECTOR": "TSVECTOR",
    "CITEXT": "CITEXT", "HSTORE": "HSTORE", "MONEY": "MONEY", "OID": "OID",
}
LENGTH_TYPES = {"String": "VARCHAR", "VARCHAR": "VARCHAR", "Unicode": "VARCHAR", "CHAR": "CHAR", "NCHAR": "CHAR", "NVARCHAR": "VARCHAR"}
PRECISION_TYPES = {"Numeric": "NUMERIC", "NUMERIC": "NUMERIC", "DECIMAL": "NUMERIC"}
def qualified(table: str, schema: str | None) -> str:
    """As SQLAlchemy writes it: an explicit schema is kept, `public` included."""
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def render_type(node: ast.AST | None, scope: Scope) -> str | Dynamic:
    if node is None:
        return Dynamic("no type given")
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = last(call_name(node)) if call_name(node) else ""
        value = scope.lookup(node.id) if isinstance(node, ast.Name) and name not in SIMPLE_TYPES else None
        if isinstance(value, EnumType):
            return quote(value.name)
        if isinstance(value, str):
            return value  # a module constant holding a type string is unusual; taken as written
        return _type_of(name, [], {}, scope, node) if name else Dynamic(f"type `{ast.unparse(node)[:40]}`")
    if isinstance(node, ast.Call):
        name = last(call_name(node))
        return _type_of(name, node.args, keywords(node), scope, node)
    return Dynamic(f"type `{ast.unparse(node)[:40]}` is computed")


def _type_of(name: str, args: list[ast.AST], kw: dict[str, ast.AST], scope: Scope, node: ast.AST | None = None,
             depth: int = 0) -> str | Dynamic:
    # The project's TypeDecorator (`app.types.JSON()`, even named as a SQLAlchemy type): the type it maps to.
    mapped = scope.custom_types.impl(node) if node is not None and scope.custom_types is not None and depth < 2 else None
    if mapped is not None:
        inner = last(call_name(mapped))
        args, kw = (mapped.args, keywords(mapped)) if isinstance(mapped, ast.Call) else ([], {})
        found = _type_of(inner, args, kw, scope, None, depth + 1) if inner else None
        # Never the class's name as SQL: the operation is then not read, and says why.
        return found if isinstance(found, str) else Dynamic(f"type `{name}` is the project's TypeDecorator of a computed PostgreSQL type")
    if name in SIMPLE_TYPES:
        return SIMPLE_TYPES[name]
    if name in LENGTH_TYPES:
        length = scope.eval(args[0] if args else kw.get("length"))
        return f"{LENGTH_TYPES[name]}({length})" if isinstance(length, int) else LENGTH_TYPES[name]
    if name in PRECISION_TYPES:
        precision = scope.eval(args[0] if args else kw.get("precision"))
        scale = scope.eval(args[1] if len(args) > 1 else kw.get("scale"))
        if isinstance(precision, int):
            return f"NUMERIC({precision}, {scale})" if isinstance(scale, int) else f"NUMERIC({precision})"
        return "NUMERIC"
    if name in ("DateTime", "TIMESTAMP", "Time", "TIME"):
        tz = scope.eval(args[0] if args else kw.get("timezone"))
        base = "TIMESTAMP" if name in ("DateTime", "TIMESTAMP") else "TIME"
        return f"{base} WITH TIME ZONE" if tz is True else f"{base} WITHOUT TIME ZONE"
    if name == "ARRAY" and args:
        item = render_type(args[0], scope)
        return item if isinstance(item, Dynamic) else f"{item}[]"
    if name == "Enum":
        enum_name = scope.eval(kw.get("name"))
        if isinstance(enum_name, str):
            return quote(enum_name)
        return Dynamic("an Enum without a static `name=`")
    if name in ("ENUM",):  # postgresql.ENUM(..., name=...)
        enum_name = scope.eval(kw.get("name"))
        return quote(enum_name) if isinstance(enum_name, str) else Dynamic("an ENUM without a static `name=`")
    if name and name[0].isupper():
        return name.upper()  # a library's custom type: its class name stands for it
    return Dynamic(f"type `{name}` is not a SQLAlchemy type")


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None  # server_default, rendered
    primary_key: bool = False
    unique: bool = False
    index: bool = False
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, column, ON DELETE/UPDATE clauses)
    identity: str = ""
    # An Enum type SQLAlchemy creates when the table is created (not by add_column, as in Alembic).
    creates_type: EnumType | None = None

    def ddl(self, serial: bool = False) -> str:
        """`serial`: the table's only primary-key column, in CREATE TABLE (SQLAlchemy's autoincrement)."""
        data_type = self.type
        if serial and self.type in ("INTEGER", "BIGINT", "SMALLINT") and self._serial:
            data_type = {"INTEGER": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}[self.type]
        parts = [quote(self.name), data_type]
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.identity:
            parts.append(self.identity)
        if not self.nullable:
            parts.append("NOT NULL")
        return " ".join(parts)

    _serial: bool = True


def render_default(node: ast.AST | None, scope: Scope) -> str | None | Dynamic:
    """server_default as SQL: a string is a quoted literal, text()/func.x() are SQL."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Call) and ".func." in f".{call_name(node)}" and not node.args:
        return f"{last(call_name(node))}()"
    if isinstance(node, ast.Call) and last(call_name(node)) in ("false", "true", "null"):
        return last(call_name(node))
    value = scope.eval(node)
    if isinstance(value, Text):
        return value.sql
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, Dynamic):
        return value
    return Dynamic(f"server_default `{ast.unparse(node)[:40]}`")


def read_column(call: ast.Call, scope: Scope) -> Column | Dynamic:
    """`sa.Column("name", sa.Type, sa.ForeignKey(...), nullable=..., server_default=...)`."""
    if last(call_name(call)) != "Column":
        return Dynamic(f"`{ast.unparse(call)[:50]}` is not a sa.Column(...)")
    args = list(call.args)
    kw = keywords(call)
    name = scope.eval(args.pop(0)) if args and not _is_type_or_fk(args[0]) else scope.eval(kw.get("name"))
    if not isinstance(name, str):
        return name if isinstance(name, Dynamic) else Dynamic("a column without a static name")
    type_node = args.pop(0) if args and not _is_fk(args[0]) else kw.get("type_")
    fks = [a for a in args if _is_fk(a)]
    data_type = render_type(type_node, scope) if type_node is not None else ("INTEGER" if fks else Dynamic("no type given"))
    if isinstance(data_type, Dynamic):
        return data_type
    primary_key = scope.eval(kw.get("primary_key")) is True
    nullable_value = scope.eval(kw.get("nullable")) if "nullable" in kw else (not primary_key)
    default = render_default(kw.get("server_default"), scope)
    if isinstance(default, Dynamic):
        return default
    column = Column(name, data_type, nullable=nullable_value is not False, default=default, primary_key=primary_key,
                    unique=scope.eval(kw.get("unique")) is True, index=scope.eval(kw.get("index")) is True)
    if primary_key:
        column.nullable = False
    column.creates_type = _created_enum(type_node, scope)
    if scope.eval(kw.get("autoincrement")) is False:
        column._serial = False
    for a in args:
        if last(call_name(a)) == "Identity":
            column.identity = "GENERATED BY DEFAULT AS IDENTITY"
            column._serial = False
    for fk in fks:
        target = scope.eval(fk.args[0]) if fk.args else None
        if isinstance(target, str) and "." in target:
            table, _, col = target.rpartition(".")
            column.foreign_keys.append((table, col, _fk_actions(keywords(fk), scope)))
    return column


def _created_enum(type_node: ast.AST | None, scope: Scope) -> EnumType | None:
    """`sa.Enum("a", name="k")` or a variable holding one; `postgresql.ENUM(..., create_type=False)` creates nothing."""
    if isinstance(type_node, ast.Call) and scope.eval(keywords(type_node).get("create_type")) is False:
        return None
    value = scope.lookup(type_node.id) if isinstance(type_node, ast.Name) else scope.eval(type_node) if isinstance(type_node, ast.Call) else None
    return value if isinstance(value, EnumType) else None


def _is_fk(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and last(call_name(node)) == "ForeignKey"


def _is_type_or_fk(node: ast.AST) -> bool:
    return _is_fk(node) or (isinstance(node, (ast.Attribute, ast.Call)) and bool(call_name(node)))


def _fk_actions(kw: dict[str, ast.AST], scope: Scope) -> str:
    clauses = []
    for key, words in (("ondelete", "ON DELETE"), ("onupdate", "ON UPDATE")):
        value = scope.eval(kw.get(key))
        if isinstance(value, str):
            clauses.append(f"{words} {value.upper()}")
    return (" " + " ".join(clauses)) if clauses else ""


def fk_actions(kw: dict[str, ast.AST], scope: Scope) -> str:
    return _fk_actions(kw, scope)
