"""One file's extraction failing never ends the scan, and parsed files reach the cache one by one.

The failing file is real input: a query that joins two sources under the same alias makes
sqlglot's scope analysis raise `OptimizeError: Alias already used` (the listenbrainz case of issue 13).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import impact.extraction_jobs as extraction
from impact.cli import cli
from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = "CREATE TABLE listen (id int PRIMARY KEY, recording_msid text, user_id int);"
BAD = 'def tags(cur):\n    cur.execute("SELECT t.recording_msid FROM listen AS t JOIN listen AS t ON t.id = t.id")\n'


def _repo(root: Path, good: int, change: str = "ALTER TABLE listen DROP COLUMN recording_msid;") -> Path:
    files = {"migrations/0001_init.sql": SCHEMA, "migrations/0002_change.sql": change,
             "spark/tags.py": BAD}
    for i in range(good):
        files[f"app/q{i:03}.py"] = f'def q{i}(cur):\n    cur.execute("SELECT recording_msid FROM listen WHERE id = %s", ({i},))\n'
    return make_repo(root, files)


def _not_analysed(result) -> list[str]:
    return [i.reason for i in result.run.file_issues if i.file == "spark/tags.py"]


@pytest.mark.parametrize("parallel", [False, True])
def test_a_failing_file_is_not_analysed_and_the_scan_goes_on(tmp_path: Path, parallel: bool) -> None:
    good = extraction.PARALLEL_THRESHOLD + 4 if parallel else 3
    result = scan(_repo(tmp_path, good), "2", use_cache=False)
    reasons = _not_analysed(result)
    assert len(reasons) == 1 and reasons[0].startswith(extraction.NOT_ANALYSED)
    assert "OptimizeError" in reasons[0] and "Alias already used" in reasons[0]
    assert {q.file for q in result.queries} == {f"app/q{i:03}.py" for i in range(good)}
    assert result.assessment.verdict == "breaking"


def test_a_failing_file_lowers_the_confidence_of_a_clean_result(tmp_path: Path) -> None:
    change = "ALTER TABLE listen ADD COLUMN note text;"
    _repo(tmp_path / "clean", 2, change)
    (tmp_path / "clean/spark/tags.py").unlink()
    clean = scan(tmp_path / "clean", "2", use_cache=False)
    failing = scan(_repo(tmp_path / "failing", 2, change), "2", use_cache=False)
    assert clean.assessment.confidence.value == "high"
    assert failing.assessment.confidence.value == "medium"
    assert "1 file could not be parsed" in failing.assessment.confidence_reasons


def test_the_cli_reports_the_failing_file_instead_of_exiting_70(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 2)
    outcome = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json", "--no-cache"])
    assert outcome.exit_code == 1, outcome.output  # the verdict (breaking), not an internal error
    assert "spark/tags.py" in outcome.output and "Alias already used" in outcome.output


def test_a_failed_file_is_not_cached_but_the_others_are(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    repo = _repo(tmp_path, extraction.PARALLEL_THRESHOLD + 4)
    first = scan(repo, "2")
    second = scan(repo, "2")
    assert first.run.files_parsed == extraction.PARALLEL_THRESHOLD + 5
    assert second.run.files_parsed == 1 and len(_not_analysed(second)) == 1  # only the failed file again


class Stop(Exception):
    pass


def test_each_result_reaches_the_cache_as_soon_as_it_is_parsed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    repo = _repo(tmp_path, 6)
    (repo / "spark/tags.py").unlink()

    def stop_after_three(done: int, total: int) -> None:
        if done == 3:
            raise Stop  # the scan dies half-way (Ctrl-C, a crash elsewhere)

    with pytest.raises(Stop):
        scan(repo, "2", progress=stop_after_three)
    again = scan(repo, "2")
    assert again.run.cache_hits == 3 and again.run.files_parsed == 3


def test_model_files_are_read_from_the_cache_on_a_warm_scan(tmp_path: Path, monkeypatch) -> None:
    from impact.cache import ExtractionCache, cache_key

    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    models = "from django.db import models\n\nclass Listen(models.Model):\n    recording_msid = models.TextField()\n\n    class Meta:\n        db_table = 'listen'\n"
    repo = _repo(tmp_path / "repo", 1)
    (repo / "spark/tags.py").unlink()
    (repo / "app/models.py").write_text(models)
    (repo / "app/use.py").write_text("from app.models import Listen\n\ndef f():\n    return Listen.objects.values('recording_msid')\n")
    first = scan(repo, "2")
    [cached] = ExtractionCache(pack=None).get(cache_key(models, "python-models", "app/models.py"), list[extraction_model_info()])
    assert cached.name == "Listen" and cached.table == "listen"
    second = scan(repo, "2")
    assert sorted((q.file, q.line) for q in first.queries) == sorted((q.file, q.line) for q in second.queries)
    assert any(q.file == "app/use.py" for q in second.queries)


def extraction_model_info():
    from impact.extract.python.models import ModelInfo

    return ModelInfo
