"""GitHub Actions workflow commands: annotations where the diff shows them.

Decisions: only what breaks (error) or needs review (warning) is annotated — advice stays in the
other formats; one annotation per file:line (the most important finding there wins); most
important first; at most MAX_ANNOTATIONS, because GitHub shows only about ten of each level per
step and drops the rest silently. What is left out is named in a final notice, then the verdict.
"""
from __future__ import annotations

from impact.pipeline import ScanResult
from impact.report.view import Severity, View, build, plural, short_sites

LEVEL = {Severity.BREAKING: "error", Severity.CAUTION: "warning", Severity.ADVICE: "notice"}
MAX_ANNOTATIONS = 9  # below GitHub's 10 per level and step, with room for nothing to be cut silently


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, file: str, line: int, title: str, message: str) -> str:
    return f"::{level} file={_prop(file)},line={line},title={_prop(title)}::{_data(message)}"


def candidates(results: list[ScanResult], views: list[View] | None = None) -> list[tuple[tuple, str, str, int, str, str]]:
    """(rank, level, file, line, title, message), most important first, one per file:line."""
    found = []
    for view in views or [build(r) for r in results]:
        for order, item in enumerate(view.items):
            if item.severity is Severity.ADVICE:
                continue
            f, level, title = item.finding, LEVEL[item.severity], f"{item.finding.code} {item.finding.rule_id}"
            rank = (-item.severity.rank, order)
            found.append((rank + (0,), level, view.migration, f.statement_line, title, f"{item.message}\n{item.solution}"))
            for n, e in enumerate(item.evidence, 1):
                found.append((rank + (n,), level, e.file, e.line, title, f"{view.migration}:{f.statement_line}: {item.message} ({e.detail})"))
    found.sort(key=lambda c: c[0])
    seen, unique = set(), []
    for c in found:
        if (c[2], c[3]) not in seen:
            seen.add((c[2], c[3]))
            unique.append(c)
    return unique


def render_all(results: list[ScanResult]) -> str:
    views = [build(r) for r in results]  # computed once
    chosen = candidates(results, views)
    kept, left = chosen[:MAX_ANNOTATIONS], chosen[MAX_ANNOTATIONS:]
    lines = [annotation(level, file, line, title, message) for _, level, file, line, title, message in kept]
    if left:
        sites = short_sites(sorted((c[2], c[3]) for c in left), limit=12)
        lines.append(f"::notice title=impact: {plural(len(left), 'more annotation')} left out::"
                     + _data(f"GitHub shows about ten per step; not annotated: {sites} (see the PR comment or --format json)"))
    for view in views:
        a = view.result.assessment
        lines.append(f"::notice title=impact verdict::{_data(f'{view.migration}: {a.verdict} (confidence {a.confidence.value}) — {view.what_breaks()}')}")
    return "\n".join(lines) + "\n"


def render(result: ScanResult) -> str:
    return render_all([result])
