"""impact/scan_argv.py and impact/command_line.py: a plain `impact scan` command line is read as
click reads it, runs without importing click, and ends as click's standalone mode would; every
other command line is click's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from impact.cli import cli
from impact.scan_argv import scan_options
from tests.conftest import ROOT, make_repo

PLAIN = [
    ["scan", "-m", "2"],
    ["scan", "REPO", "-m", "2", "--format", "json", "-o", "OUT"],
    ["scan", "--migration=2", "REPO", "--format=sarif", "--output=OUT", "--fail-on", "caution", "-v"],
    ["scan", "REPO", "--changed", "origin/main", "--format", "github", "--no-cache", "--pg-version", "14"],
    ["scan", "-m", "", "--link-base", "https://x.test/blob/abc", "--format", "markdown", "--verbose", "--verbose", "REPO"],
    ["scan", "REPO", "-m", "0042_drop.sql", "--fail-on=never"],
]
FOR_CLICK = [
    [], ["--help"], ["--version"], ["rules"], ["scan", "--help"], ["scan", "-h"], ["scan", "REPO"],
    ["scan", "-m", "2", "--changed", "main"], ["scan", "-m2"], ["scan", "-vm", "2"], ["scan", "-m=2"], ["scan", "--", "-m", "2"],
    ["scan", "-m", "2", "-m", "3"], ["scan", "-m", "2", "REPO", "OTHER"], ["scan", "-m"], ["scan", "-m", "-2"],
    ["scan", "-m", "2", "--format", "JSON"], ["scan", "-m", "2", "--format", "xml"], ["scan", "-m", "2", "--fail-on", "warn"],
    ["scan", "-m", "2", "--dialect", "mysql"], ["scan", "-m", "2", "--schema", "s.sql"], ["scan", "-m", "2", "--trace"],
    ["scan", "-m", "2", "--trace-rows", "5"], ["scan", "-m", "2", "--no-cache=1"], ["scan", "-m", "2", "--unknown"],
    ["scan", "-m", "2", "-o", "-"], ["-v", "scan", "-m", "2"],
]


def _args(args: list[str], tmp_path: Path) -> list[str]:
    return [str(tmp_path / "repo") if a == "REPO" else str(tmp_path / "out.json") if a == "OUT" else a for a in args]


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_a_plain_scan_command_line_is_read_as_click_reads_it(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    args = _args(args, tmp_path)
    options = scan_options(args, {})
    assert options is not None
    with cli.make_context("impact", args) as group:
        command = cli.get_command(group, "scan")
        with command.make_context("scan", args[1:], parent=group) as context:
            assert options == context.params


@pytest.mark.parametrize("args", FOR_CLICK, ids=lambda a: " ".join(a) or "nothing")
def test_other_command_lines_are_left_to_click(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    assert scan_options(_args(args, tmp_path), {}) is None


def test_paths_click_refuses_and_shell_completion_are_left_to_click(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "folder").mkdir()
    assert scan_options(["scan", str(tmp_path / "repo"), "-m", "2", "-o", str(tmp_path / "folder")], {}) is None
    assert scan_options(["scan", str(tmp_path / "repo"), "-m", "2"], {"_IMPACT_COMPLETE": "bash_complete"}) is None
    if getattr(os, "geteuid", lambda: 0)() != 0:  # root reads everything (and Windows has no modes)
        locked = tmp_path / "locked"
        locked.mkdir(mode=0)
        assert scan_options(["scan", str(locked), "-m", "2"], {}) is None


def _repo(root: Path) -> Path:
    return make_repo(root, {"migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, price int);",
                            "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;",
                            "src/b.py": 'def f(cur):\n    cur.execute("SELECT price FROM items")\n'})


PROBE = ("import sys\nsys.argv = ['impact', *sys.argv[1:]]\nfrom impact.command_line import main\ntry:\n    main()\n"
         "finally:\n    print('impact.cli' in sys.modules, 'click' in sys.modules, file=sys.stderr)\n")


def _impact(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, env=env)


def test_the_fast_path_reports_and_exits_as_the_click_path(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    env = {**os.environ, "IMPACT_NO_CACHE": "1"}  # both runs cold: the same counts
    reports, codes = [], []
    # The same scan twice: plain (no click), then with -m spelt as click alone reads it (`-m2`).
    for args in (["-m", "2"], ["-m2"]):
        out = tmp_path / f"r{len(reports)}.json"
        done = _impact("scan", str(repo), *args, "--format", "json", "-o", str(out), env=env)
        assert done.stderr.strip().splitlines()[-1] == ("False False" if args == ["-m", "2"] else "True True"), done.stderr
        text = out.read_text(encoding="utf-8")
        reports.append([line for line in text.splitlines() if '"seconds":' not in line])
        codes.append(done.returncode)
    assert reports[0] == reports[1] and json.loads(text)["verdict"] == "breaking"  # byte for byte but the time taken
    assert codes == [1, 1]  # breaking, at the default --fail-on


def test_an_input_error_on_the_fast_path_is_clicks_one_line_and_exit_code(tmp_path: Path) -> None:
    env = {**os.environ, "IMPACT_CACHE_DIR": str(tmp_path / "cache")}
    fast = _impact("scan", str(tmp_path / "missing"), "-m", "2", "--format", "json", env=env)
    slow = _impact("scan", str(tmp_path / "missing"), "-m2", "--format", "json", env=env)
    # The fast path imports click only to echo the error; never impact.cli.
    assert fast.stderr.splitlines()[-1] == "False True" and slow.stderr.splitlines()[-1] == "True True"
    assert fast.returncode == slow.returncode == 3
    assert fast.stderr.splitlines()[:-1] == slow.stderr.splitlines()[:-1] == [
        f"impact: error: repository {tmp_path / 'missing'} does not exist — pass the path of a checked-out repository"]


# `run`, the program: `main`, then os._exit when nothing waits for the interpreter's exit.
def _run(repo: Path, out: Path, *, at_exit: bool, env: dict) -> subprocess.CompletedProcess:
    probe = ("import atexit, sys\nsys.argv = ['impact', *sys.argv[1:]]\n"
             "class Teardown:\n    def __del__(self):\n        print('teardown', flush=True)\n"
             "kept = Teardown()\n"
             + ("atexit.register(print, 'at exit', flush=True)\n" if at_exit else "")
             + "print('before', end=' ')\nfrom impact.command_line import run\nrun()\n")
    return subprocess.run([sys.executable, "-c", probe, "scan", str(repo), "-m", "2", "--format", "json", "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env)


def test_the_program_ends_without_the_teardown_only_when_nothing_waits_for_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    env = {**os.environ, "IMPACT_CACHE_DIR": str(tmp_path / "cache")}
    cold = _run(repo, tmp_path / "cold.json", at_exit=False, env=env)  # the process pool and logging wait
    warm = _run(repo, tmp_path / "warm.json", at_exit=False, env=env)
    hooked = _run(repo, tmp_path / "hooked.json", at_exit=True, env=env)
    assert [cold.returncode, warm.returncode, hooked.returncode] == [1, 1, 1]  # breaking: the verdict's code either way
    assert cold.stdout.split() == ["before", "teardown"]
    assert warm.stdout == "before "  # flushed, and no teardown: the object's __del__ never ran
    assert hooked.stdout.split() == ["before", "at", "exit", "teardown"]  # an exit hook: the interpreter's exit
    reports = [[line for line in (tmp_path / f"{n}.json").read_text(encoding="utf-8").splitlines()
                if not any(f'"{count}":' in line for count in ("seconds", "files_parsed", "cache_hits"))]
               for n in ("cold", "warm", "hooked")]
    assert reports[0] == reports[1] == reports[2]  # but for the work counts
    assert json.loads((tmp_path / "warm.json").read_text(encoding="utf-8"))["verdict"] == "breaking"
