"""The traced server beside the static model (`impact scan --trace`): one row per statement,
the disagreements called out (the server is right)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from impact.judge.trace_agreement import expected


def _fmt_locks(locks: dict, already: dict | None = None) -> str:
    text = ", ".join(f"{mode} on {table}" for table, mode in sorted(locks.items()))
    if not text and already:
        return "no new lock (holds " + ", ".join(f"{mode} on {table}" for table, mode in sorted(already.items())) + " from earlier)"
    return text or "—"


def _duration(seconds: float, rows: int) -> str:
    text = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
    return f"~{text} with {rows:,} rows on this machine" if rows else f"{text} (empty tables)"


def trace_rows(result) -> list[dict]:
    model = expected(result.contexts, result.findings, result.trace.rows)
    rows = []
    for t in result.trace.statements:
        want = model.get(t.index)
        rows.append({
            "statement": t.index, "line": t.line, "ran": t.ran, "note": t.note,
            "static": {"locks": dict(want.locks) if want else {}, "rewrite": sorted(want.rewrite) if want else [], "fails": bool(want and want.fails)},
            "server": {"locks": t.locks, "already_held": t.held_before, "rewritten": t.rewritten, "failed": t.failed,
                       "error": t.error, "created": t.created, "seconds": round(t.seconds, 6)},
            "duration": _duration(t.seconds, result.trace.rows) if t.ran else "",
        })
    return rows


def trace_dict(result) -> dict:
    trace = result.trace
    return {"rows": trace.rows, "seeded": trace.seeded, "notes": trace.notes, "statements": trace_rows(result),
            "disagreements": [{"statement": d.statement, "what": d.what, "static": d.static, "server": d.server} for d in trace.disagreements]}


def render_trace(result, console: Console) -> None:
    trace = result.trace
    title = "Traced on a real PostgreSQL (shadow database, rolled back)" + (f", {trace.rows:,} rows per table" if trace.rows else "")
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in ("#", "static model", "server", "duration"):
        table.add_column(col)
    for row in trace_rows(result):
        static, server = row["static"], row["server"]
        if not row["ran"]:
            table.add_row(str(row["statement"]), _fmt_locks(static["locks"]), Text(row["note"], style="dim"), "")
            continue
        said = _fmt_locks(static["locks"]) + ("; rewrite" if static["rewrite"] else "") + ("; fails" if static["fails"] else "")
        did = _fmt_locks(server["locks"], server["already_held"]) + ("; rewrote " + ", ".join(server["rewritten"]) if server["rewritten"] else "")
        if server["failed"]:
            did = f"FAILED: {server['error']}"
        table.add_row(str(row["statement"]), said, did, row["duration"])
    console.print(table)
    for d in trace.disagreements:
        console.print(Text("disagreement: " + d.describe(), style="yellow"))
    if not trace.disagreements:
        console.print(Text("the static lock model agrees with the server on every traced statement", style="green"))


def trace_markdown(result) -> list[str]:
    """Markdown lines for the trace (after the risk table), or none without --trace."""
    if result.trace is None:
        return []
    trace = result.trace
    lines = ["", f"#### Traced on a real PostgreSQL (shadow database, rolled back{f', {trace.rows:,} rows per table' if trace.rows else ''})", "",
             "| # | static model | server | duration |", "|---|---|---|---|"]
    for row in trace_rows(result):
        static, server = row["static"], row["server"]
        said = _fmt_locks(static["locks"]) + ("; rewrite" if static["rewrite"] else "") + ("; fails" if static["fails"] else "")
        did = row["note"] if not row["ran"] else (f"FAILED: {server['error']}" if server["failed"] else
                                                   _fmt_locks(server["locks"], server["already_held"]) + ("; rewrote " + ", ".join(server["rewritten"]) if server["rewritten"] else ""))
        lines.append(f"| {row['statement']} | {said} | {did} | {row['duration']} |".replace("\n", " "))
    lines += [""] + [f"- ⚠️ disagreement: {d.describe()}" for d in trace.disagreements]
    if not trace.disagreements:
        lines.append("The static lock model agrees with the server on every traced statement.")
    return lines


def trace_text(result) -> list[str]:
    """Plain lines for the terminal report (which wraps them to its width)."""
    if result.trace is None:
        return []
    trace = result.trace
    lines = ["traced on a real PostgreSQL (shadow database, rolled back)" + (f", {trace.rows:,} rows per table" if trace.rows else "") + ":"]
    for row in trace_rows(result):
        static, server = row["static"], row["server"]
        said = _fmt_locks(static["locks"]) + ("; rewrite" if static["rewrite"] else "") + ("; fails" if static["fails"] else "")
        did = row["note"] if not row["ran"] else (f"FAILED: {server['error']}" if server["failed"] else
                                                   _fmt_locks(server["locks"], server["already_held"]) + ("; rewrote " + ", ".join(server["rewritten"]) if server["rewritten"] else ""))
        lines.append(f"  statement {row['statement']}: model {said} | server {did}" + (f" | {row['duration']}" if row["duration"] else ""))
    lines += [f"  disagreement: {d.describe()}" for d in trace.disagreements] or ["  the static lock model agrees with the server on every traced statement"]
    return lines
