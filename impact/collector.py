"""Python's cyclic garbage collector paused while a command-line scan only reads its caches.

Decision (issue 13, h15warm): a warm scan allocates many small long-lived objects (module tables,
~90 dataclasses, cached results, the report) and creates almost no cyclic garbage, yet the
collector's young collections traversed the survivors again and again: ~7-9 ms of a ~0.30 s warm
scan of a 5k-file repo. The command line pauses the collector (`pause`, first thing in
impact.command_line.main) and the first parse turns it back on (`resume`: a file's extraction or model
classes, the ORM map, and any miss of impact.pickle_cache, e.g. the migration's parse): parse trees
(sqlglot's keep parent pointers) are where cycles come from, so a cold scan runs with the collector
as before. Not a miss of impact.cache as such: a warm scan misses the files late_parses.py defers
and never parses (saleor's ADD did on every run). Other commands than
`scan`, and `scan --trace`, resume it at once (impact.cli, impact.scan_command).

Known limit: cyclic garbage made before the first miss stays until the collector resumes or the
process ends; on a warm scan that is the whole run (peak memory unchanged, bench/scan_speed.md).
A library caller's collector is never touched: only `pause` disables it, and `resume` enables it
only if `pause` did.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def pause() -> None:
    """Disable the collector until `resume` (a no-op if something else already disabled it)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Enable the collector again if `pause` disabled it."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


def paused() -> bool:
    return _paused


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The collector paused while one file is parsed and read (moved here from the Python
    extractor, issue 13): `ast.parse` allocates ~100,000 tracked nodes for a large file, and each
    allocation burst set off collections that traversed them all again (2/3 of the CPU of
    extracting saleor's files). The tree holds no cycles: the caller drops it before the block
    ends, so reference counting frees it and the collection that follows finds little to traverse."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def frozen_while_forking() -> Iterator[None]:
    """The objects made so far out of the collector's reach while worker processes are forked
    (`gc.freeze`, as the gc module's documentation advises before a fork), back in it afterwards
    in this process only. A forked worker inherits the parent's collector: without this, its first
    collection of the middle generation traversed every object of the parent still young (a scan
    makes them with the collector paused), touching each page and so copying it. Frozen, a worker's
    collections see only what the worker makes. (issue 13, h22cold: on saleor DROP each worker's one
    collection, over the ~58k objects it inherited young, ~0.025 s, is gone; a quarter fewer page faults.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
