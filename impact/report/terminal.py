"""The terminal report: diagnostics in the style of rustc and ruff, the verdict last.

Layout, top to bottom: the verdict and what breaks; per migration statement (worst first) its
diagnostics — `file:line` header, the code line with a caret under the changed name, `= help:` with
the whole fix; advice repeated over statements once; the queries that break or need review
(`--verbose`: all of them, and the verification plan); the risk table; the rollback plan; notes;
and one summary line at the very end, where the eye lands after the command returns.

Decisions: text is wrapped here at word boundaries to the given width (default 80) and never
inside a word or a path — a path longer than a line keeps its own line. No tables with columns
(they broke paths character by character). Colour only when asked (a terminal, and no NO_COLOR);
the text is identical without it.
"""
from __future__ import annotations

import io
import re
import textwrap
from typing import Iterable

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from impact.config import describe
from impact.orm.mapping import camel_case
from impact.pipeline import ScanResult
from impact.report.markdown import DIMENSIONS
from impact.report.safe_text import visible
from impact.report.view import Item, Severity, Status, View, build, items_by_statement, plural

LABEL = {Severity.BREAKING: "error", Severity.CAUTION: "warning", Severity.ADVICE: "advice"}
STYLE = {"breaking": "bold red", "caution": "bold yellow", "safe": "bold green", "advice": "bold cyan",
         "error": "bold red", "warning": "bold yellow", "breaks": "red", "review": "yellow", "unaffected": "green",
         "none": "green", "risk": "red"}
MARK = {"none": "✓", "review": "!", "risk": "✗"}
MAX_EVIDENCE = 12  # per diagnostic, unless --verbose


class Lines:
    """Styled lines, each already wrapped to the width."""

    def __init__(self, width: int):
        self.width = width
        self.lines: list[Text] = []

    def add(self, *parts) -> None:
        text = Text()
        for part in parts:
            text.append(*(part if isinstance(part, tuple) else (part,)))
        self.lines.append(text)

    def wrap(self, text: str, first: str = "", rest: str | None = None, style: str | None = None, lead_style: str | None = None) -> None:
        rest = " " * len(first) if rest is None else rest
        for n, paragraph in enumerate(text.splitlines() or [""]):
            lead = first if n == 0 else rest
            for k, line in enumerate(wrap(paragraph, self.width, lead, rest) or [lead]):
                prefix = lead if k == 0 else rest
                self.add((prefix, lead_style), (line[len(prefix):], style))

    def blank(self) -> None:
        if self.lines and self.lines[-1].plain:
            self.lines.append(Text())


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def render_text(results: list[ScanResult], width: int = 80, color: bool = False, verbose: bool = False) -> str:
    out = io.StringIO()
    # SafeConsole: control characters from the repo's text are shown (␛), never sent to the terminal.
    console = SafeConsole(file=out, width=max(width, 40), force_terminal=color, no_color=not color,
                          color_system="standard" if color else None, highlight=False, emoji=False)
    for n, result in enumerate(results):
        lines = report(build(result), max(width, 40), verbose)
        if n:
            console.print()
        for line in lines.lines:
            console.print(line, soft_wrap=True)
    return out.getvalue()


def render(result: ScanResult, console: Console, verbose: bool = False) -> None:
    """Print one report on a rich console (library use)."""
    for line in report(build(result), console.width, verbose).lines:
        console.print(line, soft_wrap=True)


def report(view: View, width: int, verbose: bool = False) -> Lines:
    out = Lines(width)
    r, a = view.result, view.result.assessment
    out.add(("impact ", "bold"), (view.migration, "bold cyan"), " → ", (a.verdict.upper(), STYLE[a.verdict]),
            f" (confidence {a.confidence.value})")
    out.wrap(view.what_breaks())
    if a.confidence_reasons:
        out.wrap("confidence lowered: " + "; ".join(a.confidence_reasons), style="dim")
    for notice in r.parsed.notices:
        span = f"{notice.line}" + (f"-{notice.end_line}" if notice.end_line != notice.line else "")
        out.wrap(f"skipped line {span}: {notice.what} (psql input, not SQL)", style="dim")
    for note in r.read.notes if r.read else ():  # what the migration's format says (Alembic, Django, TS classes)
        out.wrap(f"note: {note}", style="dim")
    for op in r.parsed.unknown:
        out.wrap(f"statement {op.statement.index} (line {op.statement.line}) not understood: {op.statement.error}", style="yellow")
    from impact.report.trace_section import trace_text

    for line in trace_text(r):  # impact scan --trace: the server beside the static model
        out.wrap(line, style="dim")
    _diagnostics(view, out, verbose)
    _queries(view, out, verbose)
    _risks(view, out)
    _rollback(view, out)
    if verbose and r.verification:
        out.blank()
        out.add(("verification plan (impact verify)", "bold"))
        for c in r.verification:
            out.wrap(f"{c.name} → {c.expect}", "  • ", "    ")
    _notes(view, out)
    out.blank()
    out.add((view.summary(), STYLE[view.verdict.value]))
    return out


