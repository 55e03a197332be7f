"""Run `impact` on every mined event and score its evidence against the authors' own changes.

    python bench/accuracy/measure.py bench/accuracy/cases/*.json [--results bench/accuracy/RESULTS.md]

For each case the base tree (the parent of the change) is materialised with `git archive` into a
temporary folder, the migration is dropped in its place (Django and Alembic: with the other
migrations the change added; with --synthesized-sql the equivalent SQL, in `impact_bench/`), and `impact.pipeline.scan(tmp, migration, use_cache=False)` runs on it.

Scoring, per event (one operation of the migration):
- reported = the `file:line` evidence (queries and references) of the findings on that operation; a
  query is reported by its first line, so the lines of its span that name the name count as reported;
- truth = the lines the authors deleted or modified that name the old name (mine.py);
- recall = |reported ∩ truth| / |truth|;
- precision = |reported ∩ truth| / |reported lines that name the name|: a reported line naming the
  name that the authors left untouched is a false positive. Reported lines that do not name it at
  all (a whole-row ORM read, `SELECT *`) cannot be judged this way; they are counted as `implicit`.
- name-only = lines naming a changed column without a table impact could tell (never evidence).

Git dirs are found from the case file's `git_dir`, or `--git-dir PROJECT=PATH`, or
`/work/.mirror/<owner>+<name>/repo`.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.accuracy.adjudicate import HEADING, put_section  # noqa: E402
from bench.accuracy.promotion import baseline_table, promotion  # noqa: E402
from bench.accuracy.scores import Score, pct, report  # noqa: E402
from bench.accuracy.truth_files import comment_lines, is_comment, read_by_impact  # noqa: E402
from impact.pipeline import scan  # noqa: E402

HERE = Path(__file__).resolve().parent
MIRRORS = Path("/work/.mirror")
TEST_PATH = re.compile(r"(^|/)(tests?|__tests__|e2e|cypress|spec|app-tests)(/|$)|[._](test|spec)\.|(^|/)test_")


def git(git_dir: str, *args: str, **kw) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True,
                          errors="replace", **kw).stdout


def load_cases(file: Path) -> dict:
    """A case file (mine.dump_cases) with each case's truth back as [{path, line, snippet}]."""
    data = json.loads(Path(file).read_text())
    snippets = data.get("snippets", {})
    for case in data["cases"]:
        case["truth"] = [{"path": path, "line": line, "snippet": snippets.get(path, {}).get(str(line), "")}
                         for path, lines in sorted(case["truth"].items()) for line in lines]
    return data


def git_dir_for(data: dict, overrides: dict[str, str]) -> str:
    if data["project"] in overrides:
        return overrides[data["project"]]
    if data.get("git_dir") and Path(data["git_dir"]).exists():
        return data["git_dir"]
    return str(MIRRORS / data["repo"].replace("/", "+") / "repo")


# Configuration impact reads: workspaces and their dependencies (impact.extract.dbless_packages, Prisma's
# `prisma` key), Alembic's script location, Supabase's. Until session 14 the bench left package.json out:
# a browser SDK's names (formbricks' js-core) were never seen as a package's without a database client.
KEPT_NAMES = {"migration_lock.toml", "_journal.json", "pyproject.toml", ".impact.toml", ".gitignore", "package.json",
              "pnpm-workspace.yaml", "alembic.ini", "config.toml"}
CODE_SUFFIXES = (".py", ".pyi", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".sql", ".prisma")


def materialise(git_dir: str, base: str, into: Path) -> None:
    """The files of `base` that impact reads (code, schemas, migration markers, its config). Not
    `git archive`: mirrored snapshots lack large blobs, and images are of no use here."""
    rows = git(git_dir, "ls-tree", "-r", "-z", base).split("\0")
    wanted = []
    for row in filter(None, rows):
        meta, path = row.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob" and mode != "120000" and (path.endswith(CODE_SUFFIXES) or path.rsplit("/", 1)[-1] in KEPT_NAMES):
            wanted.append((path, blob))
    batch = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    def feed() -> None:  # in a thread: git answers while we still ask, and both pipes are bounded
        batch.stdin.write("".join(f"{blob}\n" for _, blob in wanted).encode())
        batch.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    for path, _ in wanted:
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue  # a blob the snapshot lacks (4 MiB and more)
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    feeder.join()
    batch.wait()


