"""Guards around the code extractors: nothing a scanned file holds may crash or stall the scan.

- Written for libcst, which recursed per nesting level: a 10,000-term `a + a + …` segfaults it (no `except` catches a
  C stack overflow), a 20 KB attribute chain or a 3,000-term chain takes seconds to minutes before
  its RecursionError. `python_too_deep` estimates the depth from a flat regex pass first; a file
  past MAX_PYTHON_DEPTH is reported as not analysed without being parsed. A bracket level counts
  2, an operator 1: libcst already gave up (RecursionError) near 500 nested brackets or 600
  chained `+`, and 999 nested calls took it 18 s, so the limit refuses little it could parse.
  The Python extractor now parses with `ast`, which refuses those inputs itself (RecursionError
  "during ast construction", "too many nested parentheses"); the guard stays so that such a file
  gets this one message, but its regex pass is now ~15 % of a cold scan's extraction CPU.
- `time_budget` bounds one file's extraction (SIGALRM, so only in a process's main thread, which
  is where both the serial path and the worker processes run extractors).

Known limit: the alarm interrupts Python code only; a native parser stuck in one call is
interrupted when it returns (libcst's native parser is linear, the slow part is Python).
"""
from __future__ import annotations

import os
import re
import signal
import threading
from contextlib import contextmanager

MAX_PYTHON_DEPTH = 1000
FILE_SECONDS = float(os.environ.get("IMPACT_FILE_SECONDS", "10"))  # the per-file budget

# Strings and comments first (their content is not code), then brackets, separators, operators.
_PY_TOKENS = re.compile(
    r"""(?P<skip>'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\#[^\n]*)"""
    r"""|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<sep>[,;\n])"""
    r"""|(?P<op>\*\*|//|<<|>>|[-+*/%@|&^~.<>]|==|!=|\b(?:and|or|not|if|else|lambda|await)\b)""")


def python_too_deep(text: str) -> str:
    """Why libcst must not be given `text`, or ""."""
    chain = [0]
    total = deepest = 0
    for match in _PY_TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "op":
            chain[-1] += 1
            total += 1
        elif kind == "open":  # a bracket level costs libcst about twice an operator's recursion
            chain.append(0)
            total += 2
        elif kind == "close":
            if len(chain) > 1:
                total -= chain.pop() + 2
        elif kind == "sep":
            # A newline inside brackets continues the expression; at the top level it ends it.
            if match.group() != "\n" or len(chain) == 1:
                total -= chain[-1]
                chain[-1] = 0
        if total > deepest:
            deepest = total
            if deepest > MAX_PYTHON_DEPTH:
                return f"expression nested more than {MAX_PYTHON_DEPTH:,} levels deep: not analysed (too deep to parse safely)"
    return ""


class FileTimeout(BaseException):  # not Exception: no extractor's broad `except` may swallow it
    pass


@contextmanager
def time_budget(seconds: float = FILE_SECONDS):
    """Raise FileTimeout in the block after `seconds`; a no-op where SIGALRM cannot be used."""
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
