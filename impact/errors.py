"""Errors a user can act on. The only place exit codes are defined."""
from __future__ import annotations

import re

EXIT_OK = 0
EXIT_VERDICT = 1  # the verdict is at or above --fail-on
EXIT_USAGE = 2  # click's own usage errors
EXIT_INPUT = 3  # migration missing/ambiguous/unparseable, repo unreadable, bad config
EXIT_DATABASE = 4  # database unreachable, apply/verify failed
EXIT_INTERNAL = 70  # a bug in impact itself (EX_SOFTWARE)


class ImpactError(Exception):
    """An error printed as one line: the problem, then what to do about it."""

    exit_code = EXIT_INPUT

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def one_line(self) -> str:
        problem = bounded_line(self.problem, MAX_PROBLEM)
        return f"{problem} — {bounded_line(self.fix, MAX_FIX)}" if self.fix else problem


# An error message quotes user input (SQL, file names, parser messages): an unclosed `/*` once made
# one "line" 1.3 MB long, and escape sequences from a file reached the terminal. The problem and
# the fix are bounded separately so a long problem never cuts the fix off.
MAX_PROBLEM = 240
MAX_FIX = 120
MAX_LINE = 400
# C0 and C1 controls, DEL, lone surrogates (undecodable file-name bytes) and the bidi overrides
# that can make a terminal show text in a different order than it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]*[\t\r\n\f\v][ \t\r\n\f\v]*")


def bounded_line(text: str, limit: int = MAX_LINE) -> str:
    """`text` as one line of at most `limit` characters: line breaks and tabs become one space,
    other control characters are escaped (`\\x1b`), and the middle of an overlong text is cut."""
    text = _SPACE_RUN.sub(" ", str(text)).strip()
    if len(text) > limit * 4:  # escaping can only grow it: cut a hostile megabyte before the regex
        text = text[: limit * 2] + text[-limit:]
    text = _UNSAFE.sub(_escape, text)
    if len(text) <= limit:
        return text
    keep = limit - 5
    head = keep * 2 // 3
    return f"{text[:head]} […] {text[len(text) - (keep - head):]}"


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


class InputError(ImpactError):
    exit_code = EXIT_INPUT


class MigrationNotFound(InputError):
    pass


class AmbiguousMigration(InputError):
    pass


class ConfigError(InputError):
    pass


class Refused(ImpactError):
    """The verdict (or an irreversible rollback) stops the command; --force/--yes overrides."""

    exit_code = EXIT_VERDICT