def place_migration(git_dir: str, cases: list[dict], tree: Path, synthesized: bool = False) -> Path:
    """The migration file at its own path (Django and Alembic revisions are read by impact's own
    formats, with their history), or with `synthesized` their equivalent SQL in impact_bench/."""
    case = cases[0]
    if case.get("synthesized_sql") and synthesized:
        target = tree / "impact_bench" / (Path(case["migration"]).stem + ".sql")
        text = "".join(c["synthesized_sql"] for c in cases)
    else:
        target = tree / case["migration"]
        text = git(git_dir, "show", f"{case['commit']}:{case['migration']}")
        if case.get("orm") in ("django", "alembic"):
            place_sibling_migrations(git_dir, case, tree)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def place_sibling_migrations(git_dir: str, case: dict, tree: Path) -> None:
    """The other Django or Alembic migrations the change added (saleor's pull request adds 0138..0145
    and mines 0143): the scanned one depends on some of them, and without them its history lacks the
    fields they add (`RenameField token -> id` was unreadable). A user scans the change with them;
    those that come after it are not in its history and change nothing."""
    added = git(git_dir, "diff", "--name-only", "--no-renames", "--diff-filter=A", "-z", case["base"], case["commit"]).split("\0")
    for path in added:
        parts = Path(path).parts
        if path.endswith(".py") and path != case["migration"] and ("migrations" in parts or "versions" in parts):
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(git(git_dir, "show", f"{case['commit']}:{path}"))


def same_name(op, wanted: dict) -> bool:
    """The finding's operation changes the mined name: the mined event itself, or the same change of
    the same column name on another table of the migration (the miner keeps the most recent events
    only, so a migration dropping `environmentId` from nine tables may hold three of them, while its
    truth is every changed line naming `environmentId`)."""
    if wanted["column"] is None or matches(op, wanted):
        return matches(op, wanted)
    return op.kind.value == wanted["kind"] and (op.column_name or "").lower() == wanted["column"].lower()


def matches(op, wanted: dict) -> bool:
    column = op.column_name
    return (op.kind.value == wanted["kind"] and (op.table or "").lower() == wanted["table"].lower()
            and (column or None) == (wanted["column"] or None))


def score_group(cases: list[dict], result, tree: Path) -> Score:
    """One migration's events together: the truth lines of all of them against the evidence of all of
    them (`projectId` renamed on four tables in one migration: a line naming it is one line)."""
    spellings = sorted({name for case in cases for name in case["spellings"]})
    pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, spellings), key=len, reverse=True)) + r")(?![\w$])")
    # Inside a reported query's span: the column's spellings, and for a table only its own name (a
    # Prisma accessor like `document` is also every variable holding a row of it).
    inner = sorted({n for c in cases for n in (c["spellings"] if c["operation"]["column"] else [c["operation"]["table"]])})
    inner_pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, inner), key=len, reverse=True)) + r")(?![\w$])")
    spans = {(q.file, q.line): q.end_line for q in result.queries}
    reported: dict[tuple[str, int], str] = {}
    for finding in result.findings:
        if any(same_name(finding.operation, case["operation"]) for case in cases):
            for e in finding.evidence:
                if e.kind == "statement" or not e.line or e.file.startswith("impact_bench/"):
                    continue
                reported[(e.file, e.line)] = e.kind
                # A query is reported by its first line; the lines of it that name the name are reported with it.
                for number in range(e.line + 1, spans.get((e.file, e.line), e.line) + 1):
                    if inner_pattern.search(_line(tree / e.file, number)):
                        reported.setdefault((e.file, number), "query span")
    # The case files hold no code: a truth line's text is read from the materialised base tree.
    truth = {(t["path"], t["line"]): t["snippet"] or _line(tree / t["path"], t["line"]).strip()[:120]
             for case in cases for t in case["truth"] if read_by_impact(t["path"])}
    prose = {path: comment_lines(path, _text(tree / path)) for path in {path for path, _ in truth}}
    comments = {key for key in truth if key[1] in prose[key[0]]}
    truth = {key: snippet for key, snippet in truth.items() if key not in comments}
    score = Score(truth=len(truth), events=len(cases), migrations=1, comments=len(comments))
    score.hit = len(truth.keys() & reported.keys())
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in result.references:
        seen[(r.file, r.line)].add(r.via)
    score.seen = len({key for key in truth if key in reported or key in seen})
    for (path, line), snippet in sorted(truth.items()):
        if (path, line) not in reported:
            kind = miss_kind(path, snippet, seen.get((path, line), set()))
            score.miss_kinds[kind] = score.miss_kinds.get(kind, 0) + 1
            score.misses.append(f"[{kind}] {path}:{line}")  # no text of the project's code in the results
            score.lines.append({"path": path, "line": line, "kind": "missed", "reason": kind, "snippet": snippet})
    for (path, line) in sorted(reported):
        text = _line(tree / path, line)
        if pattern.search(text):
            score.reported_naming += 1
            if (path, line) in truth:
                score.true_reported += 1
                score.lines.append({"path": path, "line": line, "kind": "hit", "reason": reported[(path, line)],
                                    "snippet": truth[(path, line)]})
            else:
                kind = "comment" if is_comment(path, text) else fp_kind(path, reported[(path, line)])
                score.fp_kinds[kind] = score.fp_kinds.get(kind, 0) + 1
                score.false_positives.append(f"[{kind}] {path}:{line}")
                score.lines.append({"path": path, "line": line, "kind": "false-positive", "reason": kind,
                                    "snippet": text.strip()[:120]})
        else:
            score.implicit += 1
    columns = {case["operation"]["column"].lower() for case in cases if case["operation"]["column"]}
    score.name_only = len({(r.file, r.line) for r in result.references
                           if r.via == "name-only" and r.context != "sql" and r.column.lower() in columns})
    score.promotion = promotion(cases, result.references, lambda path, number: _line(tree / path, number), reported, truth, pattern)
    if score.recall is not None:
        score.recalls.append(score.recall)
    if score.precision is not None:
        score.precisions.append(score.precision)
    return score


