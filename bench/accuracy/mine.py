"""Mine DROP/RENAME COLUMN/TABLE events, and the code lines their authors changed, from a git history.

    python bench/accuracy/mine.py REPO_GIT_DIR --orm prisma|drizzle|typeorm|sequelize|django|alembic --repo owner/name --out bench/accuracy/cases/<project>.json [--limit 15]

An event is one operation of a migration a commit adds: `DROP COLUMN`, `RENAME COLUMN`,
`DROP TABLE`, `RENAME TABLE` read by impact's own parser (SQL migrations: Prisma's
`migration.sql`, Drizzle's `NNNN_name.sql` in drizzle.config's `out`; TypeORM migration classes'
`up()` read by impact's TS migration reader, and sequelize-cli's `queryInterface.*` calls in `up`:
ts_orms.py); for Django, `RemoveField`/`RenameField`/`DeleteModel`/
`RenameModel` in `migrations/NNNN_*.py`; for Alembic, `op.drop_column`/`op.alter_column(...,
new_column_name=)`/`op.drop_table`/`op.rename_table` (and `batch_op.*`) in `upgrade()` of a
`versions/*.py` revision. Python events are recorded with the equivalent SQL, which measure.py
scans. The most recent `--limit` events are kept, and every event of the last migration taken
(a migration's events are scored together: half of one would count its other half's lines as
false positives).

Decisions:
- The change is the pull request, not the commit: authors often change the code in a later commit
  of the same pull request. `base` is the migration commit's parent (so the tree and its migration
  history are the ones the migration was written against); `head` is the tip of the branch that
  brought it into the main line (the merge's second parent), or the commit itself when it is on the
  main line (a squash merge). Code the branch changed before the migration commit is already gone
  from `base`, so it is neither truth nor reported.
- Ground truth: lines of `base`'s files that the change deleted or modified (`-` lines of
  `git diff -U0 base head`) and that name the old name as the code spells it: the column (or
  table), and the ORM names mapped to it in base's schema (Prisma field, `@map`ped model and its
  client accessor; TypeORM entity property and class; Drizzle TS key and table variable; Django
  attribute and its `_id` attname). Only files impact reads count (Python,
  TS/JS, SQL, `.prisma`); migration history (files under a `migrations`/`versions` folder) never
  counts.
- Only PostgreSQL migrations are mined (paths naming mysql/sqlite/clickhouse are skipped).
- Case data stays small and holds none of the project's code: paths and line numbers only (measure.py
  reads each line's text from the project's own history when it needs it).

Known limits: code the authors changed in an earlier pull request (expand/contract) is not in
the truth (xfail test_code_changed_in_an_earlier_change_is_truth); such events measure precision
only. Django and Alembic events are read by py_orms.py (its docstring says how); a Django
foreign key is spelled both `author` and `author_id`, so a common word (`line`, `content`) widens
its truth.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.accuracy.ts_orms import (EVENT_KINDS, drizzle_folders, drizzle_models, is_drizzle_migration,  # noqa: E402
                                    is_sequelize_migration, is_typeorm_migration, sequelize_events, sequelize_folders,
                                    sequelize_models, typeorm_events, typeorm_models)
from bench.accuracy.py_orms import alembic_events, django_events, django_operations, django_sql, git  # noqa: E402,F401
from bench.accuracy.truth_files import read_by_impact  # noqa: E402
from impact.orm.prisma import looks_like_schema, read_schema  # noqa: E402
from impact.sql.parse import parse_migration  # noqa: E402

CODE_SUFFIXES = (".py", ".pyi", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".sql", ".prisma")
OTHER_DIALECTS = re.compile(r"(mysql|mariadb|sqlite|clickhouse|mssql|sqlserver|cockroach)", re.IGNORECASE)
HISTORY = re.compile(r"(^|/)(migrations?|versions)/")
SNIPPET = 120
# A field spelled like this (Prisma `id Int @id @map("event_id")`) names every model's key: its lines
# say nothing about the event, so the truth uses the column's own name only.
TOO_COMMON = {"id", "name", "type", "data", "value"}


# Migration folders found from an ORM's configuration (Drizzle's `out`), set by mine() for the project.
EXTRA_HISTORY: set[str] = set()


def is_history(path: str) -> bool:
    return bool(HISTORY.search(path)) or any(path.startswith(folder + "/") for folder in EXTRA_HISTORY)


def added_migrations(git_dir: str, orm: str) -> list[tuple[str, str]]:
    """(commit, path) of migrations added, newest first."""
    ts = ["*.ts", "*.js", "*.mts", "*.cts", "*.mjs", "*.cjs"]
    pattern = {"django": ["*.py"], "alembic": ["*.py"], "typeorm": ts, "sequelize": ts}.get(orm, ["*.sql"])
    out = git(git_dir, "log", "--format=@%H", "--diff-filter=A", "--name-only", "--no-renames", "HEAD", "--", *pattern)
    found, commit = [], None
    for line in out.splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif orm == "typeorm" and line and is_typeorm_migration(line) and not OTHER_DIALECTS.search(line):
            EXTRA_HISTORY.add(line.rsplit("/", 1)[0])  # its folder is history: never truth
            found.append((commit, line))
        elif orm == "sequelize" and line and is_sequelize_migration(line, EXTRA_HISTORY) and not OTHER_DIALECTS.search(line):
            found.append((commit, line))
        elif orm != "sequelize" and line and is_history(line) and not OTHER_DIALECTS.search(line):
            if orm == "drizzle" and not is_drizzle_migration(line, EXTRA_HISTORY):
                continue
            if orm == "django" and not re.search(r"/migrations/\d{4}_\w+\.py$", line):
                continue
            if orm == "alembic" and "/versions/" not in line:
                continue
            found.append((commit, line))
    return found


def mainline(git_dir: str) -> list[str]:
    return git(git_dir, "rev-list", "--first-parent", "HEAD").split()


def change_of(git_dir: str, commit: str, line: list[str], on_line: set[str]) -> tuple[str, str]:
    """(base, head): the migration commit's parent, and the tip of the branch that brought it into
    the main line (the commit itself when it is on the main line: a squash merge or a direct push)."""
    parents = git(git_dir, "rev-list", "--parents", "-n1", commit).split()
    base = parents[1] if len(parents) > 1 else ""
    if commit in on_line:
        return base, commit
    # line is newest first; commit is an ancestor of every main-line commit from its merge onwards.
    lo, hi = 0, len(line) - 1  # find the oldest main-line commit containing `commit`
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _is_ancestor(git_dir, commit, line[mid]):
            lo = mid
        else:
            hi = mid - 1
    merge = git(git_dir, "rev-list", "--parents", "-n1", line[lo]).split()
    # The branch tip (the merge's second parent), not the merge: the merge's diff from `base` would also
    # carry what the main line did meanwhile.
    tip = merge[2] if len(merge) > 2 and _is_ancestor(git_dir, commit, merge[2]) else merge[0]
    return base, tip


def _is_ancestor(git_dir: str, a: str, b: str) -> bool:
    return subprocess.run(["git", "--git-dir", git_dir, "merge-base", "--is-ancestor", a, b]).returncode == 0


def removed_lines(git_dir: str, base: str, head: str) -> dict[str, list[int]]:
    """Base-side line numbers that the change deleted or modified, per file. A file whose blob the
    mirrored snapshot lacks (4 MiB and more: CTFd's vendor bundle) is left out, as measure.py does."""
    pathspec = [f"*{s}" for s in CODE_SUFFIXES]
    out = git(git_dir, "diff", "-U0", "--no-renames", "--no-color", base, head, "--", *pathspec,
              *[f":(exclude){path}" for path in _absent_blobs(git_dir, base, head, pathspec)])
    lines: dict[str, list[int]] = {}
    path = None
    for raw in out.splitlines():
        if raw.startswith("--- "):
            path = raw[6:] if raw.startswith("--- a/") else None
        elif raw.startswith("@@") and path:
            m = re.match(r"@@ -(\d+)(?:,(\d+))? ", raw)
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            lines.setdefault(path, []).extend(range(start, start + count))
    return lines


def _absent_blobs(git_dir: str, base: str, head: str, pathspec: list[str]) -> list[str]:
    rows = git(git_dir, "diff", "--raw", "-z", "--abbrev=40", "--no-renames", base, head, "--", *pathspec).split("\0")
    blobs = {}  # path -> its blobs on both sides (all zeros: the file is absent on that side)
    for meta, path in zip(rows[0::2], rows[1::2]):
        fields = meta.split()
        if len(fields) >= 4:
            blobs[path] = [b for b in fields[2:4] if b.strip("0")]
    asked = "".join(f"{b}\n" for bs in blobs.values() for b in bs)
    answer = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch-check"], input=asked,
                            capture_output=True, text=True, check=True).stdout
    missing = {line.split()[0] for line in answer.splitlines() if line.endswith(" missing")}
    return [path for path, bs in blobs.items() if missing.intersection(bs)]


