"""What reaches a terminal or a report file is text, never control sequences from the scanned repo.

SQL, file names and code snippets are the repo's text: an ESC in a quoted identifier or a file
name must not recolour, retitle or rewrite the user's terminal, and a file name that is not UTF-8
(a lone surrogate in Python) must not crash the output with UnicodeEncodeError. Controls become
their Unicode "control pictures" (␛ for ESC: one cell, like the character it stands for, so rich's
table layout stays right); C1 controls, bidi overrides and lone surrogates become �.
Line breaks and tabs are kept: reports are multi-line.
"""
from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """`text` with every control character (but newline and tab) made visible and harmless."""
    return _UNSAFE.sub(_picture, text)


def json_safe(text: str) -> str:
    """JSON text whose strings may hold lone surrogates: written as the escape JSON reads back."""
    if text.isascii():  # O(1) in CPython (a flag of the string), and most reports are: no pass over 4 MB
        return text
    try:  # a lone surrogate is the one thing UTF-8 cannot encode: 3x faster than the regex's pass
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
