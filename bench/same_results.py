"""Whether two versions of impact report the same thing: `impact scan --format json` run cold by each
(two `--impact-root`s, e.g. `git archive`s of two commits) on the same trees and migrations.

    python bench/same_results.py --before DIR --after DIR TREE:MIGRATION [TREE:MIGRATION ...]

Everything in the report must be equal except `stats.seconds` (a timing) and
`stats.files_parsed` / `stats.cache_hits` (how much work was done, which a finer pre-filter is
meant to change): those are printed side by side. Exit 1 when any report differs.

`--name-only-context`: the `context` of a reference with no table (via "name-only") may differ
(impact/late_parses.py: a name inside an ORM query of an unparsed file is counted as a name
without a table instead of as part of a query on an unknown table); how many moved is printed,
and the unattributed count of each version. Every other field must still be equal.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

WORK_COUNTS = ("seconds", "files_parsed", "cache_hits")


def scan(root: Path, tree: str, migration: str, out: Path) -> dict:
    env = {**os.environ, "IMPACT_NO_CACHE": "1"}  # cold: both versions parse what they choose to
    command = [sys.executable, "-m", "impact", "scan", tree, "-m", migration, "--format", "json", "-o", str(out)]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{root}: scan of {tree} -m {migration} exited {done.returncode}: {done.stderr[-400:]}")
    return json.loads(out.read_text())


def name_only_moves(before: dict, after: dict) -> str:
    """Set the context of every name-only reference without a table to "-" in both reports, when
    that is their only difference; say how many moved and the unattributed counts."""
    moved, counts = 0, []
    for b, a in zip(before.get("migrations", []), after.get("migrations", [])):
        for report in (b, a):
            counts.append(len({(r.get("file"), r.get("line"), r.get("column")) for r in report.get("references", [])
                               if r.get("via") == "name-only" and r.get("context") != "sql"}))
        for x, y in zip(b.get("references", []), a.get("references", [])):
            if x != y and {**x, "context": "-"} == {**y, "context": "-"} and x.get("via") == "name-only" and x.get("table") is None:
                moved += 1
                x["context"] = y["context"] = "-"
    return f"name-only contexts moved {moved}, unattributed lines " + ", ".join(f"{counts[i]} -> {counts[i + 1]}" for i in range(0, len(counts), 2))


def split(report: dict) -> tuple[dict, list[dict]]:
    """The report without its work counts, and those counts (one dict per migration)."""
    counts = []
    for migration in report.get("migrations", []):
        stats = migration.get("stats", {})
        counts.append({k: stats.pop(k, None) for k in WORK_COUNTS})
    return report, counts


def first_difference(a, b, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'after' if key in b else 'before'}"
            if a[key] != b[key]:
                return first_difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{index}]")
    return f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--name-only-context", action="store_true", help="a name-only reference's context may differ")
    parser.add_argument("cases", nargs="+", help="TREE:MIGRATION")
    args = parser.parse_args(argv)
    differ = 0
    with tempfile.TemporaryDirectory(prefix="impact-same-") as work:
        for index, case in enumerate(args.cases):
            tree, migration = case.rsplit(":", 1)
            before, before_counts = split(scan(args.before, tree, migration, Path(work) / f"b{index}.json"))
            after, after_counts = split(scan(args.after, tree, migration, Path(work) / f"a{index}.json"))
            moves = name_only_moves(before, after) if args.name_only_context else ""
            same = before == after
            differ += not same
            parsed = " ".join(f"parsed {b['files_parsed']} -> {a['files_parsed']}"
                              for b, a in zip(before_counts, after_counts))
            print(f"{'same' if same else 'DIFFERENT'}  {Path(tree).name} -m {migration}  {parsed}  {moves}".rstrip())
            if not same:
                print(f"  first difference: {first_difference(before, after)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
