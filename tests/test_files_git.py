"""The walk inside a git work tree: git lists the files (`git ls-files`), with the same answer as
the .gitignore patterns outside one, except where git's own rules differ (documented below)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from impact.files import GITIGNORED, git_listing, walk
from tests.test_files import make_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SUFFIXES = {".py", ".ts", ".sql"}
TREE = {
    ".gitignore": "*.log\nbuild-out/\n/generated.py\nlogs/*\n!logs/keep.py\n",
    "app/main.py": "", "app/generated.py": "", "generated.py": "", "debug.log": "",
    "build-out/x.py": "", "logs/a.py": "", "logs/keep.py": "",
    "web/.gitignore": "*.gen.ts\n", "web/a.ts": "", "web/b.gen.ts": "", "web/deep/c.gen.ts": "",
    "node_modules/pkg/index.ts": "",
    "db/0001.sql": "",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _walked(root: Path) -> tuple[list[str], dict]:
    found, stats = walk(root, suffixes=SUFFIXES)
    return [f.rel for f in found], dict(stats.skipped)


def test_git_and_the_patterns_agree_on_an_untracked_tree(tmp_path: Path) -> None:
    plain = make_tree(tmp_path / "plain", TREE)
    repo = make_tree(tmp_path / "repo", TREE)
    git(repo, "init", "-q")
    assert git_listing(str(repo.resolve())) is not None and git_listing(str(plain.resolve())) is None
    assert _walked(repo) == _walked(plain)
    assert _walked(repo)[0] == ["app/generated.py", "app/main.py", "db/0001.sql", "logs/keep.py", "web/a.ts"]


def test_git_and_the_patterns_agree_on_a_tracked_tree(tmp_path: Path) -> None:
    plain = make_tree(tmp_path / "plain", TREE)
    repo = make_tree(tmp_path / "repo", TREE)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    assert _walked(repo) == _walked(plain)


def test_a_tracked_file_matching_a_pattern_is_kept_as_git_keeps_it(tmp_path: Path) -> None:
    # Decision (files.GitListing): git's answer wins; the pattern walk cannot know what is tracked.
    repo = make_tree(tmp_path, {"a.py": "", "old.py": ""})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    (repo / ".gitignore").write_text("old.py\n")
    assert _walked(repo)[0] == ["a.py", "old.py"]


def test_a_nested_repository_is_walked_with_its_own_patterns(tmp_path: Path) -> None:
    repo = make_tree(tmp_path, {"a.py": "", "sub/.gitignore": "skip.py\n", "sub/keep.py": "", "sub/skip.py": ""})
    git(repo / "sub", "init", "-q")
    git(repo, "init", "-q")
    found, stats = _walked(repo)
    assert found == ["a.py", "sub/keep.py"] and stats == {GITIGNORED: 1}


def test_a_repo_below_the_work_tree_top_is_walked_with_the_patterns(tmp_path: Path) -> None:
    # Inside an outer repo's ignored folder git would list nothing: only the top is asked.
    outer = make_tree(tmp_path, {".gitignore": "inner/\n", "inner/a.py": "", "inner/.gitignore": "b.py\n", "inner/b.py": ""})
    git(outer, "init", "-q")
    assert git_listing(str((outer / "inner").resolve())) is None
    assert _walked(outer / "inner")[0] == ["a.py"]


def test_config_excludes_apply_first_in_a_git_work_tree_too(tmp_path: Path) -> None:
    tree = {".gitignore": "gen/\n*.tmp.py\n", "a.py": "", "b.tmp.py": "", "skip/c.py": "", "gen/d.py": ""}
    plain = make_tree(tmp_path / "plain", tree)
    repo = make_tree(tmp_path / "repo", tree)
    git(repo, "init", "-q")
    for exclude in (["skip/"], ["skip/", "!b.tmp.py"]):
        ours = walk(repo, suffixes=SUFFIXES, exclude=exclude)
        theirs = walk(plain, suffixes=SUFFIXES, exclude=exclude)
        assert [f.rel for f in ours[0]] == [f.rel for f in theirs[0]] and ours[1].skipped == theirs[1].skipped
    assert [f.rel for f in ours[0]] == ["a.py", "b.tmp.py"]


def test_a_submodule_is_walked_with_its_own_patterns(tmp_path: Path) -> None:
    repo = make_tree(tmp_path, {"a.py": "", "sub/.gitignore": "skip.py\n", "sub/keep.py": "", "sub/skip.py": ""})
    git(repo / "sub", "init", "-q")
    git(repo / "sub", "add", "-A")
    git(repo / "sub", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    head = subprocess.run(["git", "-C", str(repo / "sub"), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    git(repo, "init", "-q")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},sub")  # a gitlink, as `git submodule add` makes
    found, stats = _walked(repo)
    assert found == ["a.py", "sub/keep.py"] and stats == {GITIGNORED: 1}
