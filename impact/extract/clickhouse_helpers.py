"""A project's own functions that hand their SQL to ClickHouse: `chQuery(sql)`, `getEvents(sql)`.

impact.extract.other_database tells a ClickHouse query by a client call spelling "clickhouse"
right before it. Projects wrap the client in short names: openpanel's `chQuery` (imported from
`../clickhouse-client`) and `getEvents(sql, options)`, which passes `sql` on to `chQuery`. Their
`getEvents(\\`SELECT * FROM events WHERE project_id = …\\`)` ran on ClickHouse, yet was 9 of the
queries "breaking" a rename of PostgreSQL's `events.project_id` (the authors changed none of them).

Decision: a helper is
- a name imported from a module whose specifier spells ClickHouse (`from '../clickhouse-client'`,
  `from '@/lib/clickhouse'`), except the client package itself (`@clickhouse/client`: its
  `createClient` takes no SQL);
- a function declared in a read file (`function f(sql, …)`, `const f = async (sql) =>`) whose
  body calls a helper with one of its parameters as the first argument; repeated until no new
  name is found (a wrapper of a wrapper).
A raw SQL literal written as the first argument of a direct call of a helper (never a method
call: `pool.query(` stays PostgreSQL's) runs on ClickHouse, in a file that imports or declares
that name (another package's function of the same name is not the helper).

Known limit: only the files that mention the migration's names are read; a helper declared in a
file that names none of them (and imported under its own name by none of them) is not found.
"""
from __future__ import annotations

import re
from collections.abc import Iterable


_IMPORT = re.compile(r"\bimport\s+(?:type\s+)?([^;]*?)\s+from\s+['\"]([^'\"]+)['\"]", re.DOTALL)
_NAMED = re.compile(r"\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*(\w+)")
# `function f(a, b)`, `const f = async (a: string) =>`, `const f = async function (a)`.
_DECLARED = re.compile(
    r"\bfunction\s+(\w+)\s*(?:<[^>()]*>)?\s*\(([^)]*)\)"
    r"|\b(?:const|let|var)\s+(\w+)\s*(?::[^=]{0,80})?=\s*(?:async\s+)?(?:function\s*\w*\s*)?(?:<[^>()]*>)?\s*\(([^)]*)\)")
_CLIENT_PACKAGE = re.compile(r"^@clickhouse/")
# `chQuery<{ total: number; day: number }>(`: a row type's members end in `;`.
_TYPE_ARGUMENTS = r"(?:<[^()`'\"]{0,300}?>\s*)?"


def spells_clickhouse(text: str) -> bool:
    return "clickhouse" in text.lower()


def helper_names(texts: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The ClickHouse helpers named in these (file, text) pairs, wrappers of wrappers included."""
    texts = list(texts)
    helpers = {name for _rel, text in texts if spells_clickhouse(text) for name in _imported_from_clickhouse(text)}
    if not helpers:
        return frozenset()
    declared = [(name, params, body) for _rel, text in texts for name, params, body in _declarations(text)]
    while True:
        new = {name for name, params, body in declared if name not in helpers and _hands_on(body, params, helpers)}
        if not new:
            return frozenset(helpers)
        helpers |= new


def knows(text: str, name: str, helpers: frozenset[str]) -> bool:
    """Whether `name` in `text` is the helper: declared there as one, or imported (a function of
    the same name declared there for something else is not)."""
    own = [(params, body) for declared, params, body in _declarations(text) if declared == name]
    if own:
        return any(_hands_on(body, params, helpers) for params, body in own)
    return any(name in _local_names(clause) for clause, _source in _IMPORT.findall(text))


def call_before(helpers: frozenset[str]) -> re.Pattern | None:
    """Matches text ending in a direct call of a helper opened right before a query: `chQuery<T>(`."""
    if not helpers:
        return None
    names = "|".join(sorted(map(re.escape, helpers)))
    return re.compile(rf"(?<![\w.$])({names})\s*{_TYPE_ARGUMENTS}\(\s*$")


def handed_to(after: str, variable: str, helper_call: re.Pattern) -> re.Match | None:
    """The helper call `variable` is given to as first argument in `after` (the text from its
    declaration to the end of the function: the next top-level declaration)."""
    end = _TOP_LEVEL.search(after, 1)
    scope = after[:end.start() if end else len(after)]
    for use in re.finditer(rf"(?<![\w.$]){re.escape(variable)}\b(?!\s*[.\[=])", scope):
        if (call := helper_call.search(scope[:use.start()])) is not None:
            return call
    return None


_TOP_LEVEL = re.compile(r"^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function|class|const|let)\b", re.MULTILINE)


def _imported_from_clickhouse(text: str) -> set[str]:
    names = set()
    for clause, source in _IMPORT.findall(text):
        if spells_clickhouse(source) and not _CLIENT_PACKAGE.match(source):
            names |= _local_names(clause)
    return names


def _local_names(clause: str) -> set[str]:
    """Local names an import clause binds: `a`, `{ b, c as d }` -> a, b, d (namespaces left out)."""
    names = set()
    if (braces := _NAMED.search(clause)) is not None:
        for part in braces.group(1).split(","):
            part = part.strip().removeprefix("type ").strip()
            if part:
                names.add(part.split(" as ")[-1].strip())
    head = clause.split("{", 1)[0].split(",", 1)[0]
    if "*" not in head and (default := _DEFAULT.match(head)) is not None:
        names.add(default.group(1))
    return {n for n in names if n.isidentifier()}


def _declarations(text: str) -> list[tuple[str, list[str], str]]:
    """(name, parameter names, the text up to the next declaration) of each function in `text`."""
    found = list(_DECLARED.finditer(text))
    out = []
    for i, match in enumerate(found):
        name = match.group(1) or match.group(3)
        params = [p.split(":", 1)[0].split("=", 1)[0].strip().lstrip(".") for p in (match.group(2) or match.group(4) or "").split(",")]
        body = text[match.end(): found[i + 1].start() if i + 1 < len(found) else len(text)]
        out.append((name, [p for p in params if p.isidentifier()], body))
    return out


def _hands_on(body: str, params: list[str], helpers: set[str]) -> bool:
    if not params:
        return False
    names = "|".join(sorted(map(re.escape, helpers)))
    given = "|".join(map(re.escape, params))
    return re.search(rf"(?<![\w.$])(?:{names})\s*{_TYPE_ARGUMENTS}\(\s*(?:{given})\b(?!\s*\.)", body) is not None
