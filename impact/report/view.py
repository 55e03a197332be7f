"""The one view of a scan result that every format renders, computed once.

Decisions:
- Findings are ordered by severity, then by what they break: a finding with code evidence (queries
  that fail) before one about the migration alone, more evidence first, then statement order.
- Each piece of code evidence is shown once (by file:line), under the most important finding that
  has it; a later finding counts what it shares (`also`) instead of listing it again.
- Advice a rule gives for several statements, with no code evidence, is one grouped item
  ("4 statements: …") with the fix said once. Breaking and caution findings are never grouped:
  each names its own object (index, column) and has its own safer SQL.
- References the scan cannot attribute to a table (via "name-only") are only counted.
- Prose from rules is unwrapped here (hard line breaks inside a paragraph are joined), so every
  format can wrap it to its own width or not at all.
- Advice with code evidence is never grouped (its places differ per statement); none exists today.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from impact.judge.findings import Evidence, Finding
from impact.pipeline import ScanResult
from impact.test_paths import is_test_path

CODE_KINDS = ("query", "reference")
# Shown under a finding too, though no code: the migration statement that created a view, index,
# policy or function the change breaks (IMP106's "change the listed objects first" lists them).
SHOWN_KINDS = (*CODE_KINDS, "database object")


class Severity(str, Enum):
    """A finding's severity; a `str` so it compares equal to the judge's plain strings."""

    BREAKING = "breaking"
    CAUTION = "caution"
    ADVICE = "advice"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


class Verdict(str, Enum):
    SAFE = "safe"
    CAUTION = "caution"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]

    @staticmethod
    def worst(verdicts) -> "Verdict":
        return max((Verdict(v) for v in verdicts), key=lambda v: v.rank, default=Verdict.SAFE)


class Status(str, Enum):
    """What the migration does to one query."""

    BREAKS = "breaks"
    REVIEW = "review"
    UNAFFECTED = "unaffected"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @property
    def label(self) -> str:
        return {"breaks": "BREAKS", "review": "REVIEW", "unaffected": "SAFE"}[self.value]


# One ranking for all three: higher is worse.
_SEVERITY_RANK = {Severity.ADVICE: 0, Severity.CAUTION: 1, Severity.BREAKING: 2}
_VERDICT_RANK = {Verdict.SAFE: 0, Verdict.CAUTION: 1, Verdict.BREAKING: 2}
_STATUS_RANK = {Status.UNAFFECTED: 0, Status.REVIEW: 1, Status.BREAKS: 2}


@dataclass(frozen=True)
class Item:
    """One finding as shown, or several findings of one rule grouped."""

    finding: Finding  # the first (or only) one: rule, title, fix
    severity: Severity
    evidence: tuple[Evidence, ...]  # code evidence first shown here, by file:line
    also: int = 0  # code evidence already shown under a more important item
    statements: tuple[int, ...] = ()  # statement indexes; more than one when grouped
    lines: tuple[int, ...] = ()  # the statements' first lines, in the same order
    message: str = ""  # the finding's message, or the grouped one
    solution: str = ""  # unwrapped prose
    fix_given_at: int | None = None  # the same fix was given for this earlier statement: say so, not again

    @property
    def grouped(self) -> bool:
        return len(self.statements) > 1


@dataclass
class View:
    result: ScanResult
    verdict: Verdict
    migration: str  # short display path of the migration
    items: list[Item]
    status: list[Status]  # per query, by index into result.queries
    counts: dict[Status, int]
    breaking_sites: list[tuple[str, int]]  # file:line of queries that break, in order
    references: list  # attributed references not already shown as evidence
    unattributed: dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return self.result.run.files_seen

    def by_severity(self, severity: Severity) -> list[Item]:
        return [i for i in self.items if i.severity is severity]

    @property
    def in_tests(self) -> str:
        """` (28 in tests)` when some breaking sites, not all, are test files (listed after the code)."""
        tests = sum(is_test_path(file) for file, _ in self.breaking_sites)
        return f" ({tests} in tests)" if tests and tests < len(self.breaking_sites) else ""

    def what_breaks(self) -> str:
        """One line: what breaks, where; or why nothing in the code does."""
        breaks = self.counts[Status.BREAKS]
        if breaks:
            return f"{plural(breaks, 'query', 'queries')} {'break' if breaks != 1 else 'breaks'}{self.in_tests}: {short_sites(self.breaking_sites)}"
        breaking = self.by_severity(Severity.BREAKING)
        # Code a breaking finding points at that is no query (the dropped model's name, its
        # declaration): "no query found breaks, but … still queried by the code" read as a contradiction.
        places = sorted({(e.file, e.line) for i in breaking for e in i.evidence if e.kind == "reference"})
        if places:
            return (f"no query found, but {plural(len(places), 'place')} in the code {'break' if len(places) != 1 else 'breaks'}: "
                    f"{short_sites(places)}")
        if breaking:
            return f"no query found breaks, but the migration does: {_counted(i.finding.title for i in breaking)}"
        review = self.counts[Status.REVIEW]
        if review:
            return f"nothing breaks; {plural(review, 'query', 'queries')} to review"
        total = len(self.result.queries)
        return f"nothing breaks: {plural(total, 'query', 'queries')} on {', '.join(self.result.affected_tables) or 'the changed tables'} unaffected" if total else "nothing breaks: no query on the changed tables"

    def summary(self) -> str:
        """The closing line of every human format."""
        c = self.counts
        return (f"{self.verdict.value.upper()} · {c[Status.BREAKS]} break, {c[Status.REVIEW]} to review, "
                f"{c[Status.UNAFFECTED]} unaffected · {plural(self.files, 'file')} · {self.result.seconds:.1f} s")


def build(result: ScanResult) -> View:
    items = _items(result.findings)
    status = query_status(result)
    counts = {s: sum(x is s for x in status) for s in Status}
    sites = sorted({(e.file, e.line) for i in items if i.severity is Severity.BREAKING for e in i.evidence if e.kind == "query"})
    # A site that breaks through a query listed by a non-breaking item still breaks (status wins).
    # The code a deploy runs first, its tests after (inbox-zero: eight test files filled the headline).
    sites = sorted(set(sites) | {(q.file, q.line) for q, s in zip(result.queries, status) if s is Status.BREAKS},
                   key=lambda site: (is_test_path(site[0]), site))
    shown = {(e.file, e.line) for i in items for e in i.evidence}
    refs = [r for r in result.references if r.context != "sql" and r.via != "name-only" and (r.file, r.line) not in shown]
    refs = list({(r.file, r.line): r for r in refs}.values())
    return View(result, Verdict(result.assessment.verdict), display_path(result), items, status, counts, sites, refs,
                result.unattributed)


def _items(findings: list[Finding]) -> list[Item]:
    return _shown_in_order(_groups(findings))


def items_by_statement(findings: list[Finding]) -> list[Item]:
    """The items in the terminal's order: per statement (in the order of its most important item)
    its items, then those over several statements. "Shown above" and "as for statement N" are told
    in the order the reader meets them: in the severity order, openpanel's rename said "as for
    statement 21 above" under statement 1, the first one printed."""
    single: dict[int, list[list[Finding]]] = {}
    several = []
    for members in _groups(findings):
        statements = {f.operation.statement.index for f in members}
        if len(statements) > 1:
            several.append(members)
        else:
            single.setdefault(members[0].operation.statement.index, []).append(members)
    return _shown_in_order([members for groups in single.values() for members in groups] + several)


