"""The code `dataclasses` generates, compiled once and kept in the cache directory (the command line only).

Creating a dataclass compiles its `__init__`, `__repr__`, `__eq__` (and for a frozen one
`__setattr__`, `__delattr__`, `__hash__`) from generated source: a scan imports ~90 dataclasses,
~420 such functions, and compiling them was ~40 ms of a 0.4 s warm scan (issue 13); the
interpreter keeps no .pyc for them. While `compiled_dataclasses()` is active, the `exec` that the
dataclasses module calls on that source looks it up in a table of code objects, keyed by the
source text itself, loaded from `<cache>/code/dataclasses-<interpreter>.marshal` (~2 ms): the same
text compiles to the same code, so a class comes out as it would without the table. New texts are
compiled as the module would (flags not inherited: `dont_inherit=True`, the dataclasses module has
no `__future__` import) and the table is written back, atomically, when the command ends.

Decisions: only the command line turns it on (impact.command_line.main); a library caller's dataclasses
are left alone. The table is per interpreter build and optimisation level (marshal's format and
the bytecode are the interpreter's); a table that cannot be read is empty, one that cannot be
written is dropped (an optimisation only). Like the pickles beside it, marshal data is trusted as
this user's own: it lives only in their cache directory (IMPACT_CACHE_DIR; IMPACT_NO_CACHE=1
turns this off too). An interpreter whose dataclasses module does not call `exec` on source text
(none known) just compiles as before.

Decision: the table keeps the texts of classes that no longer exist (an edited dataclass) until
it grows past MAX_CODES, then it is rewritten with this run's texts only: rewriting it whenever a
run used fewer classes (`impact --version`) would rewrite it on every other run.
"""
from __future__ import annotations

import marshal
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from impact.cache_dir import default_cache_dir

MAX_CODES = 4000  # a scan uses ~420


def table_path(kind: str = "dataclasses", tag: str = "") -> str | None:
    """`<cache>/code/<kind>-<interpreter build><tag>.marshal`, None without a cache (also for impact.regex_cache)."""
    directory = default_cache_dir()
    if directory is None:
        return None
    build = f"{sys.implementation.cache_tag}-{sys.version.split()[0]}-O{sys.flags.optimize}{tag}"
    return os.path.join(directory, "code", f"{kind}-{build}.marshal")


@contextmanager
def compiled_dataclasses() -> Iterator[dict]:
    """Within the block, dataclasses reuse the compiled code of the table (see the module doc);
    yields the table (source text -> code)."""
    import dataclasses

    path = table_path()
    if path is None or "exec" in vars(dataclasses):  # no cache, or already active
        yield {}
        return
    table = _load(path)
    known, used = len(table), set()

    def cached_exec(source, globals=None, locals=None, /):
        if type(source) is str:
            code = table.get(source)
            if code is None:
                code = table[source] = compile(source, "<string>", "exec", dont_inherit=True)
            used.add(source)
            source = code
        return exec(source, globals, locals)

    dataclasses.exec = cached_exec  # found before the builtin by the module's own functions
    try:
        yield table
    finally:
        del dataclasses.exec
        if len(table) != known:
            save_table(path, table if len(table) <= MAX_CODES else {s: table[s] for s in used})


def _load(path: str) -> dict:
    return {s: c for s, c in load_table(path).items() if type(s) is str and type(c) is type(_load.__code__)}


def load_table(path: str) -> dict:
    """The marshalled dict at `path`; empty if it cannot be read (also for impact.regex_cache)."""
    try:
        with open(path, "rb") as handle:
            table = marshal.loads(handle.read())  # marshal.load(handle) reads piece by piece: 5x slower
    except Exception:  # noqa: BLE001 - missing, truncated, or another interpreter's: compile again
        return {}
    return table if isinstance(table, dict) else {}


def save_table(path: str, table: dict) -> None:
    """Write `table` marshalled to `path`, atomically; an optimisation only, never an error (also for impact.regex_cache)."""
    from pathlib import Path

    from impact.cache import _write_atomically  # here: importing it creates dataclasses (model.py)

    try:
        _write_atomically(Path(path), marshal.dumps(table))
    except Exception:  # noqa: BLE001 - an optimisation only
        pass
