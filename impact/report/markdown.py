"""The Markdown report: the same content, shaped for a pull-request comment."""
from __future__ import annotations

from collections import defaultdict

from impact.judge.findings import Finding
from impact.config import describe
from impact.pipeline import ScanResult
from impact.report.links import SourceLinks, markdown_location
from impact.report.json_report import _finding_order

ICON = {"safe": "✅", "caution": "⚠️", "breaking": "❌", "none": "✅", "review": "⚠️", "risk": "❌"}
JUDGEMENT = {"unaffected": "✅ SAFE", "review": "⚠️ REVIEW", "breaks": "❌ BREAKS"}
DIMENSIONS = {"breaking_changes": "Breaking changes", "backward_compatibility": "Backward compatibility",
              "data_loss": "Data loss risk", "rls_impact": "RLS impact", "lock_risk": "Lock risk"}


GITHUB_COMMENT_LIMIT = 65_536  # characters GitHub accepts in one comment body
# Sections in the order they are dropped when the report must shrink: least important first.
DROP_ORDER = ("queries", "references", "file_issues", "verification", "rollback", "alternatives", "patterns", "suppressed")


def trace_markdown(result: ScanResult) -> list[str]:
    from impact.report.trace_section import trace_markdown as lines  # only with --trace

    return lines(result)


def render(result: ScanResult, limit: int = GITHUB_COMMENT_LIMIT, links: SourceLinks | None = None) -> str:
    """`links` turns every file:line into a link to the code at the reviewed commit."""
    a = result.assessment
    head = [f"## {ICON[a.verdict]} impact: {markdown_location(links, result.migration_rel)} — **{a.verdict.upper()}** (confidence: {a.confidence.value})", ""]
    if a.confidence_reasons:
        head += [f"_Confidence lowered: {'; '.join(a.confidence_reasons)}._", ""]
    risk = ["### Risk assessment", "", "| Dimension | Status | Summary |", "|---|---|---|"]
    for key, label in DIMENSIONS.items():
        d = a.dimensions[key]
        risk.append(f"| {label} | {ICON[d.status]} | {_cell(d.summary)} |")
    issues = result.run.file_issues
    sections = {
        "findings": _findings(result, links), "alternatives": _alternatives(result), "summary": _code_summary(result),
        "queries": _queries(result, links), "references": _references(result, links), "patterns": _patterns(result),
        "risk": risk + trace_markdown(result) + [""], "rollback": _details("Rollback plan", _rollback(result)),
        "verification": _details("Verification plan", [f"- {c.name}: `{_cell(c.sql)}` → {c.expect}" for c in result.verification]),
        "suppressed": _details(f"Suppressed by inline ignores ({len(result.suppressed)})",
                               [f"- `{x.rule}` at `{x.directive.where}` ({x.directive.scope}): {_cell(x.directive.reason or 'no reason given')} — {_cell(x.what)}" for x in result.suppressed]) if result.suppressed else [],
        "file_issues": _details(f"Files that could not be read or parsed ({len(issues)})", [f"- `{i.file}`: {_cell(i.reason)}" for i in issues[:100]]) if issues else [],
    }
    return _fit(head, sections, _stats(result), limit)


ORDER = ("findings", "suppressed", "alternatives", "summary", "queries", "references", "patterns", "risk", "rollback", "verification", "file_issues")


def _fit(head: list[str], sections: dict, tail: list[str], limit: int) -> str:
    """Assemble the report; drop the least important sections until it fits, and say so."""
    dropped: list[str] = []
    while True:
        body = [line for name in ORDER if name not in dropped for line in sections[name]]
        note = [f"_Report shortened to fit a comment: {', '.join(dropped)} omitted — run `impact scan --format json` for everything._", ""] if dropped else []
        text = "\n".join(head + note + body + tail) + "\n"
        if len(text) <= limit:
            return text
        remaining = [name for name in DROP_ORDER if name not in dropped and sections[name]]
        if not remaining:
            cut = "\n\n_…truncated to fit a comment._\n"
            return text[: limit - len(cut)] + cut
        dropped.append(remaining[0])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _findings(result: ScanResult, links: SourceLinks | None) -> list[str]:
    findings = sorted(result.findings, key=_finding_order)
    if not findings:
        return ["No findings.", ""]
    out = ["### Findings", ""]
    for f in findings:
        out.append(f"- **{f.severity}** `{f.code} {f.rule_id}` (confidence {f.confidence.value}) — statement {f.operation.statement.index} ({markdown_location(links, result.migration_rel, f.statement_line)}): {f.message}")
        for e in f.evidence[:25]:
            out.append(f"  - {markdown_location(links, e.file, e.line)} {e.detail}")
        if len(f.evidence) > 25:
            out.append(f"  - … and {len(f.evidence) - 25} more")
    out.append("")
    return out


