"""Reading one listed source file: `read_source` turns it into text or a `FileIssue` (binary, not
UTF-8, unreadable), and `mentions_any` is the cheap pre-filter that keeps files that cannot
concern a migration away from the parsers.
"""
from __future__ import annotations

import codecs
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from impact.model import FileIssue

if TYPE_CHECKING:
    from impact.files import SourceFile

BINARY_SNIFF_BYTES = 8192  # git's own heuristic: a NUL in the first 8 KiB means binary
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# O_NOFOLLOW: SourceFile.path is already resolved, so a link appearing there since the walk (a
# swap to point outside the repo) makes the open fail instead of being followed.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def read_source(f: SourceFile) -> str | FileIssue:
    """The file's text (a UTF-8 BOM dropped), or why it cannot be read as source."""
    try:
        data = _read_bytes(f.where)
    except OSError as exc:
        return FileIssue(f.rel, f"unreadable ({exc.strerror or exc})")
    if data.startswith(UTF16_BOMS):
        return FileIssue(f.rel, "not UTF-8 (UTF-16)")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return FileIssue(f.rel, "binary")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return FileIssue(f.rel, f"not UTF-8 (byte 0x{data[exc.start]:02x} on line {line})")


def _read_bytes(path: str | Path) -> bytes:
    """The whole file, read as `FileIO.readall` does (its size first, then until a read returns
    nothing), without the file objects `os.fdopen` builds: a scan reads every listed file, saleor's
    ~6,800 times on a cold DROP, and those objects were a third of the reading's CPU (issue 13)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if not data:
            return data
        parts = [data]
        while chunk := os.read(fd, max(size, 65536)):  # it grew since fstat (or a short read)
            parts.append(chunk)
        return data if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def mentions_any(data: str, needles: Iterable[str]) -> bool:
    """Whether `data` contains any needle, ignoring case: the test every file passes before parsing.

    Lowercasing once and using `in` beats a compiled IGNORECASE alternation for the handful of
    names a migration touches (see bench/ for the measurement).
    """
    lowered = None
    for needle in needles:
        if not needle:
            continue
        if lowered is None:
            lowered = data.lower()
        if needle.lower() in lowered:
            return True
    return False
