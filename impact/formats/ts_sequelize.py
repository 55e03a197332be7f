"""sequelize-cli migrations: `queryInterface.*` calls in `up(queryInterface, Sequelize)` -> the
PostgreSQL DDL Sequelize's postgres dialect runs, one Piece per call.

    await queryInterface.removeColumn("tickets", "status");          -> ALTER TABLE tickets DROP COLUMN status
    await queryInterface.renameColumn("tickets", "a", "b");          -> ALTER TABLE tickets RENAME COLUMN a TO b
    await queryInterface.addColumn("tickets", "channel", { type: Sequelize.STRING, allowNull: false })
                                                                      -> ALTER TABLE tickets ADD COLUMN channel varchar(255) NOT NULL
    createTable, dropTable, renameTable, addIndex, removeIndex, changeColumn (type, NOT NULL, default);
    bulkInsert / bulkUpdate / bulkDelete are data changes; `queryInterface.sequelize.query("SQL")` is
    read as SQL by the SQL-call pass.

Types follow Sequelize's postgres dialect (`STRING` -> varchar(255), `DATE` -> timestamptz,
`INTEGER` -> integer, `ENUM` -> text here: its enum type is created by name, not read); a type given
as a string (`type: 'CHARACTER VARYING'`) is written as it is, as Sequelize does. `allowNull`
defaults to true, as in Sequelize. Anything else is an `unknown` piece naming the call.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import object_entries
from impact.extract.typescript.scan import Scanned
from impact.formats.alembic.ddl import literal, quote
from impact.formats.pieces import Piece
from impact.formats.ts_args import IDENT, Unreadable, read_chain, statement_pieces, string_arg, strings_arg

TYPES = {
    "STRING": "varchar(255)", "CHAR": "char(255)", "TEXT": "text", "CITEXT": "citext", "INTEGER": "integer",
    "BIGINT": "bigint", "SMALLINT": "smallint", "FLOAT": "double precision", "REAL": "real", "DOUBLE": "double precision",
    "DECIMAL": "numeric", "BOOLEAN": "boolean", "DATE": "timestamptz", "DATEONLY": "date", "TIME": "time",
    "UUID": "uuid", "JSON": "json", "JSONB": "jsonb", "BLOB": "bytea", "ENUM": "text", "INET": "inet",
}
SQL_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?")
DATA = {"bulkInsert": "insert_rows", "bulkUpdate": "update_rows", "bulkDelete": "delete_rows"}
HARMLESS = {"sequelize", "describeTable", "showAllTables", "showAllSchemas", "tableExists"}


WHERE_ARG = {"bulkUpdate": 2, "bulkDelete": 1}  # bulkUpdate(table, values, where), bulkDelete(table, where)


def _has_where(scanned: Scanned, name: str, call) -> bool:
    """A where argument that filters (not missing, `{}`, null or undefined)."""
    index = WHERE_ARG.get(name)
    if index is None or index >= len(call.args):
        return False
    text = re.sub(r"\s+", "", scanned.text[call.args[index][0]:call.args[index][1]])
    return text not in ("{}", "null", "undefined", "")


def sequelize_builder(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    head = IDENT.match(scanned.masked, start)
    if head is None or head.group() != "queryInterface":  # up(queryInterface, Sequelize)
        return None
    links, stop = read_chain(scanned, head.end(), limit)
    if not links or links[0][1] is None or links[0][0] in HARMLESS:
        return None  # `queryInterface.sequelize.query(...)`: the SQL-call pass reads it
    name, call = links[0]
    try:
        if name in DATA:  # rows: a data change on the table, its values not read (as knex's)
            return [Piece(scanned.text[start:stop], scanned.line_of(start), scanned.line_of(stop - 1),
                          kind=DATA[name], table=string_arg(scanned, call, 0), where=_has_where(scanned, name, call))], stop
        sql = _translate(scanned, name, call)
    except Unreadable as exc:
        return statement_pieces(scanned, exc, start, stop - 1), stop
    return statement_pieces(scanned, sql, start, stop - 1), stop


def _translate(scanned: Scanned, name: str, call) -> list[str]:
    table = lambda: quote(string_arg(scanned, call, 0))  # noqa: E731
    if name == "changeColumn":
        return _change(scanned, table(), quote(string_arg(scanned, call, 1)), arg_span(call, 2))
    if name == "addIndex":
        return [_index(scanned, call, table())]
    return translate_common(scanned, name, call, _definition) or _unknown(name)


def _unknown(name: str):
    raise Unreadable(f"`queryInterface.{name}(...)` is not translated")


def translate_common(scanned: Scanned, name: str, call, definition) -> list[str] | None:
    """The calls sequelize-cli's queryInterface and db-migrate's `db` share (same arguments, same DDL);
    `definition(scanned, span)`: a column's definition in that tool's spelling. None: another call."""
    table = lambda: quote(string_arg(scanned, call, 0))  # noqa: E731
    if name == "removeColumn":
        return [f"ALTER TABLE {table()} DROP COLUMN {quote(string_arg(scanned, call, 1))}"]
    if name == "renameColumn":
        return [f"ALTER TABLE {table()} RENAME COLUMN {quote(string_arg(scanned, call, 1))} TO {quote(string_arg(scanned, call, 2))}"]
    if name == "addColumn":
        return [f"ALTER TABLE {table()} ADD COLUMN {quote(string_arg(scanned, call, 1))} {definition(scanned, arg_span(call, 2))}"]
    if name == "dropTable":
        return [f"DROP TABLE {table()}"]
    if name == "renameTable":
        return [f"ALTER TABLE {table()} RENAME TO {quote(string_arg(scanned, call, 1))}"]
    if name == "createTable":
        columns = literal_entries(scanned, arg_span(call, 1))
        return [f"CREATE TABLE {table()} ({', '.join(f'{quote(key)} {definition(scanned, span)}' for key, span in columns)})"]
    if name == "removeIndex":
        return [f"DROP INDEX {quote(string_arg(scanned, call, 1))}"]
    return None


def arg_span(call, index: int) -> tuple[int, int]:
    if index >= len(call.args):
        raise Unreadable("an argument is missing")
    return call.args[index]


def literal_entries(scanned: Scanned, span: tuple[int, int]) -> list[tuple[str, tuple[int, int]]]:
    if scanned.masked[span[0]] != "{":
        raise Unreadable("the definition is not an object literal")
    entries = object_entries(scanned, span[0])
    if any(key in ("...", "[]") or value is None for key, value in entries):
        raise Unreadable("the definition is built at run time (a spread or computed key)")
    return entries


def _definition(scanned: Scanned, span: tuple[int, int]) -> str:
    """`{ type: Sequelize.STRING(40), allowNull: false, defaultValue: "web", primaryKey: true }` or a bare type."""
    if scanned.masked[span[0]] != "{":
        return _type(scanned, span)
    options = dict(literal_entries(scanned, span))
    if "type" not in options:
        raise Unreadable("a column without a type")
    parts = [_type(scanned, options["type"])]
    if _text(scanned, options.get("primaryKey")) == "true":
        parts.append("PRIMARY KEY")
    if "defaultValue" in options:
        parts.append(f"DEFAULT {_value(scanned, options['defaultValue'])}")
    if _text(scanned, options.get("allowNull")) == "false":
        parts.append("NOT NULL")
    return " ".join(parts)


def _change(scanned: Scanned, table: str, column: str, span: tuple[int, int]) -> list[str]:
    """changeColumn sets the whole definition: type, nullability and default (Sequelize's postgres
    query generator writes each as its own ALTER COLUMN)."""
    options = dict(literal_entries(scanned, span)) if scanned.masked[span[0]] == "{" else {"type": span}
    sql = [f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {_type(scanned, options['type'])}"] if "type" in options else []
    if "allowNull" in options:
        verb = "DROP" if _text(scanned, options["allowNull"]) != "false" else "SET"
        sql.append(f"ALTER TABLE {table} ALTER COLUMN {column} {verb} NOT NULL")
    if "defaultValue" in options:
        sql.append(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {_value(scanned, options['defaultValue'])}")
    return sql or [f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"]


def _type(scanned: Scanned, span: tuple[int, int]) -> str:
    lit = scanned.literal_at(span[0])
    if lit is not None and lit.end == span[1] and not lit.has_holes and SQL_TYPE.fullmatch(lit.value().strip()):
        return lit.value().strip()  # `type: 'CHARACTER VARYING'`: Sequelize writes a string type as it is
    text = scanned.text[span[0]:span[1]].strip()
    match = re.fullmatch(r"(?:[\w$]+\.)*([A-Z]+)\s*(?:\(\s*([^)]*)\))?(?:\.UNSIGNED)?", text)
    if match is None or match.group(1) not in TYPES:
        raise Unreadable(f"type `{text[:40]}` is not translated")
    name, size = match.group(1), (match.group(2) or "").strip()
    if size and name in ("STRING", "CHAR") and size.isdigit():
        return f"{'varchar' if name == 'STRING' else 'char'}({size})"
    if size and name == "DECIMAL" and re.fullmatch(r"\d+\s*(,\s*\d+)?", size):
        return f"numeric({size})"
    return TYPES[name]


def _value(scanned: Scanned, span: tuple[int, int]) -> str:
    lit = scanned.literal_at(span[0])
    if lit is not None and lit.end == span[1] and not lit.has_holes:
        return literal(lit.value())
    text = scanned.text[span[0]:span[1]].strip()
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false|null", text):
        return text.upper() if text in ("true", "false", "null") else text
    if re.fullmatch(r"(?:[\w$]+\.)*NOW", text) or re.fullmatch(r"(?:[\w$]+\.)*fn\(\s*['\"]now['\"]\s*\)", text):
        return "CURRENT_TIMESTAMP"
    raise Unreadable(f"default `{text[:40]}` is computed")


def _text(scanned: Scanned, span: tuple[int, int] | None) -> str | None:
    return scanned.text[span[0]:span[1]].strip() if span else None


def _index(scanned: Scanned, call, table: str) -> str:
    columns = strings_arg(scanned, call, 1)
    options = dict(literal_entries(scanned, call.args[2])) if len(call.args) > 2 and scanned.masked[call.args[2][0]] == "{" else {}
    name = options.get("name")
    unique = "UNIQUE " if _text(scanned, options.get("unique")) == "true" else ""
    concurrently = "CONCURRENTLY " if _text(scanned, options.get("concurrently")) == "true" else ""
    named = f"{quote(_string_at(scanned, name))} " if name else ""
    return f"CREATE {unique}INDEX {concurrently}{named}ON {table} ({', '.join(quote(c) for c in columns)})"


def _string_at(scanned: Scanned, span: tuple[int, int]) -> str:
    lit = scanned.literal_at(span[0])
    if lit is None or lit.has_holes:
        raise Unreadable("the index name is computed")
    return lit.value()
