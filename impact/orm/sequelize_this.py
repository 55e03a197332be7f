"""`this.emoji` in a Sequelize model's own class or define() call: the model's row, so its table's.

Inside the class of a model (`class Document extends ParanoidModel { ... toNavigationNode() {
return { emoji: this.emoji } } }`) and inside the define() or init() call that declares it (an
instance method or getter among its options: `getterMethods: { info() { return { maxQuantity:
this.maxQuantity } } }`), `this` is an instance of the model: a property read on it names the
model's attribute. When the model maps the name to a changed column, a reference no other pass
placed (`name-only`: a field name two affected models share) is attributed to the model's table
(via "typed-receiver": evidence for that table only).

Measured on real history (bench/accuracy): outline's `documents.emoji` drop (`this.emoji` in
Document.ts: `emoji` is also a column of revisions) and opencollective's `Collectives.maxQuantity`
(`this.maxQuantity` in the define() options of Collective.js): 2 lines, both changed by the authors.

Decisions: the class is the one named as the model's class or define() variable in the model's own
file, its braces followed; the call spans from the model's line to its closing parenthesis. Known
limits: a nested `function () {}` rebinding `this` inside a method is not told apart; methods added
later (`Model.prototype.x = function () { this.y }`) are not read.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from impact.extract.typescript.classes import class_body
from impact.extract.typescript.scan import scan
from impact.model import ColumnReference
from impact.orm.mapping import OrmMap, OrmModel

VIA = "typed-receiver"
_THIS_READ = r"(?<![\w$.])this\s*[?!]?\.\s*{name}(?![\w$])"


def attribute_this_reads(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap, tables: list[str]) -> list[ColumnReference]:
    wanted = {t.lower() for t in tables}
    models = {}
    for m in orm.models:
        if m.orm == "sequelize" and (m.table or "").lower() in wanted:
            models.setdefault(m.file, []).append(m)
    return attribute_own_reads(references, texts, models, "this", _THIS_READ, _spans, VIA)


def attribute_own_reads(references: list[ColumnReference], texts: Mapping[str, str], models: Mapping[str, list],
                        receiver: str, read: str, spans_of, via: str) -> list[ColumnReference]:
    """`this.x` / `self.x` (`read`, a pattern of `{name}`) in a model's own code: `spans_of(text, models)`
    gives (first line, last line, model) of each model's body in its file (`models`: file -> the
    affected models it declares). A name-only property that model maps to the changed column is its
    table's (impact.orm.python_self shares this)."""
    candidates = [r for r in references if r.via == "name-only" and r.context == "property" and r.file in models and receiver in r.snippet]
    if not candidates:
        return references
    spans = {rel: spans_of(texts.get(rel, ""), models[rel]) for rel in {r.file for r in candidates}}
    chosen = {id(r) for r in candidates}
    out = []
    for ref in references:
        if id(ref) in chosen:
            name = ref.spelling or ref.column
            model = next((m for first, last, m in spans[ref.file] if first <= ref.line <= last), None)
            if (model is not None and (model.column_for(name) or "").lower() == ref.column.lower()
                    and re.search(read.format(name=re.escape(name)), ref.snippet)):
                ref = replace(ref, table=model.table, via=via, inferred=False)
        out.append(ref)
    return out


def _spans(text: str, models: list[OrmModel]) -> list[tuple[int, int, OrmModel]]:
    """(first line, last line, model) of each model's class body and of its declaring call."""
    if not text:
        return []
    scanned, found = scan(text), []
    for model in models:
        for name in {n for n in (*model.accessors, model.name) if n}:
            body = class_body(scanned, name)
            if body:
                found.append((scanned.line_of(body[0]), scanned.line_of(body[1]), model))
        call = _call_span(scanned, model.line)
        if call:
            found.append((*call, model))
    return found


def _call_span(scanned, line: int) -> tuple[int, int] | None:
    """The lines of the `.define(` / `.init(` call starting on `line`."""
    starts = [m for m in re.finditer(r"\.\s*(?:define|init)\s*\(", scanned.masked) if scanned.line_of(m.start()) == line]
    if not starts:
        return None
    opening = starts[0].end() - 1
    closing = scanned.closing(opening)
    return (line, scanned.line_of(closing)) if closing is not None else None
