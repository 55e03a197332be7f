"""file:line links in the Markdown report point at the pull request's head commit."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from impact.cli import cli
from impact.pipeline import scan
from impact.report import markdown
from impact.report.links import SourceLinks, for_repo
from tests.conftest import make_repo
from tests.test_changed import git

HEAD = "a" * 40
MERGE = "b" * 40


def _event(tmp_path: Path, head: str = HEAD) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "head": {"sha": head}}}))
    return str(path)


def test_head_commit_wins_over_the_merge_commit_and_enterprise_server_is_used(tmp_path: Path) -> None:
    env = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": MERGE, "GITHUB_EVENT_PATH": _event(tmp_path),
           "GITHUB_SERVER_URL": "https://ghe.example.com/"}
    links = for_repo(tmp_path, env=env)
    assert links == SourceLinks(f"https://ghe.example.com/acme/shop/blob/{HEAD}", "")
    assert links.url("app/[id]/page.ts", 12) == f"https://ghe.example.com/acme/shop/blob/{HEAD}/app/%5Bid%5D/page.ts#L12"


def test_push_event_falls_back_to_github_sha_and_nothing_without_a_repository(tmp_path: Path) -> None:
    assert for_repo(tmp_path, env={"GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": MERGE}).base.endswith(f"/blob/{MERGE}")
    assert for_repo(tmp_path, env={"GITHUB_SHA": MERGE}) is None
    assert for_repo(tmp_path, env={"GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "not-a-sha"}) is None
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    env = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": MERGE, "GITHUB_EVENT_PATH": str(broken)}
    assert for_repo(tmp_path, env=env).base.endswith(MERGE)


def test_markdown_links_evidence_and_statement_with_the_scanned_subfolder(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    app = make_repo(root / "services" / "api", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, price int);",
        "migrations/0002_drop.sql": "SET lock_timeout = '1s';\nALTER TABLE items DROP COLUMN price;",
        "src/shop.py": "\n\ncur.execute('SELECT id, price FROM items')\n",
    })
    git(root, "init", "-q", "-b", "main")
    links = for_repo(app, env={"GITHUB_REPOSITORY": "acme/mono", "GITHUB_SHA": HEAD})
    assert links.prefix == "services/api/"
    text = markdown.render(scan(app, "2", use_cache=False), links=links)
    base = f"https://github.com/acme/mono/blob/{HEAD}/services/api"
    assert f"[`src/shop.py:3`]({base}/src/shop.py#L3)" in text
    assert f"[`migrations/0002_drop.sql`]({base}/migrations/0002_drop.sql)" in text.splitlines()[0]
    assert f"statement 2, [line 2]({base}/migrations/0002_drop.sql#L2)" in text  # the path is in the heading only
    plain = markdown.render(scan(app, "2", use_cache=False))
    assert "`src/shop.py:3`" in plain and "](http" not in plain


def test_cli_link_base_for_other_forges(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, price int);",
        "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;",
        "src/shop.py": "cur.execute('SELECT price FROM items')\n",
    })
    out = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "markdown", "--link-base", "https://gitlab.com/acme/shop/-/blob/abc123"]).output
    assert "(https://gitlab.com/acme/shop/-/blob/abc123/src/shop.py#L1)" in out
