"""Keys of a changed column in the options of a call on a service typed on a TypeORM entity.

Applications reach an entity through a class of their own parameterised by it: TypeORM's custom
repository (`class TicketRepository extends Repository<Ticket>`) or a project's generic data service
(oneuptime: `class LlmCostBudgetService extends DatabaseService<Model>`, its module exporting an
instance, `export default new LlmCostBudgetService()`). The options its methods take are typed on
the entity (`select: Select<Model>`, `query: Query<Model>`, `data: Model`), so a key directly in the
`select`, `where`, `query`, `data`, `order` or `sort` object of the first argument of a call on such
a service (`LlmCostBudgetService.findBy({ query: {...}, select: { alertSeverityId: true } })`) is the
entity's property; when the entity maps it to the changed column it is attributed to the entity's
table (via "orm-service"), for the name-only references left by the other passes only.

Measured on real history (bench/accuracy: oneuptime's LlmCostBudget columns): 1 line added
(`alertSeverityId: true` in `LlmCostBudgetService.findBy({ ..., select: {...} })`: several entities
declare `alertSeverityId`, so the name alone told no table), changed by the authors; nothing else.

A receiver is tied to a service class by: `this` inside the class body; in another file, the
instance its module exports (`export default new S()`, `export const s = new S()`) imported under
any local name; or a name annotated with the class imported from its module (NestJS's
`private readonly tickets: TicketService`, then `this.tickets.findBy({...})`).

Decisions: the type argument is the entity only where it resolves to the entity's module (its own
file, or an import of that local name from it, `import Model from "../Models/LlmCostBudget"`; a path
impact cannot resolve counts only when the name is the entity class's own:
impact.orm.import_sources); a service is the class its receiver's import resolves to, read on
demand (a relative path's module is read even where it names no changed column); keys of
nested objects (a relation's `onCallDutyPolicies: { _id: true }`) are the related entity's, not
counted; other options (`props: { isRoot: true }`) are not the entity's.
Known limits: the service's methods are not read (which of them writes, which reads, which selects
every column): its calls are not queries, only their keys are references; an instance built in
another module than the class's (`const s = new S()` elsewhere) is not followed; a service module
imported by a package path (`Common/Server/Services/S`) resolves only to a file the scan read
(impact.orm.import_sources: one naming the migration's tables, columns or models).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from impact.extract.typescript.calls import IDENT, arguments, call_after
from impact.extract.typescript.scan import Scanned, scan
from impact.model import ColumnReference
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files
from impact.orm.import_sources import IMPORT, ImportSources, imports_of
from impact.orm.mapping import OrmMap, OrmModel
from impact.orm.typeorm_typed import affected_entities

VIA = "orm-service"
OPTIONS = frozenset({"select", "where", "query", "data", "order", "sort"})
_SERVICE = re.compile(rf"\bclass\s+({IDENT})\s*(?:<[^>{{]*>\s*)?extends\s+[\w$.]+\s*<\s*({IDENT})\s*[,>]")
_KEY = re.compile(rf"({IDENT})\s*[?!]?\s*:")
_SHORTHAND = re.compile(rf"({IDENT})\s*$")
_OPTION = re.compile(r"(?<![\w$])(?:" + "|".join(sorted(OPTIONS)) + r")\s*:\s*\{")


def attribute_service_keys(references: list[ColumnReference], texts: Mapping[str, str], orm: OrmMap, tables: list[str],
                           read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """`read(file)`: a module's text, to resolve the imports of entities and services."""
    wanted = {(r.file, r.line) for r in references if r.via == "name-only" and r.context == "property" and r.file.endswith(_TS)}
    entities = affected_entities(orm, tables) if wanted else {}
    if not entities:
        return references
    sources = ImportSources(dict(texts), read, (m.file for m in entities.values()))
    services = _Services(entities, sources)
    keys: dict[tuple[str, int, str], OrmModel] = {}  # (file, line, key) -> entity
    for rel in sorted({file for file, _ in wanted}):
        text = texts.get(rel, "")
        if not _OPTION.search(text):  # no option object to read: its imports are not resolved
            continue
        receivers = _receivers(rel, text, services, sources)
        mine = services.declared(rel, text)
        if receivers or mine:
            keys.update(_option_keys(rel, scan(text), receivers, mine))
    out = []
    for ref in references:
        model = keys.get((ref.file, ref.line, ref.spelling or ref.column)) if ref.via == "name-only" and ref.context == "property" else None
        if model is not None and (model.column_for(ref.spelling or ref.column) or "").lower() == ref.column.lower():
            ref = replace(ref, table=model.table, via=VIA, inferred=False)
        out.append(ref)
    return out


