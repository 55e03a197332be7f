"""A Django migration and the ones before it, replayed into the operations their SQL makes.

For each Django operation: the SQL Django's PostgreSQL schema editor would run (operations.py),
parsed by impact.sql.parse like any SQL migration, each statement re-pointed at the operation's
lines in the .py file, and the comments right above the operation kept for inline ignores.
What cannot be read statically becomes an `unknown` operation whose error says why.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from impact.formats.base import EarlierMigration, ReadMigration
from impact.formats.django.discover import Node, Project, plan
from impact.formats.django.operations import apply_operation
from impact.formats.django.pyread import Call, Dynamic, OperationCall, Ref
from impact.formats.django.state import NotStatic, ProjectState
from impact.model import Operation, OpKind, Statement
from impact.op_details import Reverse
from impact.sql.parsed import ParsedMigration


@lru_cache(maxsize=8192)
def _parse(text: str) -> ParsedMigration:
    from impact.sql.parse import parse_migration  # the parsers load only when a migration is read

    return parse_migration(text, "postgres")


def read(project: Project, node: Node) -> ReadMigration:
    state = ProjectState(user_model=project.user_model, field_aliases=project.field_aliases)
    earlier = []
    for before in plan(project, node.key):
        parsed, _ = translate(before, state, project.repo)
        earlier.append(EarlierMigration(display(before.path, project.repo), parsed))
    state.notes.clear()  # only what this migration's own operations assumed is worth saying
    parsed, notes = translate(node, state, project.repo)
    notes += list(dict.fromkeys(state.notes))
    if node.module.python2_lines:
        notes.append(f"{node.app}.{node.name} is Python 2: line(s) {', '.join(map(str, node.module.python2_lines))} "
                     "read as their Python 3 spelling (print statements, `except E, e`)")
    if not parsed.statements:
        notes.append(f"{node.app}.{node.name} runs no SQL: its operations only change Django's model state")
    concurrent = [c for c in node.module.operations if _label(c.value) in ("AddIndexConcurrently", "RemoveIndexConcurrently")]
    if concurrent and node.module.atomic:
        notes.append(f"{display(node.path, project.repo)}:{concurrent[0].line} {_label(concurrent[0].value)} in a migration "
                     "without atomic = False: Django refuses to run it (NotSupportedError) — set atomic = False")
    if not node.module.atomic:
        notes.append(f"{node.app}.{node.name} sets atomic = False: Django runs it outside a transaction")
    return ReadMigration(parsed, tuple(earlier), notes=tuple(notes), transactional=node.module.atomic,
                         extra={"django": {"app_label": node.app, "name": node.name}})


def translate(node: Node, state: ProjectState, repo: Path) -> tuple[ParsedMigration, list[str]]:
    statements: list[Statement] = []
    operations: list[Operation] = []
    comments: dict[int, tuple[str, ...]] = {}
    notes: list[str] = []
    where = display(node.path, repo)
    for call in node.module.operations:
        label = _label(call.value)
        try:
            sqls = apply_operation(call.value, state, node.app)
        except NotStatic as exc:
            _unknown(call, label, str(exc), statements, operations, comments)
            notes.append(f"{where}:{call.line} {label} not read statically: {exc}")
            continue
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:  # an unexpected shape: never a crash
            reason = f"impact could not translate it ({type(exc).__name__}: {exc})"
            _unknown(call, label, reason, statements, operations, comments)
            notes.append(f"{where}:{call.line} {label} not read statically: {reason}")
            continue
        if not sqls:
            continue
        text = "\n".join(s.strip().rstrip(";") + ";" for s in sqls if s.strip())
        parsed = _parse(text)
        first = len(statements) + 1
        reverse = _reverse_sql(call.value)
        for st in parsed.statements:
            new = replace(st, index=len(statements) + 1, line=call.line, end_line=call.end_line)
            statements.append(new)
            for op in parsed.operations:
                if op.statement is st:
                    named = label if op.kind in (OpKind.DO_BLOCK, OpKind.UNKNOWN) else op.name
                    undo = op.reverse
                    if reverse is not None:  # the first statement carries the inverse of the whole RunSQL
                        undo = Reverse(reverse_sql=reverse) if new.index == first else Reverse(undone_by=first)
                    operations.append(replace(op, statement=new, name=named, reverse=undo))
        if call.comments:
            comments[first] = call.comments
        if label.startswith("RunPython"):
            notes.append(f"{where}:{call.line} {label} changes data in Python: its effect is not known statically")
    if statements and node.module.file_directives:  # file-wide ignores count wherever they are written
        comments[1] = tuple(dict.fromkeys(comments.get(1, ()) + node.module.file_directives))
    return ParsedMigration(tuple(statements), tuple(operations), comments), notes


def _reverse_sql(value) -> str | None:
    """RunSQL's reverse_sql as SQL text ("" when it has none or is RunSQL.noop); None: not a RunSQL."""
    if not isinstance(value, Call) or value.short != "RunSQL":
        return None
    reverse = value.arg(1, "reverse_sql")
    if reverse is None:
        return ""
    if isinstance(reverse, Ref) and reverse.name.endswith("noop"):
        return "-- reverse_sql is RunSQL.noop: nothing to undo"
    items = [reverse] if isinstance(reverse, str) else list(reverse) if isinstance(reverse, (list, tuple)) else []
    texts = [i if isinstance(i, str) else i[0] for i in items if isinstance(i, str) or (isinstance(i, (list, tuple)) and i and isinstance(i[0], str))]
    return "\n".join(t.strip().rstrip(";") + ";" for t in texts if t.strip()) if texts else ""


def _unknown(call: OperationCall, label: str, reason: str, statements: list, operations: list, comments: dict) -> None:
    st = Statement(len(statements) + 1, call.line, call.end_line, f"-- {label}: not read statically", "none", reason)
    statements.append(st)
    operations.append(Operation(OpKind.UNKNOWN, statement=st, name=label))
    if call.comments:
        comments[st.index] = call.comments


def _label(value) -> str:
    if isinstance(value, Call):
        if value.short == "RunPython":
            code = value.arg(0, "code")
            return f"RunPython({code.name if isinstance(code, Ref) else 'code'})"
        return value.short
    if isinstance(value, Dynamic):
        return "operation"
    return "operation"


def display(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)
