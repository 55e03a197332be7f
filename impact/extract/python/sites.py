"""Whether a line can hold what the typed-receiver pass looks up there, told from the text alone:
an attribute read `x.quantity` whose name ends on it, or a keyword `Line(quantity=...)` starting
on it (impact.extract.python.receivers records those two and nothing else).

Python's grammar puts a `.` right before an attribute's name and a `(` or `,` right before a
keyword argument, with only spaces, line breaks (in brackets, or after a `\\`) and comments between.
So a line where every whole-word occurrence of the name follows something else on the line, or
opens the line after a previous line ending otherwise, holds neither: its functions need not be
parsed for it (issue 13: on saleor, graphene fields such as `quantity = graphene.Int(` in class
bodies made ~35 files be parsed whole).

Decisions (this look may say "maybe" wrongly, never "no" wrongly):
- a previous line holding a `#` (a comment, or the character in a string) is a maybe;
- a name inside a string or a comment, after a `.`, `(` or `,`, is a maybe (the parse tells);
- blank lines are skipped: they may stand inside brackets between the two tokens.
"""
from __future__ import annotations

import re


# Line breaks `str.splitlines` knows and the parser does not (or counts otherwise, as a lone `\r`).
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


_ASCII_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")  # those of _OTHER_BREAKS an ASCII text can hold


def lines_of(text: str) -> list[str] | None:
    """The text's lines as the parser numbers them; None when a character makes that uncertain
    (then every line is read). An ASCII text is searched for its six possible breaks with `in`,
    ~3x faster than the character class (issue 13)."""
    if text.isascii():
        return None if any(ch in text for ch in _ASCII_BREAKS) else text.split("\n")
    return None if _OTHER_BREAKS.search(text) else text.split("\n")


def may_hold(source: list[str], line: int, key: str) -> bool:
    """`key`: the attribute name, or `=name` for a keyword (receivers.Found's keys)."""
    if not 1 <= line <= len(source):
        return True
    keyword = key.startswith("=")
    name = key[1:] if keyword else key
    before_tokens = ("(", ",") if keyword else (".",)
    row = source[line - 1]
    for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", row):
        before = row[:match.start()].rstrip()
        if before:
            if before.endswith(before_tokens):
                return True
            continue
        previous = next((source[n].rstrip() for n in range(line - 2, -1, -1) if source[n].strip()), None)
        if previous is not None and ("#" in previous or previous.endswith((*before_tokens, "\\"))):
            return True
    return False