# --- ORM spellings, from the base tree ---------------------------------------------------------

def prisma_models(git_dir: str, base: str):
    files = [p for p in git(git_dir, "ls-tree", "-r", "--name-only", base).splitlines()
             if p.endswith(".prisma") and "node_modules" not in p]
    models = []
    for path in files:
        text = git(git_dir, "show", f"{base}:{path}")
        if looks_like_schema(text):
            models.extend(read_schema([(path, text)]))
    return models


def orm_spellings(models, table: str, column: str | None) -> list[str]:
    names = {column or table}
    for model in models:
        if (model.table or "").lower() != table.lower():
            continue
        if column is None:
            names.update({model.name, *model.accessors})
        else:
            names.update(f.name for f in model.fields if f.column and f.column.lower() == column.lower())
    return sorted(names)


# --- SQL migrations --------------------------------------------------------------------------------

def sql_events(text: str) -> list[dict]:
    events = []
    for op in parse_migration(text).operations:
        kind = EVENT_KINDS.get(op.kind)
        if kind and op.table:
            events.append({"kind": kind, "table": op.table, "column": op.column_name,
                           "new_name": op.new_name, "statement_line": op.statement.line})
    return events


def without_rebuilds(events: list[dict]) -> list[dict]:
    """A table rebuilt in place (SQLite's way to change a column: create `temporary_t`, copy, `DROP
    TABLE t`, rename `temporary_t` to `t`) is the same table afterwards: neither its drop nor the
    rename is an event (jellyseerr's TypeORM migrations for SQLite do this in a folder not named so)."""
    dropped = {e["table"] for e in events if e["kind"] == "drop_table"}
    rebuilt = {e["new_name"] for e in events if e["kind"] == "rename_table"} & dropped
    return [e for e in events if not ((e["kind"] == "drop_table" and e["table"] in rebuilt)
                                      or (e["kind"] == "rename_table" and e["new_name"] in rebuilt))]


