"""Django ORM queries: `Note.objects.filter(owner=u).values("title")`, `.update(...)`,
`.create(...)`, `.delete()`, `get_object_or_404(Note, pk=1)`, a manager held in a name
(`base = Note.objects`, then `base.filter(...)`), and instance writes
(`Note(title=t).save()`, `note = Note.objects.get(pk=1); note.save(update_fields=["title"])`).

An INSERT (`create`, `bulk_create`, `get_or_create`, `Model(...).save()`) lists every concrete
field of the model, the ones not given with their default: a column the model still declares is
written by all of them (a DROP breaks them; an ADD NOT NULL the model does not declare yet fails them).

A model reached through its module (`from bookwyrm import models`, then `models.Report.objects…`,
`get_object_or_404(models.Report, …)`) is that class: the module is a lower-case name, not `self`.
`cls.objects…` in a method of a model class the scan knows is that model (a classmethod's query).

`raw("SELECT …")` is read as its SQL, and `none()` (an empty queryset, no query run) as nothing.

A manager is `objects` (or `_default_manager`, `_base_manager`) or a custom one named `<x>_objects`
(`Issue.issue_objects`, `all_objects`). Known limit (xfail test in tests/test_django_managers.py): a
custom manager named otherwise (`published = PublishedManager()`) is not read as one.

Lookups are read up to their first `__` (`owner__email__iexact` -> `owner`, a field of this
model, whose column is `owner_id`); the join they imply is not followed.
"""
from __future__ import annotations

import ast

from impact.extract.python.facts import Chain, Facts, Link
from impact.extract.python.literals import literal_text
from impact.extract.python.tree import all_keywords, argument_values, is_sequence, iter_nodes, keyword, keyword_names, last_name
from impact.extract.python.models import ModelInfo
from impact.extract.python.orm import OrmUse
from impact.model import QueryKind

EXTRACTOR = "django"
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})


def is_manager(name: str) -> bool:
    """A model's manager by its name: Django's own, or a custom one named as they usually are
    (plane's soft-delete models query through `Issue.issue_objects` / `all_objects`: 180 calls)."""
    return name in MANAGERS or name.endswith("_objects")

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

    def model(self, node: ast.expr | None) -> str | None:
        if type(node) is ast.Attribute and _module_alias(node.value):  # `models.Report`
            return self.model_name(node.attr)
        if type(node) is not ast.Name:
            return None
        return self.model_name(node.id)

    def model_name(self, name: str) -> str | None:
        known = self.registry.get(name)
        if known is not None:
            return name if known.framework == "django" else None
        return name if name[:1].isupper() and not name.isupper() else None

    def uses(self, chain: Chain) -> list[OrmUse]:
        """The queries of a finished chain, read from the earliest step that starts a queryset
        (a chain may continue one held in a variable: `qs = Note.objects.all(); qs.filter(...)`)."""
        lineage = self.facts.lineage(chain)
        end_line = self.facts.lines(chain.node)[1]
        held = self._held_manager(lineage[0])
        if held is not None:  # `base = Issue.objects`, then `base.order_by(...).only(...)`
            links = [held[1], *(link for part in lineage for link in part.links)]
            uses = self._from(held[0], links, self.facts.chain_line(lineage[0]), end_line)
            if uses is not None:
                return uses
        for position, part in enumerate(lineage):
            first = part.links[0]
            # What `_from` needs of the first link and the base, asked before the links are joined
            # (most chains are no queryset: issue 13): a manager on a name, or a call of a plain name.
            if _through_module(part.base, part.links):  # `models.Report.objects…`: the model through its module
                part_links = [link for later in lineage[position:] for link in later.links]
                uses = self._from(ast.Attribute(value=part.base, attr=first.name), part_links[1:], self.facts.chain_line(part), end_line)
                if uses is not None:
                    return uses
                continue
            if not (type(part.base) is ast.Name if first.call is None and is_manager(first.name)
                    else part.base is None and first.call is not None and (self.django_file or first.name in SHORTCUTS)):
                continue
            links = [link for later in lineage[position:] for link in later.links]
            uses = self._from(self._own_class(part) or part.base, links, self.facts.chain_line(part), end_line)
            if uses is not None:
                return uses
        return []

    def _own_class(self, chain: Chain) -> ast.Name | None:
        """`cls.objects…` in a classmethod of a Django model: that model (plane's
        `IssueVersion.log_issue_version` writes every field of the row with `cls.objects.create(...)`)."""
        if type(chain.base) is not ast.Name or chain.base.id != "cls":
            return None
        owner = chain.scope.enclosing_class() if chain.scope is not None else None
        known = self.registry.get(owner.name) if owner is not None else None
        return ast.Name(id=owner.name) if known is not None and known.framework == "django" else None

    def _held_manager(self, chain: Chain) -> tuple[ast.Name, Link] | None:
        """(model, manager link) when the chain starts on a name last bound to `Model.objects`."""
        if type(chain.base) is not ast.Name:
            return None
        line = self.facts.line(chain.node)
        earlier = [b for b in chain.scope.lookup(chain.base.id) if b.line <= line]
        value = earlier[-1].value if earlier else None
        if type(value) is ast.Attribute and is_manager(value.attr) and self.model(value.value):
            return value.value, Link(value.attr, value, value.end_lineno)
        return None

    def _from(self, base: ast.expr | None, links: list[Link], line: int,
              end_line: int) -> list[OrmUse] | None:
        first = links[0]
        if first.call is None and is_manager(first.name) and self.model(base):
            return _QuerySet(self, self.model(base), line, end_line).read(links[1:])
        if base is None and first.name in SHORTCUTS and first.call is not None and first.call.args:
            model = self.model(first.call.args[0])
            return _QuerySet(self, model, line, end_line).read(links) if model else None
        # `base is None`: the chain starts with a call of a plain name, `first.name`.
        if base is None and first.call is not None and self.django_file and self.model_name(first.name):
            if any(link.name == "save" for link in links[1:]):  # Note(title=t).save()
                use = OrmUse(first.name, QueryKind.INSERT, line, end_line, EXTRACTOR, method="save")
                use.add("attributes", *keyword_names(first.call))
                use.columns_known = all_keywords(first.call)  # until the model is known
                use.all_columns = True  # the INSERT lists every concrete field, given or defaulted
                return [use]
        return None


