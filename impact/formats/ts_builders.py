"""Schema builders of TS/JS migration tools -> the PostgreSQL DDL they run, one Piece per call.

- knex: `knex.schema.alterTable('t', (t) => { t.dropColumn('c'); t.renameColumn('a', 'b');
  t.integer('n').notNullable(); t.string('s').nullable().alter(); })`, `createTable`, `table`,
  `dropTable(IfExists)`, `renameTable`; `knex('t').insert/update/del(...)` are data changes.
- Kysely: `db.schema.alterTable('t').dropColumn('c').addColumn('n', 'integer', (col) =>
  col.notNull()).execute()`, `createTable`, `dropTable`, `createIndex(...).on(...).column(s)`,
  `dropIndex`; constraints (`dropConstraint`, `addPrimaryKeyConstraint`, `addUniqueConstraint`,
  `addForeignKeyConstraint` with its `onDelete`/`onUpdate`, `addCheckConstraint`) on both builders; `db.insertInto/updateTable/deleteFrom('t')` are data changes.
- TypeORM's QueryRunner API: `dropColumn`, `renameColumn`, `dropTable`, `renameTable`,
  `dropIndex`, `addColumn(t, new TableColumn({ name, type, isNullable, default }))`.

Column types follow knex's PostgreSQL client (`string` -> varchar(255), `timestamp` ->
timestamptz, `increments` -> serial primary key; `timestamps(_, true)` NOT NULL DEFAULT now(),
plain `timestamps()` nullable). A dropColumn run only when `hasColumn` says the column exists is
`DROP COLUMN IF EXISTS` (impact.formats.ts_guards). A new table's column with a computed default is
created without it and the default reported unknown. Anything not listed is an `unknown` piece
naming the call. Names are written unquoted unless they need quotes, like the Alembic reader.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, call_after, literal_arg, skip_space
from impact.extract.typescript.scan import Scanned
from impact.formats.alembic.ddl import literal, quote
from impact.formats.pieces import Piece
from impact.formats.ts_guards import has_column_guarded
from impact.formats.ts_args import (IDENT, ComputedDefault, Unreadable, default_arg, read_chain, sql_argument,
                                    statement_pieces, string_arg, strings_arg)
from impact.formats.ts_args import callback_body as _callback_body

KNEX_TYPES = {
    "integer": "integer", "bigInteger": "bigint", "bigint": "bigint", "smallint": "smallint", "tinyint": "smallint",
    "text": "text", "boolean": "boolean", "date": "date", "float": "real", "double": "double precision",
    "json": "json", "jsonb": "jsonb", "uuid": "uuid", "binary": "bytea", "time": "time",
    "timestamp": "timestamptz", "datetime": "timestamptz", "dateTime": "timestamptz", "string": "varchar(255)", "decimal": "decimal(8, 2)",
    "increments": "serial", "bigIncrements": "bigserial", "enu": "text", "enum": "text",
}
HARMLESS = {"hasTable", "hasColumn", "getTable", "fn", "ref", "select", "selectFrom", "connection", "manager",
            "isTransactionActive", "startTransaction", "commitTransaction", "transaction", "log", "schema", "withSchema"}
DATA_VERBS = {"insert": "insert_rows", "update": "update_rows", "del": "delete_rows", "delete": "delete_rows",
              "insertInto": "insert_rows", "updateTable": "update_rows", "deleteFrom": "delete_rows", "truncate": "truncate"}


# -- knex -----------------------------------------------------------------------------------------
def _knex_column(scanned: Scanned, links: list[tuple[str, Call | None]], table: str, alter_table: bool) -> tuple[list[str], list[str]]:
    """One `t.<type>('name', ...)...` line: (column definitions for CREATE TABLE, statements)."""
    method, call = links[0]
    mods = {name: c for name, c in links[1:]}
    target = quote(table)
    if method in ("dropColumn", "dropColumns"):
        names = [c for i in range(len(call.args)) for c in strings_arg(scanned, call, i)]
        return [], [f"ALTER TABLE {target} DROP COLUMN{' IF EXISTS' if has_column_guarded(scanned, call.dot, table, c) else ''} {quote(c)}"
                    for c in names]
    if method == "renameColumn":
        return [], [f"ALTER TABLE {target} RENAME COLUMN {quote(string_arg(scanned, call, 0))} TO {quote(string_arg(scanned, call, 1))}"]
    if method in ("index", "unique"):
        cols = strings_arg(scanned, call, 0)
        name = string_arg(scanned, call, 1) if len(call.args) > 1 and literal_arg(scanned, call, 1) else f"{table}_{'_'.join(cols)}_{method}"
        kind = "UNIQUE INDEX" if method == "unique" else "INDEX"
        return [], [f"CREATE {kind} {quote(name)} ON {target} ({', '.join(quote(c) for c in cols)})"]
    if method in ("dropIndex", "dropUnique"):
        cols = strings_arg(scanned, call, 0)
        name = string_arg(scanned, call, 1) if len(call.args) > 1 else f"{table}_{'_'.join(cols)}_{'unique' if method == 'dropUnique' else 'index'}"
        return [], [f"DROP INDEX {quote(name)}"]
    if method in ("setNullable", "dropNullable"):
        return [], [f"ALTER TABLE {target} ALTER COLUMN {quote(string_arg(scanned, call, 0))} {'DROP' if method == 'setNullable' else 'SET'} NOT NULL"]
    if method == "foreign":
        cols, ref = strings_arg(scanned, call, 0), mods.get("references")
        into = mods.get("inTable")
        ref_col = string_arg(scanned, ref, 0) if ref else "id"
        ref_table = string_arg(scanned, into, 0) if into else ref_col.rpartition(".")[0]
        return [], [f"ALTER TABLE {target} ADD FOREIGN KEY ({', '.join(quote(c) for c in cols)}) REFERENCES {quote(ref_table)} ({quote(ref_col.rpartition('.')[2])})"]
    if method == "dropForeign":
        return [], [f"ALTER TABLE {target} DROP CONSTRAINT {quote(string_arg(scanned, call, 1) if len(call.args) > 1 else table + '_' + '_'.join(strings_arg(scanned, call, 0)) + '_foreign')}"]
    if method in ("charset", "collate", "engine", "comment", "inherits"):
        return [], []  # table options without a PostgreSQL effect on columns
    if method == "timestamps":  # (useTimestamps, defaultToNow, useCamelCase): NOT NULL DEFAULT now() only with defaultToNow
        flags = [scanned.text[a:b].strip() == "true" for a, b in call.args]
        now = " NOT NULL DEFAULT CURRENT_TIMESTAMP" if len(flags) > 1 and flags[1] else ""
        names = ("createdAt", "updatedAt") if len(flags) > 2 and flags[2] else ("created_at", "updated_at")
        defs = [f"{quote(n)} timestamptz{now}" for n in names]
        return (defs, []) if not alter_table else ([], [f"ALTER TABLE {target} ADD COLUMN {d}" for d in defs])
    if method not in KNEX_TYPES and method != "specificType":
        raise Unreadable(f"knex `.{method}(...)` is not translated")
    name = string_arg(scanned, call, 0)
    data_type = string_arg(scanned, call, 1) if method == "specificType" else KNEX_TYPES[method]
    if method == "string" and len(call.args) > 1:
        data_type = f"varchar({scanned.text[call.args[1][0]:call.args[1][1]].strip()})"
    parts = [quote(name), data_type]
    computed = None
    if "defaultTo" in mods:
        try:
            parts.append(f"DEFAULT {default_arg(scanned, mods['defaultTo'])}")
        except Unreadable as exc:
            if alter_table:
                raise
            computed = exc  # a new table's column: created, its default unknown (said, not skipped)
    if "notNullable" in mods or method in ("increments", "bigIncrements") or "primary" in mods:
        parts.append("NOT NULL")
    if method in ("increments", "bigIncrements") or "primary" in mods:
        parts.append("PRIMARY KEY")
    if "unique" in mods:
        parts.append("UNIQUE")
    if "references" in mods:
        ref = string_arg(scanned, mods["references"], 0)
        ref_table = string_arg(scanned, mods["inTable"], 0) if "inTable" in mods else ref.rpartition(".")[0]
        parts.append(f"REFERENCES {quote(ref_table)} ({quote(ref.rpartition('.')[2])})")
    if "alter" in mods and alter_table:  # knex alters type, nullability and default of an existing column
        col = quote(name)
        sql = [f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {data_type}",
               f"ALTER TABLE {target} ALTER COLUMN {col} {'SET' if 'notNullable' in mods else 'DROP'} NOT NULL"]
        sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} " + (f"SET DEFAULT {default_arg(scanned, mods['defaultTo'])}" if "defaultTo" in mods else "DROP DEFAULT"))
        return [], sql
    if alter_table:
        return [], [f"ALTER TABLE {target} ADD COLUMN {' '.join(parts)}"]
    if computed is not None:
        raise ComputedDefault(str(computed), " ".join(parts))
    return [" ".join(parts)], []


def _knex_table(scanned: Scanned, call: Call, create: bool) -> list[Piece]:
    table = string_arg(scanned, call, 0)
    body = _callback_body(scanned, *call.args[1]) if len(call.args) > 1 else None
    if body is None:
        raise Unreadable("the table callback is not a function written inline")
    param, start, end = body
    columns, pieces = [], []
    for match in re.finditer(rf"(?<![\w$.]){re.escape(param)}(?=\s*\.)", scanned.masked[start:end]):
        at = start + match.end()
        links, stop = read_chain(scanned, at, end)
        if not links or links[0][1] is None:
            continue
        try:
            defs, sql = _knex_column(scanned, links, table, alter_table=not create)
        except Unreadable as exc:
            columns += [exc.definition] if isinstance(exc, ComputedDefault) else []
            pieces += statement_pieces(scanned, exc, start + match.start(), stop)
            continue
        columns += defs
        pieces += statement_pieces(scanned, sql, start + match.start(), stop)
    if create:
        line = scanned.line_of(call.dot)
        pieces.insert(0, Piece(f"CREATE TABLE {quote(table)} (\n  " + ",\n  ".join(columns) + "\n);", line, scanned.line_of(call.close)))
    return pieces


def knex_builder(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    head = IDENT.match(scanned.masked, start)
    if head is None or head.group() == "this":
        head = re.compile(r"this\.[\w$]+").match(scanned.masked, start)
    links, stop = read_chain(scanned, head.end(), limit)
    names = [name for name, _ in links]
    if "schema" not in names:
        return None
    pieces: list[Piece] = []
    for name, call in links[names.index("schema") + 1:]:
        if name in ("then", "catch", "finally", "asCallback"):
            stop = call.dot if call else stop  # what the promise callbacks run is read on its own
            break
        if call is None or name in HARMLESS:
            continue
        try:
            if name in ("alterTable", "table", "createTable", "createTableIfNotExists") and len(call.args) >= 2:
                pieces += _knex_table(scanned, call, create=name.startswith("create"))
            elif name in ("dropTable", "dropTableIfExists"):
                exists = " IF EXISTS" if name.endswith("IfExists") else ""
                pieces += statement_pieces(scanned, [f"DROP TABLE{exists} {quote(string_arg(scanned, call, 0))}"], call.dot, call.close)
            elif name == "raw" and call.args:  # knex.schema....raw(`SQL`): run in the chain's order
                sql = sql_argument(scanned, *call.args[0])
                if isinstance(sql, tuple):
                    raise Unreadable(sql[0])
                pieces += [Piece(sql, scanned.line_of(call.dot), scanned.line_of(call.close))] if sql and sql.strip() else []
            elif name == "renameTable":
                pieces += statement_pieces(scanned, [f"ALTER TABLE {quote(string_arg(scanned, call, 0))} RENAME TO {quote(string_arg(scanned, call, 1))}"], call.dot, call.close)
            else:
                return None  # not knex's builder (Kysely's chain has one-argument alterTable)
        except Unreadable as exc:
            pieces += statement_pieces(scanned, exc, call.dot, call.close)
    return pieces, stop


def knex_data(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    """`knex('t').insert(...)` / `.update(...)` / `.del()`: a data change on t."""
    head = IDENT.match(scanned.masked, start)
    call = call_after(scanned, head.group(), start, head.end()) if head else None
    if call is None:
        return None
    links, stop = read_chain(scanned, call.close + 1, limit)
    verb = next((n for n, c in links if n in DATA_VERBS and c is not None), None)
    if verb is None:
        return [], stop  # a read
    try:
        table = string_arg(scanned, call, 0)
    except Unreadable as exc:
        return statement_pieces(scanned, exc, start, stop - 1), stop
    return [Piece(scanned.text[start:stop], scanned.line_of(start), scanned.line_of(stop - 1), kind=DATA_VERBS[verb], table=table,
                  where=_filters(links))], stop


def _filters(links: list[tuple[str, Call | None]]) -> bool:
    """A `.where(...)` (`whereIn`, `andWhere`, `whereRef`, ...) in a data change's chain: it changes some rows, not all."""
    return any("where" in name.lower() and call is not None for name, call in links)