def fp_kind(path: str, evidence_kind: str) -> str:
    if re.search(r"(^|/)(migrations?|versions)/", path):
        return "migration history code"
    where = "test file" if TEST_PATH.search(path) else "code"
    return f"{evidence_kind or 'evidence'} in {where}"


def miss_kind(path: str, snippet: str, vias: set[str]) -> str:
    """What impact knew of a truth line it did not report, to tell the next increments what to target."""
    if vias - {"name-only"}:
        return "attributed, not evidence (" + ",".join(sorted(vias - {"name-only"})) + ")"
    if vias:
        return "name-only"
    if path.endswith(".prisma"):
        return "schema line (index/relation)" if snippet.lstrip().startswith(("@@", "//")) or "@relation" in snippet else "schema line"
    if re.search(r"(clickhouse|mysql|sqlite)", path, re.IGNORECASE):
        return "other database's file"
    if re.search(r"(^|/)(tests?|__tests__|e2e|cypress|spec)(/|$)|\.(test|spec)\.", path):
        return "no reference (test file)"
    return "no reference"


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _line(path: Path, number: int) -> str:
    lines = _text(path).splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def measure(files: list[Path], overrides: dict[str, str], verbose: bool = True, synthesized: bool = False,
            show_lines: bool = False) -> dict[str, dict[str, Score]]:
    by_project: dict[str, Score] = defaultdict(Score)
    by_orm: dict[str, Score] = defaultdict(Score)
    per_case: list[tuple[dict, Score]] = []
    for file in files:
        data = load_cases(file)
        git_dir = git_dir_for(data, overrides)
        groups: dict[tuple[str, str], list[dict]] = {}
        for case in data["cases"]:
            groups.setdefault((case["base"], case["migration"]), []).append(case)
        for cases in groups.values():
            case = cases[0]
            with tempfile.TemporaryDirectory(prefix="impact-accuracy-") as tmp:
                tree = Path(tmp)
                try:
                    materialise(git_dir, case["base"], tree)
                    migration = place_migration(git_dir, cases, tree, synthesized)
                    result = scan(tree, str(migration), use_cache=False)
                    real = [c for c in cases if any(matches(op, c["operation"]) for op in result.parsed.operations)]
                    if not real:  # e.g. SeparateDatabaseAndState: the field leaves the model, the column stays
                        score = Score(not_db_change=len(cases))
                        per_case.append((cases, score))
                        by_project[case["project"]].add(score)
                        by_orm[case["orm"]].add(score)
                        print(f"  {case['project']:<10} {case['head'][:9]} not a database change: {Path(case['migration']).name}", flush=True)
                        continue
                    score = score_group(real, result, tree)
                    if show_lines:  # to the terminal only: the results file holds no text of the project's code
                        print_lines(score, tree)
                except Exception as exc:  # a migration impact cannot scan is counted and named, not fatal
                    truth = {(t["path"], t["line"]): t["snippet"] for c in cases for t in c["truth"]}
                    score = Score(truth=len(truth), events=len(cases), migrations=1, errors=1,
                                  misses=[f"[scan failed] {p}:{n} `{t}`" for (p, n), t in sorted(truth.items())])
                    print(f"  ! {case['project']} {case['commit'][:9]}: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
            per_case.append((cases, score))
            by_project[case["project"]].add(score)
            by_orm[case["orm"]].add(score)
            if verbose:
                print(f"  {case['project']:<10} {case['head'][:9]} {Path(case['migration']).parent.name[:50]:<50} events {len(cases):>2}"
                      f"  truth {score.truth:>4}  hit {score.hit:>4}  reported-naming {score.reported_naming:>4}"
                      f"  fp {len(score.false_positives):>3}  implicit {score.implicit:>3}  name-only {score.name_only:>4}", flush=True)
    return {"project": dict(by_project), "orm": dict(by_orm), "cases": per_case}


def measure_parallel(files: list[Path], overrides: dict[str, str], jobs: int, synthesized: bool = False) -> dict:
    """`measure` over the case files in `jobs` worker processes (one file at a time each), merged in the
    files' order: the same scores as one process, in about 1/jobs of the time on idle cores."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    one = partial(_measure_one, overrides=overrides, synthesized=synthesized)
    by_project: dict[str, Score] = defaultdict(Score)
    by_orm: dict[str, Score] = defaultdict(Score)
    per_case: list[tuple[dict, Score]] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(one, files):
            for name, score in part["project"].items():
                by_project[name].add(score)
            for name, score in part["orm"].items():
                by_orm[name].add(score)
            per_case += part["cases"]
    return {"project": dict(by_project), "orm": dict(by_orm), "cases": per_case}


def _measure_one(file: Path, overrides: dict[str, str], synthesized: bool) -> dict:
    return measure([file], overrides, synthesized=synthesized)


def print_lines(score: Score, tree: Path) -> None:
    for title, entries in (("missed", score.misses), ("false positive", score.false_positives)):
        for entry in entries:
            kind, _, where = entry.partition("] ")
            path, _, number = where.rpartition(":")
            print(f"    {title} {kind}] {where}  | {_line(tree / path, int(number)).strip()[:140]}")


def write_dump(file: Path, per_case: list) -> None:
    """One JSON line per scored line: the population adjudicate.py samples from. A migration's events
    are scored together, so a line belongs to the migration (`case` = its first event's commit and file)."""
    with open(file, "w") as out:
        for cases, score in per_case:
            case = cases[0]
            for row in score.lines:
                out.write(json.dumps({"project": case["project"], "orm": case["orm"], "commit": case["commit"],
                                      "base": case["base"], "migration": case["migration"],
                                      "operations": [c["operation"] for c in cases], **row}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="+", type=Path)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--git-dir", action="append", default=[], help="PROJECT=PATH of a bare git dir")
    parser.add_argument("--synthesized-sql", action="store_true",
                        help="scan Django/Alembic events as their equivalent SQL (as before impact read those formats)")
    parser.add_argument("--lines", action="store_true",
                        help="print every missed truth line and false positive with its text (not written to the results)")
    parser.add_argument("--dump", type=Path, help="write every scored line (hit, missed, false-positive) as JSON lines "
                        "with its project, case and snippet, for bench/accuracy/adjudicate.py (not committed: it holds code text)")
    parser.add_argument("--before", type=Path, help="an earlier RESULTS.md: its per-ORM table is kept for comparison")
    parser.add_argument("--jobs", type=int, default=1, help="case files measured in this many processes at once (not with --lines)")
    args = parser.parse_args(argv)
    before = baseline_table(args.before.read_text()) if args.before else []
    overrides = dict(item.split("=", 1) for item in args.git_dir)
    if args.jobs > 1 and not args.lines:
        measured = measure_parallel(args.cases, overrides, args.jobs, synthesized=args.synthesized_sql)
    else:
        measured = measure(args.cases, overrides, synthesized=args.synthesized_sql, show_lines=args.lines)
    for title in ("orm", "project"):
        for name, s in sorted(measured[title].items()):
            print(f"{title} {name}: migrations {s.migrations}, events {s.events}, recall {pct(s.recall)} ({s.hit}/{s.truth}), "
                  f"per-migration {pct(s.macro_recall)}; precision {pct(s.precision)} ({s.true_reported}/{s.reported_naming}), "
                  f"per-migration {pct(s.macro_precision)}; implicit {s.implicit}, "
                  f"name-only {s.name_only}, errors {s.errors}")
    text = report(measured, args.cases, before)
    kept = args.results.read_text() if args.results.exists() else ""
    if HEADING in kept:  # adjudicate.py's hand-labelled sample outlives a re-measure (it names its own sample)
        text = put_section(text, kept[kept.index(HEADING):].split("\n## ", 1)[0].rstrip("\n") + "\n")
    args.results.write_text(text)
    if args.dump:
        write_dump(args.dump, measured["cases"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
