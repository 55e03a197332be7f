"""Time the database side on the shipped fixture: embedded start, replay, apply and verify of
migration 11 (python bench/apply_bench.py [--runs 5])."""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from impact.db import connect  # noqa: E402
from impact.db.apply import apply_migration  # noqa: E402
from impact.db.server import EmbeddedPostgres  # noqa: E402
from impact.db.shadow import Shadow, is_supabase_project, prepare  # noqa: E402
from impact.db.verify import verify  # noqa: E402
from impact.pipeline import scan  # noqa: E402

APP = ROOT / "fixtures" / "apps" / "chat-ts"


def one_run() -> dict[str, float]:
    times: dict[str, float] = {}
    result = scan(APP, "11", use_cache=False)
    texts = [(p, p.read_text()) for p in result.migration.earlier]
    start = time.perf_counter()
    with EmbeddedPostgres() as server:
        times["embedded start"] = time.perf_counter() - start
        with connect(server.url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "shadow"')
        url = server.url_for("shadow")
        mark = time.perf_counter()
        with connect(url, autocommit=True) as conn:
            prepare(conn, APP, texts, "postgres", Shadow(url, is_supabase_project(APP, [t for _, t in texts])))
        times["replay 10 earlier migrations"] = time.perf_counter() - mark
        with connect(url) as conn:
            mark = time.perf_counter()
            apply_migration(conn, result, result.migration.path.read_text(), "5s", "15min")
            times["apply migration 11"] = time.perf_counter() - mark
            mark = time.perf_counter()
            with conn.cursor() as cur:
                report = verify(cur, result, None)
            times[f"verify ({report.counts['pass']} checks)"] = time.perf_counter() - mark
        mark = time.perf_counter()
    times["stop"] = time.perf_counter() - mark
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = [one_run() for _ in range(parser.parse_args().runs)]
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"{key:<34} median {statistics.median(values) * 1000:8.1f} ms   min {min(values) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
