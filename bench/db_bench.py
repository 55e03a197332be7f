"""Embedded PostgreSQL start/stop times: cold (initdb) and warm (cached template), 5 runs each.

    .venv/bin/python bench/db_bench.py [--runs N]

"start" is EmbeddedPostgres.start() returning (the server accepts connections); "+select" adds
the first connect and SELECT 1 (psycopg is imported before timing); "stop" is stop() including
the temp dir's removal. Cold runs use a fresh, empty cache dir each time.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import psycopg  # noqa: F401  (imported here so that its import time is not counted)

from impact.db import connect
from impact.db.server import EmbeddedPostgres


def one_run(cache_dir: Path) -> tuple[float, float, float]:
    server = EmbeddedPostgres(cache_dir=cache_dir)
    began = time.perf_counter()
    server.start()
    started = time.perf_counter()
    with connect(server.url) as conn:
        conn.execute("SELECT 1").fetchone()
    selected = time.perf_counter()
    server.stop()
    stopped = time.perf_counter()
    return started - began, selected - began, stopped - selected


def report(label: str, runs: list[tuple[float, float, float]]) -> None:
    for name, values in zip(("start", "+select", "stop"), zip(*runs)):
        print(f"{label:6} {name:8} median {statistics.median(values):.3f} s   "
              f"min {min(values):.3f}   max {max(values):.3f}   ({', '.join(f'{v:.3f}' for v in values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="impact-db-bench-") as scratch:
        cold = [one_run(Path(scratch) / f"cold-{i}") for i in range(runs)]
        warm_cache = Path(scratch) / "warm"
        one_run(warm_cache)  # fills the template cache
        warm = [one_run(warm_cache) for _ in range(runs)]
    server = EmbeddedPostgres()
    server.start()
    print(f"PostgreSQL {server.version} in {server.root.parent} ({runs} runs each)")
    server.stop()
    report("cold", cold)
    report("cached", warm)


if __name__ == "__main__":
    main()
