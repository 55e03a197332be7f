"""The composite Action's own shell steps, run as GitHub would run them: a pull-request branch
against a real git remote, the comment posted to the local GitHub server, the gate's exit code.

Only `uses:` steps (setup-python) and the install step are skipped: the test's interpreter already
has impact installed. `${{ }}` expressions are evaluated for the small subset action.yml uses.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_changed import committed_repo, git
from tests.test_github_comment import PR, REPO, TOKEN, FakeGitHub, gh  # noqa: F401  (gh is a fixture)

STEPS = yaml.safe_load((ROOT / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _value(name: str, context: dict) -> str:
    if name.startswith("'"):
        return name.strip("'")
    value = context.get(name, "")
    return str(value)


def _condition(text: str, context: dict) -> bool:
    """`a == 'x' && b != '' && c`: the forms action.yml uses."""
    for part in text.split("&&"):
        part = part.strip()
        match = re.fullmatch(r"(\S+)\s*(==|!=)\s*(\S+)", part)
        if match:
            left, op, right = _value(match[1], context), match[2], _value(match[3], context)
            ok = (left == right) if op == "==" else (left != right)
        else:
            ok = _value(part, context) not in ("", "false", "0")
        if not ok:
            return False
    return True


def run_action(workdir: Path, inputs: dict, github: dict, env: dict) -> list[tuple[str, int, str]]:
    context = dict(github)
    context.update({f"inputs.{k}": EXPR.sub(lambda m: _value(m[1], github), str(v["default"])) for k, v in STEPS["inputs"].items() if "default" in v})
    context.update({f"inputs.{k}": v for k, v in inputs.items()})
    ran = []
    for step in STEPS["runs"]["steps"]:
        if "uses" in step or step["name"] == "Install impact":
            continue
        if "if" in step and not _condition(step["if"], context):
            continue
        step_env = {k: EXPR.sub(lambda m: _value(m[1], context), str(v)) for k, v in (step.get("env") or {}).items()}
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workdir, env={**env, **step_env}, capture_output=True, text=True)
        ran.append((step["name"], done.returncode, done.stdout + done.stderr))
        if done.returncode != 0:
            break
    return ran


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    origin = committed_repo(tmp_path / "origin", {
        "supabase/migrations/20240101000000_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text, price int);",
        "src/shop.ts": "export const load = () => supabase.from('items').select('id, price')\n",
    })
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(origin), str(work)], check=True, capture_output=True)
    git(work, "checkout", "-q", "-b", "feature")
    (work / "supabase/migrations/20240202000000_drop_price.sql").write_text("ALTER TABLE items DROP COLUMN price;\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "drop price")
    git(work, "update-ref", "-d", "refs/remotes/origin/main")  # a shallow CI checkout lacks the base branch
    return work


def _env(tmp_path: Path, gh: FakeGitHub) -> dict:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PR, "head": {"sha": "c" * 40}}}))
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path),
        "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.api, "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"), "GITHUB_ACTION_PATH": str(ROOT),
        "IMPACT_CACHE_DIR": str(tmp_path / "cache"), "IMPACT_STATE_DIR": str(tmp_path / "state"),
    }


GITHUB = {"github.base_ref": "main", "github.event.pull_request.number": str(PR), "github.token": TOKEN}


def test_breaking_pull_request_gets_one_comment_sarif_and_a_failed_gate(tmp_path: Path, pull_request: Path, gh: FakeGitHub) -> None:
    env = _env(tmp_path, gh)
    ran = run_action(pull_request, {"sarif": "true"}, GITHUB, env)
    assert [name for name, _, _ in ran] == ["Fetch the base branch", "Report", "SARIF", "Comment on the pull request", "Gate"]
    assert [code for _, code, _ in ran[:-1]] == [0, 0, 0, 0], ran
    name, code, output = ran[-1]
    assert code == 1 and "::error file=supabase/migrations/20240202000000_drop_price.sql" in output
    [comment] = gh.comments[PR]
    assert "BREAKING" in comment["body"] and f"/blob/{'c' * 40}/src/shop.ts#L1" in comment["body"]
    assert (pull_request / "impact.sarif").is_file() and "file=impact.sarif" in Path(env["GITHUB_OUTPUT"]).read_text()
    again = run_action(pull_request, {"fail-on": "never"}, GITHUB, env)
    assert [code for _, code, _ in again] == [0, 0, 0, 0]
    assert len(gh.comments[PR]) == 1  # updated, not added


def test_pull_request_without_migrations_passes_and_says_so(tmp_path: Path, pull_request: Path, gh: FakeGitHub) -> None:
    git(pull_request, "reset", "-q", "--hard", "HEAD~1")
    (pull_request / "src/other.ts").write_text("export const x = 1\n")
    ran = run_action(pull_request, {}, GITHUB, _env(tmp_path, gh))
    assert all(code == 0 for _, code, _ in ran), ran
    [comment] = gh.comments[PR]
    assert "no migrations in this change" in comment["body"]
