"""Guards around the code extractors: nothing a scanned file holds may crash or stall the scan.

- Python files are parsed with `ast`, which refuses too-deep input by itself: RecursionError
  "during ast construction" past ~1,000 nested expressions (a 1,500-term `a + a + ...` chain, a
  1,500-link attribute chain) and SyntaxError "too many nested parentheses" past 200 brackets. The
  finders' own recursion stops at Python's recursion limit (RecursionError, caught per file).
  Each of these becomes a FileIssue saying the file was not analysed (tests/test_hostile_input.py).
  The regex depth estimate that guarded libcst (whose C recursion segfaulted on a 10,000-term
  chain) ran over every Python file, ~15 % of a cold scan's extraction CPU: gone (issue 13).
- `time_budget` bounds one file's extraction (SIGALRM, so only in a process's main thread, which
  is where both the serial path and the worker processes run extractors).

Known limit: the alarm interrupts Python code only; a native parser stuck in one call is
interrupted when it returns (libcst's native parser is linear, the slow part is Python).
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

FILE_SECONDS = float(os.environ.get("IMPACT_FILE_SECONDS", "10"))  # the per-file budget


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
