"""Walking the scanned repository: read-only, crash-free, and never leaving the repo through a symlink.

`walk` lists the source files worth reading (git's ignore rules, dependency/build/vendored folders
and minified bundles excluded); impact.source_text reads one.
"""
from __future__ import annotations

import operator
import os
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from impact import listings
from impact.ignore_rules import IgnoreLayer, compile_patterns, ignore_reason, read_ignore_file
from impact.git_files import GitListing, listing
from impact.model import FileIssue

# Folders that hold dependencies, build output, caches or vendored code: never the project's own
# queries, and often huge. Matched by name at any depth.
SKIPPED_DIR_NAMES = frozenset(
    {
        # version control
        ".git", ".hg", ".svn",
        # dependencies
        "node_modules", "bower_components",
        # build output
        "dist", "build", "out", ".next", ".nuxt", ".svelte-kit", "coverage", "target",
        # vendored code, virtualenvs, tool caches
        "vendor", "third_party", ".venv", "venv", "site-packages", "__pycache__",
        ".tox", ".mypy_cache", ".pytest_cache",
    }
)
# Version-control folders are always there: skipping them is not worth a line in the report.
SILENTLY_SKIPPED_DIR_NAMES = frozenset({".git", ".hg", ".svn"})
MINIFIED_SUFFIXES = (".min.js", ".min.mjs", ".min.cjs")

MAX_SKIP_EXAMPLES = 200
DEFAULT_MAX_BYTES = 2_000_000

# Skip reasons, as counted in WalkStats.skipped.
GITIGNORED = "gitignored"
EXCLUDED_BY_CONFIG = "excluded by config"
DEPENDENCY_DIR = "dependency, build or vendored directory"
MINIFIED = "minified"
TOO_LARGE = "too large"
SYMLINK_OUTSIDE = "symlink outside repo"
SYMLINK_BROKEN = "broken symlink"
SYMLINK_DIR = "symlinked directory"
SYMLINK_DUPLICATE = "duplicate of another file (symlink)"
UNREADABLE_DIR = "unreadable directory"
UNREADABLE_FILE = "unreadable file"
NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class SourceFile:
    where: str | Path  # absolute, with symlinks resolved: reading it never follows a link again
    rel: str  # relative to the repo, POSIX separators (a symlink's own name, not its target's)
    size: int
    mtime_ns: int = 0  # 0: not known (then no pre-filter verdict is remembered for it, verdicts.py)

    @cached_property
    def path(self) -> Path:
        """`where` as a Path, built when asked: a Path per listed file was a tenth of a warm scan's
        walk, and a warm scan asks for the path of the few files it reads (issue 13)."""
        return Path(self.where)


@dataclass
class WalkStats:
    seen: int = 0  # files with a wanted suffix the walk judged (the contents of skipped folders are never listed)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    skipped_files: list[FileIssue] = field(default_factory=list)  # the first examples only

    def skip(self, rel: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.skipped_files) < MAX_SKIP_EXAMPLES:
            self.skipped_files.append(FileIssue(rel, reason))


# --- the walk ---------------------------------------------------------------------------------


@dataclass
class _Walk:
    """The state of one walk: the repo root, what to keep, and what has been found."""

    root: str  # real path of the repo
    suffixes: frozenset[str]
    config_layer: IgnoreLayer | None
    max_bytes: int
    git: GitListing | None = None
    stats: WalkStats = field(default_factory=WalkStats)
    files: dict[str, SourceFile] = field(default_factory=dict)  # real path -> file
    linked_files: list[SourceFile] = field(default_factory=list)  # symlinks, deduplicated at the end
    visited_dirs: set[tuple[int, int]] = field(default_factory=set)

    def inside_repo(self, real: str) -> bool:
        prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        return real == self.root or real.startswith(prefix)

    def in_skipped_dir(self, real: str) -> bool:
        """Whether a path inside the repo lies in a dependency, build or vendored folder."""
        folders = os.path.relpath(real, self.root).split(os.sep)[:-1]
        return any(name in SKIPPED_DIR_NAMES for name in folders)

    def wanted(self, name: str) -> bool:
        """os.path.splitext(name)[1] in suffixes, without its two calls (asked for every file):
        the last dot on, unless only dots come before it (`.py`, `..py` have no suffix)."""
        dot = name.rfind(".")
        return dot > 0 and name[dot:] in self.suffixes and (name[0] != "." or name[:dot].strip(".") != "")

    def ignored(self, rel: str, is_dir: bool, gitignores: Sequence[IgnoreLayer]) -> str | None:
        git = self.git
        if git is not None and not is_dir and not git.opaque and self.config_layer is None:
            return None if rel in git.files else GITIGNORED  # the common case, as below, in one call per file
        # The user's own excludes act like git's command-line patterns: they beat every .gitignore.
        if git is not None and not git.opaque_at(rel):
            verdict = self.config_layer.verdict(rel, is_dir) if self.config_layer else None
            if verdict is not None:  # a config pattern decides, a `!` one re-including too
                return EXCLUDED_BY_CONFIG if verdict else None
            return GITIGNORED if self.git.ignored(rel, is_dir) else None
        layers = (self.config_layer, *gitignores) if self.config_layer else gitignores
        return ignore_reason(rel, is_dir, layers)

    def reads_gitignores(self, rel_dir: str) -> bool:
        return self.git is None or self.git.opaque_at(rel_dir)


