"""Regular expressions' compiled programs kept in the cache directory (the command line only).

`re.compile` turns a pattern into a program for the `_sre` engine with the `re` package's parser
and compiler, both Python code: a warm scan compiles ~140 patterns (~110 of them while its modules
are imported), ~10-14 ms of a ~0.3 s scan (issue 13), and the interpreter keeps nothing between
runs. While `compiled_regexes()` is active, `re._compiler.compile` first looks the pattern and its
flags up in a table of the arguments it would hand `_sre.compile` (the flags, the program, the
number and names of the groups), loaded from `<cache>/code/regex-<interpreter>-<sre magic>.marshal`
(~0.3 ms); a pattern not in it is compiled as before, the arguments recorded on the way, and the
table is written back, atomically, when the command ends. The engine gets the very arguments it
would have got, so the pattern objects are equal (same pattern, flags and program) and match alike.

Decisions, as impact.code_cache's: only the command line turns it on (impact.command_line.main), a library
caller's `re` is left alone; the table is per interpreter build and `_sre.MAGIC` (the program's
format); one that cannot be read is empty, one that cannot be written is dropped; marshal data is
trusted as this user's own (IMPACT_NO_CACHE=1 turns it off). Past MAX_PATTERNS it is rewritten
with this run's patterns only: those built from a migration's table names differ from scan to scan.
A pattern with re.DEBUG (it prints), an argument marshal cannot store, or an entry `_sre` refuses
goes to the original compiler.

Known limit: patterns compiled before the block (by the interpreter's start and the imports of
impact.command_line: a few) are compiled as usual.
"""
from __future__ import annotations

import marshal
import re
from contextlib import contextmanager
from typing import Iterator

from impact.code_cache import load_table, save_table, table_path

MAX_PATTERNS = 3000  # a warm scan uses ~140
_DEBUG = int(re.DEBUG)


@contextmanager
def compiled_regexes() -> Iterator[dict]:
    """Within the block, `re` reuses the compiled programs of the table (see the module doc);
    yields the table ((pattern, flags) -> the arguments of `_sre.compile` after the pattern)."""
    import _sre
    from re import _compiler

    path = table_path("regex", f"-{_sre.MAGIC}")
    if path is None or hasattr(_compiler.compile, "impact_table"):  # no cache, or already active
        yield {}
        return
    table = {k: v for k, v in load_table(path).items() if _valid(k, v)}
    known, used = len(table), set()
    original = _compiler.compile

    def cached_compile(p, flags=0):
        key = (p, flags)
        if type(p) not in (str, bytes) or type(flags) is not int or flags & _DEBUG:
            return original(p, flags)
        used.add(key)
        entry = table.get(key)
        if entry is not None:
            try:
                return _sre.compile(p, *entry)
            except Exception:  # noqa: BLE001 - not what this engine takes after all: compile it
                del table[key]
        pattern, entry = _recorded(_compiler, original, p, flags)
        if entry is not None:
            table[key] = entry
        return pattern

    cached_compile.impact_table = table
    _compiler.compile = cached_compile  # re._compile looks it up in the module on each miss of its own cache
    try:
        yield table
    finally:
        _compiler.compile = original
        if len(table) != known:
            save_table(path, table if len(table) <= MAX_PATTERNS else {k: table[k] for k in used if k in table})


class _Recorder:
    """Stands in for the `_sre` module inside `re._compiler` while one pattern compiles: keeps the
    arguments of `compile`, hands everything else to the module."""

    def __init__(self, sre) -> None:
        self.sre, self.calls = sre, []

    def compile(self, *args):
        self.calls.append(args)
        return self.sre.compile(*args)

    def __getattr__(self, name: str):
        return getattr(self.sre, name)


def _recorded(compiler, original, p, flags: int):
    """Compile `p` with the original compiler; also return the arguments it gave `_sre.compile`
    after the pattern, made marshal-able (None if they cannot be)."""
    sre = compiler._sre
    recorder = compiler._sre = _Recorder(sre)
    try:
        pattern = original(p, flags)
    finally:
        compiler._sre = sre
    if len(recorder.calls) != 1 or recorder.calls[0][0] is not p:
        return pattern, None
    # The program's opcodes are int subclasses (named constants), which marshal does not take.
    entry = tuple([int(c) for c in a] if type(a) is list else a for a in recorder.calls[0][1:])
    try:
        marshal.dumps(entry)
    except ValueError:
        return pattern, None
    return pattern, entry


def _valid(key, entry) -> bool:
    return (type(key) is tuple and len(key) == 2 and type(key[0]) in (str, bytes) and type(key[1]) is int
            and type(entry) is tuple)
