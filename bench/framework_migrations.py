"""Read every framework migration of a checked-out project and count how many impact reads
without an `unknown` operation; list what it did not understand.

    python bench/framework_migrations.py alembic /path/to/checkout [--reasons 20]
    python bench/framework_migrations.py ts /path/to/checkout --only /postgres/

Nothing is written to the checkout. Prints a markdown summary for bench/framework_migrations.md.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impact.config import Config  # noqa: E402
from impact.errors import ImpactError  # noqa: E402


def _reason_kind(error: str) -> str:
    """Group reasons: the op or call named, without the project's own values."""
    match = re.search(r"`([\w.]+)(?:\(|`)", error)
    head = error.split(":")[0]
    if match and ("is not translated" in error or "runs Python code" in error):
        name = re.sub(r"^\w+\.", "*.", match.group(1)) if "runs Python code" in error else match.group(1)
        return f"{name}: {error.split('` ', 1)[-1][:60]}"
    return re.sub(r"`[^`]*`", "`…`", head)[:90]


def alembic(repo: Path, only: str = "") -> tuple[int, int, Counter, Counter, float]:
    from impact.formats.alembic import translate_file
    from impact.formats.alembic.project import load_project

    project = load_project(repo)
    if project is None:
        raise SystemExit(f"no Alembic project under {repo}")
    clean, reasons, kinds = 0, Counter(), Counter()
    started = time.perf_counter()
    for rev in [r for r in project.revisions if only in r.path.as_posix()]:
        try:
            parsed = translate_file(rev.path)[0]
        except ImpactError as exc:
            reasons[f"unreadable file: {exc.problem[:60]}"] += 1
            continue
        for op in parsed.operations:
            kinds[op.kind.value] += 1
        unknown = parsed.unknown
        clean += not unknown
        for op in unknown:
            reasons[_reason_kind(op.statement.error)] += 1
    return sum(only in r.path.as_posix() for r in project.revisions), clean, reasons, kinds, time.perf_counter() - started


def ts(repo: Path, only: str = "") -> tuple[int, int, Counter, Counter, float]:
    from impact.formats.ts_classes import FORMAT, read_file

    files = [f for f in FORMAT.all_migrations(repo, Config()) if only in f.as_posix()]
    clean, empty, reasons, kinds = 0, 0, Counter(), Counter()
    started = time.perf_counter()
    for path in files:
        try:
            parsed = read_file(path)[0]
        except ImpactError as exc:
            reasons[f"unreadable file: {exc.problem[:60]}"] += 1
            continue
        for op in parsed.operations:
            kinds[op.kind.value] += 1
        clean += not parsed.unknown and bool(parsed.operations)
        empty += not parsed.operations
        for op in parsed.unknown:
            reasons[_reason_kind(op.statement.error)] += 1
    if empty:  # a TS migration whose up() yields nothing was not read (unlike an Alembic merge revision)
        reasons["no operation found in up()"] += empty
    return len(files), clean, reasons, kinds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("format", choices=["alembic", "ts"])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--reasons", type=int, default=15)
    parser.add_argument("--only", default="", help="only migrations whose path contains this (e.g. /postgres/)")
    args = parser.parse_args()
    total, clean, reasons, kinds, seconds = (alembic if args.format == "alembic" else ts)(args.repo.resolve(), args.only)
    print(f"{args.repo.name}: {clean}/{total} migrations read without an unknown operation "
          f"({100 * clean / max(total, 1):.0f}%), {sum(kinds.values())} operations, {seconds:.1f} s")
    print("operation kinds: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print("not understood:")
    for reason, count in reasons.most_common(args.reasons):
        print(f"- {count} × {reason}")


if __name__ == "__main__":
    main()
