"""A second precision sample, drawn from a later run: the precision of what impact reports now.

The first sample (adjudicate.py, labels/sample.jsonl) was drawn from one run; every later run is
scored on its labels (`score --dump`), but only on the lines that run still reports. Lines a later
version reports that the first run did not (new attributions, projects added to the cases) carry no
label, so the re-score says nothing of them. A round-2 sample fixes that without throwing labels away:

- `PRECISION_N` reported lines per ORM (hits and false positives), drawn uniformly from the later
  dump's reported lines with their own seed (labels/sample2.jsonl, `sets: ["precision"]`, `round: 2`);
- a line both samples hold keeps its one label (labels are keyed by line, whatever the round);
- the round-2 precision is the DB-reaching share of its labelled lines that the scored run reports:
  the run it was drawn from reports all of them, a later run may report fewer (never guessed for
  lines it adds).

Recall stays on the first sample: the truth lines do not change between runs, only which are hit.
A round drawn after changes were made by looking at an earlier round's labels estimates them without
that bias: round 3 (labels/sample3.jsonl) was drawn from the run that ended those changes. Round 4
(labels/sample4.jsonl, 50 a ORM) was drawn from the run that ended session 12 and labelled while the
next changes were made without looking at it; scored on a later run, it keeps only the lines that run
still reports: a uniform sample of its output as long as the later output is a subset of the earlier.
Session 14 went on the same way: round 5 (from the run on 35570b3) scored the changes made without
looking at it, then served to choose the next; round 6 (from aa927d7) was the held-out test of those,
round 7 (from 25aea95) of the ones chosen from round 6, its labellers reporting counts only; round 8
(from 9a0b0db) of those chosen from round 7, and round 9 (from the final run, 5567328) a second sample of
the final output, labelled after the last change."""
from __future__ import annotations

import random
from collections import defaultdict

ROUND = 2
PRECISION_N = 40
VERDICTS = ("db", "not-db", "unsure")


def key(row: dict) -> tuple:
    return (row["project"], row["commit"], row["path"], int(row["line"]))


def draw(rows: list[dict], seed: int, n: int = PRECISION_N, round_: int = ROUND) -> list[dict]:
    """Per ORM `n` reported lines of a dump, uniformly at random; deterministic (the population is sorted)."""
    by_orm: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for row in rows:
        if row["kind"] in ("hit", "false-positive"):
            by_orm[row["orm"]].setdefault(key(row), row)
    sample = []
    for orm in sorted(by_orm):
        population = sorted(by_orm[orm])
        rng = random.Random(f"{seed}:{orm}:precision:round{round_}")
        for k in sorted(rng.sample(population, min(n, len(population)))):
            row = by_orm[orm][k]
            sample.append({"orm": orm, "project": row["project"], "commit": row["commit"], "base": row["base"],
                           "path": row["path"], "line": int(row["line"]), "kind": row["kind"],
                           "reason": row.get("reason", ""), "sets": ["precision"], "round": round_})
    return sample


def score(sample: list[dict], labels: dict[tuple, dict], reported: set[tuple] | None = None,
          projects: set[str] | None = None) -> dict[str, dict]:
    """Per ORM: labelled round-2 lines by verdict among those `reported` (all when None), those no
    longer reported, and the unlabelled; only lines of `projects` (a dump's) when given."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for entry in sample:
        if projects is not None and entry["project"] not in projects:
            continue
        s, label = out[entry["orm"]], labels.get(key(entry))
        if label is None:
            s["unlabelled"] += 1
        elif reported is not None and key(entry) not in reported:
            s[f"dropped_{label['label']}"] += 1
        else:
            s[label["label"]] += 1
    return {orm: dict(s) for orm, s in out.items()}


def table(scores: dict[str, dict], ratio, bounds, round_: int = ROUND) -> str:
    """Markdown rows; `ratio` and `bounds` are adjudicate.py's formatters (Wilson interval, unsure both ways)."""
    rows = [f"| ORM | round-{round_} lines labelled | precision (DB-reaching) | precision, unsure both ways | unsure "
            "| no longer reported: db / not-db / unsure | unlabelled |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for orm, s in sorted(scores.items()):
        g = lambda k: s.get(k, 0)  # noqa: E731
        db, no, unsure = g("db"), g("not-db"), g("unsure")
        rows.append(f"| {orm} | {db + no + unsure} | {ratio(db, db + no)} | "
                    f"{bounds([(db, db + no + unsure), (db + unsure, db + no + unsure)])} | {unsure} "
                    f"| {g('dropped_db')} / {g('dropped_not-db')} / {g('dropped_unsure')} | {g('unlabelled')} |")
    return "\n".join(rows) + "\n"
