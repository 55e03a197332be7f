"""Recall and precision on the lines that really reach the database: a labelled random sample.

    python bench/accuracy/measure.py bench/accuracy/cases/*.json --dump /tmp/all.jsonl
    python bench/accuracy/adjudicate.py sample /tmp/all.jsonl          # writes labels/sample.jsonl
    python bench/accuracy/adjudicate.py show /tmp/all.jsonl --orm prisma  # the code around each sampled line
    python bench/accuracy/adjudicate.py transcribe NOTES --orm prisma   # `INDEX VERDICT REASON` lines -> labels/prisma.jsonl
    python bench/accuracy/adjudicate.py score [--results bench/accuracy/RESULTS.md]
    python bench/accuracy/adjudicate.py score --dump /tmp/new.jsonl [--before /tmp/all.jsonl] [--by project]  # a later run
    python bench/accuracy/adjudicate.py sample /tmp/new.jsonl --round 2   # labels/sample2.jsonl: precision now
    python bench/accuracy/adjudicate.py show /tmp/new.jsonl --orm prisma --round 2   # its lines not yet labelled
    python bench/accuracy/adjudicate.py transcribe NOTES --orm prisma --round 2      # appended to labels/prisma.jsonl

Why: the mined truth (every changed line naming the old name) is a superset of what a tool that
follows the database can find (UI strings, tRPC input names, local variables renamed for
consistency). So per ORM a fixed-seed random sample of truth lines (hits and misses alike: the
estimate is of recall, not of the misses) and of reported lines (hits and false positives) is
labelled by hand, by the rubric in ADJUDICATION.md, as `db`, `not-db` or `unsure`, each with a
one-line reason (and for a DB-reaching miss a `class`: what impact would have to learn), in
labels/<orm>.jsonl.

Decisions:
- Sampling is uniform within an ORM over the pooled lines of measure.py's dump, so the estimates are
  of the same pooled population as RESULTS.md's per-ORM table (and are dominated by the same large
  refactors); a line sampled for both recall and precision carries one label.
- The sample is committed (labels/sample.jsonl: where each line is, no code) and `sample` redraws it
  identically from the same dump and seed; `score` refuses a label for a line that is not sampled.
- A later version is scored on the same labels (`score --dump`): whether a labelled line is reported
  is read from the new dump; lines it reports that the sample never held carry no label and are only
  counted (with `--before`), never guessed.
- Recall = hits / DB-reaching truth lines; precision = DB-reaching reported lines / reported lines;
  95 % Wilson intervals. `unsure` labels are reported apart, and the estimate is also given with
  every unsure counted each way (the bounds).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.accuracy import precision_round  # noqa: E402

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
SEED = 8
RECALL_N = 60  # truth lines per ORM
PRECISION_N = 40  # reported lines per ORM
# Prisma's mined truth is about two thirds renames for consistency (documenso, formbricks): 60 lines held
# 21 DB-reaching ones, so its recall sample is extended (the draw is prefix-stable: the first 60 stay).
RECALL_MORE = {"prisma": 120}
VERDICTS = ("db", "not-db", "unsure")
MIGRATION_LINES = 16  # of the migration, shown with its first sampled line
HEADING = "## Adjudicated sample"


class LabelError(ValueError):
    """A label file that does not fit the sample: scoring stops rather than score the wrong lines."""


def key(row: dict) -> tuple:
    return (row["project"], row["commit"], row["path"], int(row["line"]))


def draw(rows: list[dict], seed: int = SEED, recall_n: int = RECALL_N, precision_n: int = PRECISION_N) -> list[dict]:
    """Per ORM, `recall_n` truth lines (hit or missed) and `precision_n` reported lines naming the name
    (hit or false positive), uniformly at random. Deterministic: the population is sorted first."""
    by_orm: dict[str, dict[str, dict[tuple, dict]]] = defaultdict(lambda: {"recall": {}, "precision": {}})
    for row in rows:
        sets = {"hit": ("recall", "precision"), "missed": ("recall",), "false-positive": ("precision",)}[row["kind"]]
        for name in sets:
            by_orm[row["orm"]][name].setdefault(key(row), row)
    sample: dict[tuple, dict] = {}
    for orm in sorted(by_orm):
        for name, n in (("recall", recall_n), ("precision", precision_n)):
            population = sorted(by_orm[orm][name])
            n = RECALL_MORE.get(orm, n) if name == "recall" and n == RECALL_N else n
            for k in sorted(_pick(random.Random(f"{seed}:{orm}:{name}"), population, n)):
                row = by_orm[orm][name][k]
                entry = sample.setdefault(k, {"orm": orm, "project": row["project"], "commit": row["commit"],
                                              "base": row["base"], "path": row["path"], "line": int(row["line"]),
                                              "kind": row["kind"], "reason": row.get("reason", ""), "sets": []})
                entry["sets"].append(name)
    return sorted(sample.values(), key=lambda e: (e["orm"], key(e)))


def _pick(rng: random.Random, population: list, n: int) -> list:
    """`n` distinct members, drawn one at a time: drawing more extends the same draw (a prefix-stable
    sample, unlike random.sample across sizes)."""
    chosen: dict[int, None] = {}
    while len(chosen) < min(n, len(population)):
        chosen.setdefault(rng.randrange(len(population)))
    return [population[i] for i in chosen]


def read_jsonl(file: Path) -> list[dict]:
    return [json.loads(line) for line in Path(file).read_text().splitlines() if line.strip()]


def write_jsonl(file: Path, rows: list[dict]) -> None:
    Path(file).write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a proportion (sound at small n and near 0 or 1)."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def load_labels(sample: list[dict], files: list[Path]) -> dict[tuple, dict]:
    """Labels keyed like the sample. A label for a line the sample does not hold, a second label for a
    line, or a verdict outside VERDICTS is an error: an unsampled line would bias the estimate."""
    sampled = {key(e): e for e in sample}
    labels: dict[tuple, dict] = {}
    for file in files:
        for number, label in enumerate(read_jsonl(file), 1):
            k = key(label)
            if k not in sampled:
                raise LabelError(f"{file}:{number}: {k[0]} {k[2]}:{k[3]} is not a sampled line — label only lines of labels/sample.jsonl")
            if k in labels:
                raise LabelError(f"{file}:{number}: {k[0]} {k[2]}:{k[3]} is labelled twice — keep one label per line")
            if label.get("label") not in VERDICTS or not str(label.get("reason", "")).strip():
                raise LabelError(f"{file}:{number}: label must be one of {', '.join(VERDICTS)} with a reason")
            labels[k] = label
    return labels


def score(sample: list[dict], labels: dict[tuple, dict]) -> dict[str, dict]:
    """Per ORM counts of the labelled sample: recall set (db hits, db lines, unsure hits, unsure lines)
    and precision set (db, not-db, unsure), and how many sampled lines are still unlabelled."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for entry in sample:
        s = out[entry["orm"]]
        label = labels.get(key(entry))
        if label is None:
            s["unlabelled"] += 1
            continue
        verdict = label["label"]
        if "recall" in entry["sets"]:
            s["truth"] += 1
            s[f"truth_{verdict}"] += 1
            if entry["kind"] == "hit":
                s[f"hit_{verdict}"] += 1
        if "precision" in entry["sets"]:
            s["reported"] += 1
            s[f"reported_{verdict}"] += 1
            s[f"{entry['kind']}_reported_{verdict}"] += 1
        if entry["kind"] == "missed" and verdict != "not-db":
            # what impact could learn: the labeller's class of the miss, else impact's own reason
            s[f"class:{label.get('class') or entry.get('reason') or 'unclassified'}"] += 1
    return {orm: dict(s) for orm, s in out.items()}


