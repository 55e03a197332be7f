"""The Markdown report, shaped as a pull-request comment a reviewer reads in 30 seconds.

First screen: the verdict; one line of what breaks (`5 queries break: a.ts:40, :56`); the risk
table; then each breaking finding with its evidence and the code line itself, and the whole fix.
Everything else — findings to review, grouped advice, safer SQL, every query, references, query
patterns, rollback and verification plans — is one `<details>` section each.

Decisions: prose is never hard-wrapped (GitHub renders a newline in a comment as a line break);
each file:line appears once as evidence (view.py); references with no table are only counted;
paths are repo-relative, linked to the reviewed commit when `links` is given. When the text must
fit a comment, whole sections are dropped, least important first, and the report says which.
"""
from __future__ import annotations

from impact.config import describe
from impact.extract.handed_on import KINDS as HANDED_ON
from impact.pipeline import ScanResult
from impact.report.links import SourceLinks, markdown_location
from impact.report.view import Item, Severity, Status, View, build, plural, short_sites

ICON = {"safe": "✅", "caution": "⚠️", "breaking": "❌", "none": "✅", "review": "⚠️", "risk": "❌", "advice": "💡"}
JUDGEMENT = {"unaffected": "✅ SAFE", "review": "⚠️ REVIEW", "breaks": "❌ BREAKS"}
DIMENSIONS = {"breaking_changes": "Breaking changes", "backward_compatibility": "Backward compatibility",
              "data_loss": "Data loss risk", "rls_impact": "RLS impact", "lock_risk": "Lock risk"}

GITHUB_COMMENT_LIMIT = 65_536  # characters GitHub accepts in one comment body
ORDER = ("breaking", "review", "advice", "alternatives", "queries", "references", "patterns", "rollback", "verification",
         "suppressed", "file_issues")
# Sections in the order they are dropped when the report must shrink: least important first.
DROP_ORDER = ("queries", "references", "file_issues", "verification", "patterns", "alternatives", "rollback", "advice", "suppressed", "review")
MAX_EVIDENCE = 25  # per finding; the JSON report has all


def trace_markdown(result: ScanResult) -> list[str]:
    from impact.report.trace_section import trace_markdown as lines  # only with --trace

    return lines(result)


def render(result: ScanResult, limit: int = GITHUB_COMMENT_LIMIT, links: SourceLinks | None = None) -> str:
    """`links` turns every file:line into a link to the code at the reviewed commit."""
    view = build(result)
    a = result.assessment
    loc = _Loc(view, links)
    head = [f"## {ICON[a.verdict]} {a.verdict.upper()} · {loc.migration()} (confidence {a.confidence.value})", "",
            _what_breaks(view, loc), ""]
    if a.confidence_reasons:
        head += [f"_Confidence lowered: {'; '.join(a.confidence_reasons)}._", ""]
    head += ["| Risk | | Summary |", "|---|---|---|"]
    head += [f"| {label} | {ICON[a.dimensions[key].status]} | {_cell(a.dimensions[key].summary)} |" for key, label in DIMENSIONS.items()]
    head.append("")
    head += trace_markdown(result) + ([""] if result.trace is not None else [])  # impact scan --trace: the server beside the model
    review = view.by_severity(Severity.CAUTION)
    advice = view.by_severity(Severity.ADVICE)
    issues = result.run.file_issues
    sections = {
        "breaking": _breaking(view, loc),
        "review": _review(view, review, loc),
        "advice": _details(f"{ICON['advice']} Advice: {plural(len(advice), 'item')}", [line for i in advice for line in _item(i, loc, code=False)]) if advice else [],
        "alternatives": _alternatives(view),
        "queries": _queries(view, loc),
        "references": _references(view, loc),
        "patterns": _patterns(result),
        "rollback": _details("Rollback plan", _rollback(result)),
        "verification": _details(f"Verification plan ({plural(len(result.verification), 'check')}, run by <code>impact verify</code>)",
                                 [f"- {c.name}: `{_cell(c.sql)}` → {c.expect}" for c in result.verification]) if result.verification else [],
        "suppressed": _details(f"Suppressed by inline ignores ({len(result.suppressed)})",
                               [f"- `{x.rule}` at `{x.directive.where}` ({x.directive.scope}): {_cell(x.directive.reason or 'no reason given')} — {_cell(x.what)}" for x in result.suppressed]) if result.suppressed else [],
        "file_issues": _details(f"Files that could not be read or parsed ({len(issues)})", [f"- `{i.file}`: {_cell(i.reason)}" for i in issues[:100]]) if issues else [],
    }
    return _fit(head, sections, _stats(view), limit)