def _alternatives(result: ScanResult) -> list[str]:
    safer = [f for f in sorted(result.findings, key=_finding_order) if f.safe_sql and f.severity != "advice"]
    if not safer:
        return []
    body = []
    for f in _unique_by_rule(safer):
        body += [f"**{f.code} {f.title}** — {f.solution}", "", "```sql", f.safe_sql, "```", ""]
    return _details("Safer alternatives", body)


def _unique_by_rule(findings: list[Finding]) -> list[Finding]:
    seen, unique = set(), []
    for f in findings:
        if (f.rule_id, f.safe_sql) not in seen:
            seen.add((f.rule_id, f.safe_sql))
            unique.append(f)
    return unique


def _code_summary(result: ScanResult) -> list[str]:
    files = {q.file for q in result.queries}
    return ["### Code impact", "", f"{len(result.queries)} quer(ies) on {', '.join(result.affected_tables) or '—'} in {len(files)} file(s); "
            f"{result.run.files_seen} files scanned.", ""]


def _queries(result: ScanResult, links: SourceLinks | None) -> list[str]:
    by_table = defaultdict(list)
    for q in result.queries:
        by_table[q.table or "(unresolved table)"].append(q)
    rows = ["| Location | Kind | Table | Columns | Judgement |", "|---|---|---|---|---|"]
    status = _query_status(result)
    for table in sorted(by_table):
        for q in by_table[table]:
            cols = ", ".join(q.columns) or ("*" if q.kind.value == "select_star" else "")
            rows.append(f"| {markdown_location(links, q.file, q.line)} | {q.kind.value} | {table} | {_cell(cols)} | {status.get(id(q), '—')} |")
    return _details(f"Queries on the affected tables ({len(result.queries)})", rows) if result.queries else []


def _references(result: ScanResult, links: SourceLinks | None) -> list[str]:
    refs = [r for r in result.references if r.context != "sql" and r.via != "name-only"]
    note = result.unattributed_note()
    if not refs:
        return [note[:1].upper() + note[1:] + ".", ""] if note else []
    lines = [f"- {markdown_location(links, r.file, r.line)} {r.context} `{r.column}` on `{r.table}`" + (" (generated)" if r.generated else "") for r in refs[:200]]
    return _details(f"Other references to changed columns ({len(refs)})", lines + ([f"\n{note}."] if note else []))


def _query_status(result: ScanResult) -> dict[int, str]:
    rank = {"unaffected": 0, "review": 1, "breaks": 2}
    worst: dict[int, str] = {}
    for p in result.pairs:
        if rank[p.status] >= rank.get(worst.get(p.query, "unaffected"), 0):
            worst[p.query] = p.status
    return {id(q): JUDGEMENT[worst.get(i, "unaffected")] for i, q in enumerate(result.queries)}


def _patterns(result: ScanResult) -> list[str]:
    patterns = result.assessment.patterns
    if not patterns:
        return []
    out = ["### Query patterns analysed", "", "| Pattern | Queries | Judgement | Why |", "|---|---|---|---|"]
    for p in patterns:
        out.append(f"| {p.label} | {p.count} | {JUDGEMENT[p.status]} | {_cell(p.reason)} |")
    return out + [""]


def _rollback(result: ScanResult) -> list[str]:
    if not result.rollback:
        return ["Nothing to roll back."]
    lines = ["```sql"]
    for step in result.rollback:
        note = f"  -- {'IRREVERSIBLE: ' if step.irreversible else ''}{step.note}" if step.note or step.irreversible else ""
        lines.append(step.sql + note)
    return lines + ["```"]


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _stats(result: ScanResult) -> list[str]:
    run = result.run
    config_note = describe(result.config)
    return [f"<sub>{run.files_seen} files scanned, {run.files_matched} mention the migration, {sum(run.skipped.values())} skipped, "
            f"{len(run.file_issues)} unreadable; {result.seconds:.2f}s · schema from {result.schema_source}"
            + (f" · {config_note}" if config_note else "") + "</sub>"]
