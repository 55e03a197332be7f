"""bench/accuracy/adjudicate.py: the labelled sample's draw, its arithmetic and its guard against stray labels."""
from __future__ import annotations

import json

import pytest

from tests.test_accuracy_bench import _history, _load


def _dump(n_truth: int = 150, n_fp: int = 30) -> list[dict]:
    rows = []
    for orm in ("prisma", "django"):
        for i in range(n_truth):
            rows.append({"project": f"{orm}-app", "orm": orm, "commit": "c1", "base": "b1", "migration": "m",
                         "operations": [], "path": f"src/f{i % 7}.ts", "line": i + 1,
                         "kind": "hit" if i % 3 else "missed", "reason": "", "snippet": ""})
        for i in range(n_fp):
            rows.append({"project": f"{orm}-app", "orm": orm, "commit": "c1", "base": "b1", "migration": "m",
                         "operations": [], "path": "src/other.ts", "line": i + 1,
                         "kind": "false-positive", "reason": "", "snippet": ""})
    return rows


def test_the_same_seed_draws_the_same_sample_whatever_the_dumps_order() -> None:
    adjudicate = _load("adjudicate")
    rows = _dump()
    first = adjudicate.draw(rows, seed=3)
    assert first == adjudicate.draw(list(reversed(rows)), seed=3)
    assert first != adjudicate.draw(rows, seed=4)
    for orm in ("prisma", "django"):
        mine = [e for e in first if e["orm"] == orm]
        recall = [e for e in mine if "recall" in e["sets"]]
        precision = [e for e in mine if "precision" in e["sets"]]
        assert (len(recall), len(precision)) == (adjudicate.RECALL_MORE.get(orm, adjudicate.RECALL_N), adjudicate.PRECISION_N)
        # Recall is estimated on hits and misses alike, precision on hits and false positives.
        assert {e["kind"] for e in recall} == {"hit", "missed"}
        assert {e["kind"] for e in precision} <= {"hit", "false-positive"}
        assert all(e["kind"] == "hit" for e in mine if len(e["sets"]) == 2)


def test_a_larger_draw_extends_the_smaller_one() -> None:
    """Prisma's recall sample was extended from 60 to 120 lines: the 60 already labelled must stay in it."""
    import random
    pick = _load("adjudicate")._pick
    population = list(range(1000))
    small, large = pick(random.Random("s"), population, 60), pick(random.Random("s"), population, 120)
    assert large[:60] == small and len(set(large)) == 120


def test_wilson_interval_of_known_proportions() -> None:
    wilson = _load("adjudicate").wilson
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = wilson(0, 20)
    assert low == 0.0 and round(high, 3) == 0.161
    assert wilson(0, 0) is None


def _labelled(tmp_path):
    """A hand-made sample: 10 truth lines (6 db hits, 2 db misses, 1 not-db miss, 1 unsure hit), 3 of the hits
    also reported lines, and 2 false positives (1 not-db, 1 unsure)."""
    sample = []
    labels = []
    verdicts = [("hit", "db")] * 6 + [("missed", "db")] * 2 + [("missed", "not-db")] * 1 + [("hit", "unsure")]
    for i, (kind, verdict) in enumerate(verdicts):
        sets = ["recall", "precision"] if kind == "hit" and i < 3 else ["recall"]
        sample.append({"orm": "prisma", "project": "p", "commit": "c", "base": "b", "path": "a.ts", "line": i + 1, "kind": kind, "sets": sets})
        labels.append({"project": "p", "commit": "c", "path": "a.ts", "line": i + 1, "label": verdict, "reason": "r",
                       **({"class": "row read"} if kind == "missed" and verdict == "db" else {})})
    for i, verdict in enumerate(["not-db", "unsure"]):
        sample.append({"orm": "prisma", "project": "p", "commit": "c", "base": "b", "path": "b.ts", "line": i + 1,
                       "kind": "false-positive", "sets": ["precision"]})
        labels.append({"project": "p", "commit": "c", "path": "b.ts", "line": i + 1, "label": verdict, "reason": "r"})
    file = tmp_path / "prisma.jsonl"
    file.write_text("".join(json.dumps(label) + "\n" for label in labels))
    return sample, file


