"""Read every Django migration of a checked-out project statically and count what was understood.

    python bench/django_migrations.py REPO [REPO ...] [--per-migration N] [--show-reasons 5]

For each repo: every migration, in dependency order, replayed once (the same translation
`impact scan` does for one migration, but sharing one replay instead of re-reading the history
for each); counts the migrations read without an `unknown` operation, the Django operation kinds
that were not understood (with a sample reason), the RunPython count, and the time taken.
`--per-migration N` also times `read_migration` (what a scan does) on the last N migrations.
Nothing of the project is imported or executed.
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impact.config import Config  # noqa: E402
from impact.formats import read_migration  # noqa: E402
from impact.formats.django import FORMAT  # noqa: E402
from impact.formats.django.discover import all_in_order, load_project  # noqa: E402
from impact.formats.django.reader import translate  # noqa: E402
from impact.formats.django.state import ProjectState  # noqa: E402
from impact.model import OpKind  # noqa: E402


def trial(repo: Path, per_migration: int, show: int) -> None:
    started = time.perf_counter()
    project = load_project(repo)
    found = time.perf_counter() - started
    order = all_in_order(project)
    state = ProjectState(user_model=project.user_model, field_aliases=project.field_aliases)
    clean = run_python = statements = 0
    not_understood: collections.Counter[str] = collections.Counter()
    reasons: dict[str, list[str]] = collections.defaultdict(list)
    for node in order:
        parsed, _ = translate(node, state, project.repo)
        statements += len(parsed.statements)
        unknown = parsed.unknown
        run_python += sum(op.kind is OpKind.DO_BLOCK and (op.name or "").startswith("RunPython") for op in parsed.operations)
        if not unknown:
            clean += 1
        for op in unknown:
            kind = op.name or "?"
            if kind == "RunSQL":  # the SQL was read, PostgreSQL's parser did not model it
                kind = "RunSQL (statement not modelled)" if op.statement.parser == "none" and op.statement.sql[:3] != "-- " else kind
            not_understood[kind] += 1
            if len(reasons[kind]) < show:
                reasons[kind].append(f"{node.app}.{node.name}: {op.statement.error[:140]}")
    elapsed = time.perf_counter() - started
    print(f"## {repo.name}: {len(project.folders)} apps, {len(order)} migrations (of {len(project.nodes)} found; "
          f"the rest replaced by squashes), {statements} statements")
    print(f"read without an unknown operation: {clean}/{len(order)} ({100 * clean / max(len(order), 1):.1f}%)")
    print(f"RunPython operations (named data changes of unknown effect): {run_python}")
    print(f"time: discovery {found:.2f}s, whole replay {elapsed:.2f}s")
    for kind, count in not_understood.most_common():
        print(f"- {kind}: {count}")
        for reason in reasons[kind]:
            print(f"    {reason}")
    for node in order[-per_migration:] if per_migration else []:
        t0 = time.perf_counter()
        located = FORMAT.claim(node.path, project.repo, Config())
        read = read_migration(located, project.repo, "postgres")
        print(f"read_migration {node.app}.{node.name}: {len(read.earlier)} earlier, {time.perf_counter() - t0:.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--per-migration", type=int, default=0)
    parser.add_argument("--show-reasons", type=int, default=3)
    args = parser.parse_args()
    for repo in args.repos:
        trial(repo.resolve(), args.per_migration, args.show_reasons)


if __name__ == "__main__":
    main()