def _module_alias(node: ast.expr | None) -> bool:
    """A lower-case name that may be a module (`from bookwyrm import models`), not `self`/`cls`."""
    return type(node) is ast.Name and node.id.islower() and node.id not in ("self", "cls")


def _through_module(base: ast.expr | None, links: list[Link]) -> bool:
    """`models.Report.objects`: a module, a capitalised class on it, then a manager."""
    return (_module_alias(base) and len(links) > 1 and links[0].call is None and links[0].name[:1].isupper()
            and links[1].call is None and is_manager(links[1].name))


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
            if link.name == "none":
                return []  # an empty queryset: Django runs no query for it (wagtail's `TaskState.objects.none()`)
            self.main.method = self.main.method or link.name  # until a call deciding the kind comes
            self._apply(link.name, link.call)
            if link.name in RETURNS_INSTANCE:
                self.main.end_line = self.finder.facts.lines(link.call)[1]
                self._instance(links[index + 1:])
                break
        return [self.main, *self.more]

    def _apply(self, name: str, call: ast.Call) -> None:
        main = self.main
        if name in FILTERS or name in SHORTCUTS:
            main.add("filters", *_lookups(call))
        elif name in FIELD_NAME_ARGS:
            main.add("filters", *_field_strings(call))
        elif name in ("values", "values_list", "only"):
            fields = _field_strings(call)
            if fields:
                main.kind, main.all_columns, main.method = QueryKind.SELECT_COLUMNS, False, name
                main.add("attributes", *fields, *(["pk"] if name == "only" else []))
        elif name in ("count", "exists") and main.kind is QueryKind.SELECT_STAR:
            main.kind, main.all_columns, main.method = QueryKind.SELECT_COLUMNS, False, name
        elif name in ("update", "delete", "create", "create_user", "create_superuser", "bulk_create", "bulk_update"):
            self._write(name, call)
        elif name in ("get_or_create", "update_or_create"):
            self._get_or_create(name, call)

    def _write(self, name: str, call: ast.Call) -> None:
        main = self.main
        # Django's INSERT (create, bulk_create) lists every concrete field of the model, the
        # ones not given with their default: a column the model still declares is written.
        main.all_columns = name in ("create", "create_user", "create_superuser", "bulk_create")
        main.method = name
        if name == "update":
            main.kind = QueryKind.UPDATE
            main.add("attributes", *keyword_names(call))
            main.add("filters", *_expression_fields(call))  # update(views=F("views") + 1)
        elif name == "delete":
            main.kind = QueryKind.DELETE
        elif name in ("create", "create_user", "create_superuser"):  # the last two: auth's UserManager
            main.kind = QueryKind.INSERT
            main.add("attributes", *keyword_names(call))
        elif name == "bulk_create":
            main.kind = QueryKind.INSERT
            rows = call.args[0] if call.args else None
            constructions = list(rows.elts) if is_sequence(rows) else []
            for row in constructions:
                main.add("attributes", *(keyword_names(row) if type(row) is ast.Call else []))
            main.columns_known = bool(constructions) and all(type(r) is ast.Call for r in constructions)
        else:  # bulk_update(objs, ["title", "body"])
            main.kind = QueryKind.UPDATE
            fields = call.args[1] if len(call.args) > 1 else keyword(call, "fields")
            main.add("attributes", *_strings(fields))
            main.add("filters", "pk")

    def _get_or_create(self, name: str, call: ast.Call) -> None:
        """A read by the lookups, then an INSERT (and for update_or_create an UPDATE)."""
        lookups = [key for key in _lookups(call) if key != "defaults"]
        self.main.add("filters", *lookups)
        defaults = _dict_keys(keyword(call, "defaults"))
        insert = self._use(QueryKind.INSERT)
        insert.method = name
        insert.add("attributes", *[k for k in keyword_names(call) if k != "defaults"], *defaults)
        insert.all_columns = True  # create(): every concrete field
        self.more.append(insert)
        if name == "update_or_create":
            update = self._use(QueryKind.UPDATE)
            update.method = name
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
            use = OrmUse(self.model, kind, link.line, end_line, EXTRACTOR, method=link.name)
            if kind is QueryKind.UPDATE:
                fields = _strings(keyword(link.call, "update_fields"))
                use.add("attributes", *fields)
                use.all_columns = not fields  # save() writes every field
            use.add("filters", "pk")
            self.more.append(use)