def _diagnostics(view: View, out: Lines, verbose: bool) -> None:
    if not view.items:
        out.blank()
        out.add(("no findings", "green"))
        return
    single: dict[int, list[Item]] = {}
    grouped: list[Item] = []
    for item in items_by_statement(view.result.findings):
        (grouped.append(item) if item.grouped else single.setdefault(item.statements[0], []).append(item))
    # Statements in the order of their most important item (view.items is ordered).
    for index, items in single.items():
        st = items[0].finding.operation.statement
        out.blank()
        out.add(("statement ", "bold"), (f"{index}", "bold"), " · ", (f"{view.migration}:{st.line}", "cyan"))
        out.add("  ", (_cut(_one_line(st.sql), width=out.width - 2), "dim"))
        for item in items:
            _item(view, item, out, verbose)
    if grouped:
        out.blank()
        out.add(("for several statements", "bold"))
        for item in grouped:
            _item(view, item, out, verbose)


def _item(view: View, item: Item, out: Lines, verbose: bool) -> None:
    f = item.finding
    label = LABEL[item.severity]
    out.blank()
    lead = f"{label}[{f.code}]: "
    parts = wrap(item.message, out.width, lead, "  ")
    out.add((label, STYLE[label]), (f"[{f.code}]", STYLE[label]), ": ", (parts[0][len(lead):], "bold"))
    for line in parts[1:]:
        out.add((line, "bold"))
    if item.grouped:
        out.wrap("statements " + ", ".join(f"{i} (line {line})" for i, line in zip(item.statements, item.lines)), "  --> ", "      ", lead_style="cyan")
    else:
        where = f"{view.migration}:{f.statement_line}"
        rule = f"  {f.rule_id}" if 6 + len(where) + 2 + len(f.rule_id) <= out.width else ""
        out.add(("  --> ", "cyan"), (where, "cyan"), (rule, "dim"))
    shown = item.evidence if verbose else item.evidence[:MAX_EVIDENCE]
    gutter = max((len(str(e.line)) for e in shown), default=1)
    for e in shown:
        _evidence(e, _name_on_line(e.snippet, f.operation), gutter, out)
    if len(item.evidence) > len(shown):
        out.add(" " * (gutter + 1), "= ", ("note", "bold"), f": {len(item.evidence) - len(shown)} more (--verbose or --format json)")
    if item.also:
        out.wrap(f"{plural(item.also, 'more place')} shown above", " " * (gutter + 1) + "= note: ", " " * (gutter + 9))
    if item.fix_given_at is not None:
        out.wrap(f"as for statement {item.fix_given_at} above", " " * (gutter + 1) + "= help: ", " " * (gutter + 9))
    elif item.solution:
        out.wrap(item.solution, " " * (gutter + 1) + "= help: ", " " * (gutter + 9))


def _name_on_line(snippet: str, op) -> str | None:
    """What the caret points at: the changed column when the line names it, else the table. The
    column as an ORM field spells it too: Prisma's `urlMeta String? @map("url_meta")` is used as
    `urlMeta` (teable: the whole line was underlined, the name cut off at the right)."""
    for name in (op.column_name, op.new_name):
        for spelling in (name, camel_case(name) if name else None):
            if spelling and re.search(rf"(?<![\w$]){re.escape(spelling)}(?![\w$])", snippet or ""):
                return spelling
    return op.table if op.table and op.table in (snippet or "") else None


def _evidence(e, name: str | None, gutter: int, out: Lines) -> None:
    pad = " " * gutter
    out.add((f"{pad}::: ", "cyan"), (f"{e.file}:{e.line}", "cyan"))
    room = out.width - gutter - 3
    code, start = _window(e.snippet or "", name, room)
    if code:
        out.add((f"{str(e.line).rjust(gutter)} | ", "cyan"), code)
    # Under the changed name when the line has it, else under the whole line (the query starts there).
    caret_at, caret_len = (start, len(name)) if name and start >= 0 else (0, len(code.rstrip("…")) or 1)
    note = e.detail
    caret = " " * caret_at + "^" * max(caret_len, 1)
    if len(caret) + 1 + len(note) <= room:
        out.add((f"{pad} | ", "cyan"), (caret, "bold yellow"), " ", (note, "dim"))
    else:
        out.add((f"{pad} | ", "cyan"), (caret, "bold yellow"))
        for line in wrap(note, out.width, f"{pad} | ", f"{pad} | "):
            out.add((line[:gutter + 3], "cyan"), (line[gutter + 3:], "dim"))


