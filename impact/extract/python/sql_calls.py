"""SQL written as Python strings: literals, concatenations, f-strings, `%` and `.format()`.

A string that reaches a database call (a *sink*: `cursor.execute(...)`, asyncpg's `fetch`,
SQLAlchemy's `text(...)`, ...) directly or through a same-file variable is a query for sure
(HIGH). Any other string shaped like a query is reported at MEDIUM: it is probably run somewhere
this file cannot show.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import ast

from impact.extract.python.facts import Binding, Chain, Facts
from impact.extract.python.literals import STRING_WRAPPERS, first_literal, is_stringish
from impact.extract.python.strings import StringRenderer
from impact.extract.python.tree import full_name
from impact.model import Confidence, Query
from impact.sql.queries import looks_like_sql, queries_from_sql

EXTRACTOR = "python-sql"
# Calls whose first argument is SQL text: DB-API, asyncpg, SQLAlchemy, databases, pandas, Django.
SINKS = frozenset({
    "execute", "executemany", "executescript", "execute_many", "exec_driver_sql", "mogrify",
    "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "query",
    "read_sql", "read_sql_query", "raw", "text", "RawSQL", "SQL", "prepare",
})
SQL_KEYWORDS = frozenset({"query", "sql", "operation", "statement", "stmt", "text", "string"})
# psycopg templates: sql.SQL("SELECT {} FROM {}").format(...) fills the braces later.
BRACE_TEMPLATES = frozenset({"SQL"})
# Beyond the SQL shape, what an actual query has and English prose ("select one from the list")
# has not: an upper-case leading keyword, or SQL punctuation / parameter markers.
SQL_EVIDENCE = re.compile(r"^\s*\(?\s*(?:WITH|SELECT|INSERT|UPDATE|DELETE|MERGE)\b|[=*(;]|%s|%\(\w+\)s|\$\d|:\w")
NOT_AT_SINK_NOTE = "SQL-shaped string not seen reaching a database call in this file"


def sql_queries(facts: Facts) -> list[Query]:
    renderer = StringRenderer(facts)
    sink_args, sink_bindings = _sink_uses(facts, renderer)
    templates = _format_templates(facts, renderer)
    queries: list[Query] = []
    for site in facts.sites:
        if id(site.node) in facts.appended_parts:
            continue  # rendered as part of the string it is appended to
        binding = facts.binding_of_value.get(id(site.node))
        if binding is not None and binding in templates.bindings:
            continue  # `TEMPLATE = "SELECT {cols} ..."`: its `.format(...)` calls are the queries
        at_sink = id(site.node) in sink_args or (binding is not None and binding in sink_bindings)
        if not at_sink and type(site.node) is ast.Constant and (binding is None or not binding.appended) \
                and not _is_probably_sql(site.node.value):
            continue  # a plain literal renders as its value: most of a file's strings, no renderer (issue 13)
        template, format_call = sink_args.get(id(site.node), (False, None))
        text = renderer.render(site.node, site.scope, braces_are_holes=template, format_args=format_call)
        if text is None or not (at_sink or _is_probably_sql(text)):
            continue
        line = facts.line(first_literal(templates.text_of.get(id(site.node), site.node)))
        queries.extend(_queries(facts, site.node, line, binding, text, at_sink))
    return queries


@dataclass
class _Templates:
    """Strings filled by `TEMPLATE.format(...)` elsewhere in the file."""

    bindings: set[Binding] = field(default_factory=set)
    # `.format` call (by id) -> the template's value: its literal gives the query its line.
    text_of: dict[int, ast.expr] = field(default_factory=dict)


def _format_templates(facts: Facts, renderer: StringRenderer) -> _Templates:
    templates = _Templates()
    for site in facts.sites:
        node = site.node
        func = node.func if type(node) is ast.Call else None
        if not (type(func) is ast.Attribute and func.attr == "format"
                and type(func.value) in (ast.Name, ast.Attribute)):
            continue
        binding = renderer.single_binding(node.func.value, site.scope)
        if binding is not None and is_stringish(binding.value):
            templates.bindings.add(binding)
            templates.text_of[id(node)] = binding.value
    return templates


def _queries(facts: Facts, node: ast.expr, line: int, binding: Binding | None, text: str,
             at_sink: bool) -> list[Query]:
    end_line = facts.lines(node)[1]
    if binding is not None and binding.value is node:
        end_line = max([end_line] + [facts.lines(part)[1] for part in binding.appended])
    return queries_from_sql(
        text,
        file=facts.path,
        line=line,
        end_line=end_line,
        language="python",
        extractor=EXTRACTOR,
        confidence=Confidence.HIGH if at_sink else Confidence.MEDIUM,
        snippet=facts.snippet(line),
        note="" if at_sink else NOT_AT_SINK_NOTE,
    )


def _is_probably_sql(text: str) -> bool:
    return looks_like_sql(text) and bool(SQL_EVIDENCE.search(text))


def _sink_uses(facts: Facts, renderer: StringRenderer) -> tuple[dict[int, tuple[bool, ast.Call | None]], set[Binding]]:
    """String nodes passed straight to a sink (with: is it a psycopg brace template, and the
    `.format` call filling it), and the bindings whose value flows into a sink through a name."""
    sink_args: dict[int, tuple[bool, ast.Call | None]] = {}
    sink_bindings: set[Binding] = set()
    for chain in facts.chains:
        for index, link in enumerate(chain.links):
            if link.call is None or link.name not in SINKS:
                continue
            argument = _sql_argument(link.call)
            if argument is None:
                continue
            if is_stringish(argument):
                template = link.name in BRACE_TEMPLATES
                sink_args[id(argument)] = (template, _brace_filler(chain, index) if template else None)
            for name in _flowing_names(argument):
                sink_bindings.update(renderer.bindings_of(name, chain.scope))
    return sink_args, sink_bindings


def _brace_filler(chain: Chain, index: int) -> ast.Call | None:
    """The `.format(...)` call right after `sql.SQL(...)`, if any."""
    following = chain.links[index + 1] if index + 1 < len(chain.links) else None
    if following is not None and following.name == "format":
        return following.call
    return None


def _sql_argument(call: ast.Call) -> ast.expr | None:
    """The first positional argument, else a keyword naming SQL (`execute(query=...)`)."""
    for arg in call.args:
        if type(arg) is not ast.Starred:
            return arg
    for keyword in call.keywords:
        if keyword.arg in SQL_KEYWORDS:
            return keyword.value
    return None


def _flowing_names(node: ast.expr) -> list[ast.expr]:
    """Names whose string value is what reaches the sink: `q`, `text(q)`, `q % args`, `dedent(q)`."""
    kind = type(node)
    if kind is ast.Name or (kind is ast.Attribute and type(node.value) is ast.Name):
        return [node]
    if kind is ast.BinOp and type(node.op) is ast.Mod:
        return _flowing_names(node.left)
    if kind is ast.Call and type(node.func) is ast.Attribute and node.func.attr in ("strip", "format"):
        return _flowing_names(node.func.value)
    if kind is ast.Call and node.args:
        name = full_name(node.func) or ""
        if name in STRING_WRAPPERS or name.split(".")[-1] in ("text", "SQL"):
            return _flowing_names(node.args[0])
    return []
