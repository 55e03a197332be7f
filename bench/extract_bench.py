"""Time the Python and TypeScript extractors, per file, on a generated repository.

    python bench/extract_bench.py [--repo /tmp/bench1k] [--files 1000] [--needle conversations]
                                  [--runs 5] [--dump results.json]

Generates the repo with bench/make_repo.py when --repo does not exist yet, keeps the .py and
.ts/.tsx/.js files a scan walks (gitignored and dependency folders skipped) that mention the
needle (the files a scan really extracts), and prints the
best-of-N milliseconds per file for each extractor, next to the floors: `ast.parse` and
`libcst.parse_module` alone for Python. --dump writes every extracted query (as JSON) so two
versions of the extractor can be compared for identical results (`cmp a.json b.json`).
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import libcst as cst  # noqa: E402

import make_repo  # noqa: E402  (bench/ is not a package)

from impact.extract import python, typescript  # noqa: E402
from impact.files import walk  # noqa: E402

PY_SUFFIXES = (".py",)
TS_SUFFIXES = (".ts", ".tsx", ".js", ".jsx")


def files_of(repo: Path, suffixes: tuple[str, ...], needle: str) -> list[tuple[str, str]]:
    """The files a scan would extract: walked like `impact scan` walks (.gitignore, node_modules
    and friends skipped), and mentioning the needle."""
    found = []
    sources, _stats = walk(repo, suffixes=set(suffixes))
    for source in sources:
        text = source.path.read_text(encoding="utf-8", errors="replace")
        if needle in text:
            found.append((source.rel, text))
    return found


def forget_caches() -> None:
    """The extractors may memoise per (path, text): every timed run must start cold."""
    for module in (python, typescript):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def ms_per_file(files: list[tuple[str, str]], action, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        forget_caches()
        start = time.perf_counter()
        for path, text in files:
            action(path, text)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / max(1, len(files))


def dump(files: list[tuple[str, str]], extract) -> list[dict]:
    forget_caches()
    out = []
    for path, text in files:
        extraction = extract(path, text)
        out.append({"file": path, "queries": [_plain(dataclasses.asdict(q)) for q in extraction.queries],
                    "issues": [_plain(dataclasses.asdict(i)) for i in extraction.issues]})
    return out


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)  # enums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=Path("/tmp/bench1k"))
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--needle", default="conversations")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    if not args.repo.exists():
        make_repo.main(["--files", str(args.files), "--out", str(args.repo), "--seed", str(args.seed)])
    py_files = files_of(args.repo, PY_SUFFIXES, args.needle)
    ts_files = files_of(args.repo, TS_SUFFIXES, args.needle)
    py_lines = sum(text.count("\n") for _, text in py_files) / max(1, len(py_files))
    ts_lines = sum(text.count("\n") for _, text in ts_files) / max(1, len(ts_files))

    rows = [
        (f"python extract ({len(py_files)} files, {py_lines:.0f} lines avg)",
         ms_per_file(py_files, python.extract, args.runs)),
        ("  floor: ast.parse", ms_per_file(py_files, lambda _p, t: ast.parse(t), args.runs)),
        ("  floor: libcst.parse_module", ms_per_file(py_files, lambda _p, t: cst.parse_module(t), args.runs)),
        (f"typescript extract ({len(ts_files)} files, {ts_lines:.0f} lines avg)",
         ms_per_file(ts_files, typescript.extract, args.runs)),
    ]
    for label, ms in rows:
        print(f"{label:55} {ms:8.2f} ms/file")
    if args.dump:
        results = {"python": dump(py_files, python.extract), "typescript": dump(ts_files, typescript.extract)}
        args.dump.write_text(json.dumps(results, indent=1, sort_keys=True))
        queries = sum(len(f["queries"]) for lang in results.values() for f in lang)
        print(f"{queries} queries written to {args.dump}")


if __name__ == "__main__":
    main()
