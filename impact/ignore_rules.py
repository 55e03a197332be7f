"""Git's ignore rules outside a git work tree: one layer per ignore file, read with pathspec.

Inside a work tree `git ls-files` lists the files (impact.git_files) and none of this runs; it is
the walk's fallback (impact.files), kept apart so the walk reads as a walk.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


@dataclass(frozen=True)
class IgnoreLayer:
    """The patterns of one ignore file, relative to the folder they apply to."""

    base: str  # folder the patterns are relative to, POSIX, "" for the repo root
    spec: GitIgnoreSpec
    reason: str

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: no pattern matches."""
        if self.base:
            if not rel.startswith(self.base + "/"):
                return None
            rel = rel[len(self.base) + 1 :]
        # The trailing slash lets `build/` match the folder but not a file named build.
        return self.spec.check_file(rel + "/" if is_dir else rel).include


def compile_patterns(lines: Iterable[str]) -> GitIgnoreSpec:
    """Compile gitignore lines; a line pathspec rejects is dropped (git ignores it too)."""
    from pathspec import GitIgnoreSpec  # only when patterns are compiled: in a git work tree git lists the files

    lines = list(lines)
    try:
        return GitIgnoreSpec.from_lines(lines)
    except Exception:  # pathspec raises its own error types, and has changed them between versions
        return GitIgnoreSpec.from_lines([line for line in lines if _compiles(line)])


def _compiles(line: str) -> bool:
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([line])
        return True
    except Exception:
        return False


def read_ignore_file(path: str, base: str, reason: str) -> IgnoreLayer | None:
    """The layer of one ignore file, None if there is none, or it is a symlink or unreadable."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    spec = compile_patterns(text.splitlines())
    return IgnoreLayer(base, spec, reason) if len(spec) else None


def ignore_reason(rel: str, is_dir: bool, layers: Sequence[IgnoreLayer]) -> str | None:
    """Why `rel` is ignored, or None. `layers` go most specific first: the first that has a say wins.

    That is git's precedence: a nested .gitignore overrides its parents, which override
    .git/info/exclude; within one file the last matching pattern wins (pathspec does that part).
    """
    for layer in layers:
        verdict = layer.verdict(rel, is_dir)
        if verdict is not None:
            return layer.reason if verdict else None
    return None
