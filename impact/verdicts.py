"""Pre-filter verdicts remembered between scans: a warm scan does not read a file it already knows
is of no interest (issue 13: reading every file for the pre-filter was most of a warm scan that
parses nothing).

A verdict says "this file names none of the needles and declares no ORM model", and holds only for
the file's (size, mtime_ns) when it was read and for the same needles (the tables, columns and the
ORM spellings of that scan): a file whose size or modification time changed is read again, and a
scan whose needles differ reads every file. The verdicts are stored in the extraction cache (so in
the pack of this repo and these names); the key covers the pre-filter's code.

Known limit: a file rewritten with the same size within one modification-time tick is a change no
stat can see (git has the same "racy" case). As git does, a file modified in the RACY_NS before
the scan started gets no verdict, so only an edit that also resets the mtime goes unseen
(tests/test_verdicts.py, xfail).
"""
from __future__ import annotations

import time

from impact.cache import ExtractionCache, content_key
from impact.files import SourceFile

RACY_NS = 2_000_000_000  # files modified this close to the scan's start are not remembered
# The code whose answers a verdict records: a change to it is a new key, so no old verdict is used.
PREFILTER_CODE = ("extraction.py", "files.py", "orm/*.py", "extract/__init__.py")


class Verdicts:
    """The files known to be of no interest to a scan looking for `names` (tables and columns)."""

    def __init__(self, cache: ExtractionCache, names: list[str]) -> None:
        self.cache = cache
        self.key = content_key("prefilter-verdicts", [("names", "\0".join(sorted(names)))], PREFILTER_CODE)
        stored = cache.get(self.key, dict) if cache.enabled else None
        valid = isinstance(stored, dict) and isinstance(stored.get("files"), dict) and isinstance(stored.get("needles"), list)
        self.needles: list[str] = stored["needles"] if valid else []
        self.known: dict = stored["files"] if valid else {}
        self.fresh: dict[str, list[int]] = {}
        self.started = time.time_ns()

    def declares_nothing(self, source: SourceFile) -> bool:
        """Known (unchanged since) to declare no ORM model and to name no table or column."""
        return self.known.get(source.rel) == [source.size, source.mtime_ns]

    def of_no_interest(self, source: SourceFile, needles: list[str]) -> bool:
        """Known (unchanged since, and for these very needles) to name none of them."""
        return self.declares_nothing(source) and needles == self.needles

    def remember(self, source: SourceFile) -> None:
        """`source` was read and is of no interest (names no needle, declares no model)."""
        if source.mtime_ns and source.mtime_ns < self.started - RACY_NS:
            self.fresh[source.rel] = [source.size, source.mtime_ns]

    def save(self, needles: list[str]) -> None:
        if not self.cache.enabled:
            return
        if needles == self.needles and self.fresh == self.known:
            return
        self.cache.put(self.key, {"needles": list(needles), "files": self.fresh})
