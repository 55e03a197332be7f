"""bench/accuracy: what promoting a kind of reference to evidence would cost, and the tables read
against earlier results (used by measure.py)."""
from __future__ import annotations

import re
from collections import defaultdict


def promotion(cases: list[dict], references, read_line, reported: dict, truth: dict, pattern: re.Pattern) -> dict:
    """Per kind of reference ("via (context)"), the lines naming the name it would add to the evidence
    if it were evidence, and how many of them are truth. A reference counts for an event when it names
    the event's column and its table is that table or unknown (as the judge attaches them); a line
    already reported, or one several kinds share, counts once, for the first kind in VIA_ORDER."""
    wanted = {(c["operation"]["table"].lower(), c["operation"]["column"].lower()) for c in cases if c["operation"]["column"]}
    tables = {t for t, _ in wanted}
    kinds: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in references:
        if (r.table is None and any(r.column.lower() == col for _, col in wanted)) or \
                (r.table is not None and (r.table.lower(), r.column.lower()) in wanted and r.table.lower() in tables):
            # a parameter's, an argument's, a prop's (impact.extract.handed_on) told apart from the rest of its kind
            kinds[(r.file, r.line)].add(f"{r.via} ({r.context}{', ' + r.handed_on if r.handed_on else ''})")
    out: dict[str, tuple[int, int]] = {}
    for key, vias in kinds.items():
        if key in reported or not pattern.search(read_line(*key)):
            continue
        kind = min(vias, key=_via_rank)
        added, true = out.get(kind, (0, 0))
        out[kind] = (added + 1, true + (key in truth))
    return out


VIA_ORDER = ("sql", "orm-call", "model-declaration", "orm-field", "orm-wrapper", "file-queries", "generated-type", "name-only")


def _via_rank(kind: str) -> tuple[int, str]:
    via = kind.split(" ", 1)[0]
    return (VIA_ORDER.index(via) if via in VIA_ORDER else len(VIA_ORDER), kind)


def promotion_table(scores: dict, pct) -> list[str]:
    rows = ["| ORM | reference (via, context) | lines it would add | of them truth | precision of those |",
            "| --- | --- | ---: | ---: | ---: |"]
    for name, s in sorted(scores.items()):
        for kind, (added, true) in sorted(s.promotion.items(), key=lambda kv: (-kv[1][1], kv[0])):
            rows.append(f"| {name} | {kind} | {added} | {true} | {pct(true / added if added else None)} |")
    return rows


def baseline_table(previous: str) -> list[str]:
    """The per-ORM table of an earlier RESULTS.md, to read the change against."""
    lines = previous.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("| ORM | migrations")), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return ["## Before (the per-ORM table of the previous results)", "", *lines[start:end], ""]
