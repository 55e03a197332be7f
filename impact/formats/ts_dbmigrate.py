"""db-migrate's builder calls in `exports.up = function (db, cb) {...}` -> the PostgreSQL DDL its pg
driver runs, one Piece per call.

    db.createTable("settings", { name: { type: "string", length: 255, primaryKey: true, notNull: true },
                                 content: { type: "json" } }, cb)   -> CREATE TABLE settings (name varchar(255) PRIMARY KEY NOT NULL, content json)
    db.addColumn("t", "c", { type: "boolean", defaultValue: false }, cb)
    db.removeColumn("t", "c", cb), db.renameColumn("t", "a", "b", cb), db.dropTable("t", cb),
    db.renameTable("a", "b", cb), db.addIndex("t", "name", ["c"], unique, cb), db.removeIndex("t", "name", cb)

`db.runSql(...)` is read as SQL by the SQL-call pass (impact.formats.ts_classes). Unleash writes 159 of its
167 migrations with runSql; the other 8 create, alter and drop tables with these calls, and without them
the replay did not know the tables they made (`settings`: "created by none of the earlier migrations").
Types follow db-migrate's names (`string` -> varchar, with its `length`; `int` -> integer; `datetime` ->
timestamp); `autoIncrement` on an integer is serial. Anything else is an `unknown` piece naming the call.
"""
from __future__ import annotations

import re

from impact.extract.typescript.scan import Scanned
from impact.formats.alembic.ddl import literal, quote
from impact.formats.pieces import Piece
from impact.formats.ts_args import IDENT, Unreadable, read_chain, statement_pieces, string_arg, strings_arg
from impact.formats.ts_sequelize import literal_entries, translate_common

TYPES = {"string": "varchar", "char": "char", "text": "text", "int": "integer", "integer": "integer", "bigint": "bigint",
         "smallint": "smallint", "real": "real", "decimal": "numeric", "boolean": "boolean", "date": "date",
         "datetime": "timestamp", "timestamp": "timestamp", "time": "time", "blob": "bytea", "binary": "bytea",
         "json": "json", "jsonb": "jsonb", "uuid": "uuid", "serial": "serial", "bigserial": "bigserial"}
VERBS = {"createTable", "addColumn", "removeColumn", "renameColumn", "dropTable", "renameTable", "addIndex", "removeIndex",
         "changeColumn"}


def dbmigrate_builder(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    head = IDENT.match(scanned.masked, start)
    if head is None or head.group() != "db":
        return None
    links, stop = read_chain(scanned, head.end(), limit)
    if len(links) != 1 or links[0][1] is None or links[0][0] not in VERBS:
        return None  # `db.schema...` (Kysely), `db.runSql(...)` (the SQL-call pass)
    name, call = links[0]
    if not call.args or scanned.literal_at(call.args[0][0]) is None:
        return None  # db-migrate names the table first, as a string
    try:
        sql = _translate(scanned, name, call)
    except Unreadable as exc:
        return statement_pieces(scanned, exc, start, stop - 1), stop
    return statement_pieces(scanned, sql, start, stop - 1), stop


def _translate(scanned: Scanned, name: str, call) -> list[str]:
    if name == "addIndex":  # db-migrate: addIndex(table, name, columns, unique)
        unique = len(call.args) > 3 and scanned.masked[call.args[3][0]:call.args[3][1]].strip() == "true"
        columns = ", ".join(quote(c) for c in strings_arg(scanned, call, 2))
        return [f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote(string_arg(scanned, call, 1))} "
                f"ON {quote(string_arg(scanned, call, 0))} ({columns})"]
    sql = translate_common(scanned, name, call, _definition)  # the calls sequelize-cli spells the same
    if sql is None:
        raise Unreadable(f"db-migrate `db.{name}(...)` is not translated")
    return sql


def _definition(scanned: Scanned, span: tuple[int, int]) -> str:
    """`{ type: "string", length: 255, primaryKey: true, notNull: true, defaultValue: "x" }`, or a bare `"string"`."""
    if scanned.masked[span[0]] != "{":
        return _type(_value_text(scanned, span), None)
    options = {key: scanned.text[value[0]:value[1]].strip() for key, value in literal_entries(scanned, span)}
    if "type" not in options:
        raise Unreadable("a column without a type")
    data_type = _type(_unquote(options["type"]), options.get("length"))
    if options.get("autoIncrement") == "true" and data_type in ("integer", "bigint"):
        data_type = "bigserial" if data_type == "bigint" else "serial"
    parts = [data_type]
    if options.get("primaryKey") == "true":
        parts.append("PRIMARY KEY")
    if "defaultValue" in options:
        parts.append(f"DEFAULT {_default(options['defaultValue'])}")
    if options.get("notNull") == "true":
        parts.append("NOT NULL")
    if options.get("unique") == "true":
        parts.append("UNIQUE")
    return " ".join(parts)


def _type(name: str, length: str | None) -> str:
    base = TYPES.get(name.lower())
    if base is None:
        raise Unreadable(f"type `{name[:40]}` is not translated")
    return f"{base}({length})" if length and length.isdigit() and base in ("varchar", "char") else base


def _value_text(scanned: Scanned, span: tuple[int, int]) -> str:
    return _unquote(scanned.text[span[0]:span[1]].strip())


def _unquote(text: str) -> str:
    match = re.fullmatch(r"""(['"`])(.*)\1""", text, re.S)
    return match.group(2) if match else text


def _default(text: str) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?|true|false|null", text):
        return text.upper() if text in ("true", "false", "null") else text
    if re.fullmatch(r"""(['"])\w+\(\)\1""", text):
        return _unquote(text)  # `defaultValue: 'now()'`: the function, as PostgreSQL reads that default
    if re.fullmatch(r"""(['"])[^'"\\]*\1""", text):
        return literal(_unquote(text))
    raise Unreadable(f"default `{text[:40]}` is computed at run time")
