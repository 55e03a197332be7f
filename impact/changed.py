"""`--changed BASE`: the migrations a change adds or modifies, found with git.

Compared against the merge-base of BASE and HEAD (what a pull request adds), plus uncommitted
and untracked files, so a pre-commit hook sees the migration being written too.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from impact.config import Config
from impact.errors import InputError
from impact.formats import all_migrations


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InputError("--changed needs git, which is not installed", "install git, or pass --migration") from None
    except subprocess.TimeoutExpired:
        raise InputError("git did not answer within 60 s", "pass --migration instead of --changed") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise InputError(f"git {args[0]} failed: {message}", "check that REPO is a git checkout and BASE a revision it knows (fetch it first in CI)")
    return done.stdout


def changed_migrations(repo: Path, base: str, config: Config) -> list[Path]:
    """Migration files added or modified since BASE, in run order."""
    top = Path(_git(repo, "rev-parse", "--show-toplevel").strip()).resolve()
    merge_base = _git(repo, "merge-base", base, "HEAD").strip()
    names = _git(repo, "diff", "--name-only", "--diff-filter=AMR", merge_base).splitlines()
    names += _git(repo, "ls-files", "--others", "--exclude-standard", "--full-name").splitlines()
    changed = {(top / name).resolve() for name in names}
    if not changed:
        return []
    return [path for path in all_migrations(repo, config) if path in changed]