def _groups(findings: list[Finding]) -> list[list[Finding]]:
    ordered = sorted(findings, key=finding_order)
    groups: dict[tuple, list[Finding]] = {}
    for f in ordered:
        code = [e for e in f.evidence if e.kind in CODE_KINDS]
        key = (f.rule_id, "group") if Severity(f.severity) is Severity.ADVICE and not code else (id(f),)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def _shown_in_order(groups: list[list[Finding]]) -> list[Item]:
    """Items for finding groups in the order they are shown: code evidence once (`also` counts the
    repeats), and a fix already given for an earlier statement named by it."""
    seen: set[tuple[str, int]] = set()
    fixes: dict[tuple[str, str], int] = {}
    items = []
    for members in groups:
        first = members[0]
        evidence, also = [], 0
        for e in (e for f in members for e in f.evidence if e.kind in SHOWN_KINDS):
            if (e.file, e.line) in seen:
                also += 1
                continue
            seen.add((e.file, e.line))
            evidence.append(e)
        # One line per statement: two statements may share one (logto's two ALTERs in one sql`...`).
        at: dict[int, int] = {}
        for f in members:
            at.setdefault(f.operation.statement.index, f.statement_line)
        statements, lines = tuple(at), tuple(at.values())
        title = prose(first.title)
        message = first.message if len(statements) == 1 else f"{len(statements)} statements: {title[:1].lower() + title[1:]}"
        given = fixes.setdefault((first.rule_id, first.solution), statements[0])
        items.append(Item(first, Severity(first.severity), tuple(evidence), also, statements, lines, prose(message), prose(first.solution),
                          given if given != statements[0] else None))
    return items


def finding_order(f: Finding) -> tuple:
    code = [e for e in f.evidence if e.kind in CODE_KINDS]
    breaks = [e for e in code if e.kind == "query"]
    # A statement that will fail at deploy (a breaking correctness finding) comes first of all.
    fails = f.severity == "breaking" and f.category == "correctness"
    return (-Severity(f.severity).rank, not fails, -len(breaks), -len(code), f.operation.statement.index, f.code)


def query_status(result: ScanResult) -> list[Status]:
    worst = [Status.UNAFFECTED] * len(result.queries)
    for p in result.pairs:
        s = Status(p.status)
        if s.rank > worst[p.query].rank:
            worst[p.query] = s
    return worst


def display_path(result: ScanResult) -> str:
    """The migration relative to the repo; one outside it by its name (short, and stable in goldens)."""
    rel = result.migration_rel
    return rel if not Path(rel).is_absolute() else Path(rel).name


def short_sites(sites: list[tuple[str, int]], limit: int = 8) -> str:
    """`a.ts:3, :9, b.ts:4` — a file named once for its consecutive lines."""
    parts, previous = [], None
    for file, line in sites[:limit]:
        parts.append(f":{line}" if file == previous else f"{file}:{line}")
        previous = file
    more = f" and {len(sites) - limit} more" if len(sites) > limit else ""
    return ", ".join(parts) + more


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


_LIST_LINE = re.compile(r"^\s*([-*•]|\d+[.)])\s")


def prose(text: str) -> str:
    """Join hard-wrapped lines into paragraphs; keep blank lines, list items and indented (code) lines."""
    out: list[str] = []
    for line in text.strip().splitlines():
        joinable = out and out[-1].strip() and line.strip() and not _LIST_LINE.match(line) and not line.startswith("  ")
        if joinable and not out[-1].startswith("  "):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def _counted(titles) -> str:
    """Each title once, in first-seen order, with how many findings share it: `A (2); B`."""
    counts: dict[str, int] = {}
    for title in titles:
        counts[title] = counts.get(title, 0) + 1
    return "; ".join(f"{title} ({n})" if n > 1 else title for title, n in counts.items())
