"""Inline ignores, with a reason: in migrations `-- impact: ignore <rule> -- <reason>` (the next
statement) and `-- impact: ignore-file <rule>`; in code `# impact: ignore` / `// impact: ignore`
on (or right above) a query line. squawk's `-- squawk-ignore` forms are read too, so a team can
switch without rewriting its migrations. Every suppression is reported; an unused one is a finding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from impact.judge.findings import Evidence, Finding
from impact.judge.rules import Rule, find_rule
from impact.model import Confidence
from impact.sql.parsed import ParsedMigration

DIRECTIVE = re.compile(r"(?:impact:\s*(ignore-file|ignore)|(squawk-ignore-file|squawk-ignore))\b\s*([^\n]*)", re.IGNORECASE)
CODE_IGNORE = re.compile(r"(?:#|//|--)\s*impact:\s*ignore\b\s*([\w,\s-]*?)(?:\s+--\s*(.*))?\s*$", re.IGNORECASE)
# squawk's names for the rules we also have under another name.
SQUAWK_ALIASES = {
    "ban-drop-column": "drop-column-loses-data", "ban-drop-table": "drop-table-loses-data",
    "adding-foreign-key-constraint": "constraint-missing-not-valid", "adding-not-nullable-field": "setting-not-nullable-field",
    "adding-field-with-default": "adding-field-with-volatile-default",
    "prefer-timestamp-tz": "prefer-timestamptz", "prefer-bigint-over-smallint": "prefer-bigint-over-int",
    "adding-serial-primary-key-field": "disallowed-unique-constraint",
}


@dataclass
class Directive:
    rules: set[str]  # rule ids; empty = every rule
    scope: str  # "statement" | "file" | "code"
    where: str  # file:line, or "statement N"
    reason: str
    statement: int | None = None
    # A framework operation that makes several statements (Alembic's alter_column) shares one comment.
    more_statements: set[int] = field(default_factory=set)
    file: str | None = None
    line: int | None = None
    used: bool = False


@dataclass
class Suppressed:
    rule: str
    directive: Directive
    what: str  # the finding's message, or the evidence location suppressed
    finding: Finding | None = None  # the whole finding, when the ignore hid all of it


@dataclass
class IgnoreResult:
    findings: list[Finding]
    suppressed: list[Suppressed] = field(default_factory=list)
    unused: list[Directive] = field(default_factory=list)


def _rule_ids(text: str) -> set[str]:
    ids = set()
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        rule = find_rule(SQUAWK_ALIASES.get(token.lower(), token))
        ids.add(rule.id if rule else token.lower())
    return ids


def migration_directives(parsed: ParsedMigration, migration: str) -> list[Directive]:
    directives = []
    lines = {s.index: s.line for s in parsed.statements}
    by_place: dict[tuple[int, str], Directive] = {}
    for index, comments in parsed.comments.items():
        for comment in comments:
            match = DIRECTIVE.search(comment.strip("/*- \n"))
            if not match:
                continue
            same = by_place.get((lines[index], comment))
            if same is not None:  # the same comment above one operation's several statements
                if same.statement is not None:
                    same.more_statements.add(index)
                continue
            kind = (match.group(1) or match.group(2)).lower()
            rules_part, _, reason = match.group(3).partition("--")
            rules_part = rules_part.split(":", 1)[0]  # pgls style "rule: reason"
            file_wide = kind.endswith("file")
            directives.append(Directive(_rule_ids(rules_part), "file" if file_wide else "statement",
                                        f"{migration}:{lines[index]}", reason.strip().rstrip("*/").strip(),
                                        statement=None if file_wide else index))
            by_place[(lines[index], comment)] = directives[-1]
    return directives


def code_directives(texts: list[tuple[str, str]]) -> list[Directive]:
    directives = []
    for rel, text in texts:
        if "impact:" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = CODE_IGNORE.search(line)
            if match:
                directives.append(Directive(_rule_ids(match.group(1) or ""), "code", f"{rel}:{number}", (match.group(2) or "").strip(), file=rel, line=number))
    return directives


def _matches(d: Directive, rule_id: str) -> bool:
    return not d.rules or rule_id in d.rules


def apply_ignores(findings: list[Finding], directives: list[Directive]) -> IgnoreResult:
    result = IgnoreResult([])
    code = [d for d in directives if d.scope == "code"]
    for finding in findings:
        directive = next((d for d in directives if d.scope != "code" and _matches(d, finding.rule_id)
                          and (d.scope == "file" or d.statement == finding.operation.statement.index
                               or finding.operation.statement.index in d.more_statements)), None)
        if directive is not None:
            directive.used = True
            result.suppressed.append(Suppressed(finding.rule_id, directive, finding.message, finding))
            continue
        kept = _without_ignored_evidence(finding, code, result)
        if kept is not None:
            result.findings.append(kept)
    result.unused = [d for d in directives if not d.used]
    return result


def _without_ignored_evidence(finding: Finding, code: list[Directive], result: IgnoreResult) -> Finding | None:
    if not finding.evidence or not code:
        return finding
    kept = []
    for e in finding.evidence:
        directive = next((d for d in code if d.file == e.file and d.line in (e.line, e.line - 1) and _matches(d, finding.rule_id)), None)
        if directive is None:
            kept.append(e)
        else:
            directive.used = True
            result.suppressed.append(Suppressed(finding.rule_id, directive, f"{e.file}:{e.line}"))
    if not kept:
        return None  # every piece of evidence was ignored: the finding has nothing left to say
    return replace(finding, evidence=tuple(kept)) if len(kept) != len(finding.evidence) else finding


def unused_findings(unused: list[Directive], template: Rule, operation) -> list[Finding]:
    """An ignore that suppresses nothing hides nothing today but may hide something tomorrow."""
    out = []
    for d in unused:
        file, _, line = d.where.rpartition(":")
        message = f"{d.where}: ignore of {', '.join(sorted(d.rules)) or 'every rule'} suppresses nothing"
        out.append(Finding(template.id, template.code, template.severity, Confidence.HIGH, template.title, message, template.why,
                           template.solution, "", template.category, operation, (Evidence(file, int(line or 0), "ignore", "", d.reason or "no reason given"),)))
    return out
