"""The application's own queries, PREPAREd against the migrated schema.

PREPARE parses, resolves every table, column, function and operator and plans the statement
without running it: exactly "does this query still work", with nothing written. Query.sql carries
the driver's placeholders (psycopg `%s`/`%(name)s`, SQLAlchemy `:name`, qmark `?`, node-postgres
`$1`, template helpers' `{{name}}`); PostgreSQL only knows `$n`, so they are renumbered first. The pass is lexer-aware: string
literals, quoted identifiers, dollar-quoted bodies and comments are found first and left untouched,
so `'%s'` or `'a?b'` inside a literal stay text. (PostgreSQL's own scanner, pglast.scan, cannot be
used for this: it reads `=%s` or `=?` as one operator token.)
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

from impact.db.checks import Outcome, pg_message, quietly

HOLE = re.compile(r"\bimpact_hole_\d+\b")  # what the extractors put where code interpolates
LITERAL = "\x01"  # mask for literals and quoted identifiers: an operand, never a placeholder
# `IN %s` / `IN :ids`: psycopg2 and SQLAlchemy expand one list parameter into `(a, b)`. As
# `= ANY($n)` (NOT IN: `<> ALL($n)`) PostgreSQL types $n as an array of the column's type, so it
# prepares exactly when the column exists.
IN_LIST = r"(?P<inlist>\b(?:[Nn][Oo][Tt]\s+)?[Ii][Nn]\s*)(?=%\(|%[sbt](?!\w)|:[A-Za-z_]|\?(?![|&#?\-]))"
PLACEHOLDER = re.compile(
    IN_LIST + r"|(?P<escape>%%)|%\((?P<pyname>[^()%\s]+)\)[sbt]|(?P<pypos>%[sbt])(?!\w)"
    # umami's rawQuery (and other template helpers): `{{name}}`, `{{name::uuid}}` (the cast stays).
    r"|\{\{\s*(?P<mustache>[A-Za-z_]\w*)\s*(?P<cast>::[^{}]*?)?\s*\}\}"
    r"|(?<![:\w$]):(?P<colon>[A-Za-z_]\w*)"
    r"|(?P<qmark>\?)(?![|&#?\-])"  # ?| ?& ?# ?- are operators (jsonb, geometry)
)
PERCENT = re.compile(r"%\([^()%\s]+\)[sbt]|%[sbt](?!\w)")
DOLLAR = re.compile(r"(?<![\w$])\$(\d+)")
DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
LAST_WORD = re.compile(r"([A-Za-z_]\w*)\s*$")
# After one of these keywords a `?` is a value (LIMIT ?, AND ?, LIKE ?); after any other word it is
# the jsonb operator (`tags ? 'x'`).
VALUE_KEYWORDS = RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS
PREPARABLE = re.compile(r"^[\s(]*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES|TABLE|MERGE)\b", re.IGNORECASE)
INDETERMINATE = "42P18"  # could not determine data type of parameter $n
_names = itertools.count(1)


@dataclass(frozen=True)
class Preparable:
    statements: tuple[str, ...] = ()
    skip: str = ""  # why the query cannot be checked statically (not a failure)


def spans(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) covering sql; kind is code, literal (strings, quoted names) or comment."""
    out, code_start, i, n = [], 0, 0, len(sql)
    while i < n:
        end, kind = _quoted_end(sql, i)
        if end is None:
            i += 1
            continue
        if code_start < i:
            out.append((code_start, i, "code"))
        out.append((i, end, kind))
        code_start = i = end
    if code_start < n:
        out.append((code_start, n, "code"))
    return out


def _quoted_end(sql: str, i: int) -> tuple[int | None, str]:
    ch, n = sql[i], len(sql)
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return (n if end < 0 else end), "comment"
    if sql.startswith("/*", i):  # PostgreSQL block comments nest
        depth, j = 0, i
        while j < n:
            if sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j, "comment"
            else:
                j += 1
        return n, "comment"
    if ch in "'\"":
        backslashes = ch == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] in "_$"))
        j = i + 1
        while j < n:
            if backslashes and sql[j] == "\\":
                j += 2
            elif sql[j] == ch:
                if sql.startswith(ch * 2, j):
                    j += 2
                    continue
                return j + 1, "literal"
            else:
                j += 1
        return n, "literal"
    if ch == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
        tag = DOLLAR_TAG.match(sql, i)
        if tag:
            close = sql.find(tag.group(), tag.end())
            return (n if close < 0 else close + len(tag.group())), "literal"
    return None, ""


def _masked(sql: str) -> str:
    """sql with literals as LITERAL and comments as spaces, position for position."""
    parts = [sql[a:b] if kind == "code" else (LITERAL if kind == "literal" else " ") * (b - a) for a, b, kind in spans(sql)]
    return "".join(parts)


