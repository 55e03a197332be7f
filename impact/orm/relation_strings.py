"""A dropped or renamed table's model named by a string in another model's relation declaration.

Django and SQLAlchemy resolve a relation's target from a string, with no import: `models.ForeignKey(
"Role", ...)`, `ForeignKey("app.Role")`, `relationship("DuplicationRule", backref="signal")`; and a
SQLAlchemy column's `ForeignKey("duplication_rule.id")` names the table itself. Once the model (or
its table) goes, the other model no longer configures: those lines go with the table. Each is a
reference to the table (via "model-type", evidence of the dropped-table and renamed-table rules, as
impact.orm.model_types's code naming the model's class is).

Real cases: Netflix/dispatch `2023-02-13_b168b50764c7.py` (commit 7e0ffbe1e5) drops `duplication_rule`
and `suppression_rule`; the authors removed the four `relationship("DuplicationRule" / "SuppressionRule",
...)` lines of Signal and SignalInstance and the association tables' two `ForeignKey("duplication_rule.id")`
/ `ForeignKey("suppression_rule.id")` columns, none reported before (impact.orm.model_types skips
strings: a model's name in UI text or a log message is prose). mathesar's RenameModel Role ->
ConfiguredRole renamed `models.ForeignKey('Role', ...)`.

Decisions: the string is the first argument (or `to=`/`argument=`) of a relation declaration call
on the same line, and is the model's name, optionally after a dotted prefix (an app label, a
module path); a `ForeignKey("<table>.<column>")` names the table, optionally after a schema. Comments
and docstrings are skipped, Python files only, lines already reported are not repeated. Known limit
(xfail in tests/test_relation_strings.py): a call whose string starts the next line
(`ForeignKey(\\n    "Role",`) is not read.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.extract.references import COMMENT_LINE, docstring_lines
from impact.model import ColumnReference, Query
from impact.orm.mapping import OrmMap

VIA = "model-type"
_PYTHON_MODELS = ("django", "sqlalchemy", "sqlmodel")
_RELATIONS = (r"(?<![\w.])(?:[\w.]+\.)?(?:relationship|relation|ForeignKey|OneToOneField|ManyToManyField|ForeignObject"
              r"|ParentalKey|ParentalManyToManyField|GenericRelation)\s*\(\s*(?:(?:to|argument)\s*=\s*)?")


def relation_string_references(texts: Iterable[tuple[str, str, bool, list[Query]]], orm: OrmMap, tables: Iterable[str],
                               known: Iterable[ColumnReference] = ()) -> list[ColumnReference]:
    """Lines of (file, text, generated, resolved queries) Python texts naming a model of `tables` in a relation's string."""
    patterns = []  # (pattern, table, model name)
    for table in dict.fromkeys(tables):
        for model in orm.on_table(table):
            if model.orm in _PYTHON_MODELS and model.name:
                patterns.append((re.compile(rf"""{_RELATIONS}[rbu]?(['"])(?:[\w.]+\.)?{re.escape(model.name)}\1"""), model.table or table, model.name))
        patterns.append((re.compile(rf"""(?<![\w.])(?:[\w.]+\.)?ForeignKey\s*\(\s*[rbu]?(['"])(?:\w+\.)?{re.escape(table)}\.\w+\1"""),
                         table, table))
    if not patterns:
        return []
    seen = {(r.file, r.line, (r.table or "").lower()) for r in known}
    found = []
    for rel, text, generated, _ in texts:
        if generated or not rel.endswith((".py", ".pyi")):
            continue
        wanted = [(p, table, name) for p, table, name in patterns if name in text]
        if not wanted:
            continue
        prose = docstring_lines(text)
        for number, line in enumerate(text.splitlines(), start=1):
            if number in prose or COMMENT_LINE.match(line):
                continue
            code = line.split("#")[0]
            for pattern, table, name in wanted:
                match = pattern.search(code)
                if match and (rel, number, table.lower()) not in seen and not _quoted(code[:match.start()]):
                    seen.add((rel, number, table.lower()))
                    found.append(ColumnReference(rel, number, name, table, "type", False, line.strip()[:160], via=VIA, spelling=name))
    return found


def _quoted(before: str) -> bool:
    """Does a string literal hold the text after `before` (an odd count of one quote kind before it)?"""
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1