# -- Kysely ---------------------------------------------------------------------------------------
def _kysely_column_sql(scanned: Scanned, call: Call) -> str:
    name, data_type = string_arg(scanned, call, 0), string_arg(scanned, call, 1) if literal_arg(scanned, call, 1) else None
    if data_type is None and len(call.args) > 1:  # sql`bytea`: a raw type without holes
        raw = re.fullmatch(r"sql\s*`([^`$]*)`", scanned.text[call.args[1][0]:call.args[1][1]].strip())
        data_type = raw.group(1).strip() if raw and raw.group(1).strip() else None
    if data_type is None:
        raise Unreadable("the column type is not a string literal")
    parts = [quote(name), data_type]
    if len(call.args) > 2:
        body = _callback_body(scanned, *call.args[2])
        links, _ = read_chain(scanned, body[1] + len(body[0]), body[2]) if body else ([], 0)
        mods = {n: c for n, c in links}
        if "defaultTo" in mods:
            parts.append(f"DEFAULT {default_arg(scanned, mods['defaultTo'])}")
        if "notNull" in mods or "primaryKey" in mods:
            parts.append("NOT NULL")
        if "primaryKey" in mods:
            parts.append("PRIMARY KEY")
        if "unique" in mods:
            parts.append("UNIQUE")
        if "references" in mods:
            ref = string_arg(scanned, mods["references"], 0)
            parts.append(f"REFERENCES {quote(ref.rpartition('.')[0])} ({quote(ref.rpartition('.')[2])})")
    return " ".join(parts)


