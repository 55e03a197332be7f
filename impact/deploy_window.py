"""The release still running: judge the migration against the code at BASE as well as at HEAD.

A migration runs while the previously deployed code still serves. With `migrations_run =
"before-deploy"` (the default: most pipelines migrate, then roll out), the code at BASE (the
merge-base of the pull request) meets the new schema: a DROP or RENAME that this change's code no
longer needs still breaks the release that is running. With `"after-deploy"`, the new code meets
the old schema: a column this change's code starts reading does not exist yet.

The BASE tree is read with `git archive` into a temporary folder: the scanned repo's working
tree and index are never touched.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from impact.errors import InputError
from impact.judge.findings import Evidence, Finding
from impact.model import OpKind

BREAKING_CODE_RULES = ("dropped-column-still-used", "renamed-column-still-used", "dropped-table-still-used",
                       "renamed-table-still-used", "insert-omits-required-column", "retyped-column-used")
RUNNING_RULE = "running-release-breaks"
EARLY_RULE = "code-reads-column-before-migration"


@dataclass
class Release:
    """The running release: the code at `rev`, extracted into a temporary folder."""

    rev: str
    label: str  # short commit and the name it was given
    tree: Path
    holder: tempfile.TemporaryDirectory = field(repr=False, default=None)

    def close(self) -> None:
        if self.holder is not None:
            self.holder.cleanup()


def checkout_release(repo: Path, base: str) -> Release:
    """The merge-base of `base` and HEAD, as files in a temporary folder (the repo's sub-folder only)."""
    merge_base = _git(repo, "merge-base", base, "HEAD").strip()
    prefix = _git(repo, "rev-parse", "--show-prefix").strip()
    holder = tempfile.TemporaryDirectory(prefix="impact-release-")
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", merge_base, *([prefix] if prefix else [])],
                             capture_output=True, timeout=300)
    if archive.returncode != 0:
        holder.cleanup()
        raise InputError(f"git archive of {base} failed: {archive.stderr.decode(errors='replace').strip()[:200]}",
                         "check that BASE is a revision this repository has (fetch it first in CI)")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(holder.name, filter="data")  # the data filter refuses links and paths out of the folder
    tree = Path(holder.name) / prefix
    tree.mkdir(parents=True, exist_ok=True)
    return Release(merge_base, f"{merge_base[:8]} ({base})", tree, holder)


def _git(repo: Path, *args: str) -> str:
    from impact.changed import _git as run

    return run(repo, *args)


def running_release_findings(head: list[Finding], release: list[Finding], contexts, label: str, templates: dict) -> list[Finding]:
    """Breaks of the running release that the change's own code no longer has (the change fixed its
    code and drops in the same deploy): one finding per operation, its evidence at BASE."""
    template = templates.get(RUNNING_RULE)
    if template is None:
        return []
    by_op = {id(ctx.op): ctx for ctx in contexts}
    still = {(f.rule_id, f.operation.statement.index, e.file, e.snippet) for f in head for e in f.evidence}
    gone: dict[int, list[Evidence]] = {}
    for finding in release:
        if finding.rule_id in BREAKING_CODE_RULES:
            for e in finding.evidence:
                if (finding.rule_id, finding.operation.statement.index, e.file, e.snippet) not in still:
                    gone.setdefault(id(finding.operation), []).append(replace(e, detail=f"at the running release {label}: {e.detail}"))
    return [_finding(template, by_op[key], tuple(dict.fromkeys(evidence)), {"release": label}) for key, evidence in gone.items()]


def early_reader_findings(contexts, head_queries, release_queries, templates: dict) -> list[Finding]:
    """`after-deploy`: queries of the new code that name a column this migration adds (or renames
    to), which the running release does not: they fail until the migration has run."""
    template = templates.get(EARLY_RULE)
    if template is None:
        return []
    before = {(q.file, q.snippet) for q in release_queries}
    found = []
    for ctx in contexts:
        new = ctx.op.column_name if ctx.op.kind is OpKind.ADD_COLUMN else ctx.op.new_name if ctx.op.kind is OpKind.RENAME_COLUMN else None
        if not new or not ctx.op.table:
            continue
        readers = [q for q in head_queries if q.table and q.table.lower() == ctx.op.table.lower()
                   and q.names_column(new) and (q.file, q.snippet) not in before]
        if readers:
            evidence = tuple(Evidence(q.file, q.line, "query", q.snippet, f"{q.kind.value} {q.table} names {new}", q.confidence) for q in readers)
            found.append(_finding(template, ctx, evidence, {"read_column": new}))
    return found


def _finding(template, ctx, evidence: tuple[Evidence, ...], values: dict[str, str]) -> Finding:
    from impact.judge.engine import format_message

    def text(raw: str) -> str:
        for key, value in values.items():
            raw = raw.replace("{" + key + "}", value)
        return format_message(raw, ctx, len(evidence))

    return Finding(
        rule_id=template.id, code=template.code, severity=template.severity,
        confidence=max((e.confidence for e in evidence), key=lambda c: c.rank), title=template.title,
        message=text(template.message), why=text(template.why), solution=text(template.solution),
        safe_sql=text(template.safe_sql), category=template.category, operation=ctx.op, evidence=evidence,
    )