def test_scores_from_a_hand_made_label_file(tmp_path) -> None:
    adjudicate = _load("adjudicate")
    sample, file = _labelled(tmp_path)
    scores = adjudicate.score(sample, adjudicate.load_labels(sample, [file]))
    s = scores["prisma"]
    assert (s["truth"], s["truth_db"], s["hit_db"], s["truth_unsure"], s["hit_unsure"]) == (10, 8, 6, 1, 1)
    assert (s["reported"], s["reported_db"], s["reported_not-db"], s["reported_unsure"]) == (5, 3, 1, 1)
    row = next(line for line in adjudicate.section(scores).splitlines() if line.startswith("| prisma"))
    # DB-reaching share 8/9, recall 6/8 (Wilson 41-93), unsure both ways 6/8..7/9, precision 3/4, bounds 3/5..4/5.
    # The two DB-reaching misses are tabulated by their class; the not-db miss is not.
    assert "| prisma | row read | 2 |" in adjudicate.section(scores)
    assert row == ("| prisma | 10 | 89 % (8/9; 56–98) | 75 % (6/8; 41–93) | 75–78 % | 5 | 75 % (3/4; 30–95) | 60–80 % | 1 / 1 | 0 |")


def test_scoring_refuses_a_label_of_a_line_not_sampled(tmp_path) -> None:
    adjudicate = _load("adjudicate")
    sample, file = _labelled(tmp_path)
    file.write_text(file.read_text() + json.dumps({"project": "p", "commit": "c", "path": "a.ts", "line": 99,
                                                   "label": "db", "reason": "r"}) + "\n")
    with pytest.raises(adjudicate.LabelError, match="a.ts:99 is not a sampled line"):
        adjudicate.load_labels(sample, [file])
    twice = tmp_path / "twice.jsonl"
    twice.write_text(json.dumps({"project": "p", "commit": "c", "path": "a.ts", "line": 1, "label": "db", "reason": "r"}) + "\n")
    with pytest.raises(adjudicate.LabelError, match="labelled twice"):
        adjudicate.load_labels(sample, [twice, twice])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"project": "p", "commit": "c", "path": "a.ts", "line": 1, "label": "maybe", "reason": "r"}) + "\n")
    with pytest.raises(adjudicate.LabelError, match="one of db, not-db, unsure"):
        adjudicate.load_labels(sample, [bad])


def test_the_section_replaces_itself_in_results() -> None:
    put = _load("adjudicate").put_section
    results = "# T\n\ntable\n\n## Precision\n\nx\n"
    once = put(results, "## Adjudicated sample\n\nA\n")
    assert once == "# T\n\ntable\n\n## Adjudicated sample\n\nA\n\n## Precision\n\nx\n"
    assert put(once, "## Adjudicated sample\n\nB\n") == once.replace("\nA\n", "\nB\n")


def test_measure_dumps_every_scored_line_and_keeps_the_adjudicated_section(tmp_path) -> None:
    repo = tmp_path / "app"
    _history(repo)
    out = tmp_path / "cases" / "tiny.json"
    assert _load("mine").main([str(repo / ".git"), "--orm", "prisma", "--out", str(out)]) == 0
    results, dump = tmp_path / "RESULTS.md", tmp_path / "all.jsonl"
    results.write_text("# old\n\n## Adjudicated sample\n\nhand-labelled\n\n## Old section\n")
    assert _load("measure").main([str(out), "--results", str(results), "--dump", str(dump)]) == 0
    rows = [json.loads(line) for line in dump.read_text().splitlines()]
    assert sorted((r["path"], r["line"], r["kind"]) for r in rows) == [
        ("prisma/schema.prisma", 3, "hit"), ("src/users.ts", 3, "hit"), ("src/users.ts", 4, "hit"),
        ("src/users.ts", 5, "false-positive")]
    assert {r["project"] for r in rows} == {"tiny"} and all(r["base"] and r["commit"] for r in rows)
    text = results.read_text()
    assert "## Adjudicated sample\n\nhand-labelled\n" in text and "## Old section" not in text