KYSELY_CONSTRAINTS = {"addPrimaryKeyConstraint", "addUniqueConstraint", "addForeignKeyConstraint", "addCheckConstraint"}
KYSELY_REFERENTIAL = {"onDelete": "ON DELETE", "onUpdate": "ON UPDATE"}


def _kysely_constraint(scanned: Scanned, method: str, call: Call) -> str:
    """`addUniqueConstraint('u', ['a', 'b'])` -> `CONSTRAINT u UNIQUE (a, b)` (and the other three)."""
    name = quote(string_arg(scanned, call, 0))
    if method == "addCheckConstraint":
        return f"CONSTRAINT {name} CHECK ({default_arg(scanned, Call('', 0, 0, 0, call.args[1:2]))})"
    columns = ", ".join(quote(c) for c in strings_arg(scanned, call, 1))
    if method == "addForeignKeyConstraint":
        refs = ", ".join(quote(c) for c in strings_arg(scanned, call, 3))
        sql = f"CONSTRAINT {name} FOREIGN KEY ({columns}) REFERENCES {quote(string_arg(scanned, call, 2))} ({refs})"
        body = _callback_body(scanned, *call.args[4]) if len(call.args) > 4 else None  # (cb) => cb.onDelete('cascade')
        links, _ = read_chain(scanned, body[1] + len(body[0]), body[2]) if body else ([], 0)
        return " ".join([sql] + [_referential(scanned, n, c) for n, c in links if n in KYSELY_REFERENTIAL and c])
    return f"CONSTRAINT {name} {'PRIMARY KEY' if method == 'addPrimaryKeyConstraint' else 'UNIQUE'} ({columns})"