def _ratio(a: int, n: int) -> str:
    if not n:
        return "n/a"
    low, high = wilson(a, n)
    return f"{100 * a / n:.0f} % ({a}/{n}; {100 * low:.0f}–{100 * high:.0f})"


def _bounds(values: list[tuple[int, int]]) -> str:
    shares = [a / n for a, n in values if n]
    return f"{100 * min(shares):.0f}–{100 * max(shares):.0f} %" if shares else "n/a"


def section(scores: dict[str, dict], seed: int = SEED) -> str:
    rows = [HEADING, "",
            f"Method (bench/accuracy/adjudicate.py, rubric in bench/accuracy/ADJUDICATION.md): per ORM a fixed-seed (seed {seed}) uniform "
            f"random sample of {RECALL_N} mined truth lines (hits and misses; "
            + ", ".join(f"{orm}: {n}" for orm, n in sorted(RECALL_MORE.items()))
            + f", where few are DB-reaching) and {PRECISION_N} reported lines naming the name "
            "(hits and false positives), drawn from measure.py's `--dump` of all cases, each labelled by reading the code around "
            "it at the case's base commit: `db` when the value flows to or from the changed table/column through the database "
            "(query or ORM call, model/schema declaration, read of a row's field, bound serializer/DTO, raw SQL), `not-db` when "
            "it only shares the name (UI text, API input names, props, locals, imports, comments). Labels: bench/accuracy/labels/<orm>.jsonl. "
            "Recall = reported share of the DB-reaching truth lines; precision = DB-reaching share of the reported lines; "
            "95 % Wilson intervals in brackets (`hits/lines; low–high`). `unsure` lines are left out of the main estimate and "
            "counted both ways in the bounds. The sample is uniform over pooled lines, so a large refactor weighs as much here "
            "as in the table above; 60 lines give an interval of about ±10 points. Whether a sampled line is a hit is "
            "as in the dump's run (the code that made the per-ORM table above): re-measure, redraw and keep the labels "
            "(they are keyed by line) to score a later version.", "",
            "| ORM | truth lines labelled | DB-reaching share of mined truth | recall on DB-reaching truth | recall, unsure both ways "
            "| reported lines labelled | precision (DB-reaching) | precision, unsure both ways | unsure (truth / reported) | unlabelled |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for orm, s in sorted(scores.items()):
        g = s.get
        db, ns, unsure = g("truth_db", 0), g("truth_not-db", 0), g("truth_unsure", 0)
        hits, hits_u = g("hit_db", 0), g("hit_unsure", 0)
        r_db, r_no, r_u = g("reported_db", 0), g("reported_not-db", 0), g("reported_unsure", 0)
        rows.append(f"| {orm} | {g('truth', 0)} | {_ratio(db, db + ns)} | {_ratio(hits, db)} | "
                    f"{_bounds([(hits, db), (hits + hits_u, db + unsure)])} | {g('reported', 0)} | {_ratio(r_db, r_db + r_no)} | "
                    f"{_bounds([(r_db, r_db + r_no + r_u), (r_db + r_u, r_db + r_no + r_u)])} | {unsure} / {r_u} | {g('unlabelled', 0)} |")
    rows += ["", "Where the reported sample's verdicts come from: mined hits (lines the authors changed) and mined false "
             "positives (lines they left), each split by label (db / not-db / unsure).", "",
             "| ORM | mined hits: db | not-db | unsure | mined false positives: db | not-db | unsure |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for orm, s in sorted(scores.items()):
        g = s.get
        rows.append(f"| {orm} | " + " | ".join(str(g(f"{kind}_reported_{v}", 0)) for kind in ("hit", "false-positive")
                                              for v in VERDICTS) + " |")
    rows += ["", "DB-reaching (and unsure) truth lines impact missed, by class of miss (the labeller's `class`):", "",
             "| ORM | class of miss | lines |", "| --- | --- | ---: |"]
    for orm, s in sorted(scores.items()):
        for name, n in sorted(((k[6:], v) for k, v in s.items() if k.startswith("class:")), key=lambda kv: (-kv[1], kv[0])):
            rows.append(f"| {orm} | {name} | {n} |")
    return "\n".join(rows) + "\n"


def rescore(sample: list[dict], labels: dict[tuple, dict], dump: list[dict], before: list[dict] | None = None,
            by: str = "orm") -> dict[str, dict]:
    """The committed labels against a later run's dump (measure.py --dump), per ORM (or project):
    only the sampled lines of projects the dump holds count (a dump of one project scores that one).

    - recall: labelled truth lines (recall set) the new run reports, per verdict (`hit_db` of `truth_db`);
    - precision: labelled reported lines (precision set) the new run still reports, per verdict
      (`kept_db`, `kept_not-db`, ...), and those it no longer reports (`dropped_<verdict>`);
    - `gained_<verdict>`: labelled lines of the recall set the sample had as missed that are now reported;
    - `new_unlabelled`: with `before` (the dump the comparison starts from), lines the new run reports
      and `before` did not that carry no label: the labels say nothing of them."""
    reported = {key(r) for r in dump if r["kind"] in ("hit", "false-positive")}
    projects = {r["project"] for r in dump}
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for entry in sample:
        label = labels.get(key(entry))
        if entry["project"] not in projects or label is None:
            continue
        s, verdict, now = out[entry[by]], label["label"], key(entry) in reported
        if "recall" in entry["sets"]:
            s[f"truth_{verdict}"] += 1
            s[f"hit_{verdict}"] += now
            s[f"gained_{verdict}"] += now and entry["kind"] == "missed"
        if "precision" in entry["sets"]:
            s[f"{'kept' if now else 'dropped'}_{verdict}"] += 1
    if before is not None:
        was = {key(r) for r in before if r["kind"] in ("hit", "false-positive")}
        rows = {key(r): r for r in dump}
        for k in sorted(reported - was - labels.keys()):
            out[rows[k][by]]["new_unlabelled"] += 1
    return {name: dict(s) for name, s in out.items()}


def rescore_table(scores: dict[str, dict], by: str = "orm", before: bool = False) -> str:
    rows = [f"| {by} | recall on DB-reaching truth | precision (DB-reaching share of labelled lines still reported) "
            "| reported lines dropped: db / not-db / unsure | missed lines now reported: db / not-db "
            f"| newly reported, unlabelled |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in sorted(scores.items()):
        g = lambda k: s.get(k, 0)  # noqa: E731
        new = str(g("new_unlabelled")) if before else "n/a (no --before)"
        rows.append(f"| {name} | {_ratio(g('hit_db'), g('truth_db'))} | {_ratio(g('kept_db'), g('kept_db') + g('kept_not-db'))} "
                    f"| {g('dropped_db')} / {g('dropped_not-db')} / {g('dropped_unsure')} | {g('gained_db')} / {g('gained_not-db')} | {new} |")
    note = ("Newly reported lines carry no label: their precision is unknown; relabel (sample a new dump) to estimate it."
            if before else "Without --before (the dump the comparison starts from) lines newly reported are not counted.")
    return "\n".join(rows) + "\n\n" + note + "\n"


def put_section(results: str, text: str) -> str:
    """RESULTS.md with the adjudicated section replaced, or inserted before the first table's successors."""
    if HEADING in results:
        start = results.index(HEADING)
        end = results.find("\n## ", start + len(HEADING))
        return results[:start] + text + ("\n" + results[end + 1:] if end != -1 else "")
    marker = results.find("\n## ")
    if marker == -1:
        return results.rstrip("\n") + "\n\n" + text
    return results[:marker + 1] + text + "\n" + results[marker + 1:]


def show(dump: list[dict], sample: list[dict], orm: str, around: int, labelled: set[tuple] = frozenset()) -> None:
    """The code around each sampled line, read from its base commit (to the terminal only); lines
    already `labelled` (a round-2 line the first sample holds) are skipped, keeping their index."""
    ops = {key(r): r["operations"] for r in dump}
    reasons = {key(r): r["reason"] for r in dump}
    migrations = {key(r): r.get("migration") for r in dump}
    shown: set[tuple] = set()
    git_dirs = {}
    for file in (HERE / "cases").glob("*.json"):
        data = json.loads(file.read_text())
        git_dirs[data["project"]] = data.get("git_dir") or f"/work/.mirror/{data['repo'].replace('/', '+')}/repo"
    for index, entry in enumerate(e for e in sample if e["orm"] == orm):
        if key(entry) in labelled:
            continue
        text = subprocess.run(["git", "--git-dir", git_dirs[entry["project"]], "show", f"{entry['base']}:{entry['path']}"],
                              capture_output=True, text=True, errors="replace").stdout.splitlines()
        target = "; ".join(f"{o['kind']} {o['table']}.{o['column'] or ''}" + (f"->{o['new_name']}" if o['new_name'] else "")
                           for o in ops.get(key(entry), []))
        print(f"=== #{index} {entry['project']} {entry['commit'][:9]} {entry['path']}:{entry['line']} [{entry['kind']}: {reasons.get(key(entry), '')}; {'+'.join(entry['sets'])}] {target}")
        migration = migrations.get(key(entry))
        if migration and (entry["commit"], migration) not in shown:
            shown.add((entry["commit"], migration))
            _print_migration_lines(git_dirs[entry["project"]], entry["commit"], migration, ops.get(key(entry), []))
        for n in range(max(1, entry["line"] - around), min(len(text), entry["line"] + around) + 1):
            print(f"{'>' if n == entry['line'] else ' '}{n:5} {text[n - 1][:160]}")


def _print_migration_lines(git_dir: str, commit: str, migration: str, operations: list[dict]) -> None:
    """The migration's lines naming the changed names: the miner keeps the most recent events only, so a
    migration dropping `environmentId` from nine tables may be listed with three; the scan (and the
    score, measure.same_name) take the same change on its other tables as the same event. Round 5's
    labels called six such lines "another table" (formbricks' remove_environment_model)."""
    names = {(o["column"] or o["table"]).lower() for o in operations}
    text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{migration}"],
                          capture_output=True, text=True, errors="replace").stdout.splitlines()
    lines = [t.strip() for t in text if any(n in t.lower() for n in names) and not t.strip().startswith(("-", "#", "*", "/*", "//"))]
    print(f"    migration {migration}: {len(lines)} lines name {', '.join(sorted(names))} (its every table counts)")
    for line in lines[:MIGRATION_LINES]:
        print(f"    | {line[:150]}")


def transcribe(sample: list[dict], orm: str, notes: str) -> list[dict]:
    """Labels from notes written while reading `show`: one `INDEX VERDICT REASON` a line, INDEX being
    the `#n` that `show` prints for the ORM."""
    entries = [e for e in sample if e["orm"] == orm]
    labels = []
    for line in filter(str.strip, notes.splitlines()):
        index, verdict, reason = line.strip().split(None, 2)
        e = entries[int(index.lstrip("#"))]
        labels.append({"project": e["project"], "commit": e["commit"], "path": e["path"], "line": e["line"],
                       "label": verdict, "reason": reason})
    return labels


ROUNDS = tuple(range(1, 21))  # labels/sampleN.jsonl, N from 2; _later_samples reads the same range


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="draw the sample from a measure.py --dump file")
    p.add_argument("dump", type=Path)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--round", type=int, choices=ROUNDS, default=1, help="2 and later: a precision sample of this (later) dump, labels/sampleN.jsonl")
    p.add_argument("--n", type=int, default=precision_round.PRECISION_N, help="2 and later: reported lines drawn per ORM")
    p.add_argument("--out", type=Path)
    p = sub.add_parser("show", help="print the code around each sampled line of an ORM")
    p.add_argument("dump", type=Path)
    p.add_argument("--orm", required=True)
    p.add_argument("--around", type=int, default=6)
    p.add_argument("--round", type=int, choices=ROUNDS, default=1)
    p = sub.add_parser("transcribe", help="turn `INDEX VERDICT REASON` notes into labels/<orm>.jsonl")
    p.add_argument("notes", type=Path)
    p.add_argument("--orm", required=True)
    p.add_argument("--round", type=int, choices=ROUNDS, default=1, help="2 and later: append to the ORM's labels")
    p = sub.add_parser("score", help="score the labels and write the section of RESULTS.md")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--dump", type=Path, help="re-score the labels against a later measure.py --dump (printed, RESULTS.md left alone)")
    p.add_argument("--before", type=Path, help="with --dump: the dump it is compared with, to count newly reported unlabelled lines")
    p.add_argument("--by", choices=("orm", "project"), default="orm")
    args = parser.parse_args(argv)
    if args.command == "sample":
        out = args.out or LABELS / (f"sample{args.round}.jsonl" if args.round > 1 else "sample.jsonl")
        out.parent.mkdir(parents=True, exist_ok=True)
        rows = read_jsonl(args.dump)
        write_jsonl(out, precision_round.draw(rows, args.seed, args.n, args.round) if args.round > 1 else draw(rows, args.seed))
        return 0
    sample, later = read_jsonl(LABELS / "sample.jsonl"), _later_samples()
    label_files = sorted(p for p in LABELS.glob("*.jsonl") if not p.name.startswith("sample"))
    try:
        labels = load_labels(sample + [e for entries in later.values() for e in entries], label_files)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "show":
        chosen = later.get(args.round, []) if args.round > 1 else sample
        show(read_jsonl(args.dump), chosen, args.orm, args.around, set(labels) if args.round > 1 else set())
        return 0
    if args.command == "transcribe":
        return _transcribe(sample, later.get(args.round, []), labels, args)
    if args.dump:
        dump = read_jsonl(args.dump)
        before = read_jsonl(args.before) if args.before else None
        print(rescore_table(rescore(sample, labels, dump, before, args.by), args.by, before is not None))
        reported = {key(r) for r in dump if r["kind"] in ("hit", "false-positive")}
        for number, entries in later.items():
            print(ROUND_HEADING.format(number) + "\n\n" + precision_round.table(
                precision_round.score(entries, labels, reported, {r["project"] for r in dump}), _ratio, _bounds, number))
        return 0
    text = section(score(sample, labels))
    for number, entries in later.items():
        text += "\n" + ROUND_HEADING.format(number) + "\n\n" + ROUND_METHOD + "\n\n" + precision_round.table(
            precision_round.score(entries, labels), _ratio, _bounds, number)
    print(text)
    args.results.write_text(put_section(args.results.read_text() if args.results.exists() else "", text))
    return 0


ROUND_HEADING = "### Round {}: precision of a later run's reported lines"
ROUND_METHOD = ("A further uniform sample of reported lines per ORM (bench/accuracy/precision_round.py, labels/sampleN.jsonl), "
                "drawn from a later run's dump, so that lines the first run did not report (new attributions, projects added "
                "since) are estimated too; lines two samples hold keep their one label. Scored on the run it was drawn from.")


def _later_samples() -> dict[int, list[dict]]:
    """Round number -> its sample (labels/sample2.jsonl, sample3.jsonl, ...)."""
    return {n: read_jsonl(LABELS / f"sample{n}.jsonl") for n in ROUNDS[1:] if (LABELS / f"sample{n}.jsonl").exists()}


def _transcribe(sample: list[dict], later: list[dict], labels: dict[tuple, dict], args) -> int:
    """Round 1 writes the ORM's label file; a later round appends the lines of its sample not yet labelled."""
    file = LABELS / f"{args.orm}.jsonl"
    if args.round == 1:
        write_jsonl(file, transcribe(sample, args.orm, args.notes.read_text()))
        return 0
    new = transcribe(later, args.orm, args.notes.read_text())
    twice = [n for n in new if key(n) in labels]
    if twice:
        print(f"error: {twice[0]['path']}:{twice[0]['line']} is labelled already — label only lines `show --round {args.round}` prints",
              file=sys.stderr)
        return 2
    write_jsonl(file, (read_jsonl(file) if file.exists() else []) + new)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
