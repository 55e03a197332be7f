"""Django ORM queries: `Note.objects.filter(owner=u).values("title")`, `.update(...)`,
`.create(...)`, `.delete()`, `get_object_or_404(Note, pk=1)`, and instance writes
(`Note(title=t).save()`, `note = Note.objects.get(pk=1); note.save(update_fields=["title"])`).

Lookups are read up to their first `__` (`owner__email__iexact` -> `owner`, a field of this
model, whose column is `owner_id`); the join they imply is not followed.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m
from libcst.helpers import get_full_name_for_node

from impact.extract.python.facts import Chain, Facts, Link, iter_nodes, literal_text
from impact.extract.python.models import ModelInfo
from impact.extract.python.orm import OrmUse
from impact.model import QueryKind

EXTRACTOR = "django"
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
FILTERS = frozenset({"filter", "exclude", "get"})
FIELD_NAME_ARGS = frozenset({"order_by", "distinct", "latest", "earliest", "select_related", "annotate",
                             "aggregate", "alias", "dates", "datetimes"})
# Expressions naming a field by string: F("views"), Count("tags"), ...
FIELD_EXPRESSIONS = frozenset({"F", "Count", "Sum", "Avg", "Max", "Min", "StdDev", "Variance", "ArrayAgg",
                               "StringAgg", "Coalesce", "Lower", "Upper", "Length", "Trunc", "TruncDate",
                               "ExtractYear", "Cast"})
# Methods returning one model instance: what follows acts on that row.
RETURNS_INSTANCE = frozenset({"get", "first", "last", "latest", "earliest", "create", "create_user",
                              "create_superuser", "get_object_or_404"})


def django_uses(facts: Facts, registry: dict[str, ModelInfo]) -> list[OrmUse]:
    finder = _Finder(facts, registry)
    continued = facts.continued_chains()
    return [use for chain in facts.chains if id(chain) not in continued for use in finder.uses(chain)]


class _Finder:
    def __init__(self, facts: Facts, registry: dict[str, ModelInfo]) -> None:
        self.facts = facts
        self.registry = registry
        self.django_file = facts.mentions("django") or any(m.framework == "django" for m in registry.values())

    def model(self, node: cst.BaseExpression | None) -> str | None:
        if not isinstance(node, cst.Name):
            return None
        name = node.value
        known = self.registry.get(name)
        if known is not None:
            return name if known.framework == "django" else None
        return name if name[:1].isupper() and not name.isupper() else None

    def uses(self, chain: Chain) -> list[OrmUse]:
        """The queries of a finished chain, read from the earliest step that starts a queryset
        (a chain may continue one held in a variable: `qs = Note.objects.all(); qs.filter(...)`)."""
        lineage = self.facts.lineage(chain)
        end_line = self.facts.lines(chain.node)[1]
        for position, part in enumerate(lineage):
            links = [link for later in lineage[position:] for link in later.links]
            uses = self._from(part.base, links, self.facts.chain_line(part), end_line)
            if uses is not None:
                return uses
        return []

    def _from(self, base: cst.BaseExpression | None, links: list[Link], line: int,
              end_line: int) -> list[OrmUse] | None:
        first = links[0]
        if first.call is None and first.name in MANAGERS and self.model(base):
            return _QuerySet(self, base.value, line, end_line).read(links[1:])
        if base is None and first.name in SHORTCUTS and first.call is not None and first.call.args:
            model = self.model(first.call.args[0].value)
            return _QuerySet(self, model, line, end_line).read(links) if model else None
        if base is None and first.call is not None and self.django_file and self.model(first.name_node):
            if any(link.name == "save" for link in links[1:]):  # Note(title=t).save()
                use = OrmUse(first.name, QueryKind.INSERT, line, end_line, EXTRACTOR)
                use.add("attributes", *_keywords(first.call))
                use.columns_known = all(a.keyword is not None for a in first.call.args)
                return [use]
        return None


class _QuerySet:
    """A queryset read link by link: one main use, plus what get_or_create & co. add."""

    def __init__(self, finder: _Finder, model: str, line: int, end_line: int) -> None:
        self.finder = finder
        self.model, self.line, self.end_line = model, line, end_line
        self.main = self._use(QueryKind.SELECT_STAR)
        self.main.all_columns = True  # a queryset loads whole rows unless values()/only() say
        self.more: list[OrmUse] = []

    def _use(self, kind: QueryKind) -> OrmUse:
        return OrmUse(self.model, kind, self.line, self.end_line, EXTRACTOR)

    def read(self, links: list[Link]) -> list[OrmUse]:
        for index, link in enumerate(links):
            if link.call is None:
                continue
            if link.name == "raw":
                return []  # Note.objects.raw("SELECT ..."): the SQL string is the query
            self._apply(link.name, link.call)
            if link.name in RETURNS_INSTANCE:
                self.main.end_line = self.finder.facts.lines(link.call)[1]
                self._instance(links[index + 1:])
                break
        return [self.main, *self.more]

    def _apply(self, name: str, call: cst.Call) -> None:
        main = self.main
        if name in FILTERS or name in SHORTCUTS:
            main.add("filters", *_lookups(call))
        elif name in FIELD_NAME_ARGS:
            main.add("filters", *_field_strings(call))
        elif name in ("values", "values_list", "only"):
            fields = _field_strings(call)
            if fields:
                main.kind, main.all_columns = QueryKind.SELECT_COLUMNS, False
                main.add("attributes", *fields, *(["pk"] if name == "only" else []))
        elif name in ("count", "exists") and main.kind is QueryKind.SELECT_STAR:
            main.kind, main.all_columns = QueryKind.SELECT_COLUMNS, False
        elif name in ("update", "delete", "create", "create_user", "create_superuser", "bulk_create", "bulk_update"):
            self._write(name, call)
        elif name in ("get_or_create", "update_or_create"):
            self._get_or_create(name, call)

    def _write(self, name: str, call: cst.Call) -> None:
        main = self.main
        main.all_columns = False
        if name == "update":
            main.kind = QueryKind.UPDATE
            main.add("attributes", *_keywords(call))
            main.add("filters", *_expression_fields(call))  # update(views=F("views") + 1)
        elif name == "delete":
            main.kind = QueryKind.DELETE
        elif name in ("create", "create_user", "create_superuser"):  # the last two: auth's UserManager
            main.kind = QueryKind.INSERT
            main.add("attributes", *_keywords(call))
        elif name == "bulk_create":
            main.kind = QueryKind.INSERT
            rows = call.args[0].value if call.args else None
            constructions = [e.value for e in rows.elements] if m.matches(rows, m.List() | m.Tuple()) else []
            for row in constructions:
                main.add("attributes", *(_keywords(row) if isinstance(row, cst.Call) else []))
            main.columns_known = bool(constructions) and all(isinstance(r, cst.Call) for r in constructions)
        else:  # bulk_update(objs, ["title", "body"])
            main.kind = QueryKind.UPDATE
            fields = call.args[1].value if len(call.args) > 1 else _keyword(call, "fields")
            main.add("attributes", *_strings(fields))
            main.add("filters", "pk")

    def _get_or_create(self, name: str, call: cst.Call) -> None:
        """A read by the lookups, then an INSERT (and for update_or_create an UPDATE)."""
        lookups = [key for key in _lookups(call) if key != "defaults"]
        self.main.add("filters", *lookups)
        defaults = _dict_keys(_keyword(call, "defaults"))
        insert = self._use(QueryKind.INSERT)
        insert.add("attributes", *[k for k in _keywords(call) if k != "defaults"], *defaults)
        self.more.append(insert)
        if name == "update_or_create":
            update = self._use(QueryKind.UPDATE)
            update.add("attributes", *defaults)
            update.add("filters", *lookups)
            self.more.append(update)

    def _instance(self, links: list[Link]) -> None:
        """What is done with the single row fetched: `.save()`, `.delete()` called on it
        directly (not `image.file.save(...)`, a method of one of its fields)."""
        for link in links[:1]:
            if link.call is None or link.name not in ("save", "delete"):
                continue
            kind = QueryKind.DELETE if link.name == "delete" else QueryKind.UPDATE
            end_line = self.finder.facts.lines(link.call)[1]
            use = OrmUse(self.model, kind, self.finder.facts.line(link.name_node), end_line, EXTRACTOR)
            if kind is QueryKind.UPDATE:
                fields = _strings(_keyword(link.call, "update_fields"))
                use.add("attributes", *fields)
                use.all_columns = not fields  # save() writes every field
            use.add("filters", "pk")
            self.more.append(use)


# -- reading arguments ------------------------------------------------------------------------

def _field(lookup: str) -> str:
    """`-created_at` -> created_at; `owner__email__iexact` -> owner."""
    return lookup.lstrip("-+").split("__")[0]


def _keywords(call: cst.Call) -> list[str]:
    return [arg.keyword.value for arg in call.args if arg.keyword is not None]


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None)


def _lookups(call: cst.Call) -> list[str]:
    """Fields of `filter(a=1, b__gte=2)`, of `Q(c=3) | Q(d=4)` and of F("e") values."""
    fields = [_field(key) for key in _keywords(call)]
    for arg in call.args:
        for node in iter_nodes(arg.value):
            if isinstance(node, cst.Call) and (get_full_name_for_node(node.func) or "").split(".")[-1] == "Q":
                fields += [_field(key) for key in _keywords(node)]
    return fields + _expression_fields(call)


def _expression_fields(call: cst.Call) -> list[str]:
    fields = []
    for arg in call.args:
        for node in iter_nodes(arg.value):
            if not m.matches(node, m.Call(args=[m.Arg(value=m.SimpleString()), m.ZeroOrMore()])):
                continue
            if (get_full_name_for_node(node.func) or "").split(".")[-1] in FIELD_EXPRESSIONS:
                fields.append(_field(literal_text(node.args[0].value) or ""))
    return fields


def _field_strings(call: cst.Call) -> list[str]:
    """Fields named by string arguments (`values("a", "b__c")`, `order_by("-d")`) or inside
    expressions (`values(total=Sum("e"))`); `?` (random order) names none."""
    named = [_field(s) for arg in call.args if arg.keyword is None for s in _strings(arg.value) if s != "?"]
    return named + _expression_fields(call)


def _strings(node: cst.BaseExpression | None) -> list[str]:
    if literal_text(node) is not None:
        return [literal_text(node)]
    if m.matches(node, m.List() | m.Tuple()):
        return [s for element in node.elements for s in _strings(element.value)]
    return []


def _dict_keys(node: cst.BaseExpression | None) -> list[str]:
    if not isinstance(node, cst.Dict):
        return []
    keys = [literal_text(e.key) for e in node.elements if isinstance(e, cst.DictElement)]
    return [key for key in keys if key is not None]