class _Loc:
    """file:line as short, linked Markdown."""

    def __init__(self, view: View, links: SourceLinks | None):
        self.view, self.links = view, links
        self.inside = view.migration == view.result.migration_rel  # a migration outside the repo has no link

    def __call__(self, file: str, line: int | None = None) -> str:
        return markdown_location(self.links, file, line)

    def line(self, line: int) -> str:
        """A line of the migration: the heading names the file, so bullets do not repeat its path."""
        links = self.links if self.inside else None
        return f"[line {line}]({links.url(self.view.migration, line)})" if links else f"line {line}"

    def migration(self, line: int | None = None) -> str:
        return markdown_location(self.links if self.inside else None, self.view.migration, line)


def _what_breaks(view: View, loc: _Loc) -> str:
    breaks = view.counts[Status.BREAKS]
    if not breaks:
        return f"**{_upper_first(view.what_breaks())}.**"
    parts, previous = [], None
    for file, line in view.breaking_sites[:10]:
        text = f"`:{line}`" if file == previous else f"`{file}:{line}`"
        parts.append(f"[{text}]({loc.links.url(file, line)})" if loc.links else text)
        previous = file
    more = f" and {len(view.breaking_sites) - 10} more" if len(view.breaking_sites) > 10 else ""
    return f"**{plural(breaks, 'query', 'queries')} {'break' if breaks != 1 else 'breaks'}{view.in_tests}:** {', '.join(parts)}{more}"


def _breaking(view: View, loc: _Loc) -> list[str]:
    items = view.by_severity(Severity.BREAKING)
    if not items:
        return []
    out = ["### What breaks", ""]
    for item in items:
        out += _item(item, loc, code=True)
    return out


def _review(view: View, review: list[Item], loc: _Loc) -> list[str]:
    """Folded under what breaks; open when nothing breaks, as it is then what the verdict is about."""
    if not review:
        return []
    body = [line for i in review for line in _item(i, loc, code=not view.by_severity(Severity.BREAKING))]
    if view.by_severity(Severity.BREAKING):
        return _details(f"{ICON['review']} To review: {plural(len(review), 'finding')}", body)
    return ["### To review", ""] + body


def _item(item: Item, loc: _Loc, code: bool) -> list[str]:
    f = item.finding
    where = (f"statements {', '.join(str(s) for s in item.statements)}" if item.grouped
             else f"statement {item.statements[0]}, {loc.line(f.statement_line)}")
    out = [f"**{f.code} {f.rule_id}** · {where}: {item.message}", ""]
    for e in item.evidence[:MAX_EVIDENCE]:
        out.append(f"- {loc(e.file, e.line)} {_cell(e.detail)}")
        if code and e.snippet:
            out.append(f"  {_code(e.snippet)}")
    if len(item.evidence) > MAX_EVIDENCE:
        out.append(f"- … and {len(item.evidence) - MAX_EVIDENCE} more (`--format json` lists them)")
    if item.also:
        out.append(f"- and {plural(item.also, 'place')} listed above")
    if item.evidence or item.also:
        out.append("")
    if item.fix_given_at is not None:
        out += [f"**Fix:** as for statement {item.fix_given_at}.", ""]
    elif item.solution:
        out += [f"**Fix:** {_paragraphs(item.solution)}", ""]
    return out


