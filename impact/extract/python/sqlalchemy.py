"""SQLAlchemy queries: 2.0 statements (`select(Note).where(Note.owner_id == x)`, `update(Note)`,
`insert(Note).values(...)`, `delete(Note)`), the legacy `session.query(Note)` API,
Flask-SQLAlchemy's `Note.query`, Core tables (`select(notes.c.title)`, `notes.insert()`), and
unit-of-work writes (`session.add(Note(title=...))`, `session.delete(note)`).

A model is recognised by name: a class of this file's registry, or a CapitalisedName (a model
imported from elsewhere; the pipeline drops the guess if no such model exists anywhere), also
through its module (`models.Note`, `services.UserUniqueLogin.ip_address == x`: warehouse's tests
spell models so).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import ast

from impact.extract.python.facts import Chain, Facts, Link, Scope, flatten_chain
from impact.extract.python.literals import literal_text
from impact.extract.python.tree import all_keywords, argument_values, first_argument, is_sequence, iter_nodes, keyword, keyword_names, positional
from impact.extract.python.models import ModelInfo
from impact.extract.python.orm import OrmUse
from impact.model import QueryKind

EXTRACTOR = "sqlalchemy"
STATEMENTS = {"select": QueryKind.SELECT_COLUMNS, "insert": QueryKind.INSERT,
              "update": QueryKind.UPDATE, "delete": QueryKind.DELETE}
# Clauses whose column references are read (filter_columns) and whose bare models are joined.
READ_CLAUSES = frozenset({"where", "filter", "order_by", "group_by", "having", "join", "outerjoin", "join_from",
                          "select_from", "distinct", "returning", "with_entities", "add_columns"})
CONFLICT_CLAUSES = frozenset({"on_conflict_do_update", "on_conflict_do_nothing"})
NOT_MODELS = frozenset({"True", "False", "None"})
INSTANCE_SOURCES = frozenset({"get", "get_one", "query", "select"})  # session.get(Note, 1), ...


@dataclass
class _Statement:
    """One statement being read, link by link; uses keyed by model name, in order met."""

    kind: QueryKind
    primary: str
    uses: dict[str, OrmUse] = field(default_factory=dict)
    last: str = ""  # the model filter_by() applies to: the last one joined
    values_given: bool = False
    method: str = ""  # the call that started it, or turned it into a write (Query.method)

    def use(self, model: str, kind: QueryKind = QueryKind.SELECT_COLUMNS) -> OrmUse:
        if model not in self.uses:
            self.uses[model] = OrmUse(model, kind, 0, 0, EXTRACTOR)
        self.last = self.last or model
        return self.uses[model]


def sqlalchemy_uses(facts: Facts, registry: dict[str, ModelInfo]) -> list[OrmUse]:
    finder = _Finder(facts, registry)
    continued = facts.continued_chains()
    uses: list[OrmUse] = []
    for chain in facts.chains:
        if id(chain) not in continued:
            uses += finder.statement(chain)
        uses += finder.session_writes(chain)
    return uses


class _Finder:
    def __init__(self, facts: Facts, registry: dict[str, ModelInfo]) -> None:
        self.facts = facts
        self.registry = registry
        # Django's `post.tags.add(tag)` is a related manager, not a session.
        self.sessions_possible = not facts.mentions("django")

    # -- model recognition ---------------------------------------------------------------
    def entity(self, node: ast.expr | None) -> str | None:
        """`Note`, `Note.__table__`, `aliased(Note)`, a known Core table variable."""
        kind = type(node)
        if kind is ast.Name:
            name = node.id
            if name in self.registry or (name[:1].isupper() and not name.isupper() and name not in NOT_MODELS):
                return name
        elif kind is ast.Attribute:
            if node.attr == "__table__" and type(node.value) is ast.Name:
                return self.entity(node.value)
            if _module_path(node.value):  # `models.Note`, `app.models.Note`: a model through its module
                return self.entity(ast.Name(node.attr))
        elif kind is ast.Call and type(node.func) is ast.Name and node.func.id == "aliased" and node.args:
            return self.entity(node.args[0])
        return None

    def _is_core_table(self, name: str) -> bool:
        model = self.registry.get(name)
        return model is not None and model.framework == "sqlalchemy-core"

    def refs(self, node: ast.AST) -> Iterator[tuple[str, str]]:
        """(model, attribute) for every `Note.title` and `notes.c.title` under node."""
        for child in iter_nodes(node):
            if type(child) is not ast.Attribute:
                continue
            inner = child.value
            if type(inner) is ast.Attribute and type(inner.value) is ast.Name and inner.attr in ("c", "columns"):
                yield inner.value.id, child.attr
            elif type(inner) is ast.Name or (type(inner) is ast.Attribute and _module_path(inner.value)):
                owner, attribute = inner.id if type(inner) is ast.Name else inner.attr, child.attr
                if self._is_core_table(owner) or attribute.isupper() or attribute.startswith("__"):
                    continue  # `notes.c`, enum constants (`Status.ACTIVE`), dunders
                if self.entity(child.value):
                    yield owner, attribute

    # -- statements ----------------------------------------------------------------------
    def statement(self, chain: Chain) -> list[OrmUse]:
        """The statement a finished chain builds, from the earliest step that starts one (a
        name bound to `Table(...)` or `Session()` is a receiver, not the statement's start)."""
        lineage = self.facts.lineage(chain)
        if not self._may_start(lineage):
            return []
        for position, part in enumerate(lineage):
            links = [link for later in lineage[position:] for link in later.links]
            start = self._start(part.base, links)
            if start is not None:
                return self._read(start, links, self._start_line(lineage[position:], start[0]), self.facts.lines(chain.node)[1])
        return []

    def _may_start(self, lineage: list[Chain]) -> bool:
        """Whether `_start` can find a statement in some part: a `query`/`get` link, or a part
        opening with `select(`/`insert(`... (under its imported name). Asked before the links are
        joined part by part: most chains of a file are no statement (issue 13)."""
        for part in lineage:
            first = part.links[0].name
            if first in STATEMENTS or self.facts.original_name(first) in STATEMENTS:
                return True
            if any(link.name == "query" or link.name == "get" for link in part.links):
                return True
        return False

    def _start_line(self, parts: list[Chain], index: int) -> int:
        """The line of the chain holding the statement's first step: `db.session.query(Query)` starts
        there, not where `db = SQLAlchemy(...)` was bound (redash: a span from line 53 to 1313 made
        every name in between part of a query on `alerts`)."""
        for part in parts:
            if index < len(part.links):
                return self.facts.chain_line(part)
            index -= len(part.links)
        return self.facts.chain_line(parts[0])

    def _read(self, start: tuple[int, _Statement], links: list[Link], line: int, end_line: int) -> list[OrmUse]:
        index, statement = start
        for link in links[index + 1:]:
            if link.call is not None:
                self._clause(statement, link.name, link.call)
        if not statement.primary:
            return []
        primary = statement.uses[statement.primary]
        if primary.kind is QueryKind.INSERT and not statement.values_given:
            primary.columns_known = False  # session.execute(insert(Note), rows): rows not read here
        for use in statement.uses.values():
            use.line, use.end_line, use.method = line, end_line, statement.method
        return list(statement.uses.values())

    def _start(self, base: ast.expr | None, links: list[Link]) -> tuple[int, _Statement] | None:
        start = self._started(base, links)
        if start is not None:
            name = links[start[0]].name
            start[1].method = self.facts.original_name(name) if start[0] == 0 and base is None else name
        return start

    def _started(self, base: ast.expr | None, links: list[Link]) -> tuple[int, _Statement] | None:
        first = links[0]
        first_name = self.facts.original_name(first.name) if base is None else first.name
        if first.call is None and first.name == "query" and self.entity(base):
            model = self.entity(base)
            statement = _Statement(QueryKind.SELECT_STAR, model)  # Flask-SQLAlchemy Note.query
            use = statement.use(model, QueryKind.SELECT_STAR)
            use.all_columns = True
            return 0, statement
        if first.call is not None and first_name in STATEMENTS:
            if type(base) is ast.Name and self._is_core_table(base.id):
                statement = _Statement(STATEMENTS[first_name], base.id)  # notes.insert()
                self._target(statement, base.id)
                return 0, statement
            if base is None or type(base) is ast.Name:
                statement = self._statement_of(first_name, first.call)
                return (0, statement) if statement is not None else None
        for index, link in enumerate(links):
            if link.call is None or (index == 0 and base is None):
                continue
            if link.name == "query":
                statement = self._statement_of("select", link.call)
                return (index, statement) if statement is not None else None
            arguments = link.call.args
            if link.name == "get" and len(arguments) >= 2 and self.entity(arguments[0]):
                model = self.entity(arguments[0])  # session.get(Note, note_id)
                statement = _Statement(QueryKind.SELECT_STAR, model)
                self._target(statement, model).add("filters", "pk")
                return index, statement
        return None

    def _statement_of(self, name: str, call: ast.Call) -> _Statement | None:
        """`select(Note, User.email)` / `update(Note)` / `insert(Note)` / `delete(Note)`."""
        arguments = positional(call)
        if name != "select":
            model = self.entity(arguments[0]) if arguments else None
            if model is None:
                return None
            statement = _Statement(STATEMENTS[name], model)
            self._target(statement, model)
            return statement
        statement: _Statement | None = None
        for value in arguments:  # select(count=...) is some other library's select
            model = self.entity(value)
            picked = [(model, None)] if model else list(self.refs(value))
            for owner, attribute in picked:
                statement = statement or _Statement(QueryKind.SELECT_COLUMNS, owner)
                use = statement.use(owner, QueryKind.SELECT_COLUMNS)
                if attribute is None:
                    use.kind, use.all_columns = QueryKind.SELECT_STAR, True
                else:
                    use.add("attributes", attribute)
        if statement is None and arguments and all(type(v) is ast.Call for v in arguments):
            # select(func.count()): its model comes with .select_from(Note); none, no query
            statement = _Statement(QueryKind.SELECT_COLUMNS, "")
        return statement

    def _target(self, statement: _Statement, model: str) -> OrmUse:
        use = statement.use(model, statement.kind)
        use.all_columns = statement.kind is QueryKind.SELECT_STAR
        return use

    def _clause(self, statement: _Statement, name: str, call: ast.Call) -> None:
        if name in READ_CLAUSES:
            for value in argument_values(call):
                joined = self.entity(value)
                if joined:
                    statement.use(joined)
                    statement.last = joined
                    statement.primary = statement.primary or joined  # select(func.count()).select_from(Note)
                for owner, attribute in self.refs(value):
                    statement.use(owner).add("filters", attribute)
            return
        if not statement.primary:
            return
        primary = statement.uses[statement.primary]
        if name == "filter_by":
            statement.use(statement.last).add("filters", *keyword_names(call))
        elif name == "values":
            statement.values_given = True
            self._written(primary, call)
        elif name in CONFLICT_CLAUSES:
            primary.kind, statement.method = QueryKind.UPSERT, name
            for element in _list_items(keyword(call, "index_elements")):
                primary.add("filters", *self._column_names(element))
            set_ = keyword(call, "set_")
            primary.add("attributes", *(self._dict_keys(set_) or []))
        elif name in ("update", "delete") and primary.kind in (QueryKind.SELECT_STAR, QueryKind.SELECT_COLUMNS):
            # Query API: session.query(Note).filter(...).update({...}) / .delete()
            primary.kind, primary.all_columns, primary.attributes = STATEMENTS[name], False, []
            statement.method = name
            if name == "update" and first_argument(call) is not None:
                keys = self._dict_keys(first_argument(call))
                primary.add("attributes", *(keys or []))
                primary.columns_known = keys is not None
        elif name == "get" and first_argument(call) is not None:
            primary.add("filters", "pk")

    def _written(self, use: OrmUse, call: ast.Call) -> None:
        """`.values(title=x)`, `.values({"title": x})`, `.values({Note.title: x})`, list of dicts."""
        for value in call.args:
            rows = list(value.elts) if type(value) is ast.List else [value]
            for row in rows:
                keys = None if type(value) is ast.Starred else self._dict_keys(row)
                use.add("attributes", *(keys or []))
                use.columns_known = use.columns_known and keys is not None
        for item in call.keywords:
            if item.arg is not None:
                use.add("attributes", item.arg)
            else:  # **row
                use.columns_known = False

    def _dict_keys(self, node: ast.expr | None) -> list[str] | None:
        if type(node) is not ast.Dict:
            return None
        keys: list[str] = []
        for key in node.keys:
            names = self._column_names(key) if key is not None else []
            if not names:
                return None
            keys.extend(names)
        return keys

    def _column_names(self, node: ast.expr) -> list[str]:
        if literal_text(node) is not None:
            return [literal_text(node)]
        return [attribute for _owner, attribute in self.refs(node)]

    # -- session.add / add_all / delete ----------------------------------------------------
    def session_writes(self, chain: Chain) -> list[OrmUse]:
        if not self.sessions_possible:
            return []
        uses = []
        for index, link in enumerate(chain.links):
            if link.call is None or first_argument(link.call) is None or link.name not in ("add", "add_all", "delete"):
                continue
            if not _is_session(chain, index):
                continue  # `seen.add(Tag(...))` is a set, not a unit of work
            argument = first_argument(link.call)
            end_line = self.facts.lines(link.call)[1]
            if link.name == "add_all" and is_sequence(argument):
                items = list(argument.elts)
            else:
                items = [argument]
            for item in items:
                uses += self._session_write(link.name, item, chain.scope, end_line)
        return uses

    def _session_write(self, method: str, item: ast.expr, scope: Scope, end_line: int) -> list[OrmUse]:
        construction = self._construction(item, scope)
        if method != "delete" and construction is not None:
            model, call = construction
            use = OrmUse(model, QueryKind.INSERT, self.facts.line(call), end_line, EXTRACTOR, method=method)
            use.add("attributes", *keyword_names(call))
            use.columns_known = all_keywords(call)
            return [use]
        model = self._fetched_model(item, scope) if method == "delete" else None
        if model is None:
            return []
        use = OrmUse(model, QueryKind.DELETE, self.facts.line(item), end_line, EXTRACTOR, method=method)
        use.add("filters", "pk")
        return [use]

    def _bound_value(self, node: ast.expr, scope: Scope) -> ast.expr:
        """What a local name holds (its nearest earlier assignment), else the node itself."""
        if type(node) is not ast.Name:
            return node
        line = self.facts.line(node)
        earlier = [b for b in scope.lookup(node.id) if b.line <= line]
        return earlier[-1].value if earlier else node

    def _construction(self, node: ast.expr, scope: Scope) -> tuple[str, ast.Call] | None:
        value = self._bound_value(node, scope)
        model = self.entity(value.func) if type(value) is ast.Call and type(value.func) in (ast.Name, ast.Attribute) else None
        if model and not (type(value.func) is ast.Attribute and value.func.attr == "__table__"):
            return model, value
        return None

    def _fetched_model(self, node: ast.expr, scope: Scope) -> str | None:
        """The model of an instance loaded by `session.get(Note, 1)`, `session.query(Note)...`."""
        value = self._bound_value(node, scope)
        if type(value) is not ast.Call:
            return None
        for link in flatten_chain(value)[1]:
            if link.call is not None and link.name in INSTANCE_SOURCES and first_argument(link.call) is not None:
                model = self.entity(first_argument(link.call))
                if model:
                    return model
        return None


def _is_session(chain: Chain, index: int) -> bool:
    """`session.add`, `self.session.add`, `db.session.add`, `async_session.add`, `sess.add`."""
    receiver = [chain.base_name() or ""] + [link.name for link in chain.links[:index]]
    return any("sess" in name.lower() for name in receiver) or receiver[-1] == "db"


def _module_path(node: ast.expr) -> bool:
    """`models`, `app.models`: a dotted path of lower-case names (modules), not `self`/`cls` (an
    instance's attribute is no class)."""
    while type(node) is ast.Attribute and node.attr.islower():
        node = node.value
    return type(node) is ast.Name and node.id.islower() and node.id not in ("self", "cls")


def _list_items(node: ast.expr | None) -> list[ast.expr]:
    return list(node.elts) if is_sequence(node) else []

