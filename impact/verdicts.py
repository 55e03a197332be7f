"""Pre-filter verdicts remembered between scans: a warm scan does not read a file it already knows
is of no interest (issue 13: reading every file for the pre-filter was most of a warm scan that
parses nothing).

A verdict says "this file names none of the needles and declares no ORM model", and holds only for
the file's (size, mtime_ns) when it was read and for the same needles (the tables, columns and the
ORM spellings of that scan): a file whose size or modification time changed is read again, and a
scan whose needles differ reads every file. A verdict may also say "and names none of the model
classes of the affected tables" (the Python files read only to find users of those classes: all
of saleor's), for the same class names only. The verdicts are stored in the extraction cache (so in
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
PREFILTER_CODE = ("extraction.py", "files.py", "orm/*.py", "extract/__init__.py", "verdicts.py")


class Verdicts:
    """The files known to be of no interest to a scan looking for `names` (tables and columns)."""

    def __init__(self, cache: ExtractionCache, names: list[str]) -> None:
        self.cache = cache
        self.key = content_key("prefilter-verdicts", [("names", "\0".join(sorted(names)))], PREFILTER_CODE)
        stored = cache.get(self.key, dict) if cache.enabled else None
        valid = isinstance(stored, dict) and isinstance(stored.get("files"), dict) and isinstance(stored.get("needles"), list)
        self.needles: list[str] = stored["needles"] if valid else []
        self.models: list[str] = stored.get("models", []) if valid else []
        self.known: dict = stored["files"] if valid else {}
        self.fresh: dict[str, list[int]] = {}  # rel -> [size, mtime_ns, 1 if it names no model class]
        self.started = time.time_ns()

    def declares_nothing(self, source: SourceFile) -> bool:
        """Known (unchanged since) to declare no ORM model and to name no table or column."""
        return self._unchanged(source) is not None

    def _unchanged(self, source: SourceFile) -> list | None:
        """`source`'s record if it is unchanged since (one dict lookup and two compares: asked
        about every listed file, twice, on a warm scan; issue 13)."""
        record = self.known.get(source.rel)
        try:
            return record if record[0] == source.size and record[1] == source.mtime_ns else None
        except (TypeError, IndexError, KeyError):  # no record, or not one this code wrote
            return None

    def names_no_model(self, source: SourceFile, models: list[str]) -> bool:
        """Known (unchanged since) to name none of the model classes `models` either."""
        return self.declares_nothing(source) and self.known[source.rel][2:] == [1] and sorted(models) == self.models

    def of_no_interest(self, source: SourceFile, needles: list[str]) -> bool:
        """Known (unchanged since, and for these very needles) to name none of them; such a file
        is remembered again as it was (see remember)."""
        if needles != self.needles:
            return False
        record = self._unchanged(source)
        if record is None:
            return False
        if self.started - RACY_NS > source.mtime_ns > 0:  # as remember(source) would
            self.fresh[source.rel] = record if len(record) == 2 or record[2:] == [1] else record[:2]
        return True

    def remember(self, source: SourceFile, no_model: bool | None = None) -> None:
        """`source` is of no interest (names no needle, declares no model); `no_model`: it names no
        model class of the affected tables either (None: as known before, if it is unchanged)."""
        if not source.mtime_ns or source.mtime_ns >= self.started - RACY_NS:
            return
        if no_model is None:
            no_model = self.declares_nothing(source) and self.known[source.rel][2:] == [1]
        self.fresh[source.rel] = [source.size, source.mtime_ns] + ([1] if no_model else [])

    def save(self, needles: list[str], models: list[str]) -> None:
        if not self.cache.enabled:
            return
        if needles == self.needles and sorted(models) == self.models and self.fresh == self.known:
            return
        self.cache.put(self.key, {"needles": list(needles), "models": sorted(models), "files": self.fresh})
