"""How `impact scan` scales: CPU and wall time, peak memory and the CPU ratio to `rg -l`, per size.

    python bench/scale_bench.py [--sizes 1000,5000,20000,80000] [--most-sizes 1000,5000,20000]
                                [--impact-root DIR] [--keep DIR]

For each size, bench/make_repo.py generates a repository (a git work tree, files added to the
index, as a real checkout) in two variants: "few" (10 % of the source files query the table the
migration changes) and "most" (80 % do). In the same run it measures:
  rg     `rg -l conversations TREE` (best of 3): the floor, a tool that only greps;
  cold   `python -m impact scan TREE -m 2 --format json -o FILE` with an empty cache;
  warm   the same again, with the cache the cold run filled.
CPU time is user + system of the process and of every worker it waited for (os.wait4); peak
memory is the largest resident set of any one of them (ru_maxrss; the repo is generated in a child
process so that this one stays small: a forked child's ru_maxrss starts at its parent's size). The ratio is CPU against rg's CPU.

`--impact-root DIR` runs another checkout of impact (e.g. `git worktree add /tmp/base <commit>`)
with this interpreter, for before/after numbers on the same machine.

ripgrep: `apt-get install ripgrep` (Debian/Ubuntu), `brew install ripgrep`, or `cargo install
ripgrep`; without it the rg column is empty and no ratio is printed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

VARIANTS = {"few": 0.10, "most": 0.80}


@dataclass
class Run:
    cpu: float  # seconds, user + system, with waited-for children
    wall: float
    peak_mib: float
    code: int


def measure(command: list[str], env: dict | None = None, cwd: Path | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.stderr.close()
    if proc.returncode not in (0, 1):  # 1 is a verdict, anything else a failed scan
        raise SystemExit(f"{' '.join(command[:4])}… exited {proc.returncode}: {err.strip()[-400:]}")
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, proc.returncode)


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.cpu)


def make_tree(root: Path, files: int, share: float) -> Path:
    tree = root / "repo"
    # In a child process: a child's ru_maxrss starts at its parent's size when forked, so this
    # process must stay small (generating 80k files in it took 523 MiB).
    subprocess.run([sys.executable, str(HERE / "make_repo.py"), "--files", str(files), "--out", str(tree),
                    "--target-share", str(share)], check=True, stdout=subprocess.DEVNULL)
    # A git work tree like any checkout (impact lists its files with git there); nothing committed.
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "add", "-A"], check=True)
    return tree


def bench_one(tree: Path, work: Path, impact_root: Path) -> dict[str, Run | None]:
    rg = shutil.which("rg")
    out: dict[str, Run | None] = {"rg": None}
    if rg:
        out["rg"] = best([measure([rg, "-l", "conversations", str(tree)]) for _ in range(3)])
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "IMPACT_CACHE_DIR": str(cache)}
    env.pop("IMPACT_NO_CACHE", None)
    command = [sys.executable, "-m", "impact", "scan", str(tree), "-m", "2", "--format", "json", "-o", str(work / "r.json")]
    out["cold"] = measure(command, env, impact_root)
    out["warm"] = best([measure(command, env, impact_root) for _ in range(2)])
    return out


def row(size: int, variant: str, label: str, run: Run | None, rg: Run | None) -> str:
    if run is None:
        return f"{size:>7} {variant:5} {label:5} {'-':>8}"
    ratio = f"{run.cpu / rg.cpu:7.1f}x" if rg and rg.cpu > 0 and label != "rg" else ""
    return f"{size:>7} {variant:5} {label:5} {run.cpu:8.2f} {run.wall:8.2f} {run.peak_mib:9.0f} {ratio:>8}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000,80000")
    parser.add_argument("--most-sizes", default="1000,5000,20000", help="sizes of the variant where most files match")
    parser.add_argument("--impact-root", type=Path, default=HERE.parent)
    args = parser.parse_args(argv)
    if not shutil.which("rg"):
        print("ripgrep (rg) not found: install it (apt-get install ripgrep) for the ratios", file=sys.stderr)
    plan = [(int(n), "few") for n in args.sizes.split(",") if n] + [(int(n), "most") for n in args.most_sizes.split(",") if n]
    print(f"impact at {args.impact_root}")
    print(f"{'files':>7} {'case':5} {'run':5} {'cpu s':>8} {'wall s':>8} {'peak MiB':>9} {'cpu/rg':>8}", flush=True)
    for size, variant in plan:
        work = Path(tempfile.mkdtemp(prefix="impact-scale-"))
        try:
            tree = make_tree(work, size, VARIANTS[variant])
            runs = bench_one(tree, work, args.impact_root)
            for label in ("rg", "cold", "warm"):
                print(row(size, variant, label, runs[label], runs["rg"]), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
