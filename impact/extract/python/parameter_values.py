"""A Python function's parameter that receives a dropped column's value: its uses go with the column.

`should_schedule_next(retrieved_at, now, query.schedule, query.schedule_failures)` where `query`
holds a row of Query (the argument is evidence for queries.schedule): in the function
`def should_schedule_next(previous_iteration, now, schedule, failures)`, the parameter `schedule`
is the column's value, so its lines (`if schedule.isdigit():`) are the table's (via "column-value",
as TypeScript's variables holding a dropped TypeORM column's value: impact.orm.typeorm_drops).

Decisions:
- A DROP COLUMN only: a rename leaves the value there (only the argument's attribute changes).
- The parameter is named as the column (the lines scored are those naming it), the function is
  defined in the file of the call, by that name once, and every call of it in that file passes the
  column's attribute at that place (`x.schedule`, positional or by keyword): a function some call of
  the file gives another value is a general helper, not the column's.
- The argument must itself be evidence for the table (a typed row's attribute, a query's column):
  an attribute of something untyped says nothing.
- Methods called on an instance (`self.f(x.col)`, `obj.f(x.col)`): the first parameter (`self`) is
  skipped; a `@staticmethod` is not told apart (known limit).
Known limit: calls from other files (tests calling the helper with literals) are not read.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from impact.extract.python.relations import parsed
from impact.extract.python.tree import breadth_first
from impact.model import ColumnReference

VIA = "column-value"
_FIRM = frozenset({"typed-receiver", "orm-call", "sql", "model-class"})  # how the argument's table is told


def attribute_parameter_values(references: list[ColumnReference], texts: Mapping[str, str],
                               dropped: Iterable[tuple[str, str]], use_cache: bool = False) -> list[ColumnReference]:
    """`dropped`: (table, column) pairs the migration drops. A file's scopes are kept (impact.pickle_cache)
    under its text and its argument lines: a warm scan does not parse it again."""
    wanted = {(t.lower(), c.lower()) for t, c in dropped}
    arguments: dict[str, dict[int, tuple[str, str]]] = {}  # file -> line -> (spelling, table) of an evidence argument
    for ref in references:
        if (ref.file.endswith((".py", ".pyi")) and ref.table is not None and ref.via in _FIRM and ref.context == "property"
                and (ref.table.lower(), ref.column.lower()) in wanted and ref.file in texts):
            arguments.setdefault(ref.file, {})[ref.line] = (ref.spelling or ref.column, ref.table)
    if not arguments:
        return references
    scopes: dict[str, list[tuple[int, int, int, str, str]]] = {}  # file -> [(first, signature's last, last line, parameter, table)]
    loose = {r.file for r in references if r.via in ("name-only", "file-queries")}
    for file, lines in arguments.items():
        # Parsed only when a signature of the file has a parameter spelled as an argument's column
        # (saleor's DROP: 6 files parsed for nothing, 0.1 s of a warm scan).
        if file in loose and _may_take(texts[file], {spelling for spelling, _ in lines.values()}):
            scopes[file] = _cached_scopes(texts[file], lines, use_cache)
    if not any(scopes.values()):
        return references
    out = []
    for ref in references:
        if ref.via in ("name-only", "file-queries") and ref.context in ("identifier", "property") and scopes.get(ref.file):
            name = ref.spelling or ref.column
            # `status: str` in the signature reads as a key (property); in the body a property is another object's
            table = next((t for first, signature, last, parameter, t in scopes[ref.file] if parameter == name
                          and first <= ref.line <= (last if ref.context == "identifier" else signature)), None)
            if table is not None:
                ref = replace(ref, table=table, via=VIA, inferred=False)
        out.append(ref)
    return out


def _cached_scopes(text: str, lines: Mapping[int, tuple[str, str]], use_cache: bool) -> list:
    import hashlib

    from impact import pickle_cache
    from impact.cache import _source_hash

    where = pickle_cache.folder("parameter_values", use_cache)
    key = None
    if where is not None:
        digest = hashlib.sha256(("parameter_values\0" + _source_hash(("extract/python/parameter_values.py",))).encode())
        digest.update(repr(sorted(lines.items())).encode() + b"\0" + text.encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
    found = pickle_cache.load(where, key, list)
    if found is None:
        found = _scopes(parsed(text), lines)
        pickle_cache.store(where, key, found)
    return found


_SIGNATURE = re.compile(r"\bdef\s+\w+\s*\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)")


def _may_take(text: str, names: set[str]) -> bool:
    """A `def` of the text has a parameter named one of `names` (a superset: any word of its signature)."""
    return any(names & set(re.findall(r"\w+", m.group(1))) for m in _SIGNATURE.finditer(text))


def _scopes(module: ast.Module | None, lines: Mapping[int, tuple[str, str]]) -> list[tuple[int, int, int, str, str]]:
    if module is None:
        return []
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
    calls: list[ast.Call] = []
    for node in breadth_first(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Call):
            calls.append(node)
    fed: dict[tuple[str, str], str | None] = {}  # (function, parameter) -> table, None once some call gives another value
    for call in calls:
        name = _called(call)
        if name is None or len(functions.get(name, ())) != 1:
            continue
        function = functions[name][0]
        for parameter, value in _bound_arguments(call, function):
            given = _column_argument(value, lines)
            key = (name, parameter)
            same = given is not None and given[0] == parameter and fed.get(key, given[1]) == given[1]
            fed[key] = given[1] if same else None
    return [(_span(functions[name][0]) + (parameter, table)) for (name, parameter), table in fed.items() if table is not None]


def _span(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int, int]:
    """Its first line, the last line of its signature, its last line."""
    first = function.lineno
    body = function.body[0].lineno if function.body else first
    return first, max(first, body - 1), function.end_lineno or first


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _bound_arguments(call: ast.Call, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, ast.expr]]:
    """(parameter, argument) pairs of a call, by position and by keyword; `self` skipped for a call
    on an instance (`obj.f(...)`) of a function whose first parameter is `self` or `cls`."""
    params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if isinstance(call.func, ast.Attribute) and params[:1] in (["self"], ["cls"]):
        params = params[1:]
    pairs = []
    for position, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred):
            break  # what follows a `*args` is not placed
        if position < len(params):
            pairs.append((params[position], argument))
    keywords = {a.arg for a in (*function.args.args, *function.args.kwonlyargs, *function.args.posonlyargs)}
    pairs += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in keywords]
    return pairs


def _column_argument(value: ast.expr, lines: Mapping[int, tuple[str, str]]) -> tuple[str, str] | None:
    """(attribute, table) when `value` is `x.col` on a line where `col` is evidence for the table."""
    if not isinstance(value, ast.Attribute):
        return None
    found = lines.get(value.end_lineno or value.lineno)
    return found if found is not None and found[0] == value.attr else None