# --- the cases ------------------------------------------------------------------------------------

def truth_lines(git_dir: str, base: str, removed: dict[str, list[int]], names: list[str], migration: str) -> list[dict]:
    pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")(?![\w$])")
    truth = []
    for path, numbers in sorted(removed.items()):
        if path == migration or is_history(path) or not path.endswith(CODE_SUFFIXES) or not read_by_impact(path):
            continue
        lines = git(git_dir, "show", f"{base}:{path}").splitlines()
        for n in numbers:
            if n <= len(lines) and pattern.search(lines[n - 1]):
                truth.append({"path": path, "line": n, "snippet": lines[n - 1].strip()[:SNIPPET]})
    return truth


def mine(git_dir: str, orm: str, project: str, repo: str, limit: int) -> list[dict]:
    EXTRA_HISTORY.clear()
    if orm == "drizzle":
        EXTRA_HISTORY.update(drizzle_folders(git_dir))
    if orm == "sequelize":
        EXTRA_HISTORY.update(sequelize_folders(git_dir))
    line = mainline(git_dir)
    on_line = set(line)
    cases, seen = [], set()
    for commit, path in added_migrations(git_dir, orm):
        if len(cases) >= limit:
            break  # checked per migration: the last migration taken keeps all its events
        text = git(git_dir, "show", f"{commit}:{path}")
        base, head = change_of(git_dir, commit, line, on_line)
        if not base or _exists(git_dir, base, path) or _moved(git_dir, base, commit, path):
            continue  # a root commit, or the migration was already there (re-added, or moved from another folder)
        if orm == "django":
            events = django_events(git_dir, base, path, text)
        elif orm == "alembic":
            events = alembic_events(text)
        else:
            read_events = {"typeorm": typeorm_events, "sequelize": sequelize_events}.get(orm, sql_events)
            events = without_rebuilds(read_events(text))
            read = {"prisma": prisma_models, "typeorm": typeorm_models, "drizzle": drizzle_models,
                    "sequelize": sequelize_models}.get(orm)
            models = read(git_dir, base) if read and events else []
            for e in events:  # any ORM's OrmModels: field names, model and accessors
                e["spellings"] = orm_spellings(models, e["table"], e["column"])
        if not events:
            continue
        removed = removed_lines(git_dir, base, head)
        for e in events:
            key = (head, e["kind"], e["table"], e["column"])
            if key in seen:
                continue  # one pull request adding the same change twice (two migrations) is one event
            seen.add(key)
            e["spellings"] = [s for s in e["spellings"] if s == (e["column"] or e["table"]) or s not in TOO_COMMON]
            cases.append({
                "project": project, "repo": repo, "orm": orm, "commit": commit, "base": base, "head": head,
                "migration": path, "synthesized_sql": django_sql(e) if orm in ("django", "alembic") else None,
                "operation": {k: e[k] for k in ("kind", "table", "column", "new_name")},
                "spellings": e["spellings"],
                "truth": truth_lines(git_dir, base, removed, e["spellings"], path),
            })
    return cases


