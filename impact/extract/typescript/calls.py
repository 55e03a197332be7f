"""JavaScript call syntax read off the scanner's masked text: `.name<T>(arg, arg)` and the
keys of object-literal arguments. Brackets are matched through the scanner's pair table, so
nothing here rescans text it has already seen.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from impact.extract.typescript.scan import Scanned, StringLiteral
from impact.model import Confidence, Query, QueryKind
from impact.sql.holes import HOLE


IDENT = r"[A-Za-z_$][\w$]*"  # a JavaScript identifier, for the readers' patterns


@dataclass
class Call:
    name: str
    dot: int  # offset of the `.` before the method name
    open: int  # offset of `(`
    close: int  # offset of `)`
    args: list[tuple[int, int]] = field(default_factory=list)  # argument spans (stripped)


@dataclass
class Payload:
    """The keys an insert/update payload writes; `complete` is False when some are hidden."""

    keys: list[str] = field(default_factory=list)
    complete: bool = True
    note: str = ""

    def hide(self, note: str) -> None:
        self.complete, self.note = False, note


def call_after(scanned: Scanned, name: str, dot: int, name_end: int) -> Call | None:
    """The call whose method name ends at `name_end`: optional `<T>`, then `(...)`."""
    masked = scanned.masked
    open_at = skip_generics(masked, skip_space(masked, name_end))
    if open_at is None or open_at >= len(masked) or masked[open_at] != "(":
        return None
    close = scanned.closing(open_at)
    if close is None:
        return None
    return Call(name, dot, open_at, close, arguments(scanned, open_at, close))


def skip_generics(masked: str, pos: int) -> int | None:
    """Past a `<Row, Other<T>>` type-argument list (arrow `=>` inside it is not a closer)."""
    if pos >= len(masked) or masked[pos] != "<":
        return pos
    depth, limit = 0, min(len(masked), pos + 2000)
    while pos < limit:
        char = masked[pos]
        if char == "<":
            depth += 1
        elif char == ">" and masked[pos - 1] != "=":
            depth -= 1
            if depth == 0:
                return skip_space(masked, pos + 1)
        elif char == ";":
            return None
        pos += 1
    return None


def skip_space(masked: str, pos: int) -> int:
    while pos < len(masked) and masked[pos].isspace():
        pos += 1
    return pos


def arguments(scanned: Scanned, open_at: int, close: int) -> list[tuple[int, int]]:
    """Top-level comma-separated spans between two matching brackets, whitespace trimmed."""
    masked, spans, start, pos = scanned.masked, [], open_at + 1, open_at + 1
    while pos < close:
        char = masked[pos]
        if char in "([{":
            pos = (scanned.closing(pos) or pos) + 1
            continue
        if char == ",":
            spans.append((start, pos))
            start = pos + 1
        pos += 1
    spans.append((start, close))
    trimmed = []
    for begin, end in spans:
        while begin < end and masked[begin].isspace():
            begin += 1
        while end > begin and masked[end - 1].isspace():
            end -= 1
        if end > begin:
            trimmed.append((begin, end))
    return trimmed


# --- arguments of one call -------------------------------------------------------------------


def arg_span(call: Call, index: int) -> tuple[int, int] | None:
    return call.args[index] if index < len(call.args) else None


def arg_text(scanned: Scanned, call: Call | None, index: int) -> str:
    span = arg_span(call, index) if call else None
    return scanned.masked[span[0] : span[1]] if span else ""


def literal_arg(scanned: Scanned, call: Call | None, index: int) -> StringLiteral | None:
    """The argument when it is exactly one string literal."""
    span = arg_span(call, index) if call else None
    literal = scanned.literal_at(span[0]) if span else None
    return literal if literal and literal.end == span[1] else None


def string_arg(scanned: Scanned, call: Call, index: int) -> str:
    literal = literal_arg(scanned, call, index)
    return literal.value(lambda i: f"{HOLE}_{i}") if literal else ""


def option_string(scanned: Scanned, call: Call | None, option: str, index: int = 1) -> str:
    """`"k"` in `call(x, { option: "k" })` (empty when absent or not a plain literal)."""
    span = arg_span(call, index) if call else None
    if span is None:
        return ""
    match = re.compile(rf"\b{option}\s*:\s*").search(scanned.masked, span[0], span[1])
    literal = scanned.literal_at(match.end()) if match else None
    return literal.value() if literal and not literal.has_holes else ""


def payload_keys(scanned: Scanned, call: Call, index: int = 0, constants: bool = False) -> Payload:
    """Keys written by an object literal, or by an array of them; unknown for anything else.
    `constants`: a computed key naming a constant (`[FieldNameUser.id]`) is the key `FieldNameUser.id`
    (for a caller that maps such names to columns: impact.orm.ts_constants)."""
    span = arg_span(call, index)
    if span is None:
        return Payload(complete=False, note=f".{call.name}() without a payload")
    first = scanned.masked[span[0]]
    if first == "{":
        return object_literal_keys(scanned, span[0], constants)
    if first == "[":
        return _array_keys(scanned, span[0], constants)
    return Payload(complete=False, note="payload is a variable: written columns unknown")


def _array_keys(scanned: Scanned, open_at: int, constants: bool = False) -> Payload:
    payload = Payload()
    close = scanned.closing(open_at)
    if close is None:
        payload.hide("array literal not closed")
        return payload
    for start, _end in arguments(scanned, open_at, close):
        if scanned.masked[start] != "{":
            payload.hide("payload row is a variable: columns unknown")
            continue
        row = object_literal_keys(scanned, start, constants)
        payload.keys += [key for key in row.keys if key not in payload.keys]
        if not row.complete:
            payload.hide(row.note)
    return payload


_KEY = re.compile(r"([A-Za-z_$][\w$]*|\d+)\s*")
_CONSTANT_KEY = re.compile(r"\[\s*([A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*)\s*\]\s*(?::|$)")


def object_literal_keys(scanned: Scanned, open_at: int, constants: bool = False) -> Payload:
    """Top-level keys of `{ a: 1, "b": 2, c, ...rest }`; nested objects never leak keys."""
    payload = Payload()
    close = scanned.closing(open_at)
    if close is None:
        payload.hide("object literal not closed")
        return payload
    masked = scanned.masked
    for start, end in arguments(scanned, open_at, close):
        literal = scanned.literal_at(start)
        if masked.startswith("...", start):
            payload.hide("payload spreads another object: columns unknown")
        elif literal is not None and not literal.has_holes:
            payload.keys.append(literal.value())
        elif constants and _CONSTANT_KEY.match(masked[start:end]):
            payload.keys.append(_CONSTANT_KEY.match(masked[start:end]).group(1))
        elif masked[start] == "[":
            payload.hide("payload has a computed key: columns unknown")
        else:
            key = _KEY.match(masked, start, end)
            follower = masked[key.end()] if key and key.end() < end else ""
            if key and follower in (":", ""):  # `key: value` or shorthand `key`
                payload.keys.append(key.group(1))
    return payload


def object_entries(scanned: Scanned, open_at: int) -> list[tuple[str, tuple[int, int] | None]]:
    """`{ a: 1, "b": x, c, ...rest }` -> [("a", span of `1`), ("b", span of `x`), ("c", None), ("...", span)].

    Spreads and computed keys come back as "..." and "[]" so a caller can tell the keys are incomplete.
    """
    close = scanned.closing(open_at)
    if close is None:
        return [("...", None)]
    masked, entries = scanned.masked, []
    for start, end in arguments(scanned, open_at, close):
        if masked.startswith("...", start):
            entries.append(("...", (start + 3, end)))
            continue
        literal = scanned.literal_at(start)
        if literal is not None and not literal.has_holes:
            key, after = literal.value(), literal.end
        elif masked[start] == "[":
            entries.append(("[]", None))
            continue
        else:
            match = _KEY.match(masked, start, end)
            if match is None:
                continue
            key, after = match.group(1), match.end()
        colon = skip_space(masked, after)
        value = (skip_space(masked, colon + 1), end) if colon < end and masked[colon] == ":" else None
        entries.append((key, value))
    return entries


_NEXT_CALL = re.compile(r"\s*\??\.\s*([A-Za-z_$][\w$]*)\s*(?=[(<])")


def chain_after(scanned: Scanned, first: Call) -> list[Call]:
    """`first` and the `.method(...)` calls chained right after it (`?.` too), in order."""
    calls, pos = [first], first.close + 1
    while True:
        step = _NEXT_CALL.match(scanned.masked, pos)
        call = call_after(scanned, step.group(1), scanned.masked.index(".", pos), step.end()) if step else None
        if call is None:
            return calls
        calls.append(call)
        pos = call.close + 1


def orm_query(scanned: Scanned, call: Call, path: str, language: str, *, orm: str, model: str, note: str,
              shape: tuple[QueryKind, list[str], list[str], bool, bool]) -> Query:
    """The Query of one ORM call on a model, in the model's own field names: resolved to a table and
    columns by impact.orm.resolve. `shape` is (kind, columns, filters, columns known, every column read);
    the call's name is the query's `method`."""
    kind, columns, filters, known, all_columns = shape
    return Query(
        file=path, line=scanned.line_of(call.dot), end_line=scanned.line_of(call.close), language=language,
        extractor=orm, kind=kind, table=None, columns=tuple(dict.fromkeys(columns)),
        filter_columns=tuple(dict.fromkeys(filters)), confidence=Confidence.MEDIUM, columns_known=known,
        snippet=scanned.snippet(call.dot), note=note, model=model, orm=orm, all_columns=all_columns, method=call.name,
    )
