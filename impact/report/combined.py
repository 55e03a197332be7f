"""One report for one migration, or a combined one (with the worst verdict) for `--changed`."""
from __future__ import annotations

import json

from impact.pipeline import ScanResult
from impact.report import json_report, json_stream
from impact.report.view import Verdict


def worst(results: list[ScanResult]) -> ScanResult:
    return max(results, key=lambda r: Verdict(r.assessment.verdict).rank)


def render_text(results: list[ScanResult], fmt: str, base: str | None, links=None) -> str:
    """Kept for library callers; the registry is the one entry point."""
    from impact.report.registry import Options, render

    return render(fmt, results, Options(base=base, links=links))


def render_json(results: list[ScanResult], base: str | None) -> str:
    return json.dumps(json_report.envelope(results, base), indent=2, ensure_ascii=False) + "\n"


def render_markdown(results: list[ScanResult], base: str | None, links=None) -> str:
    from impact.report import markdown  # here: a JSON scan needs neither it nor its links module

    return markdown.render(results[0], links=links) if base is None else _markdown(results, base, links)


WRITE_BATCH = json_stream.BATCH  # pieces per write: one write per piece (450k for a 5k-file repo) cost more than encoding


def write_json(results: list[ScanResult], base: str | None, stream) -> None:
    """The JSON report written to `stream` in batches, as render_text would return it: at 80k
    files the report is about 60 MB, and holding it as one string (json.dumps) cost 459 MiB.
    A Python call per encoder piece on the way to the file cost 0.75 s (issue 13), then the
    pure-Python indented encoder 0.1 s for 4 MB: json_stream writes the same text, its all-scalar
    containers through the C encoder."""
    json_stream.write(json_report.envelope(results, base, rows=True), stream.write)
    stream.write("\n")


def _markdown(results: list[ScanResult], base: str, links) -> str:
    from impact.report import markdown

    verdict = worst(results).assessment.verdict
    head = f"# {markdown.ICON[verdict]} impact: {len(results)} migration{'s' if len(results) != 1 else ''} changed since `{base}` — **{verdict.upper()}**\n\n"
    budget = (markdown.GITHUB_COMMENT_LIMIT - len(head)) // len(results)
    # The worst first: a reviewer reads the top; each report shrinks to its share of the limit.
    ordered = sorted(results, key=lambda r: -Verdict(r.assessment.verdict).rank)
    return head + "\n".join(markdown.render(r, limit=budget, links=links) for r in ordered)


def render_nothing_changed(fmt: str, base: str) -> str:
    said = f"no migrations in this change (nothing added or modified since {base})"
    if fmt == "json":
        return json.dumps(json_report.envelope([], base), indent=2) + "\n"
    if fmt == "sarif":
        from impact.judge.rules import load_rules
        from impact.report import sarif

        return sarif.render([], load_rules(), base)
    if fmt == "markdown":
        from impact.report import markdown

        return f"## {markdown.ICON['safe']} impact: {said}\n"
    if fmt == "github":
        return f"::notice title=impact verdict::{said}\n"
    return f"impact: {said}\n"