def _moved(git_dir: str, base: str, commit: str, path: str) -> bool:
    """The same migration (same blob, or same `<name>/migration.sql` / file name) already in base."""
    blob = git(git_dir, "rev-parse", f"{commit}:{path}").strip()
    tail = "/".join(path.split("/")[-2:]) if path.endswith(("/migration.sql", "/up.sql")) else path.rsplit("/", 1)[-1]
    for row in git(git_dir, "ls-tree", "-r", base).splitlines():
        meta, name = row.split("\t", 1)
        if meta.split()[2] == blob or (is_history(name) and name.endswith("/" + tail)):
            return True
    return False


def dump_cases(header: dict, cases: list[dict]) -> str:
    """One case a line, each with its `truth` {path: [line, ...]}: no text of the project's code."""
    rows = []
    for case in cases:
        truth: dict[str, list[int]] = {}
        for t in case["truth"]:
            truth.setdefault(t["path"], []).append(t["line"])
        rows.append(json.dumps({**case, "truth": truth}, ensure_ascii=False))
    head = json.dumps(header, ensure_ascii=False)[:-1]
    return head + ',\n "cases": [\n  ' + ",\n  ".join(rows) + '\n ]\n}\n'


def _exists(git_dir: str, commit: str, path: str) -> bool:
    return subprocess.run(["git", "--git-dir", git_dir, "cat-file", "-e", f"{commit}:{path}"],
                          capture_output=True).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("git_dir")
    parser.add_argument("--orm", required=True, choices=["prisma", "drizzle", "typeorm", "sequelize", "django", "alembic", "sql"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--project", help="short name (default: from the --out file name)")
    parser.add_argument("--repo", default="", help="owner/name on GitHub, recorded in the cases")
    parser.add_argument("--limit", type=int, default=15, help="most recent events kept")
    args = parser.parse_args(argv)
    project = args.project or Path(args.out).stem
    cases = mine(args.git_dir, args.orm, project, args.repo, args.limit)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(dump_cases({"project": project, "repo": args.repo, "orm": args.orm, "git_dir": args.git_dir}, cases))
    print(f"{project}: {len(cases)} event(s), {sum(len(c['truth']) for c in cases)} truth line(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
