"""Folder listings (`os.scandir`) read once per scan: locate's folder tree (impact.formats.sql)
and the file walk (impact.files) list the same folders.

Decision (issue 13, h15warm): the two walks each listed every folder of the repo; the listing is
most of either walk's time (system calls, not Python), ~8 ms of a ~0.30 s warm scan of a 5k-file
repo. Within `shared()` (entered by impact.formats.sql.one_scan, i.e. once per pipeline scan) the
folder tree keeps each listing it reads and the walk takes it (`take`, once: then it is dropped),
so a folder is listed once. Keys are the folder's path as each walk spells it: a repo reached
through a symlink is listed twice, as before. Outside `shared()` nothing is kept.

Known limit: a file created or removed between locate and the walk (the same scan) is seen as it
was when locate listed its folder.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_KEPT: ContextVar[dict[str, list[os.DirEntry]] | None] = ContextVar("impact_listings", default=None)


@contextmanager
def shared() -> Iterator[None]:
    token = _KEPT.set({})
    try:
        yield
    finally:
        _KEPT.reset(token)


def listing(folder: str) -> list[os.DirEntry]:
    """`os.scandir(folder)` as a list, in its order (raises OSError as scandir does); kept for one
    `take` within `shared()`."""
    with os.scandir(folder) as it:
        entries = list(it)
    kept = _KEPT.get()
    if kept is not None:
        kept[folder] = entries
    return entries


def take(folder: str) -> list[os.DirEntry] | None:
    """The listing `listing(folder)` kept in this scan (dropped now), None if there is none."""
    kept = _KEPT.get()
    return kept.pop(folder, None) if kept else None
