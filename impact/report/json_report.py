"""The JSON report: a stable, versioned contract for CI and other tools.

One envelope for every scan, `--migration` or `--changed`: {schema_version, tool, changed_since
(null for --migration), verdict (the worst), migrations: [one report per migration]}.
Version 2 made the single report use that envelope (version 1 had two shapes).
Bump SCHEMA_VERSION on any breaking change to the shape; adding keys is not breaking.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from json.encoder import encode_basestring

from impact import __version__
from impact.judge.findings import Evidence, Finding, PairJudgement
from impact.model import Operation, Query
from impact.op_details import NotAnalysed, as_json
from impact.pipeline import ScanResult
from impact.report import json_stream
from impact.report.json_stream import INDENT

SCHEMA_VERSION = 2


def operation_dict(op: Operation) -> dict:
    data = {
        "kind": op.kind.value, "table": op.table, "schema": op.schema,
        "column": op.column_name, "new_name": op.new_name, "name": op.name, "if_exists": op.if_exists,
        "statement": op.statement.index, "line": op.statement.line, "parser": op.statement.parser,
    }
    if op.column is not None and op.kind.value in ("add_column", "set_default"):
        data["column_spec"] = asdict(op.column)
    data["details"] = as_json(op.info, op.reverse)  # the typed details, with the keys schema_version 2 had
    if op.statement.error:
        data["error"] = op.statement.error
    return data


def evidence_dict(e: Evidence) -> dict:
    return {"file": e.file, "line": e.line, "kind": e.kind, "snippet": e.snippet, "detail": e.detail, "confidence": e.confidence.value}


def finding_dict(f: Finding) -> dict:
    return {
        "rule": f.rule_id, "code": f.code, "severity": f.severity, "confidence": f.confidence.value,
        "category": f.category, "title": f.title, "message": f.message, "why": f.why, "solution": f.solution,
        "safe_sql": f.safe_sql, "statement": f.operation.statement.index, "line": f.operation.statement.line,
        "operation": f.operation.kind.value, "evidence": [evidence_dict(e) for e in f.evidence],
    }


def query_dict(q: Query) -> dict:
    """A query as the JSON report writes it. The ORM fields (issue 8 §5: so no reader parses `note`)
    only on an ORM query (`orm` or `model` set): written on every query they made a warm scan of the
    generated 5k repo, 500 raw-SQL queries, 0.02 s slower (bench/scale_bench.py) for six nulls each."""
    out = {
        "file": q.file, "line": q.line, "end_line": q.end_line, "language": q.language, "extractor": q.extractor,
        "kind": q.kind.value, "table": q.table, "schema": q.schema, "columns": list(q.columns),
        "filter_columns": list(q.filter_columns), "ambiguous_columns": list(q.ambiguous_columns),
        "columns_known": q.columns_known, "confidence": q.confidence.value, "sql": q.sql, "snippet": q.snippet, "note": q.note,
    }
    if q.orm is not None or q.model is not None:
        out.update({"orm": q.orm, "model": q.model, "model_file": q.model_file, "method": q.method, "all_columns": q.all_columns,
                    "implicit_columns": list(q.implicit_columns)})
    return out


def query_json(q: Query, depth: int) -> str:
    """query_dict(q) as json.dumps(indent=2) writes it at `depth`, for json_stream.Rows (the
    report's largest part; tests/test_json_report_rows.py holds the two to the same text).
    A member of its declared type is encoded inline, any other through json_stream.text."""
    d = depth + 1
    t, e, strs = json_stream.text, encode_basestring, json_stream.strings
    file, language, extractor, kind, confidence = q.file, q.language, q.extractor, q.kind.value, q.confidence.value
    table, schema, sql, snippet, note = q.table, q.schema, q.sql, q.snippet, q.note
    line, end_line, known = q.line, q.end_line, q.columns_known
    orm, model, model_file, method, every = q.orm, q.model, q.model_file, q.method, q.all_columns
    file = e(file) if type(file) is str else t(file, d)
    line = int.__repr__(line) if type(line) is int else t(line, d)
    end_line = int.__repr__(end_line) if type(end_line) is int else t(end_line, d)
    language = e(language) if type(language) is str else t(language, d)
    extractor = e(extractor) if type(extractor) is str else t(extractor, d)
    kind = e(kind) if type(kind) is str else t(kind, d)
    table = e(table) if type(table) is str else t(table, d)
    schema = e(schema) if type(schema) is str else t(schema, d)
    known = ("true" if known else "false") if type(known) is bool else t(known, d)
    confidence = e(confidence) if type(confidence) is str else t(confidence, d)
    sql = e(sql) if type(sql) is str else t(sql, d)
    snippet = e(snippet) if type(snippet) is str else t(snippet, d)
    note = e(note) if type(note) is str else t(note, d)
    i = ",\n" + INDENT * d
    head = (f'{{\n{INDENT * d}"file": {file}{i}"line": {line}{i}"end_line": {end_line}{i}"language": {language}'
            f'{i}"extractor": {extractor}{i}"kind": {kind}{i}"table": {table}{i}"schema": {schema}'
            f'{i}"columns": {strs(q.columns, d)}{i}"filter_columns": {strs(q.filter_columns, d)}'
            f'{i}"ambiguous_columns": {strs(q.ambiguous_columns, d)}{i}"columns_known": {known}{i}"confidence": {confidence}'
            f'{i}"sql": {sql}{i}"snippet": {snippet}{i}"note": {note}')
    if orm is None and model is None:  # not an ORM query: no ORM fields (query_dict)
        return head + f'\n{INDENT * depth}}}'
    orm, model = (e(orm) if type(orm) is str else t(orm, d)), (e(model) if type(model) is str else t(model, d))
    model_file = e(model_file) if type(model_file) is str else t(model_file, d)
    method = e(method) if type(method) is str else t(method, d)
    every = ("true" if every else "false") if type(every) is bool else t(every, d)
    return (head + f'{i}"orm": {orm}{i}"model": {model}'
            f'{i}"model_file": {model_file}{i}"method": {method}{i}"all_columns": {every}'
            f'{i}"implicit_columns": {strs(q.implicit_columns, d)}\n{INDENT * depth}}}')


def judgement_dict(p: PairJudgement) -> dict:
    return {"operation": p.operation, "query": p.query, "status": p.status, "reason": p.reason, "rule": p.rule_id}


def judgement_json(p: PairJudgement, depth: int) -> str:
    """judgement_dict(p) as json.dumps(indent=2) writes it at `depth` (see query_json)."""
    d = depth + 1
    t, e = json_stream.text, encode_basestring
    operation, query, status, reason, rule = p.operation, p.query, p.status, p.reason, p.rule_id
    operation = int.__repr__(operation) if type(operation) is int else t(operation, d)
    query = int.__repr__(query) if type(query) is int else t(query, d)
    status = e(status) if type(status) is str else t(status, d)
    reason = e(reason) if type(reason) is str else t(reason, d)
    rule = e(rule) if type(rule) is str else t(rule, d)
    i = ",\n" + INDENT * d
    return (f'{{\n{INDENT * d}"operation": {operation}{i}"query": {query}{i}"status": {status}{i}"reason": {reason}'
            f'{i}"rule": {rule}\n{INDENT * depth}}}')


def to_dict(result: ScanResult, rows: bool = False) -> dict:
    """The report of one scan; `rows`: its queries and judgements as json_stream.Rows (only
    json_stream can write them), not as dicts."""
    a = result.assessment
    run = result.run
    extra = {}
    if result.trace is not None:  # impact scan --trace
        from impact.report.trace_section import trace_dict

        extra["trace"] = trace_dict(result)
    return extra | {
        "verdict": a.verdict,
        "confidence": a.confidence.value,
        "confidence_reasons": a.confidence_reasons,
        "migration": {
            "path": result.migration_rel, "dialect": result.dialect, "statements": len(result.parsed.statements),
            "not_understood": [op.statement.index for op in result.parsed.unknown],
            "not_analysed": [op.statement.index for op in result.parsed.unknown if op.of(NotAnalysed)],
            "notices": [{"line": n.line, "end_line": n.end_line, "skipped": n.what} for n in result.parsed.notices],
            "schema_source": result.schema_source,
            "format": result.migration.format, "notes": list(result.read.notes) if result.read else [],
        },
        "operations": [operation_dict(c.op) for c in result.contexts],
        "findings": [finding_dict(f) for f in sorted(result.findings, key=_finding_order)],
        "queries": json_stream.Rows(result.queries, query_json) if rows else [query_dict(q) for q in result.queries],
        "judgements": json_stream.Rows(result.pairs, judgement_json) if rows else [judgement_dict(p) for p in result.pairs],
        "query_patterns": [{"kind": p.kind.value, "label": p.label, "count": p.count, "status": p.status, "reason": p.reason} for p in a.patterns],
        "references": [{"file": r.file, "line": r.line, "column": r.column, "table": r.table, "context": r.context, "generated": r.generated, "inferred": r.inferred, "via": r.via, "spelling": r.spelling, **({"type_only": True} if r.type_only else {}), **({"handed_on": r.handed_on} if r.handed_on else {})} for r in result.references],
        "assessment": {k: {"status": d.status, "summary": d.summary, "items": d.items} for k, d in a.dimensions.items()},
        "rollback": [{"sql": s.sql, "statement": s.statement, "irreversible": s.irreversible, "note": s.note} for s in result.rollback],
        "verification": [{"name": c.name, "sql": c.sql, "expect": c.expect} for c in result.verification],
        "config": {"source": result.config.source, "pg_version": result.config.pg_version, "rules": dict(result.config.rules)},
        "file_issues": [{"file": i.file, "reason": i.reason} for i in run.file_issues],
        "suppressions": [{"rule": s.rule, "scope": s.directive.scope, "where": s.directive.where, "reason": s.directive.reason, "suppressed": s.what}
                         for s in result.suppressed],
        "stats": {
            "files_scanned": run.files_seen, "files_matched": run.files_matched, "files_parsed": run.files_parsed,
            "cache_hits": run.cache_hits, "files_skipped": sum(run.skipped.values()), "skipped": dict(run.skipped),
            "generated_files": run.generated_files, "queries": len(result.queries), "seconds": round(result.seconds, 3),
        },
    } | ({"other_database": [{"file": q.file, "line": q.line, "table": q.table, "reason": why} for q, why in result.other_database]}
         if result.other_database else {})


def _finding_order(f: Finding) -> tuple:
    """The view's order (severity, then what it breaks), so every format lists findings alike."""
    from impact.report.view import finding_order

    return finding_order(f)


def envelope(results: list[ScanResult], base: str | None, rows: bool = False) -> dict:
    """The one shape of every scan's JSON (see the module doc); `rows` as in to_dict."""
    from impact.report.view import Verdict

    verdict = Verdict.worst(r.assessment.verdict for r in results).value if results else "safe"
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "impact", "version": __version__}, "changed_since": base,
            "verdict": verdict, "migrations": [to_dict(r, rows) for r in results]}


def render(result: ScanResult) -> str:
    return json.dumps(envelope([result], None), indent=2, ensure_ascii=False) + "\n"
