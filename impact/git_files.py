"""The files git itself lists in a work tree: one `git ls-files` (milliseconds) instead of matching
every file against every .gitignore pattern (two thirds of the walk, issue 13). Used by
impact.files.walk when the scanned folder is the top of a git work tree.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass
class GitListing:
    """What git itself says is not ignored, in a repo whose root is a git work tree's top: one
    `git ls-files` (milliseconds) instead of matching every file against every pattern.

    Decision: git's answer wins where it differs from the patterns (a tracked file matching a
    .gitignore pattern is kept, as git keeps it). Nested repositories and submodules (listed as one
    entry, their files not at all) are walked with the patterns, like a tree outside git."""

    files: frozenset[str]  # tracked or untracked-and-not-ignored, repo-relative, as `rel` spells it
    ignored_dirs: frozenset[str]  # untracked folders git ignores as a whole
    opaque: list[str]  # nested repositories and submodules (grows as the walk meets submodules)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        if is_dir:
            if rel in self.files:  # a folder git lists as one entry: a submodule
                self.opaque.append(rel)
            return rel in self.ignored_dirs
        return rel not in self.files

    def opaque_at(self, rel: str) -> bool:
        return bool(self.opaque) and any(rel == o or rel.startswith(o + "/") for o in self.opaque)


GIT_TIMEOUT_S = 60
# A hook's GIT_DIR / GIT_WORK_TREE would point git at another repository than the one scanned.
GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


def listing(root: str, display: Callable[[str], str]) -> GitListing | None:
    """The listing of the git work tree whose top is `root`; None outside one (or without git):
    then the walk reads the .gitignore files itself (pathspec). `display` spells a path's parts
    as the walk does (impact.files.display_name)."""
    env = {k: v for k, v in os.environ.items() if k not in GIT_REDIRECTS} | {"GIT_OPTIONAL_LOCKS": "0"}

    def run(*args: str) -> bytes | None:
        try:
            proc = subprocess.run(["git", "-C", root, *args], capture_output=True, timeout=GIT_TIMEOUT_S,
                                  env=env)  # OPTIONAL_LOCKS=0: no index refresh written
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout if proc.returncode == 0 else None

    top = run("rev-parse", "--show-toplevel")
    # Only at the top: a repo inside another one's ignored folder would otherwise list nothing.
    if top is None or os.path.realpath(os.fsdecode(top.strip())) != root:
        return None
    listed = run("ls-files", "-z", "-co", "--exclude-standard")
    ignored = run("ls-files", "-z", "-oi", "--exclude-standard", "--directory")
    if listed is None or ignored is None:
        return None
    files = {_rel_of(raw, display) for raw in listed.split(b"\0") if raw}
    # An untracked nested repo is listed as "sub/"; a submodule as "sub" (told apart in the walk).
    opaque = [rel.rstrip("/") for rel in files if rel.endswith("/")]
    dirs = {_rel_of(raw, display).rstrip("/") for raw in ignored.split(b"\0") if raw.endswith(b"/")}
    return GitListing(frozenset(files), frozenset(dirs), opaque)


_FS_ENCODING = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def _rel_of(raw: bytes, display: Callable[[str], str]) -> str:
    text = raw.decode(*_FS_ENCODING)  # os.fsdecode's own decode, without its checks (once per listed file)
    return text if text.isprintable() else "/".join(display(part) for part in text.split("/"))