def git_listing(root: str) -> GitListing | None:
    """What git lists in the work tree whose top is `root` (impact.git_files), None outside one."""
    return listing(root, display_name)


def walk(
    repo: Path,
    *,
    suffixes: set[str],
    exclude: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[list[SourceFile], WalkStats]:
    """The repo's source files with one of `suffixes`, sorted by relative path, and what was skipped.

    Never writes, never raises for a bad file or folder (they are counted), never leaves the repo.
    Symlinked folders are not descended: what they point to inside the repo is walked at its real
    path anyway, and not following them makes symlink loops impossible.
    """
    root = os.path.realpath(repo)
    state = _Walk(
        root=root,
        suffixes=frozenset(suffixes),
        config_layer=IgnoreLayer("", compile_patterns(exclude), EXCLUDED_BY_CONFIG) if exclude else None,
        max_bytes=max_bytes,
        git=git_listing(root),
    )
    info_exclude = None if state.git else read_ignore_file(os.path.join(root, ".git", "info", "exclude"), "", GITIGNORED)
    pending: list[tuple[str, str, tuple[IgnoreLayer, ...]]] = [("", root, (info_exclude,) if info_exclude else ())]
    while pending:
        rel_dir, abs_dir, gitignores = pending.pop()
        pending.extend(_walk_dir(state, rel_dir, abs_dir, gitignores))
    return _deduplicated(state), state.stats


def _walk_dir(
    state: _Walk, rel_dir: str, abs_dir: str, gitignores: tuple[IgnoreLayer, ...]
) -> list[tuple[str, str, tuple[IgnoreLayer, ...]]]:
    """Judge one folder's entries; return its subfolders still to walk."""
    if not _first_visit(state, rel_dir, abs_dir):
        return []
    own = read_ignore_file(os.path.join(abs_dir, ".gitignore"), rel_dir, GITIGNORED) if state.reads_gitignores(rel_dir) else None
    if own:
        gitignores = (own, *gitignores)
    subdirs = []
    for entry in _entries(state, rel_dir, abs_dir):
        name = entry.name
        if not name.isprintable():  # display_name's own first test, without a call per entry
            name = display_name(name)
        rel = f"{rel_dir}/{name}" if rel_dir else name
        try:
            if entry.is_symlink():
                _judge_symlink(state, entry, rel, gitignores)
            elif entry.is_dir(follow_symlinks=False):
                if _should_descend(state, entry.name, rel, gitignores):
                    subdirs.append((rel, entry.path, gitignores))
            elif state.wanted(entry.name):
                _judge_file(state, entry, rel, gitignores)
        except OSError:
            # The entry vanished or cannot be stat-ed mid-walk: count it and carry on.
            state.stats.skip(rel, UNREADABLE_FILE)
    return subdirs


def display_name(name: str) -> str:
    """A file name as reports show it: bytes that are not UTF-8 (kept by Python as lone surrogates,
    which no terminal or JSON encoder accepts) and control characters become escapes like `\\xe9`.
    Only `rel` changes; the file is still opened by its real path."""
    if name.isprintable():
        return name
    out = []
    for char in name:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
            out.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable():
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _first_visit(state: _Walk, rel_dir: str, abs_dir: str) -> bool:
    """False for a folder already walked: a bind mount can loop where a symlink cannot."""
    try:
        info = os.stat(abs_dir, follow_symlinks=False)
    except OSError:
        state.stats.skip(_dir_label(rel_dir), UNREADABLE_DIR)
        return False
    identity = (info.st_dev, info.st_ino)
    if identity in state.visited_dirs:
        return False
    state.visited_dirs.add(identity)
    return True


_NAME = operator.attrgetter("name")  # a C call per entry, not a lambda's frame


def _entries(state: _Walk, rel_dir: str, abs_dir: str) -> list[os.DirEntry]:
    kept = listings.take(abs_dir)  # listed by locate's folder tree in this scan (impact.listings)
    if kept is not None:
        return sorted(kept, key=_NAME)
    try:
        with os.scandir(abs_dir) as it:
            return sorted(it, key=_NAME)
    except OSError:  # permission denied, or removed since its parent was listed
        state.stats.skip(_dir_label(rel_dir), UNREADABLE_DIR)
        return []


def _dir_label(rel_dir: str) -> str:
    return f"{rel_dir or '.'}/"


def _should_descend(state: _Walk, name: str, rel: str, gitignores: Sequence[IgnoreLayer]) -> bool:
    if name in SKIPPED_DIR_NAMES:
        if name not in SILENTLY_SKIPPED_DIR_NAMES:
            state.stats.skip(rel + "/", DEPENDENCY_DIR)
        return False
    reason = state.ignored(rel, True, gitignores)
    if reason:
        # Like git: nothing inside an ignored folder can be re-included, so it is not even listed.
        state.stats.skip(rel + "/", reason)
        return False
    return True


def _judge_file(state: _Walk, entry: os.DirEntry, rel: str, gitignores: Sequence[IgnoreLayer]) -> None:
    """A regular file or not, of a wanted suffix (the caller asked `state.wanted`)."""
    state.stats.seen += 1
    info = entry.stat(follow_symlinks=False)
    if not stat.S_ISREG(info.st_mode):  # a FIFO named x.py would block the reader forever
        state.stats.skip(rel, NOT_REGULAR)
        return
    reason = _file_skip_reason(state, entry.name, rel, info.st_size, gitignores)
    if reason:
        state.stats.skip(rel, reason)
        return
    state.files[entry.path] = listed_file(entry.path, rel, info.st_size, info.st_mtime_ns)


def listed_file(where: str, rel: str, size: int, mtime_ns: int) -> SourceFile:
    """The SourceFile of one listed file. (Building it without the frozen __init__ saved ~1-2 ms of
    a warm 5k-file scan: not worth an object made behind the dataclass's back.)"""
    return SourceFile(where, rel, size, mtime_ns)


def _file_skip_reason(
    state: _Walk, name: str, rel: str, size: int, gitignores: Sequence[IgnoreLayer]
) -> str | None:
    if name.endswith(MINIFIED_SUFFIXES):
        return MINIFIED
    reason = state.ignored(rel, False, gitignores)
    if reason:
        return reason
    if size > state.max_bytes:
        return TOO_LARGE
    return None


def _judge_symlink(state: _Walk, entry: os.DirEntry, rel: str, gitignores: Sequence[IgnoreLayer]) -> None:
    try:
        target = os.stat(entry.path)  # follows the link
    except OSError:  # dangling, or a link loop (ELOOP)
        if state.wanted(entry.name):
            state.stats.seen += 1
            state.stats.skip(rel, SYMLINK_BROKEN)
        return
    if stat.S_ISDIR(target.st_mode):
        state.stats.skip(rel + "/", _linked_dir_skip_reason(state, entry, rel, gitignores))
        return
    if not state.wanted(entry.name):
        return
    state.stats.seen += 1
    real = os.path.realpath(entry.path)
    if not state.inside_repo(real):
        reason = SYMLINK_OUTSIDE
    elif not stat.S_ISREG(target.st_mode):
        reason = NOT_REGULAR
    elif state.in_skipped_dir(real):  # e.g. config.js -> node_modules/pkg/config.js
        reason = DEPENDENCY_DIR
    else:
        reason = _file_skip_reason(state, entry.name, rel, target.st_size, gitignores)
    if reason:
        state.stats.skip(rel, reason)
        return
    state.linked_files.append(SourceFile(real, rel, target.st_size, target.st_mtime_ns))


def _linked_dir_skip_reason(
    state: _Walk, entry: os.DirEntry, rel: str, gitignores: Sequence[IgnoreLayer]
) -> str:
    if entry.name in SKIPPED_DIR_NAMES:  # pnpm and monorepo tools link node_modules around
        return DEPENDENCY_DIR
    reason = state.ignored(rel, True, gitignores)
    if reason:
        return reason
    return SYMLINK_DIR if state.inside_repo(os.path.realpath(entry.path)) else SYMLINK_OUTSIDE


def _deduplicated(state: _Walk) -> list[SourceFile]:
    """Every real file once: its own path wins over links to it, the first link name over others."""
    files = dict(state.files)
    for linked in sorted(state.linked_files, key=lambda f: f.rel):
        real = os.fspath(linked.where)
        if real in files:
            state.stats.skip(linked.rel, SYMLINK_DUPLICATE)
        else:
            files[real] = linked
    return sorted(files.values(), key=lambda f: f.rel)
