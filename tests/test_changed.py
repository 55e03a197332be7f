"""Diff-aware scanning (--changed BASE), GitHub annotations, and the PR-comment size limit."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.errors import EXIT_INPUT, EXIT_VERDICT
from impact.pipeline import scan
from impact.report import markdown
from tests.conftest import FIXTURES, make_repo


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})


def committed_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository on branch main whose first commit holds `files`."""
    make_repo(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = committed_repo(tmp_path / "r", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text, price int);",
        "src/shop.ts": "export const load = () => supabase.from('items').select('id, price')\n",
    })
    git(root, "checkout", "-q", "-b", "feature")
    return root


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_branch_adding_a_breaking_migration_is_reported_and_fails(repo: Path) -> None:
    (repo / "migrations/0002_drop_price.sql").write_text("ALTER TABLE items DROP COLUMN price;\n")
    (repo / "migrations/0003_note.sql").write_text("ALTER TABLE items ADD COLUMN note text;\n")
    git(repo, "add", "migrations/0002_drop_price.sql")
    git(repo, "commit", "-q", "-m", "drop price")  # 0003 stays untracked: still part of the change
    result = run("scan", str(repo), "--changed", "main", "--format", "json")
    assert result.exit_code == EXIT_VERDICT
    data = json.loads(result.output)
    assert data["verdict"] == "breaking" and data["changed_since"] == "main"
    assert [m["migration"]["path"] for m in data["migrations"]] == ["migrations/0002_drop_price.sql", "migrations/0003_note.sql"]
    evidence = data["migrations"][0]["findings"][0]["evidence"]
    assert any(e["file"] == "src/shop.ts" and e["line"] == 1 for e in evidence)


def test_no_migration_in_the_change(repo: Path) -> None:
    (repo / "src/other.ts").write_text("export const x = 1\n")
    result = run("scan", str(repo), "--changed", "main")
    assert result.exit_code == 0 and "no migrations in this change" in result.output


def test_unknown_base_and_missing_choice(repo: Path) -> None:
    result = run("scan", str(repo), "--changed", "no-such-branch")
    assert result.exit_code == EXIT_INPUT and "impact: error: git merge-base failed" in result.output
    assert run("scan", str(repo)).exit_code == 2


def test_github_annotations_point_at_the_statement_and_the_code(repo: Path) -> None:
    (repo / "migrations/0002_drop_price.sql").write_text("-- bye\nALTER TABLE items DROP COLUMN price;\n")
    result = run("scan", str(repo), "--changed", "main", "--format", "github")
    lines = result.output.splitlines()
    assert any(l.startswith("::error file=migrations/0002_drop_price.sql,line=2,title=IMP101 dropped-column-still-used::") for l in lines)
    assert any(l.startswith("::error file=src/shop.ts,line=1,") for l in lines)
    assert lines[-1].startswith("::notice title=impact verdict::")
    assert all("\n" not in l for l in lines)


def test_markdown_shrinks_to_the_comment_limit_and_says_what_it_left_out() -> None:
    result = scan(FIXTURES / "apps" / "chat-ts", str(FIXTURES / "scenarios" / "drop_is_pinned.sql"), use_cache=False)
    full = markdown.render(result)
    small = markdown.render(result, limit=4000)
    assert len(small) <= 4000 < len(full)
    assert "Report shortened to fit a comment" in small and "queries" in small.split("omitted")[0]
    assert "IMP101" in small and "BREAKING" in small.splitlines()[0]  # the verdict and findings stay


def test_a_change_that_fixes_its_code_and_drops_still_breaks_the_running_release(repo: Path) -> None:
    """The deploy window: main's code (running while the migration runs) still reads price."""
    from tests.conftest import snapshot

    (repo / "src/shop.ts").write_text("export const load = () => supabase.from('items').select('id, name')\n")
    (repo / "migrations/0002_drop_price.sql").write_text("ALTER TABLE items DROP COLUMN price;\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "stop reading price, drop it")
    before = snapshot(repo)
    result = run("scan", str(repo), "--changed", "main", "--format", "json")
    assert result.exit_code == EXIT_VERDICT
    findings = json.loads(result.output)["migrations"][0]["findings"]
    rules = [f["rule"] for f in findings]
    assert "dropped-column-still-used" not in rules  # the change's own code is fixed
    window = next(f for f in findings if f["rule"] == "running-release-breaks")
    assert [(e["file"], e["line"]) for e in window["evidence"]] == [("src/shop.ts", 1)]
    assert "select('id, price')" in window["evidence"][0]["snippet"] and "ship the code" in window["solution"].lower()
    assert snapshot(repo) == before  # BASE was read with git archive: nothing written to the repo


def test_after_deploy_pipelines_judge_the_new_code_against_the_old_schema(repo: Path) -> None:
    (repo / ".impact.toml").write_text('migrations_run = "after-deploy"\n')
    (repo / "src/shop.ts").write_text("export const load = () => supabase.from('items').select('id, price, note')\n")
    (repo / "migrations/0002_note.sql").write_text("ALTER TABLE items ADD COLUMN note text;\n")
    result = run("scan", str(repo), "--changed", "main", "--format", "json")
    findings = json.loads(result.output)["migrations"][0]["findings"]
    early = next(f for f in findings if f["rule"] == "code-reads-column-before-migration")
    assert [(e["file"], e["line"]) for e in early["evidence"]] == [("src/shop.ts", 1)]
    assert result.exit_code == EXIT_VERDICT
