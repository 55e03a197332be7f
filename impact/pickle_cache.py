"""Whole results kept between scans as pickles under `<cache>/<kind>/<key>.pickle`.

For results that are not one file's extraction (those go through impact.cache, pickled too): the
replayed schema, the typed receivers of a scan. Pickle keeps sets and tuples as they were; it runs
code when loaded, so entries live only in this user's own cache directory, as the rest of the cache
does (IMPACT_CACHE_DIR; IMPACT_NO_CACHE=1 turns it off). Any entry that cannot be loaded is a miss,
and a failed write is ignored: this is an optimisation only. Each kind keeps its newest entries.
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from impact import collector
from impact.cache import _write_atomically, default_cache_dir, prune_oldest

MAX_ENTRIES = 16


def folder(kind: str, use_cache: bool = True) -> Path | None:
    directory = default_cache_dir() if use_cache else None
    return directory / kind if directory is not None else None


def load(where: Path | None, key: str | None, expected: type) -> Any | None:
    value = _loaded(where, key)
    if isinstance(value, expected):
        return value
    if where is None or key is not None:  # (no key: the caller keeps nothing, computes from what it has)
        collector.resume()  # a miss: the result is computed, parse trees and all (impact.collector)
    return None


def _loaded(where: Path | None, key: str | None) -> Any:
    if where is None or key is None:
        return None
    try:
        return pickle.loads((where / f"{key}.pickle").read_bytes())
    except Exception:  # noqa: BLE001 - missing, truncated or from other code: a miss
        return None


def store(where: Path | None, key: str | None, value: Any, keep: int = MAX_ENTRIES) -> None:
    if where is None or key is None:
        return
    try:
        _write_atomically(where / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        prune_oldest(where, keep)
    except Exception:  # noqa: BLE001 - an optimisation only: what cannot be stored is computed next time
        pass

