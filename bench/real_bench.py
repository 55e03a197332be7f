"""`impact scan` on a real repository against `rg -l` over the same tree (CPU ratio), cold and warm.

    python bench/real_bench.py TREE MIGRATION --needle NAME [--needle NAME ...] [--impact-root DIR]

TREE is a checkout of a public project (fetched by you; nothing of it is committed here) and
MIGRATION what `impact scan TREE -m` takes (a path to a .sql file written into the tree works).
rg gets the names a scan pre-filters on (`rg -l -i -e NAME ...`), so both read the same files.
Measures as bench/scale_bench.py does (os.wait4: CPU with waited-for workers, peak RSS).

Three scans: "cold" starts from an empty cache directory (IMPACT_CACHE_DIR): nothing of the tool
either — its compiled dataclasses and regexes (impact.code_cache, impact.regex_cache) and its parsed
rules are made again, as on the first scan ever run on a machine; "repo" starts with only those
tool-level tables kept (copied from the cold run), nothing of this repository: a user's first scan
of a repository, their cache being shared by every repository they scan (as the `.pyc` files are,
which every run here keeps); "warm" runs again on the full cache (best of two).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_bench import best, measure  # noqa: E402


TOOL_LEVEL = ("code", "rules")  # cache folders that hold nothing of a scanned repository


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("migration")
    parser.add_argument("--needle", action="append", required=True)
    parser.add_argument("--impact-root", type=Path, default=HERE.parent)
    args = parser.parse_args(argv)
    rg = shutil.which("rg")
    work = Path(tempfile.mkdtemp(prefix="impact-real-"))
    try:
        matched = "?"
        rg_run = None
        if rg:
            command = [rg, "-l", "-i", *[x for n in args.needle for x in ("-e", n)], str(args.tree)]
            rg_run = best([measure(command) for _ in range(3)])
            import subprocess
            matched = len(subprocess.run(command, capture_output=True, text=True).stdout.splitlines())
        env = {**os.environ, "IMPACT_CACHE_DIR": str(work / "cache")}
        env.pop("IMPACT_NO_CACHE", None)
        scan = [sys.executable, "-m", "impact", "scan", str(args.tree), "-m", args.migration, "--format", "json", "-o", str(work / "r.json")]
        cold = measure(scan, env, args.impact_root)
        for kind in TOOL_LEVEL:  # the tool's own tables only (see the module doc)
            if (work / "cache" / kind).is_dir():
                shutil.copytree(work / "cache" / kind, work / "repo-cache" / kind)
        repo = measure(scan, {**env, "IMPACT_CACHE_DIR": str(work / "repo-cache")}, args.impact_root)
        warm = best([measure(scan, env, args.impact_root) for _ in range(2)])
        print(f"{args.tree.name} -m {args.migration}: rg -l matches {matched} files (impact at {args.impact_root})")
        for label, run in (("rg", rg_run), ("cold", cold), ("repo", repo), ("warm", warm)):
            if run is None:
                continue
            ratio = f"{run.cpu / rg_run.cpu:6.1f}x" if rg_run and label != "rg" else ""
            print(f"  {label:5} cpu {run.cpu:7.2f} s  wall {run.wall:7.2f} s  peak {run.peak_mib:5.0f} MiB  {ratio}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
