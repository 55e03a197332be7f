"""Run `impact` on every mined event and score its evidence against the authors' own changes.

    python bench/accuracy/measure.py bench/accuracy/cases/*.json [--results bench/accuracy/RESULTS.md]

For each case the base tree (the parent of the change) is materialised with `git archive` into a
temporary folder, the migration is dropped in its place (Django: the equivalent SQL, in
`impact_bench/`), and `impact.pipeline.scan(tmp, migration, use_cache=False)` runs on it.

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
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from impact.pipeline import scan  # noqa: E402

HERE = Path(__file__).resolve().parent
MIRRORS = Path("/work/.mirror")
LISTED = 40  # misses and false positives listed per project in RESULTS.md


@dataclass
class Score:
    truth: int = 0
    hit: int = 0
    reported_naming: int = 0
    true_reported: int = 0
    implicit: int = 0
    name_only: int = 0
    events: int = 0
    errors: int = 0
    misses: list = field(default_factory=list)
    miss_kinds: dict = field(default_factory=dict)  # why a truth line was missed -> count
    false_positives: list = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name in ("truth", "hit", "reported_naming", "true_reported", "implicit", "name_only", "events", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses
        for kind, n in other.miss_kinds.items():
            self.miss_kinds[kind] = self.miss_kinds.get(kind, 0) + n
        self.false_positives += other.false_positives

    @property
    def recall(self) -> float | None:
        return self.hit / self.truth if self.truth else None

    @property
    def precision(self) -> float | None:
        return self.true_reported / self.reported_naming if self.reported_naming else None


def git(git_dir: str, *args: str, **kw) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True,
                          errors="replace", **kw).stdout


def git_dir_for(data: dict, overrides: dict[str, str]) -> str:
    if data["project"] in overrides:
        return overrides[data["project"]]
    if data.get("git_dir") and Path(data["git_dir"]).exists():
        return data["git_dir"]
    return str(MIRRORS / data["repo"].replace("/", "+") / "repo")


def materialise(git_dir: str, base: str, into: Path) -> None:
    archive = subprocess.Popen(["git", "--git-dir", git_dir, "archive", "--format=tar", base], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=True)
    archive.stdout.close()
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {base} failed")


def place_migration(git_dir: str, case: dict, tree: Path) -> Path:
    if case.get("synthesized_sql"):
        target = tree / "impact_bench" / f"{case['operation']['kind']}_{case['operation']['table']}.sql"
        text = case["synthesized_sql"]
    else:
        target = tree / case["migration"]
        text = git(git_dir, "show", f"{case['commit']}:{case['migration']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def matches(op, wanted: dict) -> bool:
    column = op.column_name
    return (op.kind.value == wanted["kind"] and (op.table or "").lower() == wanted["table"].lower()
            and (column or None) == (wanted["column"] or None))


def score_case(case: dict, result, tree: Path) -> Score:
    wanted = case["operation"]
    pattern = re.compile(r"(?<![\w$])(" + "|".join(sorted(map(re.escape, case["spellings"]), key=len, reverse=True)) + r")(?![\w$])")
    spans = {(q.file, q.line): q.end_line for q in result.queries}
    reported: dict[tuple[str, int], str] = {}
    for finding in result.findings:
        if matches(finding.operation, wanted):
            for e in finding.evidence:
                if e.kind == "statement" or not e.line or e.file.startswith("impact_bench/"):
                    continue
                reported.setdefault((e.file, e.line), e.snippet)
                # A query is reported by its first line; the lines of it that name the name are reported with it.
                for number in range(e.line + 1, spans.get((e.file, e.line), e.line) + 1):
                    if pattern.search(_line(tree / e.file, number)):
                        reported.setdefault((e.file, number), "")
    truth = {(t["path"], t["line"]): t["snippet"] for t in case["truth"]}
    score = Score(truth=len(truth), events=1)
    score.hit = len(truth.keys() & reported.keys())
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in result.references:
        seen[(r.file, r.line)].add(r.via)
    for (path, line), snippet in sorted(truth.items()):
        if (path, line) not in reported:
            kind = miss_kind(path, snippet, seen.get((path, line), set()))
            score.miss_kinds[kind] = score.miss_kinds.get(kind, 0) + 1
            score.misses.append(f"[{kind}] {path}:{line} `{snippet}`")
    for (path, line) in sorted(reported):
        text = _line(tree / path, line)
        if pattern.search(text):
            score.reported_naming += 1
            if (path, line) in truth:
                score.true_reported += 1
            else:
                score.false_positives.append(f"{path}:{line} `{text.strip()[:120]}`")
        else:
            score.implicit += 1
    column = wanted["column"]
    score.name_only = len({(r.file, r.line) for r in result.references
                           if r.via == "name-only" and r.context != "sql" and column and r.column.lower() == column.lower()})
    return score


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


def _line(path: Path, number: int) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[number - 1] if 0 < number <= len(lines) else ""


def measure(files: list[Path], overrides: dict[str, str], verbose: bool = True) -> dict[str, dict[str, Score]]:
    by_project: dict[str, Score] = defaultdict(Score)
    by_orm: dict[str, Score] = defaultdict(Score)
    per_case: list[tuple[dict, Score]] = []
    for file in files:
        data = json.loads(Path(file).read_text())
        git_dir = git_dir_for(data, overrides)
        for case in data["cases"]:
            with tempfile.TemporaryDirectory(prefix="impact-accuracy-") as tmp:
                tree = Path(tmp)
                try:
                    materialise(git_dir, case["base"], tree)
                    migration = place_migration(git_dir, case, tree)
                    result = scan(tree, str(migration), use_cache=False)
                    score = score_case(case, result, tree)
                except Exception as exc:  # a case impact cannot scan is counted and named, not fatal
                    score = Score(truth=len(case["truth"]), events=1, errors=1,
                                  misses=[f"{t['path']}:{t['line']} `{t['snippet']}`" for t in case["truth"]])
                    print(f"  ! {case['project']} {case['commit'][:9]}: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
            per_case.append((case, score))
            by_project[case["project"]].add(score)
            by_orm[case["orm"]].add(score)
            if verbose:
                op = case["operation"]
                print(f"  {case['project']:<10} {case['head'][:9]} {op['kind']:<13} {op['table']}.{op['column'] or ''}"
                      f"  truth {score.truth:>3}  hit {score.hit:>3}  reported-naming {score.reported_naming:>3}"
                      f"  fp {len(score.false_positives):>3}  implicit {score.implicit:>3}  name-only {score.name_only:>3}")
    return {"project": dict(by_project), "orm": dict(by_orm), "cases": per_case}


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def table(title: str, scores: dict[str, Score]) -> list[str]:
    rows = [f"| {title} | events | truth lines | recall | reported lines naming it | precision | implicit | name-only | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in sorted(scores.items()):
        rows.append(f"| {name} | {s.events} | {s.truth} | {pct(s.recall)} ({s.hit}) | {s.reported_naming} | "
                    f"{pct(s.precision)} ({s.true_reported}) | {s.implicit} | {s.name_only} | {s.errors} |")
    return rows


def report(measured: dict, files: list[Path]) -> str:
    lines = ["# Accuracy on real history (issue 8)", "",
             "Generated by `bench/accuracy/measure.py` from the cases in `bench/accuracy/cases/` "
             "(mined by `bench/accuracy/mine.py`). Truth = lines the authors deleted or modified with the "
             "migration's pull request that name the old name; precision counts reported lines naming the name.", "",
             *table("ORM", measured["orm"]), "", *table("project", measured["project"]), "",
             "## Why truth lines were missed", "", "| project | reason | lines |", "| --- | --- | ---: |",
             *[f"| {project} | {kind} | {n} |" for project, s in sorted(measured["project"].items())
               for kind, n in sorted(s.miss_kinds.items(), key=lambda kv: -kv[1])],
             "", "## Per event", "",
             "| project | change | operation | truth | hit | fp | implicit | name-only |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for case, s in measured["cases"]:
        op = case["operation"]
        target = f"{op['table']}.{op['column']}" if op["column"] else op["table"]
        lines.append(f"| {case['project']} | {case['head'][:9]} | {op['kind']} {target}{' → ' + op['new_name'] if op['new_name'] else ''}"
                     f" | {s.truth} | {s.hit} | {len(s.false_positives)} | {s.implicit} | {s.name_only} |")
    for project, s in sorted(measured["project"].items()):
        lines += ["", f"## {project}: misses ({len(s.misses)}) and false positives ({len(s.false_positives)})", ""]
        lines += [f"- miss {m}" for m in s.misses[:LISTED]] + ([f"- … {len(s.misses) - LISTED} more misses"] if len(s.misses) > LISTED else [])
        lines += [f"- fp {f}" for f in s.false_positives[:LISTED]] + ([f"- … {len(s.false_positives) - LISTED} more false positives"] if len(s.false_positives) > LISTED else [])
    return "\n".join(lines).replace("|", "|") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="+", type=Path)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--git-dir", action="append", default=[], help="PROJECT=PATH of a bare git dir")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.git_dir)
    measured = measure(args.cases, overrides)
    for title in ("orm", "project"):
        for name, s in sorted(measured[title].items()):
            print(f"{title} {name}: events {s.events}, recall {pct(s.recall)} ({s.hit}/{s.truth}), "
                  f"precision {pct(s.precision)} ({s.true_reported}/{s.reported_naming}), implicit {s.implicit}, "
                  f"name-only {s.name_only}, errors {s.errors}")
    args.results.write_text(report(measured, args.cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
