"""SQL that re-creates a dropped index, policy or constraint from the statement that created it.

The rollback plan used to write "-- re-create index X from its previous definition" and leave the
work to the reader, so `impact rollback` refused any migration that drops an index. The replay of the
earlier migrations knows the statement that created it; pglast re-parses that statement and its
deparser writes it back (not a text edit: quoting, USING, INCLUDE, opclasses and WHERE survive) with
three changes:
- no CONCURRENTLY: the rollback runs in one transaction, where PostgreSQL refuses it;
- IF NOT EXISTS on an index, so a half-finished manual repair does not stop the rollback;
- the table under the name it has now (a RENAME TABLE since keeps its indexes and policies).
A constraint is cut out of the ALTER TABLE or CREATE TABLE that made it (found by its name, or by the
name PostgreSQL gave it: impact.sql.pg_operations) and written as `ALTER TABLE t ADD CONSTRAINT …`,
its NOT VALID, ON DELETE and DEFERRABLE as they were; a column's inline constraint gets its column.

It refuses (None: the plan keeps its comment, now naming where the definition is) when a column the
definition names is not a column of the table now (renamed or dropped since: the old statement would
fail or build something else), or when the statement is not the kind expected (an ALTER POLICY
replaced the original). Known limit: columns of other tables named in a policy's subquery are not
checked; if one was renamed, the rollback fails in its transaction and changes nothing.
"""
from __future__ import annotations

from collections.abc import Collection


def recreate_index(sql: str, table: str, columns: Collection[str]) -> str | None:
    """CREATE INDEX as `sql` wrote it, on `table` as it is named now; None when it cannot be trusted."""
    stmt = _statement(sql, "IndexStmt")
    if stmt is None or not _names_known(stmt, columns, index=True):
        return None
    stmt.concurrent = False
    stmt.if_not_exists = True
    stmt.relation.relname = table
    return _deparsed(stmt)


def recreate_policy(sql: str, table: str, columns: Collection[str]) -> str | None:
    """CREATE POLICY as `sql` wrote it, on `table` as it is named now; None when it cannot be trusted."""
    stmt = _statement(sql, "CreatePolicyStmt")
    if stmt is None or not _names_known(stmt, columns, index=False):
        return None
    stmt.table.relname = table
    return _deparsed(stmt)


def recreate_constraint(sql: str, name: str, table: str, columns: Collection[str]) -> str | None:
    """ALTER TABLE … ADD CONSTRAINT as `sql` (an ALTER or CREATE TABLE) defined `name`; None when not found or not trusted."""
    from pglast import ast
    from pglast.enums import AlterTableType, DropBehavior, ObjectType

    stmt = _statement(sql, "AlterTableStmt") or _statement(sql, "CreateStmt")
    constraint = _constraint_named(stmt, name) if stmt is not None else None
    if constraint is None or constraint.indexname or not _names_known(constraint, columns, index=False) or not set(_keys(constraint)) <= set(columns):
        return None
    relation = ast.RangeVar(relname=table, schemaname=stmt.relation.schemaname, inh=True, relpersistence="p")
    command = ast.AlterTableCmd(subtype=AlterTableType.AT_AddConstraint, def_=constraint, behavior=DropBehavior.DROP_RESTRICT)
    return _deparsed(ast.AlterTableStmt(relation=relation, cmds=(command,), objtype=ObjectType.OBJECT_TABLE))


def _constraint_named(stmt, name: str):
    """The Constraint node PostgreSQL stores as `name`, with its column filled in when it was inline."""
    from pglast import ast
    from pglast.enums import ConstrType

    from impact.sql.pg_operations import _named

    if type(stmt).__name__ == "AlterTableStmt":
        found = [cmd.def_ for cmd in stmt.cmds or () if isinstance(cmd.def_, ast.Constraint) and cmd.def_.conname == name]
        return found[0] if len(found) == 1 else None
    keyed = {ConstrType.CONSTR_CHECK, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_EXCLUSION}
    table = stmt.relation.relname
    columns = [e.colname for e in stmt.tableElts or () if isinstance(e, ast.ColumnDef)]
    for element in stmt.tableElts or ():
        inline = [(c, element.colname) for c in element.constraints or ()] if isinstance(element, ast.ColumnDef) else [(element, None)]
        for c, column in inline:
            if not isinstance(c, ast.Constraint) or c.contype not in keyed:
                continue
            own = c.conname or _named(table, c, (column,) if column else None, columns)[0]
            if own != name:
                continue
            c.conname = own  # PostgreSQL's name for it, written out: the re-created one must answer to it
            if column and c.contype is ConstrType.CONSTR_FOREIGN:
                c.fk_attrs = (ast.String(sval=column),)
            elif column and c.contype is not ConstrType.CONSTR_CHECK:
                c.keys = (ast.String(sval=column),)
            return c
    return None


def _keys(constraint) -> list[str]:
    return [k.sval for k in (*(constraint.keys or ()), *(constraint.fk_attrs or ())) if hasattr(k, "sval")]


def inverse_rename(sql: str) -> str | None:
    """`ALTER TYPE/INDEX/SEQUENCE/VIEW/SCHEMA … a RENAME TO b`, `RENAME CONSTRAINT/TRIGGER a TO b`
    undone: b back to a (formbricks renamed its Connector enums; the plan said "undo by hand").
    None for what is not a rename of a named object (a function's, with its arguments)."""
    from pglast import ast

    stmt = _statement(sql, "RenameStmt")
    if stmt is None or not stmt.newname:
        return None
    new = stmt.newname
    if stmt.subname:  # the renamed thing is named apart from its table (constraint, trigger, policy), or a schema
        stmt.subname, stmt.newname = new, stmt.subname
    elif stmt.relation is not None:  # an index, sequence, view: the relation is the renamed thing
        stmt.relation.relname, stmt.newname = new, stmt.relation.relname
    elif isinstance(stmt.object, tuple) and stmt.object and all(isinstance(part, ast.String) for part in stmt.object):
        *prefix, last = stmt.object
        stmt.object, stmt.newname = (*prefix, ast.String(sval=new)), last.sval
    else:
        return None
    return _deparsed(stmt)


def _statement(sql: str, kind: str):
    import pglast  # only when a migration drops an index or policy

    try:
        parsed = pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return None
    stmts = [raw.stmt for raw in parsed]
    return stmts[0] if len(stmts) == 1 and type(stmts[0]).__name__ == kind else None


def _names_known(stmt, columns: Collection[str], index: bool) -> bool:
    """Every column the definition names is a column of the table now. A policy's qualified names
    (`m.user_id` in a subquery) belong to other tables: not checked."""
    from pglast.visitors import Visitor

    named: set[str] = set()

    class Names(Visitor):
        def visit_ColumnRef(self, ancestors, node):
            fields = [f.sval for f in node.fields if hasattr(f, "sval")]
            if fields and (index or len(fields) == 1):
                named.add(fields[-1])

        def visit_IndexElem(self, ancestors, node):
            if node.name:
                named.add(node.name)

    Names()(stmt)
    known = set(columns)
    return all(name in known for name in named)


def _deparsed(stmt) -> str | None:
    from pglast.stream import RawStream

    try:
        return RawStream()(stmt) + ";"
    except Exception:  # noqa: BLE001 - pglast's deparser raises plain errors on nodes it cannot write; keep the comment
        return None
