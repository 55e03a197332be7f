"""A DO block that only runs static SQL: the statements it runs, read as the migration's own.

Idempotent migrations wrap plain DDL in PL/pgSQL: drizzle-kit's foreign keys
(`DO $$ BEGIN ALTER TABLE … ADD CONSTRAINT …; EXCEPTION WHEN duplicate_object THEN null; END $$;`)
and hand-written guards (kaneo's `IF EXISTS (SELECT 1 FROM information_schema.columns …) THEN ALTER
TABLE "session" RENAME COLUMN …; END IF;`). Read as one opaque DO block, kaneo's column rename was
"nothing breaks: no query on the changed tables" while its Drizzle schema still mapped the old name.

The body is parsed by PostgreSQL's own PL/pgSQL parser (pglast.parse_plpgsql, on the body wrapped in
a function). When it is made only of blocks, IF/ELSIF/ELSE branches, exception handlers, RAISE and
static SQL statements, each SQL statement is parsed like a statement of the file and its operations
belong to the DO statement (its line). Every branch is taken: a guarded statement is one that may
run, which is what a reviewer must check. A statement under an IF, or in a block that handles its
errors, runs only when its guard lets it: it is marked `if_exists` (as `DROP … IF EXISTS` is), so a
column the replay lacks is no "the statement will fail" (kaneo's idempotent second rename, 0007).
Anything else (a variable, a loop, dynamic EXECUTE, another language) keeps the block opaque
(OpKind.DO_BLOCK), as before.
"""
from __future__ import annotations

from dataclasses import replace

from impact.model import Operation, Statement

_IMPLICIT = {"found", "sqlstate", "sqlerrm"}  # variables every PL/pgSQL function has
_QUIET = {"PLpgSQL_stmt_raise", "PLpgSQL_stmt_return"}


def do_operations(node, st: Statement) -> list[Operation] | None:
    """The operations of the static SQL `node` (a DoStmt) runs, or None when its body is procedural."""
    found = static_statements(node)
    if not found:
        return None
    from impact.sql.parse import parse_statement  # parse imports this module (through pg_operations)

    ops: list[Operation] = []
    for sql, guarded in found:
        ops += [replace(op, statement=st, if_exists=op.if_exists or guarded) for op in parse_statement(sql, st.index, st.line, st.end_line)]
    return ops


def static_statements(node) -> list[tuple[str, bool]] | None:
    """The SQL statements of a PL/pgSQL DO body, in order, when nothing else is in it, each with
    whether a guard (an IF, an exception handler) decides that it runs."""
    body, language = None, "plpgsql"
    for arg in node.args or ():
        value = getattr(arg.arg, "sval", None)
        if arg.defname == "as":
            body = value
        elif arg.defname == "language":
            language = (value or "").lower()
    if body is None or language != "plpgsql":
        return None
    from pglast import parse_plpgsql
    from pglast.parser import ParseError

    try:
        parsed = parse_plpgsql(f"CREATE FUNCTION impact_do() RETURNS void AS $impact_do${body}$impact_do$ LANGUAGE plpgsql")
    except (ParseError, ValueError):
        return None
    function = parsed[0].get("PLpgSQL_function", {}) if parsed else {}
    names = {next(iter(d.values())).get("refname") for d in function.get("datums", ())}
    if names - _IMPLICIT:  # declared variables: statements may use them, the block is procedural
        return None
    statements: list[tuple[str, bool]] = []
    return statements if _walk([function.get("action")], statements, False) else None


def _walk(nodes, out: list[tuple[str, bool]], guarded: bool) -> bool:
    """Collect the SQL of `nodes` into `out`; False at the first procedural statement."""
    for node in nodes or ():
        if not node:
            continue
        (kind, value), = node.items()
        if kind == "PLpgSQL_stmt_execsql":
            if value.get("into"):
                return False
            out.append((value["sqlstmt"]["PLpgSQL_expr"]["query"], guarded))
        elif kind == "PLpgSQL_stmt_block":
            handlers = (value.get("exceptions") or {}).get("PLpgSQL_exception_block", {}).get("exc_list", ())
            actions = [s for h in handlers for s in h.get("PLpgSQL_exception", {}).get("action", ()) or ()]
            if not _walk(value.get("body"), out, guarded or bool(handlers)) or not _walk(actions, out, True):
                return False
        elif kind == "PLpgSQL_stmt_if":
            branches = [value.get("then_body"), value.get("else_body")]
            branches += [e.get("PLpgSQL_if_elsif", {}).get("stmts") for e in value.get("elsif_list", ()) or ()]
            if not all(_walk(b, out, True) for b in branches):
                return False
        elif kind not in _QUIET or (kind == "PLpgSQL_stmt_return" and value):
            return False
    return True