def _window(snippet: str, name: str | None, room: int) -> tuple[str, int]:
    """The code line cut to `room` columns around the changed name; the name's offset, or -1."""
    snippet = snippet.strip()
    at = snippet.find(name) if name else -1
    if len(snippet) <= room:
        return snippet, at
    if at < 0 or at + len(name) <= room - 1:
        return snippet[: room - 1] + "…", at
    # A third of the room before the name, unless the line ends sooner: then the room ends with it.
    start = max(0, min(at - room // 3, len(snippet) - room + 1))
    tail = "…" if start + room - 1 < len(snippet) else ""
    window = "…" + snippet[start + 1:start + room - len(tail)] + tail
    return window[:room], at - start


def _one_line(sql: str) -> str:
    """The statement on one line: Prisma writes `ALTER TABLE "t"` alone on its first line and
    the actions below it, so the first line alone said nothing about what changes."""
    lines = (line.strip() for line in sql.strip().splitlines())
    return " ".join(" ".join(line for line in lines if line and not line.startswith("--")).split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _queries(view: View, out: Lines, verbose: bool) -> None:
    r = view.result
    if not r.queries:
        return
    c = view.counts
    out.blank()
    title = (f"queries on {', '.join(r.affected_tables) or 'the changed tables'}: {c[Status.BREAKS]} break, "
             f"{c[Status.REVIEW]} to review, {c[Status.UNAFFECTED]} unaffected")
    out.wrap(title, style="bold")
    rows = [(q, s) for q, s in zip(r.queries, view.status) if verbose or s is not Status.UNAFFECTED]
    rows.sort(key=lambda qs: (-qs[1].rank, qs[0].file, qs[0].line))
    for q, s in rows:
        out.add("  ", (s.label.ljust(7), STYLE[s.value]), " ", (f"{q.file}:{q.line}", "cyan"), f"  {q.kind.value}")
    if not verbose and c[Status.UNAFFECTED]:
        out.add(("  (--verbose lists the unaffected ones too)", "dim"))


def _risks(view: View, out: Lines) -> None:
    out.blank()
    out.add(("risk", "bold"))
    width = max(len(label) for label in DIMENSIONS.values())
    for key, label in DIMENSIONS.items():
        d = view.result.assessment.dimensions[key]
        lead = f"  {MARK[d.status]} {label.ljust(width)}  "
        parts = wrap(d.summary, out.width, lead, " " * len(lead))
        out.add(("  ", None), (MARK[d.status], STYLE[d.status]), (lead[3:], None), parts[0][len(lead):])
        for line in parts[1:]:
            out.add(line)


def _rollback(view: View, out: Lines) -> None:
    steps = view.result.rollback
    if not steps:
        return
    out.blank()
    out.add(("rollback plan", "bold"), (" (impact rollback)", "dim"))
    for step in steps:
        out.wrap(step.sql, "  ", "    ", style="red" if step.irreversible else None)
        if step.note or step.irreversible:
            out.wrap(("IRREVERSIBLE: " if step.irreversible else "") + step.note, "    -- ", "       ", style="dim")


def _notes(view: View, out: Lines) -> None:
    r = view.result
    notes = []
    if note := r.unattributed_note():
        notes.append(note)
    for x in r.suppressed:
        notes.append(f"suppressed {x.rule} at {x.directive.where}: {x.directive.reason or 'no reason given'} — {x.what}")
    issues = r.run.file_issues
    for issue in issues[:12]:
        notes.append(f"not read: {issue.file}: {issue.reason}")
    if len(issues) > 12:
        notes.append(f"not read: {len(issues) - 12} more files (--format json lists them)")
    run = r.run
    notes.append(f"{plural(run.files_seen, 'file')} scanned, {run.files_matched} mention the migration, {run.files_parsed} parsed, "
                 f"{run.cache_hits} from cache, {sum(run.skipped.values())} skipped, {len(issues)} unreadable · schema: {r.schema_source}")
    if config_note := describe(r.config):
        notes.append(config_note)
    out.blank()
    for note in notes:
        out.wrap(note, style="dim")


class SafeConsole(Console):
    """A rich Console that makes the repo's text visible (see module doc) but keeps rich's own
    control segments (colours, cursor moves) working."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(segment if segment.control else Segment(visible(segment.text), segment.style)
                                      for segment in buffer)