class _Services:
    """The service classes each module declares, read on demand: [(class, its entity, the class body's span)]."""

    def __init__(self, entities: dict[str, OrmModel], sources: ImportSources) -> None:
        self.entities, self.sources, self.by_module = entities, sources, {}

    def declared(self, rel: str, text: str | None = None) -> list[tuple[str, OrmModel, tuple[int, int]]]:
        if rel not in self.by_module:
            text = self.sources.text(rel) if text is None else text
            found = []
            for match in _SERVICE.finditer(text or "") if text and "extends" in text else ():
                model = _entity_of(rel, text, match.group(2), self.entities, self.sources)
                if model is not None:
                    scanned = scan(text)
                    opening = scanned.masked.find("{", match.end())
                    closing = scanned.closing(opening) if opening >= 0 else None
                    found.append((match.group(1), model, (opening, closing or len(text))))
            self.by_module[rel] = found
        return self.by_module[rel]


def _entity_of(rel: str, text: str, name: str, entities: dict[str, OrmModel], sources: ImportSources) -> OrmModel | None:
    """The entity the type name `name` is in `rel`: the class in its own file, or imported from its module."""
    owned = entities.get(name)
    if owned is not None and owned.file == rel:
        return owned
    for spec in imports_of(text, name):
        for model in entities.values():
            answer = sources.source(rel, spec, name, model.file)
            if answer or (answer is None and model is owned):
                return model
    return None


def _receivers(rel: str, text: str, services: _Services, sources: ImportSources) -> dict[str, OrmModel]:
    """Local name -> entity: a service module's exported instance, or a name typed with its class."""
    found: dict[str, OrmModel] = {}
    for match in IMPORT.finditer(text):
        module = sources.resolve(rel, match.group(2))
        classes = [(name, model) for name, model, _ in services.declared(module)] if module else []
        if not classes:
            continue
        module_text = sources.text(module) or ""
        bindings = match.group(1).strip()
        default = re.match(rf"({IDENT})\s*(?:,|$)", bindings)
        for name, model in classes:
            if default and re.search(rf"\bexport\s+default\s+new\s+{re.escape(name)}\s*\(", module_text):
                found[default.group(1)] = model
            for exported in re.findall(rf"\bexport\s+const\s+({IDENT})\s*(?::[^=]+)?=\s*new\s+{re.escape(name)}\s*\(", module_text):
                local = re.search(rf"(?<![\w$]){re.escape(exported)}(?:\s+as\s+({IDENT}))?\s*(?:,|}})", bindings)
                if local:
                    found[local.group(1) or exported] = model
            local = re.search(rf"(?<![\w$]){re.escape(name)}(?:\s+as\s+({IDENT}))?\s*(?:,|}})", bindings)
            if local:  # the class itself: names annotated with it hold an instance
                typed = re.escape(local.group(1) or name)
                for holder in re.findall(rf"({IDENT})\s*[?!]?\s*:\s*{typed}\s*[,;)=\n]", text):
                    found.setdefault(holder, model)
    return found


def _option_keys(rel: str, scanned: Scanned, receivers: dict, mine: list) -> dict[tuple[str, int, str], OrmModel]:
    """(file, line, key) -> entity: keys directly in a `select`/`where`/... option of a call on a service
    (`receivers`: local names -> entity; `mine`: the services `rel` declares, for `this.method(...)`)."""
    names = "|".join(map(re.escape, sorted(receivers, key=len, reverse=True)))
    pattern = rf"(?<![\w$.])(?:this\s*\.\s*)?({names})\s*[?!]?\.\s*({IDENT})" if names else None
    found: dict[tuple[str, int, str], OrmModel] = {}
    calls = []
    if pattern:
        for match in re.finditer(pattern, scanned.masked):
            calls.append((receivers[match.group(1)], match.group(2), match.start(2) - 1, match.end(2)))
    for match in re.finditer(rf"(?<![\w$.])this\s*\.\s*({IDENT})", scanned.masked):
        owner = next((model for _, model, (start, end) in mine if start < match.start() < end), None)
        if owner is not None:
            calls.append((owner, match.group(1), match.start(1) - 1, match.end(1)))
    for model, method, dot, end in calls:
        call = call_after(scanned, method, dot, end)
        if call is None or not call.args or scanned.masked[call.args[0][0]] != "{":
            continue
        for key, _, value in _entries(scanned, call.args[0][0]):
            if key in OPTIONS and value is not None and scanned.masked[value] == "{":
                for field, line, _ in _entries(scanned, value):
                    found.setdefault((rel, line, field), model)
    return found


def _entries(scanned: Scanned, open_at: int) -> list[tuple[str, int, int | None]]:
    """(key, its line, where its value starts) for the plain keys of the object literal at `open_at`."""
    close = scanned.closing(open_at)
    if close is None:
        return []
    entries = []
    for start, end in arguments(scanned, open_at, close):
        key = _KEY.match(scanned.masked, start, end)
        if key is not None:
            value = key.end()
            while value < end and scanned.masked[value].isspace():
                value += 1
            entries.append((key.group(1), scanned.line_of(start), value if value < end else None))
        elif _SHORTHAND.fullmatch(scanned.masked, start, end):  # `{ status }`
            entries.append((scanned.masked[start:end], scanned.line_of(start), None))
    return entries
