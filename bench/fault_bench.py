"""Fault injection at scale: kill -9 `impact apply` at random moments, and time how fast each
injected fault ends (python bench/fault_bench.py [--kills 40] [--seed 1]).

Every run applies a one-second migration (`ALTER TABLE items ADD COLUMN flag int; SELECT
pg_sleep(1)`) to a fresh copy of a prepared database, kills the client at a random moment between
connecting and ~0.5 s past the end, and classifies what is left: "before" (schema as it was, no
ledger row), "after" (new column, ledger row 'applied') or "INCONSISTENT" (anything else — must
stay 0). tests/test_db_faults.py asserts the same properties on a few runs.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from impact.db import connect  # noqa: E402
from impact.db.server import EmbeddedPostgres  # noqa: E402
from tests.fault_proxy import Proxy  # noqa: E402  (the loopback proxy that blackholes on command)

INIT = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO items VALUES (1, 'a'), (2, 'b');"
SLEEPY = "ALTER TABLE items ADD COLUMN flag int;\nSELECT pg_sleep(1);"


def impact(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "impact", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def impact_session(url: str) -> int | None:
    with connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'impact' AND datname = current_database()").fetchone()
    return row[0] if row else None


def wait(predicate, limit: float = 30) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > limit:
            raise SystemExit(f"gave up after {limit} s")
        time.sleep(0.02)
    return time.monotonic() - started


def state(url: str) -> str:
    with connect(url) as conn:
        flag = conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'flag'").fetchone()[0]
        ledger = conn.execute("SELECT to_regclass('impact_migrations')").fetchone()[0] and conn.execute(
            "SELECT status FROM impact_migrations WHERE name = 'sleepy.sql'").fetchall()
    if not flag and not ledger:
        return "before"
    if flag and ledger == [("applied",)]:
        return "after"
    return "INCONSISTENT"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    app = Path(tempfile.mkdtemp(prefix="impact-fault-bench-"))
    (app / "migrations").mkdir()
    (app / "migrations" / "0001_init.sql").write_text(INIT)
    (app / "sleepy.sql").write_text(SLEEPY)
    with EmbeddedPostgres() as server:
        with connect(server.url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "template_fault"')
        with connect(server.url_for("template_fault"), autocommit=True) as conn:
            conn.execute(INIT)

        def fresh(name: str) -> str:
            with connect(server.url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "template_fault"')
            return server.url_for(name)

        outcomes: dict[str, int] = {}
        released = []
        for i in range(args.kills):
            url = fresh(f"kill_{i}")
            child = impact("apply", str(app), "-m", "sleepy.sql", "--database-url", url, "--yes", "--force")
            wait(lambda: impact_session(url) is not None)
            time.sleep(rng.uniform(0, 1.6))
            child.send_signal(signal.SIGKILL)
            child.wait()
            released.append(wait(lambda: impact_session(url) is None))
            outcomes[state(url)] = outcomes.get(state(url), 0) + 1
        print(f"kill -9 at random moments: {args.kills} runs -> " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        print(f"  server let go of the killed client's session after: median {statistics.median(released) * 1000:.0f} ms, max {max(released) * 1000:.0f} ms")

        url = fresh("held_lock")
        with connect(url) as holder:
            holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            child = impact("apply", str(app), "-m", "sleepy.sql", "--database-url", url, "--yes", "--force", "--lock-timeout", "1s")
            child.communicate(timeout=60)
            print(f"held ACCESS EXCLUSIVE lock, --lock-timeout 1s: exit {child.returncode} after {time.monotonic() - started:.1f} s "
                  f"(process start and scan included), state {state(url)}")

        query = parse_qs(urlsplit(server.url).query)
        proxy = Proxy(f"{query['host'][0]}/.s.PGSQL.{query['port'][0]}")
        url = fresh("dropped")
        child = impact("apply", str(app), "-m", "sleepy.sql", "--database-url", proxy.url("dropped"), "--yes", "--force", "--statement-timeout", "2s")
        wait(lambda: impact_session(url) is not None)
        time.sleep(0.3)  # inside the migration's transaction
        proxy.blackhole()
        blackholed = time.monotonic()
        exited = gone = None
        while exited is None or gone is None:  # both ends, timed independently
            if exited is None and child.poll() is not None:
                exited = time.monotonic() - blackholed
            if gone is None and impact_session(url) is None:
                gone = time.monotonic() - blackholed
            if time.monotonic() - blackholed > 60:
                raise SystemExit("the dropped connection was never noticed")
            time.sleep(0.02)
        child.communicate()
        print(f"silently dropped connection, --statement-timeout 2s: exit {child.returncode} {exited:.1f} s after the drop; "
              f"the server ended the orphaned session (and its lock) {gone:.1f} s after the drop; state {state(url)}")
        proxy.close()


if __name__ == "__main__":
    main()