def _referential(scanned: Scanned, method: str, call: Call) -> str:
    """`.onDelete('cascade')` after a foreign key: `ON DELETE CASCADE`."""
    action = string_arg(scanned, call, 0)
    if action.lower() not in ("cascade", "set null", "set default", "restrict", "no action"):
        raise Unreadable(f"`{method}('{action}')` is no referential action")
    return f"{KYSELY_REFERENTIAL[method]} {action.upper()}"


def kysely_builder(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    head = IDENT.match(scanned.masked, start)
    links, stop = read_chain(scanned, head.end(), limit)
    names = [name for name, _ in links]
    if names and names[0] in DATA_VERBS and links[0][1] is not None:
        call = links[0][1]
        try:
            table = string_arg(scanned, call, 0)
        except Unreadable as exc:
            return statement_pieces(scanned, exc, start, stop - 1), stop
        line = scanned.line_of(start)
        return [Piece(scanned.text[start:stop], line, scanned.line_of(stop), kind=DATA_VERBS[names[0]], table=table,
                      where=_filters(links[1:]))], stop
    if "schema" not in names:
        return None
    rest = links[names.index("schema") + 1:]
    if not rest or rest[0][1] is None:
        return None
    verb, first = rest[0]
    try:
        table = string_arg(scanned, first, 0)
        target, sql = quote(table), []
        mods = [(n, c) for n, c in rest[1:] if c is not None]
        if verb == "alterTable":
            for name, call in mods:
                if name == "dropColumn":
                    sql.append(f"ALTER TABLE {target} DROP COLUMN {quote(string_arg(scanned, call, 0))}")
                elif name == "renameColumn":
                    sql.append(f"ALTER TABLE {target} RENAME COLUMN {quote(string_arg(scanned, call, 0))} TO {quote(string_arg(scanned, call, 1))}")
                elif name == "addColumn":
                    sql.append(f"ALTER TABLE {target} ADD COLUMN {_kysely_column_sql(scanned, call)}")
                elif name == "renameTo":
                    sql.append(f"ALTER TABLE {target} RENAME TO {quote(string_arg(scanned, call, 0))}")
                elif name == "alterColumn":
                    col = quote(string_arg(scanned, call, 0))
                    body = _callback_body(scanned, *call.args[1]) if len(call.args) > 1 else None
                    inner, _ = read_chain(scanned, body[1] + len(body[0]), body[2]) if body else ([], 0)
                    for what, c in inner:
                        if what == "setDataType":
                            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {string_arg(scanned, c, 0)}")
                        elif what in ("setNotNull", "dropNotNull"):
                            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} {'SET' if what == 'setNotNull' else 'DROP'} NOT NULL")
                        elif what == "setDefault":
                            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT {default_arg(scanned, c)}")
                        elif what == "dropDefault":
                            sql.append(f"ALTER TABLE {target} ALTER COLUMN {col} DROP DEFAULT")
                elif name == "dropConstraint":
                    sql.append(f"ALTER TABLE {target} DROP CONSTRAINT {quote(string_arg(scanned, call, 0))}")
                elif name in KYSELY_CONSTRAINTS:
                    sql.append(f"ALTER TABLE {target} ADD {_kysely_constraint(scanned, name, call)}")
                elif name in KYSELY_REFERENTIAL and sql and " FOREIGN KEY " in sql[-1]:
                    sql[-1] += f" {_referential(scanned, name, call)}"
                elif name not in ("execute", "ifExists"):
                    raise Unreadable(f"Kysely `.{name}(...)` is not translated")
        elif verb == "createTable":
            columns = []
            for name, call in mods:
                if name == "addColumn":
                    columns.append(_kysely_column_sql(scanned, call))
                elif name in KYSELY_CONSTRAINTS:
                    columns.append(_kysely_constraint(scanned, name, call))
                elif name in KYSELY_REFERENTIAL and columns and " FOREIGN KEY " in columns[-1]:
                    columns[-1] += f" {_referential(scanned, name, call)}"
            exists = " IF NOT EXISTS" if any(n == "ifNotExists" for n, _ in mods) else ""
            sql.append(f"CREATE TABLE{exists} {target} (\n  " + ",\n  ".join(columns) + "\n)")
        elif verb == "dropTable":
            sql.append(f"DROP TABLE{' IF EXISTS' if any(n == 'ifExists' for n, _ in mods) else ''} {target}")
        elif verb == "createIndex":
            on = next((c for n, c in mods if n == "on"), None)
            cols = [c for n, call in mods if n in ("column", "columns") for c in strings_arg(scanned, call, 0)]
            unique = "UNIQUE " if any(n == "unique" for n, _ in mods) else ""
            sql.append(f"CREATE {unique}INDEX {target} ON {quote(string_arg(scanned, on, 0))} ({', '.join(quote(c) for c in cols)})")
        elif verb == "dropIndex":
            sql.append(f"DROP INDEX {target}")
        else:
            raise Unreadable(f"Kysely `schema.{verb}(...)` is not translated")
    except Unreadable as exc:
        return statement_pieces(scanned, exc, start, stop - 1), stop
    return statement_pieces(scanned, sql, start, stop - 1), stop


