"""The rich terminal report: verdict first, then evidence, risks and plans."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from impact.config import describe
from impact.pipeline import ScanResult
from impact.report.json_report import _finding_order
from impact.report.markdown import DIMENSIONS, _query_status

STYLE = {"safe": "bold green", "caution": "bold yellow", "breaking": "bold red", "advice": "cyan",
         "none": "green", "review": "yellow", "risk": "red", "unaffected": "green", "breaks": "red"}
MARK = {"none": "✓", "review": "!", "risk": "✗"}


def render(result: ScanResult, console: Console) -> None:
    a = result.assessment
    head = Text.assemble(("impact ", "bold"), (result.migration_rel, "bold cyan"), "  →  ",
                         (a.verdict.upper(), STYLE[a.verdict]), f"   confidence: {a.confidence.value}")
    lines = [head]
    if a.confidence_reasons:
        lines.append(Text("confidence lowered: " + "; ".join(a.confidence_reasons), style="dim"))
    console.print(Panel(Group(*lines), expand=False))
    _operations(result, console)
    if result.trace is not None:  # impact scan --trace: the server beside the static model
        from impact.report.trace_section import render_trace

        render_trace(result, console)
    _findings(result, console)
    if note := result.unattributed_note():
        console.print(Text(note, style="dim"))
    _queries(result, console)
    _patterns(result, console)
    _risks(result, console)
    _plans(result, console)
    _file_issues(result, console)
    for x in result.suppressed:
        console.print(Text(f"suppressed {x.rule} at {x.directive.where}: {x.directive.reason or 'no reason given'} — {x.what}", style="dim"))
    run = result.run
    console.print(Text(f"{run.files_seen} files scanned, {run.files_matched} mention the migration, {run.files_parsed} parsed, "
                       f"{run.cache_hits} from cache, {sum(run.skipped.values())} skipped, {len(run.file_issues)} unreadable · "
                       f"{result.seconds:.2f}s · schema: {result.schema_source}", style="dim"))
    if config_note := describe(result.config):
        console.print(Text(config_note, style="dim"))


def _operations(result: ScanResult, console: Console) -> None:
    table = Table(title="Migration statements", title_justify="left", show_lines=False)
    for col in ("#", "line", "operation", "target", "parsed by"):
        table.add_column(col)
    for ctx in result.contexts:
        op = ctx.op
        target = op.target + (f" → {op.new_name}" if op.new_name else "") + (f" [{op.name}]" if op.name else "")
        style = "red" if op.kind.value == "unknown" else None
        table.add_row(str(op.statement.index), str(op.statement.line), op.kind.value, Text(target), op.statement.parser, style=style)
    console.print(table)
    for notice in result.parsed.notices:  # psql input that is not SQL: set aside, said so
        console.print(Text(f"skipped line {notice.line}" + (f"-{notice.end_line}" if notice.end_line != notice.line else "")
                           + f": {notice.what} (psql input, not SQL)", style="dim"))


def _findings(result: ScanResult, console: Console) -> None:
    if not result.findings:
        console.print(Text("No findings.", style="green"))
        return
    table = Table(title="Findings", title_justify="left", show_lines=True)
    for col in ("severity", "rule", "statement", "finding and evidence"):
        table.add_column(col, overflow="fold")
    for f in sorted(result.findings, key=_finding_order):
        body = Text(f.message + "\n")
        for e in f.evidence[:15]:
            body.append(f"  {e.file}:{e.line}", style="cyan")
            body.append(f"  {e.detail}\n", style="dim")
        if len(f.evidence) > 15:
            body.append(f"  … {len(f.evidence) - 15} more (see --format json)\n", style="dim")
        body.append("fix: " + f.solution.splitlines()[0], style="italic")
        table.add_row(Text(f"{f.severity}\n({f.confidence.value})", style=STYLE[f.severity]), f"{f.code}\n{f.rule_id}",
                      f"#{f.operation.statement.index} L{f.statement_line}", body)
    console.print(table)


def _queries(result: ScanResult, console: Console) -> None:
    if not result.queries:
        return
    status = _query_status(result)
    table = Table(title=f"Code impact: {len(result.queries)} queries on {', '.join(result.affected_tables)}", title_justify="left")
    for col in ("location", "kind", "table", "columns", "via", "judgement"):
        table.add_column(col, overflow="fold")
    for q in result.queries:
        cols = ", ".join(q.columns) or ("*" if q.kind.value == "select_star" else "")
        table.add_row(Text(f"{q.file}:{q.line}"), q.kind.value, Text(q.table or "(variable)"), Text(cols), f"{q.extractor} ({q.confidence.value})", status.get(id(q), ""))
    console.print(table)


def _patterns(result: ScanResult, console: Console) -> None:
    if not result.assessment.patterns:
        return
    table = Table(title="Query patterns analysed", title_justify="left")
    for col in ("pattern", "queries", "judgement", "why"):
        table.add_column(col, overflow="fold")
    for p in result.assessment.patterns:
        table.add_row(p.label, str(p.count), Text(p.status.upper() if p.status != "unaffected" else "SAFE", style=STYLE.get(p.status, "yellow")), Text(p.reason))
    console.print(table)


def _risks(result: ScanResult, console: Console) -> None:
    table = Table(title="Risk assessment", title_justify="left", show_lines=True)
    for col in ("dimension", "", "summary"):
        table.add_column(col, overflow="fold")
    for key, label in DIMENSIONS.items():
        d = result.assessment.dimensions[key]
        detail = d.summary + "".join(f"\n• {item}" for item in d.items[:8])
        table.add_row(label, Text(MARK[d.status], style=STYLE[d.status]), Text(detail))
    console.print(table)


def _plans(result: ScanResult, console: Console) -> None:
    if result.rollback:
        text = Text()
        for step in result.rollback:
            text.append(step.sql, style="red" if step.irreversible else None)
            if step.note or step.irreversible:
                text.append(f"   -- {'IRREVERSIBLE: ' if step.irreversible else ''}{step.note}", style="dim")
            text.append("\n")
        console.print(Panel(text, title="Rollback plan", title_align="left"))
    if result.verification:
        text = Text("\n".join(f"• {c.name} → {c.expect}" for c in result.verification))
        console.print(Panel(text, title="Verification plan (impact verify)", title_align="left"))


def _file_issues(result: ScanResult, console: Console) -> None:
    issues = result.run.file_issues
    if not issues:
        return
    text = Text()
    for issue in issues[:12]:
        text.append(f"{issue.file}", style="cyan")
        text.append(f"  {issue.reason}\n", style="dim")
    if len(issues) > 12:
        text.append(f"… and {len(issues) - 12} more (see --format json)\n", style="dim")
    console.print(Panel(text, title=f"{len(issues)} file(s) could not be read or parsed — their queries are not in this report", title_align="left"))
