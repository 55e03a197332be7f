"""Files of the caches (impact.cache, pickle_cache, source_digest, code_cache): written atomically,
the oldest pruned. Every failure is the caller's to ignore: a cache is an optimisation only."""
from __future__ import annotations

import itertools
import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: readers never see half an entry.

    Cheaper than `tempfile.mkstemp` plus `mkdir` for each write (a cold scan of saleor writes ~200
    entries): each folder is made once per process, and the temporary name is this process's id and
    a counter, created with O_EXCL (a name left by a dead process of the same id is skipped)."""
    folder = str(path.parent)
    if folder not in _MADE_FOLDERS:
        os.makedirs(folder, exist_ok=True)
        _MADE_FOLDERS.add(folder)
    remade = False
    while True:
        temp = f"{folder}/.tmp-{os.getpid()}-{next(_TEMP_NUMBERS)}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # mkstemp's mode
            break
        except FileExistsError:
            continue
        except FileNotFoundError:
            if remade:
                raise
            os.makedirs(folder, exist_ok=True)  # removed since this process made it
            remade = True
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


_MADE_FOLDERS: set[str] = set()
_TEMP_NUMBERS = itertools.count()


def prune_oldest(folder: Path, keep: int, pattern: str = "*.pickle") -> None:
    """Delete all but the `keep` most recently written entries of `folder` (the whole-value caches:
    schema_cache, migration_cache). A file that vanishes meanwhile is simply gone."""
    entries = []
    for path in folder.glob(pattern):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            pass
    for _, old in sorted(entries, reverse=True)[keep:]:
        try:
            os.unlink(old)
        except OSError:
            pass
