"""`json.dumps(value, indent=2, ensure_ascii=False)`, byte for byte, written in batches and faster.

Python's indented encoder is pure Python: one generator step per piece, through one generator frame
per nesting level (450k pieces, 0.1 s, for the 4 MB report of a 5k-file repo; issue 13). Here a
container whose members are all scalars — most of a report: each judgement, each query's column
lists — is one call to the C encoder, whose item separator is given the newline and indentation
of that depth; the rest is a recursive walk that appends to a list and writes it out every
BATCH pieces, so an 80k-file report is never one string (write_json's reason to stream).

The output is the standard encoder's exactly: same escapes (the C `encode_basestring`, as with
ensure_ascii=False), float and int spellings (`float.__repr__`, NaN/Infinity), key conversions
(str, float, int, bool, None keys) and TypeError for anything else. Circular structures are not
detected (a report is a tree; the standard encoder would raise ValueError): known limit.
"""
from __future__ import annotations

import json
from json.encoder import c_make_encoder, encode_basestring
from typing import Callable

INDENT = "  "
BATCH = 8192  # pieces per write
# Rows per write: a row is ~1 kB, and a batch holding one non-ASCII character is encoded and
# checked for lone surrogates (impact.report.safe_text.json_safe) at 2-4 bytes a character, an
# all-ASCII one as it is: with smaller batches the few non-ASCII texts slow down only their own.
ROWS_BATCH = 512
SCALARS = (str, int, float, bool, type(None))
_FLAT: dict[int, Callable[[object], str]] = {}
_KEYS: dict[str, str] = {}  # a str key's JSON spelling with its ": "


class Rows:
    """A list of records that `encode(item, depth)` turns into their indented JSON text itself.

    The report's queries and judgements are thousands of records of one shape: written by one
    f-string each (json_report.query_json) instead of a dict built and walked key by key, the
    report took ~0.035 s of 0.09 s less on a 5k-file repo (issue 13). Only json_stream reads it:
    json.dumps gets the plain dicts (json_report.to_dict without rows)."""

    __slots__ = ("items", "encode")

    def __init__(self, items, encode: Callable[[object, int], str]) -> None:
        self.items, self.encode = items, encode


def text(value: object, depth: int) -> str:
    """`value` as indented JSON at `depth` (a record's member that is not a plain scalar)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    done: list[str] = []
    out: list[str] = []
    _encode(value, depth, out, done.append)
    return "".join(done) + "".join(out)


def strings(value, depth: int) -> str:
    """A list or tuple of str (a query's columns) as text() writes it, without its walk."""
    if type(value) in (tuple, list):
        if not value:
            return "[]"
        inner = "\n" + INDENT * (depth + 1)
        try:  # encode_basestring takes a str (or a str subclass, written as json.dumps writes it) only
            return "[" + inner + ("," + inner).join(map(encode_basestring, value)) + "\n" + INDENT * depth + "]"
        except TypeError:
            pass
    return text(value, depth)


def write(value: object, write: Callable[[str], object]) -> None:
    """Write `value` as indented JSON through `write` (no trailing newline)."""
    out: list[str] = []
    _encode(value, 0, out, write)
    write("".join(out))


def _unsupported(value: object):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _flat(depth: int) -> Callable[[object], str]:
    """The compact encoding of an all-scalar container at `depth`, items already on their own lines."""
    encode = _FLAT.get(depth)
    if encode is None:
        separator = ",\n" + INDENT * (depth + 1)
        if c_make_encoder is not None:
            c_encode = c_make_encoder(None, _unsupported, encode_basestring, None, ": ", separator, False, False, True)
            encode = lambda value: "".join(c_encode(value, 0))  # noqa: E731
        else:  # an interpreter without the C accelerator: the same text, more slowly
            encode = json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode
        _FLAT[depth] = encode
    return encode


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    _unsupported(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        return encode_basestring(_float(key))
    if key is True or key is False or key is None:
        return encode_basestring(_scalar(key))
    if isinstance(key, int):
        return encode_basestring(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: object, depth: int, out: list[str], write: Callable[[str], object]) -> None:
    if isinstance(value, SCALARS):
        out.append(_scalar(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
        elif all(type(k) is str for k in value) and all(isinstance(v, SCALARS) for v in value.values()):
            out.append("{\n" + INDENT * (depth + 1) + _flat(depth)(value)[1:-1] + "\n" + INDENT * depth + "}")
        else:
            inner = "\n" + INDENT * (depth + 1)
            lead = "{" + inner
            for k, v in value.items():
                # The common members inline (a str key, a str/None/bool/int value): a query's
                # dozen scalars cost no call each (issue 13: queries were 2/3 of the report).
                key = _KEYS.get(k) if type(k) is str else None
                if key is None:
                    key = _key(k) + ": "
                    if type(k) is str:
                        _KEYS[k] = key
                kind = type(v)
                if kind is str:
                    out.append(lead + key + encode_basestring(v))
                elif v is None:
                    out.append(lead + key + "null")
                elif kind is bool:
                    out.append(lead + key + ("true" if v else "false"))
                elif kind is int:
                    out.append(lead + key + int.__repr__(v))
                else:
                    out.append(lead + key)
                    _encode(v, depth + 1, out, write)
                lead = "," + inner
            out.append("\n" + INDENT * depth + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
        elif all(isinstance(v, SCALARS) for v in value):
            out.append("[\n" + INDENT * (depth + 1) + _flat(depth)(list(value))[1:-1] + "\n" + INDENT * depth + "]")
        else:
            inner = "\n" + INDENT * (depth + 1)
            lead = "[" + inner
            for v in value:
                out.append(lead)
                lead = "," + inner
                _encode(v, depth + 1, out, write)
                if len(out) >= BATCH:
                    write("".join(out))
                    out.clear()
            out.append("\n" + INDENT * depth + "]")
    elif type(value) is Rows:
        if not value.items:
            out.append("[]")
            return
        if out:  # what came before (findings, often not ASCII) in a batch of its own
            write("".join(out))
            out.clear()
        inner = "\n" + INDENT * (depth + 1)
        lead = "[" + inner
        encode = value.encode
        for item in value.items:
            out.append(lead + encode(item, depth + 1))
            lead = "," + inner
            if len(out) >= ROWS_BATCH:
                write("".join(out))
                out.clear()
        out.append("\n" + INDENT * depth + "]")
    else:
        _unsupported(value)