# -- TypeORM's QueryRunner API ---------------------------------------------------------------------
def _option(scanned: Scanned, begin: int, end: int, key: str) -> str | None:
    match = re.search(rf"\b{key}\s*:\s*", scanned.masked[begin:end])
    if match is None:
        return None
    at = begin + match.end()
    lit = scanned.literal_at(at)
    if lit is not None:
        return literal(lit.value()) if key == "default" and lit.value()[:1] != "'" else lit.value()
    word = re.match(r"[\w.()]+", scanned.masked[at:end])
    return word.group() if word else None


def typeorm_runner(scanned: Scanned, start: int, limit: int) -> tuple[list[Piece], int] | None:
    head = IDENT.match(scanned.masked, start)
    if head is None:
        return None
    links, stop = read_chain(scanned, head.end(), limit)
    if not links or links[0][1] is None:
        return None
    name, call = links[0]
    if name in ("query", "raw", "addSql", "runSql"):
        return None  # SQL given as text (db-migrate's `db.runSql`): read by the SQL-call pass
    if name in HARMLESS:
        return [], stop
    try:
        if name == "dropColumn":
            sql = [f"ALTER TABLE {quote(string_arg(scanned, call, 0))} DROP COLUMN {quote(string_arg(scanned, call, 1))}"]
        elif name == "renameColumn":
            sql = [f"ALTER TABLE {quote(string_arg(scanned, call, 0))} RENAME COLUMN {quote(string_arg(scanned, call, 1))} TO {quote(string_arg(scanned, call, 2))}"]
        elif name == "dropTable":
            sql = [f"DROP TABLE {quote(string_arg(scanned, call, 0))}"]
        elif name == "renameTable":
            sql = [f"ALTER TABLE {quote(string_arg(scanned, call, 0))} RENAME TO {quote(string_arg(scanned, call, 1))}"]
        elif name == "dropIndex":
            sql = [f"DROP INDEX {quote(string_arg(scanned, call, 1))}"]
        elif name == "addColumn" and len(call.args) > 1 and "TableColumn" in scanned.masked[call.args[1][0]:call.args[1][1]]:
            begin, end = call.args[1]
            col, data_type = _option(scanned, begin, end, "name"), _option(scanned, begin, end, "type")
            if not col or not data_type:
                raise Unreadable("the TableColumn's name or type is not a literal")
            nullable = _option(scanned, begin, end, "isNullable")
            default = _option(scanned, begin, end, "default")
            parts = [quote(col), data_type] + ([f"DEFAULT {default}"] if default else []) + ([] if nullable == "true" else ["NOT NULL"])
            sql = [f"ALTER TABLE {quote(string_arg(scanned, call, 0))} ADD COLUMN {' '.join(parts)}"]
        else:
            raise Unreadable(f"`{scanned.text[start:head.end()]}.{name}(...)` is not translated")
    except Unreadable as exc:
        return statement_pieces(scanned, exc, start, stop - 1), stop
    return statement_pieces(scanned, sql, start, stop - 1), stop
