"""Raw SQL that runs on another database (ClickHouse, ...): never evidence about PostgreSQL tables.

Projects that keep analytics in ClickHouse name its tables like their PostgreSQL ones (langfuse's
`traces`, `observations`, `scores` exist in both). A query on ClickHouse's `traces` says nothing of
a migration dropping PostgreSQL's `traces`; as evidence it was most of langfuse's false positives
(165 of 188 reported lines, bench/accuracy/RESULTS.md). Such a query is set apart, with the reason
it was told, and counted in the report like a name-only reference; it is never judged.

Decision, measured on langfuse, umami (Prisma + ClickHouse in the same files), documenso and the
fixtures (`impact scan --format json` before/after: no PostgreSQL query lost). A raw SQL query
(never an ORM call) is another database's when:
- its text uses syntax PostgreSQL does not have: `FROM t FINAL`, `LIMIT n BY`, `ENGINE =`,
  `PREWHERE`, `count()`, ClickHouse functions (`toDateTime(`, `arrayJoin(`, `argMax(`, ...), or ClickHouse's
  typed parameters `{projectId: String}` (PostgreSQL has `$1`, `:name`, `%s`);
- it is written as the argument of a ClickHouse client call (`queryClickhouse({ query: ... })`,
  `clickhouseClient().query({ query: ... })`, `clickhouse.rawQuery(...)`);
- it is written as the first argument of the project's own function that hands its SQL to a
  ClickHouse client (openpanel's `chQuery(sql)`, `getEvents(sql)`: impact.extract.clickhouse_helpers);
- its file sits below a folder named for another database (`clickhouse/`, `clickhouse-sql/`),
  unless it is handed to a PostgreSQL-only API (`prisma.$queryRaw`, `Prisma.sql`).
Signals left out, because they lost PostgreSQL queries: a file that imports `@clickhouse/client`
or calls a ClickHouse helper anywhere (umami writes the PostgreSQL and the ClickHouse variant of a
query side by side in one file; langfuse's background migrations read PostgreSQL with `$queryRaw`
and write ClickHouse); a file *name* mentioning ClickHouse (`migrate...PostgresToClickhouse.ts`).

Known limit (xfail in tests/test_other_database.py): a ClickHouse query built in a variable far from
its client call, in a folder not named for ClickHouse, in plain SQL (no ClickHouse syntax, no typed
parameter), is taken for a PostgreSQL query.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.model import Query
from impact import positions
from impact.extract import clickhouse_helpers

# Syntax PostgreSQL does not have (case-sensitive where a word could be a PostgreSQL identifier).
_SYNTAX = (
    # Upper case only, and never after a keyword: `WHERE final = true` names a column.
    ("FINAL", re.compile(r"\b(?i:FROM|JOIN)\s+[\w.\"`]+(?:\s+(?:(?i:AS)\s+)?(?!(?i:WHERE|ON|AND|OR|USING)\b)\w+)?\s+FINAL\b")),
    ("LIMIT n BY", re.compile(r"\bLIMIT\s+\d+\s+BY\b", re.IGNORECASE)),
    ("ENGINE =", re.compile(r"\bENGINE\s*=\s*\w", re.IGNORECASE)),
    ("PREWHERE", re.compile(r"\bPREWHERE\b", re.IGNORECASE)),
    ("count()", re.compile(r"\bcount\(\s*\)", re.IGNORECASE)),  # PostgreSQL wants count(*)
    ("a ClickHouse function", re.compile(
        r"\b(?:toDateTime(?:64)?|toStartOf\w+|toUnixTimestamp(?:64\w*)?|toDate|arrayJoin|argMax|argMin|uniqExact|groupArray"
        r"|groupUniqArray|anyLast|countIf|sumIf|avgIf|quantileTDigest|toFloat64|toInt64|toUInt\d+|toString|toDecimal\d+"
        r"|parseDateTime\w*|formatDateTime|mapKeys|mapValues|arrayMap|arrayFilter"
        r"|JSONExtract\w*|positionCaseInsensitive|multiSearchAny|splitByChar|tupleElement)\s*\(")),
    ("a ClickHouse query parameter", re.compile(
        r"\{\s*\w+\s*:\s*(?:String|U?Int\d+|Float\d+|Decimal|DateTime(?:64)?|Date\d*|UUID|Bool|Array|Nullable|Map|Tuple|LowCardinality)\b")),
)

# A ClickHouse client call the query is written in: `queryClickhouse<...>({ query: `, `clickhouseClient().query({`,
# `clickhouse.rawQuery(`. Looked for in the text right before the query starts.
_CLIENT_CALL = re.compile(
    r"(?:\w*clickhouse\w*(?:\(\s*\))?(?:\s*\.\s*\w+)*\s*(?:<[^;]{0,200}?>)?\s*\(\s*(?:\{[^;]{0,80}?\bquery\s*:\s*)?)$",
    re.IGNORECASE)
_CLIENT_WINDOW = 300
_CLICKHOUSE = re.compile("clickhouse", re.IGNORECASE)  # what _CLIENT_CALL cannot match without
# A folder named for another database.
_FOLDER = re.compile(r"(?:^|/)(?:[\w.-]*[-_.])?(clickhouse|mysql|sqlite|mssql|bigquery|snowflake)(?:[-_.][\w.-]*)?/", re.IGNORECASE)
# Handed to an API that only talks to PostgreSQL: stays PostgreSQL's whatever its folder.
_POSTGRES_ONLY = re.compile(r"\$(?:query|execute)Raw|\bPrisma\s*\.\s*sql\b")

_NAMES = {"clickhouse": "ClickHouse", "mysql": "MySQL", "sqlite": "SQLite", "mssql": "SQL Server",
          "bigquery": "BigQuery", "snowflake": "Snowflake"}


def other_database_reason(query: Query, text: str, line_starts: list[int] | None = None) -> str | None:
    """Why `query` (found in `text`, its file's text) runs on another database; None: PostgreSQL's."""
    if query.orm is not None or query.language == "sql" or not query.sql:
        return None
    return syntax_reason(query.sql) or _place_reason(query, text, line_starts if line_starts is not None else positions.line_starts(text))


def syntax_reason(sql: str) -> str | None:
    for what, pattern in _SYNTAX:
        if pattern.search(sql):
            return f"ClickHouse SQL ({what})"
    return None


def _place_reason(query: Query, text: str, starts: list[int]) -> str | None:
    """A ClickHouse client call right before the query, or a folder named for another database."""
    at = starts[query.line - 1] if 0 < query.line <= len(starts) else 0
    end = text.find("\n", at)
    first_line = text[at:end if end != -1 else len(text)]
    before = text[max(0, at - _CLIENT_WINDOW):at] + _up_to_query(first_line)
    if _CLIENT_CALL.search(before.rstrip(" \t\n`'\"")):
        return "passed to a ClickHouse client"
    folder = _FOLDER.search(query.file)
    if folder and not _POSTGRES_ONLY.search(before):
        return f"in a {_NAMES[folder.group(1).lower()]} folder"
    return None


def set_apart(texts: Iterable[tuple[str, str, list[Query]]]) -> dict[tuple, str]:
    """(file, line, end_line, sql) of each query of another database -> why, over (file, text, queries).

    Same answers as other_database_reason per query, with less work (issue 13: this was a fifth of a
    warm scan): the syntax verdict is remembered per SQL text (code repeats its SQL), and the client
    call and folder checks run only in a file that spells "clickhouse" (as _CLIENT_CALL must, with
    the same case folding) or sits below a folder _FOLDER names."""
    found = {}
    syntax: dict[str, str | None] = {}
    texts = list(texts)
    helpers = clickhouse_helpers.helper_names((rel, text) for rel, text, _queries in texts)
    helper_call = clickhouse_helpers.call_before(helpers)
    for rel, text, queries in texts:
        candidates = [q for q in queries if q.orm is None and q.sql and q.language != "sql"]
        if not candidates:
            continue
        placed = spells_clickhouse(text) or any(_FOLDER.search(f) for f in {q.file for q in candidates})
        wrapped = helper_call is not None and any(name in text for name in helpers)
        starts = positions.line_starts(text) if placed or wrapped else []
        for query in candidates:
            if query.sql not in syntax:
                syntax[query.sql] = syntax_reason(query.sql)
            if reason := (syntax[query.sql] or (_place_reason(query, text, starts) if placed else None)
                          or (_helper_reason(query, text, starts, helper_call, helpers) if wrapped else None)):
                found[key(query)] = reason
    return found


def _helper_reason(query: Query, text: str, starts: list[int], helper_call: re.Pattern, helpers: frozenset[str]) -> str | None:
    """Written as the first argument of the project's own ClickHouse helper (impact.extract.clickhouse_helpers)."""
    at = starts[query.line - 1] if 0 < query.line <= len(starts) else 0
    end = text.find("\n", at)
    before = text[max(0, at - _CLIENT_WINDOW):at] + _up_to_query(text[at:end if end != -1 else len(text)])
    before = before.rstrip(" \t\n`'\"")
    match = helper_call.search(before)
    if match is None and (variable := _ASSIGNED.search(before)) is not None:
        # `const sql = `…`; … getEvents(sql)`: the variable handed to a helper in the same function.
        match = clickhouse_helpers.handed_to(text[at:], variable.group(1), helper_call)
    if match is None or not clickhouse_helpers.knows(text, match.group(1), helpers):
        return None
    return f"passed to {match.group(1)}(), a ClickHouse helper"


_ASSIGNED = re.compile(r"\b(?:const|let|var)\s+(\w+)\s*(?::[^=;]{0,80})?=\s*$")


def spells_clickhouse(text: str) -> bool:
    """Whether _CLICKHOUSE matches: for ASCII text, `in` over the lower-cased text says the same
    eight times faster; other text may spell it with characters IGNORECASE also folds (`ſ`, `ı`)."""
    return "clickhouse" in text.lower() or (not text.isascii() and _CLICKHOUSE.search(text) is not None)


def key(query: Query) -> tuple:
    return (query.file, query.line, query.end_line, query.sql)


def _up_to_query(line: str) -> str:
    """The part of the query's first line before its literal opens ("" when it opened on an earlier line)."""
    quote = min((i for i in (line.find("`"), line.find('"'), line.find("'")) if i != -1), default=0)
    return line[:quote]