def _alternatives(view: View) -> list[str]:
    seen, body = set(), []
    for item in view.items:
        f = item.finding
        if not f.safe_sql or item.severity is Severity.ADVICE or (f.rule_id, f.safe_sql) in seen:
            continue
        seen.add((f.rule_id, f.safe_sql))
        body += [f"**{f.code} {f.title}**", "", "```sql", f.safe_sql, "```", ""]
    return _details("Safer alternatives", body) if body else []


def _queries(view: View, loc: _Loc) -> list[str]:
    r = view.result
    if not r.queries:
        return []
    rows = ["| Location | Kind | Table | Columns | Judgement |", "|---|---|---|---|---|"]
    order = sorted(range(len(r.queries)), key=lambda i: (-view.status[i].rank, r.queries[i].file, r.queries[i].line))
    for i in order:
        q = r.queries[i]
        cols = ", ".join(q.columns) or ("*" if q.kind.value == "select_star" else "")
        rows.append(f"| {loc(q.file, q.line)} | {q.kind.value} | {q.table or '(unresolved)'} | {_cell(cols)} | {JUDGEMENT[view.status[i].value]} |")
    c = view.counts
    title = (f"{plural(len(r.queries), 'query', 'queries')} on {', '.join(r.affected_tables) or 'the changed tables'}: "
             f"{c[Status.BREAKS]} break, {c[Status.REVIEW]} to review, {c[Status.UNAFFECTED]} unaffected")
    return _details(title, rows)


def _references(view: View, loc: _Loc) -> list[str]:
    note = view.result.unattributed_note()
    refs = view.references
    if not refs:
        return [_upper_first(note) + ".", ""] if note else []
    lines = [f"- {loc(r.file, r.line)} {r.context} `{r.column}`" + (f" on `{r.table}`" if r.table else "") + (" (generated)" if r.generated else "")
             + (f" ({HANDED_ON[r.handed_on]})" if r.handed_on else "")  # why it is no evidence
             for r in refs[:200]]
    return _details(f"Other references to changed columns ({len(refs)})", lines + ([f"\n{_upper_first(note)}."] if note else []))


def _patterns(result: ScanResult) -> list[str]:
    if not result.assessment.patterns:
        return []
    out = ["| Pattern | Queries | Judgement | Why |", "|---|---|---|---|"]
    out += [f"| {p.label} | {p.count} | {JUDGEMENT[p.status]} | {_cell(p.reason)} |" for p in result.assessment.patterns]
    return _details("Query patterns analysed", out)


def _rollback(result: ScanResult) -> list[str]:
    if not result.rollback:
        return ["Nothing to roll back."]
    lines = ["```sql"]
    for step in result.rollback:
        note = f"  -- {'IRREVERSIBLE: ' if step.irreversible else ''}{step.note}" if step.note or step.irreversible else ""
        lines.append(step.sql + note)
    return lines + ["```"]


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


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _stats(view: View) -> list[str]:
    r = view.result
    run = r.run
    config_note = describe(r.config)
    return [f"<sub>{view.summary()} · {run.files_matched} mention the migration, {sum(run.skipped.values())} skipped, "
            f"{len(run.file_issues)} unreadable · schema from {r.schema_source}" + (f" · {config_note}" if config_note else "") + "</sub>"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _paragraphs(text: str) -> str:
    """Prose for a comment: paragraphs kept apart by a blank line, never a break inside one."""
    return "\n\n".join(p for p in text.split("\n") if p.strip())


def _code(snippet: str) -> str:
    """Inline code that survives backticks in the snippet."""
    snippet = " ".join(snippet.split())
    fence = "`"
    while fence in snippet:
        fence += "`"
    pad = " " if snippet.startswith("`") or snippet.endswith("`") else ""
    return f"{fence}{pad}{snippet}{pad}{fence}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["render", "ICON", "JUDGEMENT", "DIMENSIONS", "GITHUB_COMMENT_LIMIT", "short_sites"]
