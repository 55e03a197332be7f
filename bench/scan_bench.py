"""Time `impact scan` on a generated repository against ripgrep and against the walk alone.

    python bench/scan_bench.py [--files 5000] [--seed 7] [--keep]

Generates the repo with bench/make_repo.py into a temporary folder, then times:
  (a) `rg -l conversations` over the tree (the floor: a tool that only greps),
  (b) a cold `impact scan TREE --migration 2 --format json` (fresh cache dir via IMPACT_CACHE_DIR),
  (c) a warm re-scan with the same cache,
  (d) `impact.files.walk` alone, and (e) walk + read_source + mentions_any (the pre-filter path).
Prints files/second for each and how each compares with ripgrep and with the walk.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import make_repo  # noqa: E402  (bench/ is not a package)

from impact.files import walk  # noqa: E402
from impact.source_text import mentions_any, read_source  # noqa: E402

SOURCE_SUFFIXES = {".py", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".sql"}
NEEDLES = ("conversations", "session_id")
SCAN_TIMEOUT_S = 1800


@dataclass
class Timing:
    label: str
    seconds: float | None  # None: did not run
    detail: str = ""


def best_of(runs: int, action) -> tuple[float, object]:
    """The fastest of `runs` timings (the least disturbed by the rest of the machine) and a result."""
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def time_ripgrep(tree: Path) -> Timing:
    rg = shutil.which("rg")
    if not rg:
        return Timing("(a) rg -l conversations", None, "skipped: ripgrep (rg) is not installed")
    # --no-require-git: honour .gitignore although the tree is not a git repository, as impact does.
    command = [rg, "-l", "--no-require-git", "conversations", str(tree)]
    seconds, proc = best_of(3, lambda: subprocess.run(command, capture_output=True, text=True))
    matched = len(proc.stdout.splitlines())
    return Timing("(a) rg -l conversations", seconds, f"{matched} files matched")


def scan_command(tree: Path) -> list[str]:
    return [sys.executable, "-m", "impact", "scan", str(tree), "--migration", "2", "--format", "json"]


def time_scan(tree: Path, cache_dir: Path, label: str) -> Timing:
    env = {**os.environ, "IMPACT_CACHE_DIR": str(cache_dir)}
    env.pop("IMPACT_NO_CACHE", None)
    start = time.perf_counter()
    try:
        # cwd: `python -m impact` runs this checkout, installed or not.
        proc = subprocess.run(
            scan_command(tree), capture_output=True, text=True, env=env, cwd=HERE.parent, timeout=SCAN_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return Timing(label, None, f"FAILED: no answer within {SCAN_TIMEOUT_S}s")
    seconds = time.perf_counter() - start
    # Exit 1 is a verdict (the migration is risky), not a failure of the scan; JSON on stdout is
    # the proof the scan ran to the end (a traceback can exit 1 too).
    if proc.returncode not in (0, 1) or not is_json(proc.stdout):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return Timing(label, None, f"FAILED (exit {proc.returncode}): {' | '.join(tail) or 'no output'}")
    return Timing(label, seconds, f"exit {proc.returncode}, {len(proc.stdout):,} bytes of JSON")


def is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def time_walk(tree: Path) -> Timing:
    seconds, (found, stats) = best_of(5, lambda: walk(tree, suffixes=SOURCE_SUFFIXES))
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(stats.skipped.items()))
    return Timing("(d) walk", seconds, f"{len(found)} files kept; skipped: {skipped}")


def time_prefilter(tree: Path) -> Timing:
    def walk_read_filter() -> int:
        found, _ = walk(tree, suffixes=SOURCE_SUFFIXES)
        texts = (read_source(f) for f in found)
        return sum(1 for text in texts if isinstance(text, str) and mentions_any(text, NEEDLES))

    seconds, kept = best_of(3, walk_read_filter)
    return Timing("(e) walk + read + mentions_any", seconds, f"{kept} files would be parsed")


def report(timings: list[Timing], source_files: int) -> None:
    print(f"\n{source_files} source files (node_modules and other ignored files not counted)\n")
    by_label = {t.label[:3]: t for t in timings}
    for t in timings:
        if t.seconds is None:
            print(f"{t.label:34} {'-':>9}   {t.detail}")
            continue
        rate = source_files / t.seconds
        print(f"{t.label:34} {t.seconds * 1000:8.0f} ms {rate:>12,.0f} files/s   {t.detail}")
    print()
    for base in ("(a)", "(d)"):
        reference = by_label.get(base)
        if not reference or reference.seconds is None:
            continue
        for t in timings:
            # Everything against ripgrep; the scans and the pre-filter path against the bare walk.
            if t.label[:3] not in ("(a)", base) and t.seconds is not None:
                print(f"{t.label} takes {t.seconds / reference.seconds:6.1f}x the time of {reference.label}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated repo and print where")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="impact-bench-"))
    try:
        tree, cache_dir = workdir / "repo", workdir / "cache"
        start = time.perf_counter()
        plans = make_repo.generate(tree, args.files, args.seed)
        print(f"generated {len(plans)} source files in {time.perf_counter() - start:.1f}s at {tree}")
        timings = [
            time_ripgrep(tree),
            time_scan(tree, cache_dir, "(b) impact scan, cold cache"),
            time_scan(tree, cache_dir, "(c) impact scan, warm cache"),
            time_walk(tree),
            time_prefilter(tree),
        ]
        report(timings, len(plans) + len(make_repo.migrations()))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
