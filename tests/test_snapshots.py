"""Golden files: every fixture scenario in every format, as a user would get it.

Times, the tool version and this checkout's absolute path are normalised. When a change to a
report is intended, regenerate and review the diff:

    .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_snapshots.py --update-snapshots
    (or IMPACT_UPDATE_SNAPSHOTS=1)
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from impact import __version__
from impact.pipeline import scan
from impact.report.registry import REPORTERS, Options, render
from tests.conftest import FIXTURES, ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"
APPS, SCENARIOS = FIXTURES / "apps", FIXTURES / "scenarios"
EXTENSION = {"rich": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "github": "txt"}
CASES = {
    "chat-ts--11_session_tracking": (APPS / "chat-ts", "11"),
    **{f"chat-ts--{p.stem}": (APPS / "chat-ts", str(p)) for p in sorted(SCENARIOS.glob("*.sql"))},
    **{f"notes-py--{p.stem}": (APPS / "notes-py", str(p)) for p in sorted((SCENARIOS / "notes-py").glob("*.sql"))},
    **{f"analytics-prisma--{p.stem}": (APPS / "analytics-prisma", str(p)) for p in sorted((SCENARIOS / "analytics-prisma").glob("*.sql"))},
}


def normalise(text: str) -> str:
    text = text.replace(ROOT.as_uri(), "file://<root>").replace(str(ROOT), "<root>")
    text = re.sub(r'"seconds": [0-9.]+', '"seconds": 0', text)
    text = re.sub(r"\b\d+\.\d+ ?s\b", "0.0 s", text)  # "0.4 s", "0.64s" in the human formats
    return text.replace(f'"{__version__}"', '"<version>"')


def updating(config) -> bool:
    return config.getoption("--update-snapshots") or os.environ.get("IMPACT_UPDATE_SNAPSHOTS") == "1"


@pytest.fixture(scope="module")
def results():
    return {}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_report_matches_its_golden_file(case: str, fmt: str, results: dict, request) -> None:
    if case not in results:
        repo, ref = CASES[case]
        results[case] = scan(repo, ref, use_cache=False)
    text = normalise(render(fmt, [results[case]], Options(width=80)))
    golden = SNAPSHOTS / f"{case}.{fmt}.{EXTENSION[fmt]}"
    if updating(request.config):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden.name}: run with --update-snapshots and review it"
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs: if intended, rerun with --update-snapshots and review the diff"


def test_normalise_hides_what_changes_between_runs() -> None:
    text = f'"seconds": 0.734, "version": "{__version__}" {ROOT}/x BREAKING · 43 files · 0.4 s; 0.64s'
    assert normalise(text) == '"seconds": 0, "version": "<version>" <root>/x BREAKING · 43 files · 0.0 s; 0.0 s'
