"""What `impact scan --trace --trace-rows N` measures on this machine: a throwaway repo whose
migration rewrites, validates and indexes a table of N generated rows.

Run: python bench/trace_bench.py [N]   (default 2,000,000)"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impact.db.trace import run_trace  # noqa: E402
from impact.pipeline import scan  # noqa: E402

SCHEMA = "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int, n int, note varchar(20));"
MIGRATION = """ALTER TABLE orders ALTER COLUMN n TYPE bigint;
ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT fk;
CREATE INDEX orders_user ON orders (user_id);
ALTER TABLE orders ALTER COLUMN note TYPE text;
"""

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
with tempfile.TemporaryDirectory() as tmp:
    repo = Path(tmp)
    (repo / "migrations").mkdir()
    (repo / "migrations" / "0001_schema.sql").write_text(SCHEMA)
    (repo / "migrations" / "0002_change.sql").write_text(MIGRATION)
    result = scan(repo, "2", use_cache=False)
    started = time.perf_counter()
    trace = run_trace(result, rows)
    total = time.perf_counter() - started
print(f"--trace-rows {rows:,}: seeded {trace.seeded}, whole trace {total:.1f} s (server start, replay, seeding, statements)")
for t in trace.statements:
    locks = ", ".join(f"{m} on {tb}" for tb, m in t.locks.items()) or "no new lock"
    print(f"  statement {t.index}: {t.seconds * 1000:9.1f} ms  {locks}{'  (rewrite)' if t.rewritten else ''}")
print(f"disagreements with the static model: {len(trace.disagreements)}")
