"""impact.files on a real file system: ignore rules, skipped folders, symlinks, bad files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from impact import files as F
from impact.files import SourceFile, walk
from impact.source_text import mentions_any, read_source
from impact.model import FileIssue

SUFFIXES = {".py", ".ts", ".tsx", ".js", ".sql"}


def make_tree(root: Path, tree: dict[str, str | bytes]) -> Path:
    for rel, content in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def rels(repo: Path, **kwargs) -> list[str]:
    found, _ = walk(repo, suffixes=kwargs.pop("suffixes", SUFFIXES), **kwargs)
    return [f.rel for f in found]


def stats_of(repo: Path, **kwargs) -> F.WalkStats:
    return walk(repo, suffixes=kwargs.pop("suffixes", SUFFIXES), **kwargs)[1]


def snapshot(root: Path) -> dict[str, tuple[int, int, bool]]:
    """Every path under root (files, folders, links) with its mtime and size, links not followed."""
    listing = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, ""]:
            path = os.path.join(dirpath, name) if name else dirpath
            info = os.lstat(path)
            listing[os.path.relpath(path, root)] = (info.st_mtime_ns, info.st_size, os.path.islink(path))
    return listing


# --- what is listed ---------------------------------------------------------------------------


def test_lists_wanted_suffixes_sorted_with_posix_rel_and_size(tmp_path):
    tree = {"b.py": "x = 1\n", "a/z.ts": "let a\n", "a/b.sql": "select 1;", "notes.md": "#", "a/c.txt": ""}
    make_tree(tmp_path, tree)
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["a/b.sql", "a/z.ts", "b.py"]
    first = found[0]
    assert first.path.is_absolute() and first.path == (tmp_path / "a" / "b.sql").resolve()
    assert first.size == len("select 1;")
    assert stats.seen == 3 and not stats.skipped


def test_output_is_deterministic(tmp_path):
    make_tree(tmp_path, {f"d{i % 7}/f{i}.py": "" for i in range(60)})
    assert rels(tmp_path) == rels(tmp_path) == sorted(rels(tmp_path))


@pytest.mark.parametrize("folder", sorted(F.SKIPPED_DIR_NAMES - {".hg", ".svn"}))
def test_dependency_build_and_vendored_folders_are_skipped_at_any_depth(tmp_path, folder):
    make_tree(tmp_path, {f"{folder}/x.py": "", f"pkg/{folder}/y.ts": "", "pkg/keep.py": ""})
    assert rels(tmp_path) == ["pkg/keep.py"]


def test_skipped_folders_are_counted_but_dot_git_is_silent(tmp_path):
    make_tree(tmp_path, {".git/hooks/pre-commit.py": "", "node_modules/a/index.js": "", "web/dist/app.js": ""})
    stats = stats_of(tmp_path)
    assert stats.skipped == {F.DEPENDENCY_DIR: 2}
    assert {i.file for i in stats.skipped_files} == {"node_modules/", "web/dist/"}


def test_minified_files_are_skipped(tmp_path):
    make_tree(tmp_path, {"static/app.min.js": "var a", "static/app.js": "var a"})
    assert rels(tmp_path) == ["static/app.js"]
    assert stats_of(tmp_path).skipped == {F.MINIFIED: 1}


def test_too_large_files_are_skipped_and_counted(tmp_path):
    make_tree(tmp_path, {"big.py": "x" * 1001, "edge.py": "x" * 1000})
    found, stats = walk(tmp_path, suffixes=SUFFIXES, max_bytes=1000)
    assert [f.rel for f in found] == ["edge.py"]
    assert stats.skipped == {F.TOO_LARGE: 1}
    assert stats.skipped_files == [FileIssue("big.py", F.TOO_LARGE)]


def test_skip_examples_are_capped_but_all_counted(tmp_path):
    make_tree(tmp_path, {f"m{i:03d}.min.js": "" for i in range(F.MAX_SKIP_EXAMPLES + 50)})
    stats = stats_of(tmp_path)
    assert stats.skipped[F.MINIFIED] == F.MAX_SKIP_EXAMPLES + 50
    assert len(stats.skipped_files) == F.MAX_SKIP_EXAMPLES


def test_a_fifo_with_a_source_suffix_is_skipped_not_read(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "pipe.py")  # opening it for reading would block forever
    assert rels(tmp_path) == []
    assert stats_of(tmp_path).skipped == {F.NOT_REGULAR: 1}


# --- ignore rules -----------------------------------------------------------------------------


def test_root_gitignore(tmp_path):
    make_tree(
        tmp_path,
        {
            ".gitignore": "# comment\n*.gen.py\nsecret/\n/only_root.py\n",
            "a.gen.py": "", "pkg/b.gen.py": "", "secret/s.py": "", "pkg/secret/t.py": "",
            "only_root.py": "", "pkg/only_root.py": "", "keep.py": "",
        },
    )
    assert rels(tmp_path) == ["keep.py", "pkg/only_root.py"]
    stats = stats_of(tmp_path)
    assert stats.skipped[F.GITIGNORED] == 5  # 3 files and 2 folders (their files never listed)


def test_nested_gitignore_patterns_are_relative_to_their_folder(tmp_path):
    make_tree(
        tmp_path,
        {
            "web/.gitignore": "generated/\n/local.ts\n",
            "web/generated/types.ts": "", "web/src/generated/x.ts": "",
            "web/local.ts": "", "web/src/local.ts": "", "local.ts": "", "generated/root.ts": "",
        },
    )
    # `generated/` (no leading slash) matches at any depth below web/, never above it;
    # `/local.ts` is anchored to web/ itself.
    assert rels(tmp_path) == ["generated/root.ts", "local.ts", "web/src/local.ts"]


def test_negation_in_the_same_file(tmp_path):
    make_tree(tmp_path, {".gitignore": "*.sql\n!keep.sql\n", "drop.sql": "", "db/keep.sql": ""})
    assert rels(tmp_path) == ["db/keep.sql"]


def test_nested_negation_overrides_the_parent(tmp_path):
    make_tree(
        tmp_path,
        {
            ".gitignore": "*.ts\n", "web/.gitignore": "!app.ts\n",
            "web/app.ts": "", "web/other.ts": "", "app.ts": "",
        },
    )
    assert rels(tmp_path) == ["web/app.ts"]


def test_nested_ignore_overrides_a_parent_negation(tmp_path):
    make_tree(tmp_path, {".gitignore": "!*.py\n", "pkg/.gitignore": "*.py\n", "pkg/a.py": "", "b.py": ""})
    assert rels(tmp_path) == ["b.py"]


def test_files_inside_an_ignored_folder_cannot_be_re_included(tmp_path):
    # git's rule: "It is not possible to re-include a file if a parent directory of that file is excluded."
    make_tree(tmp_path, {".gitignore": "logs/\n!logs/keep.py\n", "logs/keep.py": "", "logs/drop.py": ""})
    assert rels(tmp_path) == []


def test_directory_only_pattern_does_not_match_a_file(tmp_path):
    make_tree(tmp_path, {".gitignore": "models.py/\nlib/\n", "models.py": "", "lib.py": "", "lib/x.py": ""})
    assert rels(tmp_path) == ["lib.py", "models.py"]


def test_git_info_exclude_is_honoured_and_lowest_priority(tmp_path):
    make_tree(
        tmp_path,
        {
            ".git/info/exclude": "*.sql\nscratch/\n", ".gitignore": "!keep.sql\n",
            "a.sql": "", "keep.sql": "", "scratch/s.py": "",
        },
    )
    assert rels(tmp_path) == ["keep.sql"]


def test_config_excludes_are_gitignore_style_and_reported_as_such(tmp_path):
    make_tree(tmp_path, {"legacy/old.py": "", "src/a.py": "", "src/a_test.py": "", "fixtures/f.sql": ""})
    found, stats = walk(tmp_path, suffixes=SUFFIXES, exclude=["legacy/", "*_test.py", "/fixtures"])
    assert [f.rel for f in found] == ["src/a.py"]
    assert stats.skipped == {F.EXCLUDED_BY_CONFIG: 3}


def test_invalid_gitignore_lines_are_dropped_not_fatal(tmp_path):
    make_tree(tmp_path, {".gitignore": "\\\n*.gen.py\n", "a.gen.py": "", "b.py": ""})
    assert rels(tmp_path) == ["b.py"]


def test_non_utf8_gitignore_still_applies(tmp_path):
    make_tree(tmp_path, {".gitignore": b"# caf\xe9\n*.gen.py\n", "a.gen.py": "", "b.py": ""})
    assert rels(tmp_path) == ["b.py"]


# --- symlinks ---------------------------------------------------------------------------------


def test_symlinked_file_inside_repo_is_read_once_under_its_real_path(tmp_path):
    make_tree(tmp_path, {"src/a.py": "x = 1\n"})
    (tmp_path / "alias.py").symlink_to("src/a.py")
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["src/a.py"]
    assert stats.skipped == {F.SYMLINK_DUPLICATE: 1}


def test_symlink_to_an_unlisted_file_inside_repo_is_kept_with_the_resolved_path(tmp_path):
    make_tree(tmp_path, {"data/queries.txt": "select 1"})
    (tmp_path / "queries.sql").symlink_to(tmp_path / "data" / "queries.txt")
    (tmp_path / "again.sql").symlink_to("queries.sql")  # a chain to the same file: deduplicated
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert [(f.rel, f.path) for f in found] == [("again.sql", (tmp_path / "data" / "queries.txt").resolve())]
    assert stats.skipped == {F.SYMLINK_DUPLICATE: 1}
    assert read_source(found[0]) == "select 1"


def test_symlinks_into_dependency_folders_are_skipped(tmp_path):
    make_tree(tmp_path, {"node_modules/pkg/config.js": "", "shared/node_modules/.keep": ""})
    (tmp_path / "config.js").symlink_to("node_modules/pkg/config.js")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "node_modules").symlink_to("../shared/node_modules")  # as pnpm workspaces do
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert found == []
    assert stats.skipped == {F.DEPENDENCY_DIR: 4}  # 2 real folders, the linked file, the linked folder


def test_symlinks_pointing_outside_the_repo_are_skipped_and_counted(tmp_path):
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    make_tree(outside, {"secret.py": "PASSWORD = 1\n", "lib/mod.py": ""})
    make_tree(repo, {"ok.py": ""})
    (repo / "secret.py").symlink_to(outside / "secret.py")
    (repo / "relative.py").symlink_to("../outside/secret.py")
    (repo / "lib").symlink_to(outside / "lib")
    found, stats = walk(repo, suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["ok.py"]
    assert stats.skipped == {F.SYMLINK_OUTSIDE: 3}


def test_repo_given_through_a_symlink_is_walked_normally(tmp_path):
    make_tree(tmp_path / "real", {"a.py": ""})
    (tmp_path / "link").symlink_to(tmp_path / "real")
    found, stats = walk(tmp_path / "link", suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["a.py"] and not stats.skipped


def test_symlinked_folder_inside_repo_is_not_descended(tmp_path):
    make_tree(tmp_path, {"src/a.py": ""})
    (tmp_path / "mirror").symlink_to("src")
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["src/a.py"]
    assert stats.skipped == {F.SYMLINK_DIR: 1}


def test_symlink_loops_terminate(tmp_path):
    make_tree(tmp_path, {"a/b/c.py": ""})
    (tmp_path / "a" / "b" / "up").symlink_to("../..")  # folder loop back to the root
    (tmp_path / "a" / "self").symlink_to("self")  # ELOOP on its own
    (tmp_path / "x.py").symlink_to("y.py")  # two links pointing at each other
    (tmp_path / "y.py").symlink_to("x.py")
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert [f.rel for f in found] == ["a/b/c.py"]
    assert stats.skipped[F.SYMLINK_BROKEN] == 2  # x.py, y.py (a/self has no wanted suffix)
    assert stats.skipped[F.SYMLINK_DIR] == 1


def test_broken_symlink_is_counted(tmp_path):
    (tmp_path / "gone.py").symlink_to("nowhere.py")
    found, stats = walk(tmp_path, suffixes=SUFFIXES)
    assert found == [] and stats.skipped == {F.SYMLINK_BROKEN: 1}


def test_gitignore_applies_to_symlinks_too(tmp_path):
    make_tree(tmp_path, {".gitignore": "alias.py\n", "data/x.txt": ""})
    (tmp_path / "alias.py").symlink_to("data/x.txt")
    assert rels(tmp_path) == []


def test_gitignore_that_is_a_symlink_out_of_the_repo_is_not_read(tmp_path):
    repo = make_tree(tmp_path / "repo", {"a.py": ""})
    make_tree(tmp_path, {"evil_ignore": "*.py\n"})
    (repo / ".gitignore").symlink_to(tmp_path / "evil_ignore")
    assert rels(repo) == ["a.py"]


# --- unreadable things ------------------------------------------------------------------------


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads through chmod 000")
def test_unreadable_folder_and_file_are_counted_not_raised(tmp_path):
    make_tree(tmp_path, {"locked/a.py": "", "ok.py": "", "private.py": "x"})
    (tmp_path / "locked").chmod(0)
    (tmp_path / "private.py").chmod(0)
    try:
        found, stats = walk(tmp_path, suffixes=SUFFIXES)
        assert stats.skipped[F.UNREADABLE_DIR] == 1
        private = next(f for f in found if f.rel == "private.py")
        issue = read_source(private)
        assert isinstance(issue, FileIssue) and issue.reason.startswith("unreadable")
    finally:
        (tmp_path / "locked").chmod(0o755)
        (tmp_path / "private.py").chmod(0o644)


def test_missing_repo_is_counted_not_raised(tmp_path):
    # Root-proof stand-in for a folder that cannot be listed (we run the suite as root, where chmod
    # 000 does not stop reads): listing fails, the walk reports it and returns nothing.
    found, stats = walk(tmp_path / "missing", suffixes=SUFFIXES)
    assert found == [] and stats.skipped == {F.UNREADABLE_DIR: 1}


def test_read_refuses_a_file_swapped_for_a_symlink_after_the_walk(tmp_path):
    make_tree(tmp_path, {"repo/a.py": "x", "outside.py": "secret"})
    [source] = walk(tmp_path / "repo", suffixes=SUFFIXES)[0]
    source.path.unlink()
    source.path.symlink_to(tmp_path / "outside.py")
    issue = read_source(source)
    assert isinstance(issue, FileIssue) and issue.reason.startswith("unreadable")


def test_read_of_a_vanished_file_is_an_issue(tmp_path):
    issue = read_source(SourceFile(tmp_path / "gone.py", "gone.py", 0))
    assert isinstance(issue, FileIssue) and issue.file == "gone.py" and "unreadable" in issue.reason


# --- reading ----------------------------------------------------------------------------------


def source(tmp_path: Path, content: bytes) -> SourceFile:
    path = tmp_path / "f.py"
    path.write_bytes(content)
    return SourceFile(path, "f.py", len(content))


def test_read_returns_text_and_keeps_line_endings(tmp_path):
    assert read_source(source(tmp_path, b"a = 1\r\nb = 'caf\xc3\xa9'\n")) == "a = 1\r\nb = 'café'\n"


def test_read_strips_a_utf8_bom(tmp_path):
    assert read_source(source(tmp_path, b"\xef\xbb\xbfselect 1")) == "select 1"


def test_read_empty_file(tmp_path):
    assert read_source(source(tmp_path, b"")) == ""


def test_nul_in_first_8k_is_binary(tmp_path):
    assert read_source(source(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00")) == FileIssue("f.py", "binary")


def test_nul_after_8k_is_not_binary_sniffing(tmp_path):
    assert read_source(source(tmp_path, b"x" * 9000 + b"\x00")) == "x" * 9000 + "\x00"


def test_not_utf8_names_the_byte_and_line(tmp_path):
    issue = read_source(source(tmp_path, b"ok\nname = 'caf\xe9'\n"))
    assert issue == FileIssue("f.py", "not UTF-8 (byte 0xe9 on line 2)")


def test_utf16_is_reported_as_such(tmp_path):
    issue = read_source(source(tmp_path, "select 1".encode("utf-16")))
    assert issue == FileIssue("f.py", "not UTF-8 (UTF-16)")


# --- the pre-filter ---------------------------------------------------------------------------


def test_mentions_any_ignores_case():
    assert mentions_any("supabase.from('Conversations')", ["conversations"])
    assert mentions_any("SELECT * FROM conversations", ["CONVERSATIONS"])


def test_mentions_any_of_several_and_any_iterable():
    assert mentions_any("UPDATE t SET session_id = 1", (n for n in ["conversations", "session_id"]))
    assert not mentions_any("SELECT 1", {"conversations", "session_id"})


def test_mentions_any_with_no_or_empty_needles_is_false():
    assert not mentions_any("anything", [])
    assert not mentions_any("anything", [""])


# --- read-only --------------------------------------------------------------------------------


def test_walking_and_reading_never_write_into_the_repo(tmp_path):
    repo = make_tree(
        tmp_path / "repo",
        {
            ".gitignore": "ignored/\n", "web/.gitignore": "gen/\n", "ignored/a.py": "",
            "web/gen/t.ts": "", "web/app.ts": "const a = 1", "node_modules/x/i.js": "",
            "db/bad.sql": b"\xff\xfe", "bin.py": b"\x00", "bom.py": b"\xef\xbb\xbfx = 1",
            "__pycache__/m.pyc": b"\x00",
        },
    )
    (repo / "alias.ts").symlink_to("web/app.ts")
    before = snapshot(repo)
    for _ in range(2):
        found, _ = walk(repo, suffixes=SUFFIXES, exclude=["*.tmp"])
        for f in found:
            mentions_any(str(read_source(f)), ["conversations"])
    assert snapshot(repo) == before


@pytest.mark.parametrize("text", ["", "x", "select 1\n" * 30_000])  # empty, one byte, 270 KB (several reads' worth)
def test_read_source_reads_the_whole_file(tmp_path, text):
    (tmp_path / "a.sql").write_text(text)
    assert read_source(SourceFile(tmp_path / "a.sql", "a.sql", len(text))) == text


def test_a_folder_where_a_file_was_listed_is_unreadable_not_an_error(tmp_path):
    (tmp_path / "a.sql").mkdir()  # replaced by a folder since the walk
    issue = read_source(SourceFile(tmp_path / "a.sql", "a.sql", 0))
    assert isinstance(issue, FileIssue) and issue.reason.startswith("unreadable")