# -- reading arguments ------------------------------------------------------------------------

def _field(lookup: str) -> str:
    """`-created_at` -> created_at; `owner__email__iexact` -> owner."""
    return lookup.lstrip("-+").split("__")[0]


def _lookups(call: ast.Call) -> list[str]:
    """Fields of `filter(a=1, b__gte=2)`, of `Q(c=3) | Q(d=4)` and of F("e") values."""
    fields = [_field(key) for key in keyword_names(call)]
    for value in argument_values(call):
        for node in iter_nodes(value):
            if type(node) is ast.Call and last_name(node.func) == "Q":
                fields += [_field(key) for key in keyword_names(node)]
    return fields + _expression_fields(call)


def _expression_fields(call: ast.Call) -> list[str]:
    fields = []
    for value in argument_values(call):
        for node in iter_nodes(value):
            if type(node) is not ast.Call or not node.args or literal_text(node.args[0]) is None:
                continue
            if last_name(node.func) in FIELD_EXPRESSIONS:
                fields.append(_field(literal_text(node.args[0])))
    return fields


def _field_strings(call: ast.Call) -> list[str]:
    """Fields named by string arguments (`values("a", "b__c")`, `order_by("-d")`) or inside
    expressions (`values(total=Sum("e"))`); `?` (random order) names none."""
    named = [_field(s) for arg in call.args for s in _strings(arg) if s != "?"]
    return named + _expression_fields(call)


def _strings(node: ast.expr | None) -> list[str]:
    if literal_text(node) is not None:
        return [literal_text(node)]
    if is_sequence(node):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _dict_keys(node: ast.expr | None) -> list[str]:
    if type(node) is not ast.Dict:
        return []
    keys = [literal_text(key) for key in node.keys]
    return [key for key in keys if key is not None]
