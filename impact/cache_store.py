"""The extraction cache's single entries, in one SQLite file (`<cache>/extractions/entries.sqlite`).

Decision (issue 13, h22cold): an entry was a file of its own (`extractions/a/<key>.pickle`),
written through a temporary file and a rename. A cold scan of saleor writes ~190 entries (and made
16 fan-out folders): creating a file is an inode to allocate, ~10 µs of CPU on a quiet ext4 folder
but 0.3–0.9 ms under this machine's crowded /tmp (where bench/real_bench.py keeps its cache), 0.06–0.1 s
of a cold scan; an insert into one database in WAL mode costs ~40 µs wherever it lives. Each put is
its own transaction, committed at once: a scan that dies keeps every entry already put (issue 13
item 3). Readers never see half an entry (SQLite's transactions), and scans running side by side
share the file (SQLite's locks; a busy database is waited for, briefly).

What stays: the packs (impact.cache) still serve a warm scan from one file, so a warm scan that
finds everything in its pack never opens the database (nor imports sqlite3); entries of the
earlier file layout are still read (impact.cache), never written.

Every failure is the caller's to treat as a miss (get) or as "caching off" (put): a cache is an
optimisation only. A database that is not one (a truncated or foreign file) is removed and made
again once; a database removed during a scan (the user clears the cache) is made again on the next
put. The file is private (0600, as the entries were; SQLite gives its -wal and -shm files the same
mode). Forked extraction workers inherit an open connection and never use it (they do not cache).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

STORE_NAME = "entries.sqlite"
BUSY_SECONDS = 5.0  # another scan's write holds the lock for one insert: never this long


class EntryStore:
    """get/put of bytes by key in `<folder>/entries.sqlite`; the database is opened on first use."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STORE_NAME
        self._db: Any = None  # a sqlite3.Connection once opened
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened
        self._ready = False  # the connection made sure of the table (opened to write)

    def get(self, key: str) -> bytes | None:
        """The bytes put under `key`, None when there are none or the database cannot be read."""
        try:
            if self._db is None and not self._open(create=False):
                return None
            row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        except Exception:  # noqa: BLE001 - sqlite3.Error, OSError: a miss
            return None
        return bytes(row[0]) if row is not None and isinstance(row[0], bytes) else None

    def put(self, key: str, value: bytes) -> None:
        """Store `value` under `key`, committed; raises OSError when it cannot be written."""
        import sqlite3

        for attempt in range(2):
            try:
                if not (self._current() and self._ready):
                    self.close()
                    self._open(create=True)
                with self._db:  # one transaction, committed on leaving
                    self._db.execute("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", (key, value))
                return
            except sqlite3.OperationalError as error:  # locked for too long, read-only, disk full
                raise OSError(str(error)) from None
            except sqlite3.DatabaseError:  # not a database (truncated, foreign): made again, once
                self.close()
                if attempt:
                    raise OSError("the cache database cannot be written") from None
                _remove(self.path)

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._db, self._identity, self._ready = None, None, False

    def _current(self) -> bool:
        """Whether the database opened is still the file at `path` (not removed since)."""
        if self._db is None:
            return False
        try:
            stat = os.stat(self.path)
        except OSError:
            self.close()
            return False
        if (stat.st_dev, stat.st_ino) != self._identity:
            self.close()
            return False
        return True

    def _open(self, create: bool) -> bool:
        """Connect (making the file and its table when `create`); False when there is no database."""
        if not create and not self.path.is_file():
            return False  # a miss without importing sqlite3 (a cold scan's gets before its first put)
        import sqlite3

        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))  # private before SQLite opens it
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            if create:
                db.execute("PRAGMA journal_mode=WAL")  # writers do not block readers
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
            db.execute("PRAGMA synchronous=OFF")  # no fsync, not even at a checkpoint: a lost entry is a miss
            db.execute("PRAGMA cache_size=-256")  # KiB: entries are written once and read once, never scanned
            stat = os.stat(self.path)
        except BaseException:
            db.close()
            raise
        self._db, self._identity, self._ready = db, (stat.st_dev, stat.st_ino), create
        return True


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass
