"""Facts about one statement read through PostgreSQL's own lexer and parser (pglast), as the
judge's checks ask for them: its tokens, the function calls in it, the columns it names twice,
the version-bound features it uses (impact/sql/features.py).

Each is a function of the statement's text alone. Reading any of them needs pglast (~35 ms to
import, more to parse), so the parsed-migration cache (impact/migration_cache.py) stores them for
the migration's statements with its parse (`of_migration`) and hands them back (`remember`): a
warm scan judges the same statements without importing pglast (issue 13). A fact not stored (a
statement longer than MAX_STORED, a new kind of check) is computed as before.
"""
from __future__ import annotations

import functools
from typing import Callable

Tokens = tuple[tuple[str, str], ...]
Calls = tuple[tuple[str, "str | None", int], ...]
_KNOWN: dict[tuple[str, str], object] = {}  # (fact, statement text) -> value, from a cached parse
MAX_KNOWN = 16_384
MAX_STORED = 100_000  # characters: a 30,000-row INSERT is not lexed twice to be stored


def known(fact: str, sql: str, compute: Callable[[str], object]):
    """`compute(sql)`, or the value a cached parse handed back for it."""
    value = _KNOWN.get((fact, sql), _KNOWN)
    return compute(sql) if value is _KNOWN else value


def remember(facts: dict[tuple[str, str], object]) -> None:
    if len(_KNOWN) + len(facts) > MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN.update(facts)


def of_migration(statements) -> dict[tuple[str, str], object]:
    """Every fact of every statement (Statement-like: .sql, .parser), to store with the parse.
    Calls and duplicate columns are asked only of statements a parser read (failure_predicates'
    guard); nothing the depth guard refuses is parsed here (libpg_query overflows the C stack)."""
    from impact.sql.features import features
    from impact.sql.guard import too_complex

    facts: dict[tuple[str, str], object] = {}
    for st in statements:
        if len(st.sql) > MAX_STORED:
            continue
        facts[("tokens", st.sql)] = tokens(st.sql)
        if st.parser != "none":
            facts[("calls", st.sql)] = calls(st.sql)
            facts[("duplicate_columns", st.sql)] = tuple(duplicate_columns(st.sql))
        if st.parser != "none" or not too_complex(st.sql):  # the version checks ask of every statement
            facts[("features", st.sql)] = features(st.sql)
    return facts


def tokens(sql: str) -> Tokens:
    """(name, text) of the SQL's lexer tokens, comments left out; () if it does not lex.

    Keyword names lose the grammar's `_P` suffix (DOMAIN_P -> DOMAIN); identifiers are IDENT.
    """
    return known("tokens", sql, _lexed)


@functools.lru_cache(maxsize=8)  # every operation of one statement asks (an 800-column ALTER lexed itself 800 times)
def _lexed(sql: str) -> Tokens:
    from pglast import scan
    from pglast.parser import ParseError

    try:
        found = scan(sql)
    except ParseError:
        return ()
    return tuple((t.name.removesuffix("_P"), sql[t.start:t.end + 1]) for t in found if not t.name.endswith("_COMMENT"))


@functools.lru_cache(maxsize=64)
def tree(sql: str):
    """pglast's tree of a one-statement `sql`, None when it does not parse (or holds several)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        parsed = parse_sql(sql)
    except (ParseError, RecursionError):
        return None
    return parsed[0].stmt if len(parsed) == 1 else None


def calls(sql: str) -> Calls:
    """(name, schema, number of arguments) of every function call in the statement."""
    return known("calls", sql, _calls)


def _calls(sql: str) -> Calls:
    found = tree(sql)
    if found is None:
        return ()
    from pglast.visitors import Visitor

    class Collect(Visitor):
        def __init__(self) -> None:
            self.calls: list[tuple[str, str | None, int]] = []

        def visit_FuncCall(self, ancestors, node) -> None:  # noqa: N802 (pglast's visitor naming)
            names = [n.sval for n in node.funcname]
            nargs = len(node.args or ()) + (1 if node.agg_star else 0)
            self.calls.append((names[-1], names[-2] if len(names) > 1 else None, nargs))

    visitor = Collect()
    visitor(found)
    return tuple(visitor.calls)


def duplicate_columns(sql: str) -> list[str]:
    """Columns named twice where PostgreSQL refuses it: CREATE TABLE, INSERT's column list, a
    view's column names (or its SELECT list when it gives none), UPDATE's SET list."""
    return list(known("duplicate_columns", sql, _duplicates))


def _duplicates(sql: str) -> tuple[str, ...]:
    node = tree(sql)
    kind = type(node).__name__
    names: list[str] = []
    if kind == "CreateStmt":
        names = [e.colname for e in node.tableElts or () if type(e).__name__ == "ColumnDef"]
    elif kind == "InsertStmt":  # `(a.x, a.y)` / `a[1], a[2]` assign parts of one column: allowed
        names = [c.name for c in node.cols or () if not c.indirection]
    elif kind == "UpdateStmt":
        names = [t.name for t in node.targetList or () if t.name and not t.indirection]
    elif kind == "ViewStmt":
        names = [a.sval for a in node.aliases or ()] or _output_names(node.query)
    seen, dup = set(), []
    for name in names:
        if name in seen and name not in dup:
            dup.append(name)
        seen.add(name)
    return tuple(dup)


def _output_names(query) -> list[str]:
    if type(query).__name__ != "SelectStmt" or not query.targetList:
        return []
    names = []
    for target in query.targetList:
        if target.name:
            names.append(target.name)
        elif type(target.val).__name__ == "ColumnRef" and type(target.val.fields[-1]).__name__ == "String":
            names.append(target.val.fields[-1].sval)
    return names
