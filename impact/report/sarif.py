"""SARIF 2.1.0: one run, every rule with its help text, one result per finding.

The primary location is the migration statement (that is what the pull request changes); the code
that breaks is in relatedLocations, linked from the message as `[file:line](id)` so viewers such as
GitHub code scanning can jump to it. Suppressed findings are kept, marked `inSource` with their reason.
"""
from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote

from impact import __version__
from impact.judge.findings import Evidence, Finding
from impact.judge.rules import Rule
from impact.pipeline import ScanResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"breaking": "error", "caution": "warning", "advice": "note"}
SRCROOT = "%SRCROOT%"
MAX_RELATED = 100  # GitHub keeps the first few; more only bloats the upload


def render(results: list[ScanResult], rules: tuple[Rule, ...], base: str | None = None) -> str:
    return json.dumps(to_log(results, rules, base), indent=2, ensure_ascii=False) + "\n"


def to_log(results: list[ScanResult], rules: tuple[Rule, ...], base: str | None = None) -> dict:
    index = {rule.id: i for i, rule in enumerate(rules)}
    sarif_results = []
    for result in results:
        sarif_results += [_result(result, f, index) for f in result.findings]
        sarif_results += [_suppressed(result, s, index) for s in result.suppressed if s.finding is not None]
    run = {
        "tool": {"driver": {
            "name": "impact", "version": __version__, "semanticVersion": __version__,
            "informationUri": "https://pypi.org/project/migration-impact/",
            "rules": [_rule(r) for r in rules],
        }},
        "invocations": [_invocation(results)],
        "originalUriBaseIds": {SRCROOT: {"uri": results[0].repo.as_uri() + "/"}} if results else {},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
        "properties": {
            "changedSince": base,
            "migrations": [{"path": r.migration_rel, "verdict": r.assessment.verdict, "confidence": r.assessment.confidence.value,
                            "confidenceReasons": r.assessment.confidence_reasons} for r in results],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


PLACEHOLDER = re.compile(r"\{(table|column|target|name|new_name|count|lock|blocks|work|default|type|roles|privileges|columns|plural|s|verb_s|pg_version|features|did_you_mean|old_type|replaced_type|replacing_type|orm_reads|release|read_column)\}")
GENERIC = {"plural": "ies", "s": "s", "verb_s": "", "count": "N", "orm_reads": "N", "did_you_mean": ""}


def _generic(text: str) -> str:
    """A rule's text outside any finding: `{column}` reads as `<column>`."""
    return PLACEHOLDER.sub(lambda m: GENERIC.get(m.group(1), f"<{m.group(1)}>"), text)


def _rule(rule: Rule) -> dict:
    why, solution = _generic(rule.why), _generic(rule.solution)
    help_md = f"{why}\n\n**Solution:** {solution}"
    if rule.safe_sql:
        help_md += f"\n\n```sql\n{_generic(rule.safe_sql)}\n```"
    if rule.example_bad:
        help_md += f"\n\nBad: `{rule.example_bad}`\n\nGood: `{rule.example_good}`"
    return {
        "id": rule.code,
        "name": _pascal(rule.id),
        "shortDescription": {"text": _generic(rule.title)},
        "fullDescription": {"text": why},
        "help": {"text": f"{why}\n\nSolution: {solution}", "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL[rule.severity], "enabled": True},
        "properties": {"tags": [rule.category, rule.id], "impactId": rule.id, "severity": rule.severity},
    }


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", rule_id))


def _result(result: ScanResult, f: Finding, index: dict[str, int]) -> dict:
    related = [_related(i, e) for i, e in enumerate(f.evidence[:MAX_RELATED], start=1)]
    links = ", ".join(f"[{_escape(_where(e))}]({i})" for i, e in enumerate(f.evidence[:MAX_RELATED], start=1) if e.kind != "ignore")
    text = _sentence(_escape(f.message)) + (f" Where: {links}." if links else "") + f" Solution: {_sentence(_escape(f.solution))}"
    out = {
        "ruleId": f.code,
        "ruleIndex": index[f.rule_id],
        "level": LEVEL[f.severity],
        "message": {"text": text},
        "locations": [_statement_location(result, f)],
        "partialFingerprints": {"impactFinding/v1": _fingerprint(result, f)},
        "properties": {"confidence": f.confidence.value, "category": f.category, "statement": f.operation.statement.index,
                       "operation": f.operation.kind.value, "why": f.why, "safeSql": f.safe_sql},
    }
    if related:
        out["relatedLocations"] = related
    return out


def _suppressed(result: ScanResult, s, index: dict[str, int]) -> dict:
    out = _result(result, s.finding, index)
    out["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": s.directive.reason or "no reason given",
                            "location": _location(*_split(s.directive.where))}]
    return out


def _statement_location(result: ScanResult, f: Finding) -> dict:
    statement = f.operation.statement
    location = _location(result.migration_rel, statement.line, max(statement.end_line, statement.line))
    location["physicalLocation"]["region"]["snippet"] = {"text": statement.sql[:2000]}
    location["message"] = {"text": f"statement {statement.index}"}
    return location


def _related(i: int, e: Evidence) -> dict:
    location = _location(e.file, e.line)
    location["id"] = i
    location["message"] = {"text": e.detail or e.kind}
    return location


def _location(file: str, line: int, end_line: int | None = None) -> dict:
    region = {"startLine": max(line, 1)}
    if end_line and end_line > region["startLine"]:
        region["endLine"] = end_line
    return {"physicalLocation": {"artifactLocation": {"uri": quote(file), "uriBaseId": SRCROOT}, "region": region}}


def _split(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return (file, int(line)) if line.isdigit() else (where, 1)


def _where(e: Evidence) -> str:
    return f"{e.file}:{e.line}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _escape(text: str) -> str:
    # Square brackets would read as embedded links (SARIF §3.11.6); escape them in our own text.
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _fingerprint(result: ScanResult, f: Finding) -> str:
    """Stable across line shifts: the rule, the migration, the statement's text and what the evidence says."""
    # The migration by its repo-relative path, or its name when it lies outside the repo: an
    # absolute path would change the fingerprint from one checkout (or CI machine) to the next.
    where = result.migration_rel if not result.migration_rel.startswith("/") else result.migration.path.name
    parts = [f.code, where, " ".join(f.operation.statement.sql.split())]
    parts += sorted(f"{e.file}|{' '.join(e.snippet.split())}" for e in f.evidence)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _invocation(results: list[ScanResult]) -> dict:
    notes = []
    for result in results:
        for issue in result.run.file_issues:
            notes.append({"level": "warning", "message": {"text": f"{issue.file} was not analysed: {issue.reason}"},
                          "locations": [_location(issue.file, 1)]})
        for op in result.parsed.unknown:
            notes.append({"level": "warning", "message": {"text": f"statement {op.statement.index} was not understood: {op.statement.error}"},
                          "locations": [_location(result.migration_rel, op.statement.line)]})
    return {"executionSuccessful": True, "toolExecutionNotifications": notes}
