"""Usage errors exit 2 and say what is valid; a reader that goes away does not change the verdict's
exit code; `impact explain` reads as prose and knows squawk's names."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.errors import EXIT_USAGE
from tests.conftest import FIXTURES, ROOT

CHAT = FIXTURES / "apps" / "chat-ts"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_an_unknown_dialect_is_a_usage_error_listing_the_valid_ones() -> None:
    result = run("scan", str(CHAT), "-m", "11", "--dialect", "klingon")
    assert result.exit_code == EXIT_USAGE
    assert "'klingon' is not a SQL dialect; valid: " in result.output and "postgres" in result.output
    assert "ValueError" not in result.output and "fix the SQL syntax" not in result.output


@pytest.mark.parametrize("command", ["apply", "verify", "rollback"])
def test_a_malformed_duration_is_a_usage_error(command: str) -> None:
    result = run(command, str(CHAT), "-m", "11", "--lock-timeout", "banana")
    assert result.exit_code == EXIT_USAGE and "'banana' is not a duration; use e.g. 5s" in result.output
    result = run(command, str(CHAT), "-m", "11", "--statement-timeout", "soon")
    assert result.exit_code == EXIT_USAGE and "--statement-timeout" in result.output


@pytest.mark.parametrize("ref, code", [("11", 0), (str(FIXTURES / "scenarios" / "drop_is_pinned.sql"), 1)])
def test_a_closed_stdout_ends_quietly_with_the_verdicts_exit_code(ref: str, code: int) -> None:
    child = subprocess.Popen([sys.executable, "-m", "impact", "scan", str(CHAT), "-m", ref, "--no-cache"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    child.stdout.close()  # the reader is gone before the report is written, as `| head -0` would be
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == code, err  # caution → 0, breaking → 1: never SIGPIPE's
    assert err == ""


def test_explain_fills_no_placeholders_and_accepts_squawk_names() -> None:
    result = run("explain", "IMP101")
    assert result.exit_code == 0 and "{" not in result.output and "<column>" in result.output
    squawk = run("explain", "ban-drop-column")
    assert squawk.exit_code == 0 and squawk.output.startswith("IMP301 drop-column-loses-data")
