"""Prisma Client calls (`prisma.eventData.findMany({ where: { eventDataType: 1 } })`) as queries.

The extractor knows only the call: the model accessor and the field names as the code spells them.
`impact.orm.resolve` turns them into a table and columns once the repo's schema.prisma is read, and
drops calls whose accessor is no Prisma model (`cache.items.create()` is not a query).

What each operation reads and writes, as Prisma's query engine builds the SQL:
- reads without `select` load every scalar field the model declares (`all_columns`), so a column
  the model still declares is named by every such read;
- `create`, `update`, `upsert` and `delete` return the record: they read every column too;
  the `*Many` variants return a count and read only their filters;
- `where`, `orderBy`, `cursor`, `distinct` and `by` keys are filters; AND/OR/NOT are followed;
  relation filters (`where: { website: { ... } }`) name another model and are left out at resolve.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, arguments, call_after, object_entries, orm_query
from impact.extract.typescript.scan import Scanned
from impact.model import Query, QueryKind

READS = {"findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow", "findMany"}
RETURNING_WRITES = {"create": QueryKind.INSERT, "createManyAndReturn": QueryKind.INSERT, "update": QueryKind.UPDATE,
                    "updateManyAndReturn": QueryKind.UPDATE, "upsert": QueryKind.UPSERT, "delete": QueryKind.DELETE}
COUNTING_WRITES = {"createMany": QueryKind.INSERT, "updateMany": QueryKind.UPDATE, "deleteMany": QueryKind.DELETE}
AGGREGATES = {"count", "aggregate", "groupBy"}
OPERATIONS = READS | set(RETURNING_WRITES) | set(COUNTING_WRITES) | AGGREGATES
CALL = re.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*\.\s*(" + "|".join(sorted(OPERATIONS, key=len, reverse=True)) + r")\b")
FILTER_KEYS = ("where", "orderBy", "cursor", "distinct", "by")
LOGICAL = {"AND", "OR", "NOT"}


def extract_prisma(scanned: Scanned, path: str, language: str) -> list[Query]:
    queries = []
    for match in CALL.finditer(scanned.masked):
        call = call_after(scanned, match.group(2), match.start(2) - 1, match.end(2))
        if call is not None:
            queries.append(_query(scanned, path, language, match.group(1), call))
    return queries


def _query(scanned: Scanned, path: str, language: str, accessor: str, call: Call) -> Query:
    options = _options(scanned, call)
    kind, columns, known, all_columns = _shape(scanned, call.name, options)
    filters = [key for name in FILTER_KEYS for key in _filter_keys(scanned, options.get(name))]
    return orm_query(scanned, call, path, language, orm="prisma", model=accessor, note=f"prisma.{accessor}.{call.name}()",
                     shape=(kind, columns, filters, known, all_columns))


def _options(scanned: Scanned, call: Call) -> dict[str, tuple[int, int] | None]:
    """The top-level keys of the call's options object (empty when it is a variable)."""
    if not call.args or scanned.masked[call.args[0][0]] != "{":
        return {"...": None} if call.args else {}
    return dict(object_entries(scanned, call.args[0][0]))


def _shape(scanned: Scanned, name: str, options: dict) -> tuple[QueryKind, list[str], bool, bool]:
    """(kind, columns of that kind, whether they are all known, whether every declared column is read)."""
    opaque = "..." in options
    if name in READS:
        selected = _selected(scanned, options.get("select"))
        if "select" in options and selected is not None:
            return QueryKind.SELECT_COLUMNS, selected, True, False
        return QueryKind.SELECT_COLUMNS, [], not opaque, True
    if name in AGGREGATES:
        return QueryKind.SELECT_COLUMNS, [], True, False
    kind = RETURNING_WRITES.get(name) or COUNTING_WRITES[name]
    if kind is QueryKind.DELETE:
        return kind, [], True, name in RETURNING_WRITES
    payload_names = ("create", "update") if kind is QueryKind.UPSERT else ("data",)
    keys, known = [], not opaque
    for payload in payload_names:
        written = _payload_keys(scanned, options.get(payload))
        if written is None:
            known = False
        else:
            keys += written
    return kind, keys, known, name in RETURNING_WRITES and "select" not in options


def _payload_keys(scanned: Scanned, span: tuple[int, int] | None) -> list[str] | None:
    """Keys of `data: {...}` or `data: [{...}, ...]`; None when they cannot be read."""
    if span is None:
        return None
    first = scanned.masked[span[0]]
    if first == "[":
        close = scanned.closing(span[0])
        rows = arguments(scanned, span[0], close) if close else []
        keys = [_keys(scanned, s) for s in rows]
        return None if not rows or any(k is None for k in keys) else [key for row in keys for key in row]
    if first != "{" and (row := _mapped_row(scanned, span)) is not None:
        return _keys(scanned, row)
    return _keys(scanned, span)


# `(projectId) => ({`, `async p =>  ({`: an arrow returning an object literal.
MAPPED_ROW = re.compile(r"(?:async\s+)?(?:\([^()]*\)|[\w$]+)\s*(?::[^=]{0,80})?=>\s*\(\s*\{")


def _mapped_row(scanned: Scanned, span: tuple[int, int]) -> tuple[int, int] | None:
    """The row literal of `data: ids.filter(…).map((id) => ({ a: id, b }))`, the usual createMany
    payload: each row has the keys of the object the callback returns (openpanel's projectAccess
    rows named organizationId, reported as omitting it). None for anything else."""
    masked = scanned.masked
    end = span[1] - 1
    if masked[end] != ")":
        return None
    opening = scanned.closing(end)
    if opening is None or not re.search(r"\.\s*map\s*$", masked[span[0]:opening]):
        return None
    callback = arguments(scanned, opening, end)[0]
    arrow = MAPPED_ROW.match(masked, callback[0], callback[1])
    if arrow is None:
        return None
    brace = arrow.end() - 1
    close = scanned.closing(brace)
    return (brace, close + 1) if close is not None else None


def _keys(scanned: Scanned, span: tuple[int, int]) -> list[str] | None:
    if scanned.masked[span[0]] != "{":
        return None
    entries = object_entries(scanned, span[0])
    if any(key in ("...", "[]") for key, _ in entries):
        return None
    return [key for key, _ in entries]


def _selected(scanned: Scanned, span: tuple[int, int] | None) -> list[str] | None:
    """`select: { a: true, b: false, rel: { ... } }` -> ["a", "rel"] (relations dropped at resolve)."""
    if span is None or scanned.masked[span[0]] != "{":
        return None
    entries = object_entries(scanned, span[0])
    if any(key in ("...", "[]") for key, _ in entries):
        return None
    return [key for key, value in entries if value is None or not scanned.masked.startswith("false", value[0])]


def _filter_keys(scanned: Scanned, span: tuple[int, int] | None, depth: int = 0) -> list[str]:
    """Field names a where/orderBy names at its top level, through AND/OR/NOT and arrays."""
    if span is None or depth > 8:
        return []
    first = scanned.masked[span[0]]
    if first == "[":
        close = scanned.closing(span[0])
        return [k for s in (arguments(scanned, span[0], close) if close else []) for k in _filter_keys(scanned, s, depth + 1)]
    if first != "{":
        literal = scanned.literal_at(span[0])  # `distinct: ["a", "b"]`, `by: ["a"]`
        return [literal.value()] if literal is not None and not literal.has_holes else []
    keys = []
    for key, value in object_entries(scanned, span[0]):
        if key in LOGICAL:
            keys += _filter_keys(scanned, value, depth + 1)
        elif key not in ("...", "[]"):
            keys.append(key)
    return keys

