"""Digests of impact's own source files (for cache keys), remembered by the files' sizes and mtimes.

Decision (issue 13, h15warm): every scan hashed the ~50 modules its cached results depend on
(impact.cache's `_code_fingerprint` and `_source_hash`): ~5 ms of reading and hashing in a ~0.30 s
warm scan. The digest is still of the files' content (the same keys as before, so a fresh checkout
or install of the same code finds its cache), but it is kept in `<cache>/code/sources-<signature>`,
where the signature hashes each file's path, size and mtime (nanoseconds): an unchanged signature
reads that one small file instead of every module. An edit that keeps a file's size and mtime to the
nanosecond is not seen (Python's .pyc check, by size and whole seconds, misses it too). Without a cache directory (or
when the memo cannot be read or written) the content is hashed, as before.
"""
from __future__ import annotations

import hashlib
import os
from fnmatch import fnmatchcase

from impact.cache_dir import default_cache_dir

HEX = "0123456789abcdef"
MAX_MEMOS = 32  # a few per checkout of impact (one per set of modules hashed)


def files(package: str, patterns: tuple[str, ...]) -> list[tuple[str, str]]:
    """(relative path, absolute path) of what each pattern names, pattern by pattern, each sorted as
    pathlib sorts its glob: `dir/*.py`, `dir/**/*.py` (any depth, the folder itself included) or a
    plain relative path (listed if it exists, as a glob lists it)."""
    out: list[tuple[str, str]] = []
    for pattern in patterns:
        folder, _, name = pattern.rpartition("/")
        if "*" not in pattern:
            if os.path.exists(path := os.path.join(package, pattern)):
                out.append((pattern, path))
            continue
        deep = folder.endswith("/**") or folder == "**"
        base = folder[:-3] if folder.endswith("/**") else ("" if deep else folder)
        found = []
        top = os.path.join(package, base) if base else package
        for where, dirs, names in os.walk(top) if deep else [(top, [], _names(top))]:
            rel_dir = os.path.relpath(where, package).replace(os.sep, "/")
            found.extend(f"{rel_dir}/{n}" if rel_dir != "." else n for n in names if fnmatchcase(n, name))
        out.extend((rel, os.path.join(package, rel)) for rel in sorted(found, key=lambda r: r.split("/")))
    return out


def _names(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def digest(kind: str, listed: list[tuple[str, str]], shown: list[bytes]) -> str:
    """The first 16 hex digits of sha256 over, per file, `shown[i] + b"\\0" + its bytes` (the name
    alone for a file that cannot be read); from the memo when no file's size or mtime changed."""
    signature = hashlib.sha256(kind.encode())
    for _, path in listed:  # the absolute path: a copy of the package keeps sizes and mtimes
        try:
            info = os.stat(path)
            signature.update(b"\1%s\0%d\0%d" % (os.fsencode(path), info.st_size, info.st_mtime_ns))
        except OSError:
            signature.update(b"\2" + os.fsencode(path))
    root = default_cache_dir()
    memo = os.path.join(root, "code", f"sources-{signature.hexdigest()[:32]}") if root is not None else None
    if memo is not None:
        try:
            with open(memo, encoding="ascii") as handle:
                remembered = handle.read()
            if len(remembered) == 16 and not remembered.strip(HEX):
                return remembered
        except (OSError, ValueError):
            pass
    content = hashlib.sha256()
    for (_, path), name in zip(listed, shown):
        try:
            with open(path, "rb") as handle:
                content.update(name + b"\0" + handle.read())
        except OSError:
            content.update(name)
    value = content.hexdigest()[:16]
    if memo is not None:
        _remember(memo, value)
    return value


def _remember(memo: str, value: str) -> None:
    from pathlib import Path

    from impact.cache import _write_atomically, prune_oldest

    try:
        _write_atomically(Path(memo), value.encode("ascii"))
        prune_oldest(Path(memo).parent, MAX_MEMOS, "sources-*")
    except OSError:
        pass  # an optimisation only: the content is hashed again next time
