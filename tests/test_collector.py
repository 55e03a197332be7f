"""impact.collector: the cyclic collector paused for a command-line scan until the first cache miss."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref

import click
import pytest

from impact import collector, pickle_cache
from impact.cache import ExtractionCache, cache_key
from impact.model import Extraction
from tests.conftest import make_repo


@pytest.fixture(autouse=True)
def _collector_restored():
    """Each test starts with the collector on and nothing paused, and leaves it so."""
    collector.resume()
    gc.enable()
    yield
    collector.resume()
    gc.enable()


def test_pause_disables_and_resume_enables_only_what_pause_disabled() -> None:
    collector.pause()
    assert not gc.isenabled() and collector.paused()
    collector.resume()
    assert gc.isenabled() and not collector.paused()
    gc.disable()  # a caller's own choice: neither pause nor resume undoes it
    collector.pause()
    collector.resume()
    assert not gc.isenabled()


def test_an_extraction_resumes_and_an_extraction_cache_miss_does_not(tmp_path) -> None:
    from impact.extraction_jobs import _extract

    cache = ExtractionCache(tmp_path)
    key = cache_key("SELECT 1", "python", "a.py")
    cache.put(key, Extraction())
    collector.pause()
    assert cache.get(key) is not None
    assert cache.get(cache_key("SELECT 2", "python", "a.py")) is None  # late_parses.py: a miss parsed only if needed
    assert not gc.isenabled()
    extraction = _extract(("a.py", "def f(cur):\n    cur.execute('SELECT id FROM notes')\n"))
    assert gc.isenabled()
    assert [q.table for q in extraction.queries] == ["notes"]


def test_a_pickle_cache_miss_resumes_and_a_hit_does_not(tmp_path) -> None:
    pickle_cache.store(tmp_path, "k", (1, 2))
    collector.pause()
    assert pickle_cache.load(tmp_path, "k", tuple) == (1, 2)
    assert not gc.isenabled()
    assert pickle_cache.load(tmp_path, None, tuple) is None  # no key: the caller keeps nothing (Django's replay)
    assert not gc.isenabled()
    assert pickle_cache.load(tmp_path, "k", dict) is None  # another type: a miss
    assert gc.isenabled()
    collector.pause()
    assert pickle_cache.load(None, "k", tuple) is None  # no cache at all: everything is computed
    assert gc.isenabled()


def test_other_commands_than_scan_resume_it() -> None:
    from impact.cli import cli

    collector.pause()
    cli.get_command(click.Context(cli), "scan")
    assert not gc.isenabled()
    cli.get_command(click.Context(cli), "verify")
    assert gc.isenabled()


PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("collector", "on" if gc.isenabled() else "off", file=sys.stderr))
sys.argv = ["impact", *sys.argv[1:]]
from impact.cli import main
main()
"""


def test_a_cold_scan_resumes_it_and_a_warm_one_stays_paused_with_the_same_report(tmp_path) -> None:
    repo = make_repo(tmp_path / "repo", {
        "migrations/0001_init.sql": "CREATE TABLE notes (id int PRIMARY KEY, body text);\n",
        "migrations/0002_drop.sql": "ALTER TABLE notes DROP COLUMN body;\n",
        "app/db.py": "def body(cur):\n    cur.execute('SELECT body FROM notes')\n",
    })
    env = {**os.environ, "IMPACT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("IMPACT_NO_CACHE", None)
    runs = []
    for _ in range(2):
        out = tmp_path / f"r{len(runs)}.json"
        child = subprocess.run([sys.executable, "-c", PROBE, "scan", str(repo), "-m", "2", "--format", "json", "-o", str(out)],
                               capture_output=True, text=True, env=env)
        assert child.returncode in (0, 1), child.stderr
        report = json.loads(out.read_text())
        runs.append((child.stderr.strip().splitlines()[-1], [(q["file"], q["line"]) for q in report["migrations"][0]["queries"]]))
    (cold, cold_queries), (warm, warm_queries) = runs
    assert cold == "collector on"
    assert warm == "collector off"
    assert cold_queries == warm_queries == [("app/db.py", 2)]


@pytest.mark.xfail(strict=True, reason="known limit: cyclic garbage made while paused stays until the collector resumes")
def test_cycles_made_while_paused_are_freed_at_once() -> None:
    class Node:
        pass

    collector.pause()
    node = Node()
    node.me = node
    alive = weakref.ref(node)
    del node
    assert alive() is None


def _frozen_count() -> int:
    return gc.get_freeze_count()


def test_a_worker_forked_while_frozen_never_collects_what_its_parent_made() -> None:
    """collector.frozen_while_forking: the parent's objects sit in the permanent generation of a
    forked worker (its collections skip them), and are back in the parent's reach afterwards."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    made = [[] for _ in range(5000)]  # tracked containers the parent made
    assert gc.get_freeze_count() == 0
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        with collector.frozen_while_forking():
            assert gc.get_freeze_count() >= len(made)
            counted = pool.submit(_frozen_count)  # the worker is forked here
        assert gc.get_freeze_count() == 0
        assert counted.result() >= len(made)
    unfrozen = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    with unfrozen:
        assert unfrozen.submit(_frozen_count).result() == 0