def needs_values(sql: str) -> bool:
    """A query or data change with `$n` outside literals: it runs only with the values its code
    passes (warehouse's Alembic batch UPDATE ... LIMIT :batch_size). A function body's `$1` is
    inside a literal, so CREATE FUNCTION is not one."""
    masked = _masked(sql)
    return bool(PREPARABLE.match(masked) and DOLLAR.search(masked))


def convert_placeholders(sql: str) -> str:
    """The driver's placeholders as `$n`: named ones keep one number, new numbers follow any `$n`
    already there, and `%%` becomes `%` when the text is a psycopg format (as psycopg does)."""
    masked = _masked(sql)
    percent = bool(PERCENT.search(masked))
    counter = itertools.count(max((int(n) for n in DOLLAR.findall(masked)), default=0) + 1)
    named: dict[str, str] = {}
    out, last, close = [], 0, False
    for m in PLACEHOLDER.finditer(masked):
        kind = "mustache" if m.group("mustache") else m.lastgroup
        if kind == "inlist":
            out += [sql[last:m.start()], "<> ALL(" if m.group("inlist")[:3].upper() == "NOT" else "= ANY("]
            last, close = m.end(), True
            continue
        if kind == "escape":
            replacement = "%" if percent else None
        elif kind in ("pyname", "colon", "mustache"):
            key = f"{kind}:{m.group(kind)}"
            if key not in named:
                named[key] = f"${next(counter)}"
            replacement = named[key] + ((m.group("cast") or "") if kind == "mustache" else "")
        elif kind == "qmark" and _is_operator(masked[:m.start()]):
            replacement = None
        else:
            replacement = f"${next(counter)}"
        if replacement is not None:
            out += [sql[last:m.start()], replacement + (")" if close else "")]
            last = m.end()
        close = False
    return "".join(out) + sql[last:]


def _is_operator(before: str) -> bool:
    """A `?` right after an operand (a name that is not a keyword, a literal, `)` or `]`) is an operator."""
    text = before.rstrip()
    if not text or text[-1] not in ")]" + LITERAL and not (text[-1].isalnum() or text[-1] == "_"):
        return False
    word = LAST_WORD.search(text)
    return not (word and word.group(1).lower() in VALUE_KEYWORDS)


def split(sql: str) -> list[str]:
    """Top-level statements of a string (a `;` inside a literal or comment does not split)."""
    cuts = [a + i for a, b, kind in spans(sql) if kind == "code" for i, ch in enumerate(sql[a:b]) if ch == ";"]
    bounds = [-1, *cuts, len(sql)]
    return [sql[bounds[k] + 1:bounds[k + 1]] for k in range(len(bounds) - 1) if _masked(sql[bounds[k] + 1:bounds[k + 1]]).strip()]


def to_preparable(sql: str | None) -> Preparable:
    if sql is None:
        return Preparable(skip="built at run time")
    if HOLE.search(sql):
        return Preparable(skip="built at run time: values interpolated into the SQL text")
    statements = tuple(convert_placeholders(s).strip() for s in split(sql))
    for statement in statements:
        if not PREPARABLE.match(_masked(statement)):
            word = (_masked(statement).split() or ["?"])[0].upper()
            return Preparable(skip=f"{word} cannot be PREPAREd")
    return Preparable(statements) if statements else Preparable(skip="no SQL statement")


def prepare(cur, sql: str | None, where: str = "") -> Outcome:
    """PREPARE each statement (then DEALLOCATE: prepared statements outlive a rollback), each in
    its own savepoint so that one failure does not abort the checks after it."""
    suffix = f" ({where})" if where else ""
    target = to_preparable(sql)
    if target.skip:
        return None, f"skipped: {target.skip}{suffix}"
    for statement in target.statements:
        name = f"impact_verify_{next(_names)}"
        _, error = quietly(cur, f"PREPARE {name} AS {statement}", f"DEALLOCATE {name}")
        if error is not None:
            if getattr(error, "sqlstate", None) == INDETERMINATE:
                return None, f"skipped: {pg_message(error)} without the application's values{suffix}"
            return False, f"{pg_message(error)}{suffix}"
    return True, "prepares"


def prepare_probe(cur, p: dict, before: dict | None) -> Outcome:
    return prepare(cur, p.get("sql"), f"{p['file']}:{p['line']}")


def prepare_all_probe(cur, p: dict, before: dict | None) -> Outcome:
    """All the queries as one check (the scan report's plan): fails naming each that fails."""
    outcomes = [prepare(cur, q["sql"], f"{q['file']}:{q['line']}") for q in p["queries"]]
    failed = [detail for passed, detail in outcomes if passed is False]
    skipped = sum(passed is None for passed, _ in outcomes)
    if failed:
        return False, f"{len(failed)} of {len(outcomes)} do not: " + "; ".join(failed)
    return True, f"{len(outcomes) - skipped} PREPAREd" + (f", {skipped} skipped (built at run time)" if skipped else "")
