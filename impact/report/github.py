"""GitHub Actions workflow commands: one annotation per finding on the migration statement, and one
per piece of code evidence, so the diff view shows them where they matter."""
from __future__ import annotations

from impact.pipeline import ScanResult

LEVEL = {"breaking": "error", "caution": "warning", "advice": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, file: str, line: int, title: str, message: str) -> str:
    return f"::{level} file={_prop(file)},line={line},title={_prop(title)}::{_data(message)}"


def render(result: ScanResult) -> str:
    lines = []
    migration = result.migration_rel
    for f in result.findings:
        level = LEVEL[f.severity]
        title = f"{f.code} {f.rule_id}"
        lines.append(annotation(level, migration, f.statement_line, title, f"{f.message}\n{f.solution}"))
        for e in f.evidence:
            if e.kind in ("query", "reference"):
                lines.append(annotation(level, e.file, e.line, title, f"{migration}:{f.statement_line}: {f.message} ({e.detail})"))
    a = result.assessment
    lines.append(f"::notice title=impact verdict::{_data(f'{migration}: {a.verdict} (confidence {a.confidence.value})')}")
    return "\n".join(lines) + "\n"
