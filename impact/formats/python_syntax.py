"""One line for a Python migration that does not parse, telling Python 2 code from a syntax error.

A project's old Alembic or Django revisions are sometimes still Python 2 (`print "..."`: redash's
969126bd800f_.py). They are valid code that impact, which reads Python 3 only, cannot read: the
user is told so, and what to do, rather than asked to "fix the syntax error".
"""
from __future__ import annotations

from impact.errors import InputError

# SyntaxError messages Python 3 gives for Python 2 constructs.
PYTHON2 = ("Missing parentheses in call to", "multiple exception types must be parenthesized",
           "leading zeros in decimal integer literals")


def is_python2(exc: SyntaxError) -> bool:
    return any(marker in (exc.msg or "") for marker in PYTHON2)


def unreadable(name: str, exc: SyntaxError, its_sql: str) -> InputError:
    """The InputError for migration `name` that raised `exc` when parsed; `its_sql`: the command
    printing the SQL it runs (`alembic upgrade <from>:<rev> --sql`), to scan instead."""
    where = f"line {exc.lineno}: {exc.msg}"
    if is_python2(exc):
        return InputError(f"migration {name} is Python 2 code, which impact cannot read ({where})",
                          f"port it to Python 3, or scan the SQL it runs (`{its_sql}`)")
    return InputError(f"migration {name} is not valid Python ({where})", "fix the syntax error")
