"""What judging produces: findings with evidence, and a judgement for every (operation, query) pair."""
from __future__ import annotations

from dataclasses import dataclass, field

from impact.model import Confidence, Operation


@dataclass(frozen=True)
class Evidence:
    """Where a claim comes from: a code location, or a migration statement."""

    file: str
    line: int
    kind: str  # "query" | "reference" | "statement"
    snippet: str = ""
    detail: str = ""  # e.g. "select_columns conversations(id, title)"
    confidence: Confidence = Confidence.HIGH


@dataclass(frozen=True)
class Finding:
    rule_id: str
    code: str
    severity: str  # breaking | caution | advice
    confidence: Confidence
    title: str
    message: str
    why: str
    solution: str
    safe_sql: str
    category: str
    operation: Operation
    evidence: tuple[Evidence, ...] = ()

    @property
    def statement_line(self) -> int:
        return self.operation.statement.line


@dataclass(frozen=True)
class PairJudgement:
    """One operation against one query: breaks, review or unaffected, and why."""

    operation: int  # index into the migration's operations
    query: int  # index into the scan's queries
    status: str  # "breaks" | "review" | "unaffected"
    reason: str
    rule_id: str = ""


@dataclass
class Judged:
    findings: list[Finding] = field(default_factory=list)
    pairs: list[PairJudgement] = field(default_factory=list)
