"""A fast, seeded subset of bench/fuzz.py (the long run): generated migrations never crash the
parser, never lose a statement PostgreSQL accepts, and the scans among them end with a report or
one clean error line."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.sql.parse import parse_migration
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import fuzz  # noqa: E402  (bench/ is not a package)
import fuzz_cases  # noqa: E402

SEED = 20261129
CASES = 240
SCAN_EVERY = 10


@pytest.fixture(scope="module")
def pool() -> list[str]:
    return fuzz_cases.corpus()


def test_corpus_holds_the_repo_migrations_and_the_unusual_statements(pool: list[str]) -> None:
    assert len(pool) > 100 and all(u in pool for u in fuzz_cases.UNUSUAL)


def test_generation_is_seeded(pool: list[str]) -> None:
    assert [fuzz_cases.generate(SEED, i, pool) for i in range(20)] == [fuzz_cases.generate(SEED, i, pool) for i in range(20)]
    assert fuzz_cases.generate(SEED, 1, pool) != fuzz_cases.generate(SEED + 1, 1, pool) or fuzz_cases.generate(SEED, 2, pool) != fuzz_cases.generate(SEED + 1, 2, pool)


def test_generated_migrations_parse_without_losing_valid_statements(pool: list[str]) -> None:
    refused = {}
    for index in range(CASES):
        text = fuzz_cases.generate(SEED, index, pool)
        parse_migration(text)  # must not raise
        if problems := fuzz.refused_statements(text, 0):
            refused[index] = problems
    assert refused == {}


def test_generated_scans_end_in_a_report_or_one_error_line(pool: list[str], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "fixtures" / "apps" / "notes-py", repo)
    migration = repo / "migrations" / "9999_fuzz.sql"
    runner, seen = CliRunner(), set()
    for index in range(0, CASES, SCAN_EVERY):
        text = fuzz_cases.generate(SEED, index, pool)
        migration.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        result = runner.invoke(cli, ["scan", str(repo), "-m", str(migration), "--format", "json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (index, result.exception)
        assert result.exit_code in (0, 1, 3), (index, result.output)
        assert fuzz.error_problem(result.exit_code, result.stderr) == "", (index, result.stderr)
        assert not fuzz.refused_statements(text, result.exit_code), index
        seen.add(result.exit_code)
    assert {0, 3} <= seen  # the subset reaches both reports and refusals of broken SQL


def test_hostile_statements_are_not_analysed_rather_than_crashing(pool: list[str]) -> None:
    import random

    for n in range(16):
        text = fuzz_cases.extreme(random.Random(f"{SEED}:x{n}"))
        if len(text) > 50_000:
            continue  # a 30,000-row INSERT parses correctly but takes seconds: bench/fuzz.py covers it
        parsed = parse_migration(text)
        assert parsed.statements