def test_the_labels_rescore_a_later_dump(tmp_path) -> None:
    """`score --dump`: whether a labelled line is reported is read from the new run; its newly reported
    lines that carry no label are counted apart (against `--before`), never guessed."""
    adjudicate = _load("adjudicate")
    sample, file = _labelled(tmp_path)
    labels = adjudicate.load_labels(sample, [file])
    row = lambda path, line, kind: {"project": "p", "orm": "prisma", "commit": "c", "path": path, "line": line, "kind": kind}  # noqa: E731
    before = [row(e["path"], e["line"], e["kind"]) for e in sample]
    # a.ts:3 (db, reported) and b.ts:1 (not-db false positive) leave the report; a.ts:7 (a db miss) joins it, c.ts:5 is new.
    after = ([row("a.ts", n, "hit") for n in (1, 2, 4, 5, 6, 7, 10)] + [row("a.ts", n, "missed") for n in (3, 8, 9)]
             + [row("b.ts", 2, "false-positive"), row("c.ts", 5, "false-positive")])
    s = adjudicate.rescore(sample, labels, after, before)["prisma"]
    assert (s["hit_db"], s["truth_db"], s["gained_db"], s.get("gained_not-db", 0)) == (6, 8, 1, 0)
    assert (s["kept_db"], s.get("kept_not-db", 0), s["kept_unsure"]) == (2, 0, 1)
    assert (s["dropped_db"], s["dropped_not-db"], s["new_unlabelled"]) == (1, 1, 1)
    table = adjudicate.rescore_table({"prisma": s}, before=True)
    assert "| prisma | 75 % (6/8; 41–93) | 100 % (2/2; 34–100) | 1 / 1 / 0 | 1 / 0 | 1 |" in table
    assert "carry no label" in table
    # A dump of another project scores nothing of this one; without --before new lines are not counted.
    assert adjudicate.rescore(sample, labels, [dict(r, project="q") for r in after]) == {}
    assert "new_unlabelled" not in adjudicate.rescore(sample, labels, after)["prisma"]
    assert "n/a (no --before)" in adjudicate.rescore_table(adjudicate.rescore(sample, labels, after))


def test_score_dump_prints_and_leaves_results_alone(tmp_path, capsys) -> None:
    adjudicate = _load("adjudicate")
    results, dump = tmp_path / "RESULTS.md", tmp_path / "new.jsonl"
    results.write_text("# kept\n")
    sample = adjudicate.read_jsonl(adjudicate.LABELS / "sample.jsonl")
    entry = next(e for e in sample if e["orm"] == "prisma" and "precision" in e["sets"])
    dump.write_text(json.dumps({k: entry[k] for k in ("project", "orm", "commit", "path", "line")} | {"kind": "hit"}) + "\n")
    assert adjudicate.main(["score", "--dump", str(dump), "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| orm | recall on DB-reaching truth") and "| prisma |" in out
    assert results.read_text() == "# kept\n"


def test_round_two_draws_reported_lines_only_and_keeps_one_label_a_line(tmp_path) -> None:
    """precision_round: a later run's reported lines, uniformly per ORM; a line the first sample labelled keeps
    its label; a line the scored run no longer reports is counted apart, never as precision."""
    adjudicate, second = _load("adjudicate"), _load("precision_round")
    rows = _dump(n_truth=90, n_fp=60)
    drawn = second.draw(rows, seed=8)
    assert drawn == second.draw(list(reversed(rows)), seed=8) and drawn != second.draw(rows, seed=9)
    for orm in ("prisma", "django"):
        mine = [e for e in drawn if e["orm"] == orm]
        assert len(mine) == second.PRECISION_N and {e["kind"] for e in mine} <= {"hit", "false-positive"}
        assert all(e["sets"] == ["precision"] and e["round"] == 2 for e in mine)
    sample, file = _labelled(tmp_path)
    entries = [dict(e, sets=["precision"], round=2) for e in sample if e["kind"] != "missed"]
    labels = adjudicate.load_labels(sample + entries, [file])
    s = second.score(entries, labels)["prisma"]
    assert (s["db"], s["not-db"], s["unsure"]) == (6, 1, 2)
    reported = {second.key(e) for e in entries if (e["path"], e["line"]) not in (("a.ts", 1), ("a.ts", 2))}  # two db lines leave the report
    s = second.score(entries, labels, reported)["prisma"]
    assert (s["db"], s["dropped_db"]) == (4, 2)
    table = second.table({"prisma": s}, adjudicate._ratio, adjudicate._bounds)
    assert "| prisma | 7 | 80 % (4/5; 38–96) |" in table
