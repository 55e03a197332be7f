"""Queries in standalone .sql files outside the migration folders: views, functions, seeds."""
from __future__ import annotations

import re

from impact.model import Confidence, Extraction, FileIssue
from impact.sql.queries import queries_from_sql
from impact.sql.split import split_statements

SUFFIXES = (".sql",)
# The SELECT of a view, or the body of a SQL/plpgsql function: the parts that read tables.
VIEW_BODY = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:MATERIALIZED\s+)?VIEW\b.*?\bAS\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
FUNCTION_BODY = re.compile(r"\$(\w*)\$(.*?)\$\1\$", re.DOTALL)


def extract(path: str, text: str) -> Extraction:
    result = Extraction()
    for chunk in split_statements(text):
        if chunk.error:
            result.issues.append(FileIssue(path, f"line {chunk.line}: {chunk.error}"))
            continue
        for sql, line in _query_texts(chunk.sql, chunk.line):
            result.queries.extend(
                queries_from_sql(sql, file=path, line=line, language="sql", extractor="sql-file",
                                 confidence=Confidence.HIGH, snippet=sql.strip().splitlines()[0][:160])
            )
    return result


def _query_texts(sql: str, line: int) -> list[tuple[str, int]]:
    view = VIEW_BODY.match(sql)
    if view:
        body = view.group(1)
        return [(body, line + sql[: view.start(1)].count("\n"))]
    bodies = []
    for match in FUNCTION_BODY.finditer(sql):
        body_line = line + sql[: match.start(2)].count("\n")
        for inner in split_statements(match.group(2)):
            bodies.append((inner.sql, body_line + inner.line - 1))
    return bodies or [(sql, line)]
