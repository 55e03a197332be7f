"""SQLAlchemy queries: 2.0 statements (`select(Note).where(Note.owner_id == x)`, `update(Note)`,
`insert(Note).values(...)`, `delete(Note)`), the legacy `session.query(Note)` API,
Flask-SQLAlchemy's `Note.query`, Core tables (`select(notes.c.title)`, `notes.insert()`), and
unit-of-work writes (`session.add(Note(title=...))`, `session.delete(note)`).

A model is recognised by name: a class of this file's registry, or a CapitalisedName (a model
imported from elsewhere; the pipeline drops the guess if no such model exists anywhere).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

from impact.extract.python.facts import Chain, Facts, Link, Scope, flatten_chain, iter_nodes, literal_text
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
    def entity(self, node: cst.BaseExpression | None) -> str | None:
        """`Note`, `Note.__table__`, `aliased(Note)`, a known Core table variable."""
        if isinstance(node, cst.Name):
            name = node.value
            if name in self.registry or (name[:1].isupper() and not name.isupper() and name not in NOT_MODELS):
                return name
        if m.matches(node, m.Attribute(value=m.Name(), attr=m.Name("__table__"))):
            return self.entity(node.value)
        if m.matches(node, m.Call(func=m.Name("aliased"), args=[m.Arg(), m.ZeroOrMore()])):
            return self.entity(node.args[0].value)
        return None

    def _is_core_table(self, name: str) -> bool:
        model = self.registry.get(name)
        return model is not None and model.framework == "sqlalchemy-core"

    def refs(self, node: cst.CSTNode) -> Iterator[tuple[str, str]]:
        """(model, attribute) for every `Note.title` and `notes.c.title` under node."""
        for child in iter_nodes(node):
            if m.matches(child, m.Attribute(value=m.Attribute(value=m.Name(), attr=m.Name("c") | m.Name("columns")))):
                yield child.value.value.value, child.attr.value
            elif m.matches(child, m.Attribute(value=m.Name())):
                owner, attribute = child.value.value, child.attr.value
                if self._is_core_table(owner) or attribute.isupper() or attribute.startswith("__"):
                    continue  # `notes.c`, enum constants (`Status.ACTIVE`), dunders
                if self.entity(child.value):
                    yield owner, attribute

    # -- statements ----------------------------------------------------------------------
    def statement(self, chain: Chain) -> list[OrmUse]:
        """The statement a finished chain builds, from the earliest step that starts one (a
        name bound to `Table(...)` or `Session()` is a receiver, not the statement's start)."""
        lineage = self.facts.lineage(chain)
        for position, part in enumerate(lineage):
            links = [link for later in lineage[position:] for link in later.links]
            start = self._start(part.base, links)
            if start is not None:
                return self._read(start, links, self.facts.chain_line(part), self.facts.lines(chain.node)[1])
        return []

    def _read(self, start: tuple[int, _Statement], links: list[Link], line: int, end_line: int) -> list[OrmUse]:
        index, statement = start
        for link in links[index + 1:]:
            if link.call is not None:
                self._clause(statement, link.name, link.call)
        primary = statement.uses[statement.primary]
        if primary.kind is QueryKind.INSERT and not statement.values_given:
            primary.columns_known = False  # session.execute(insert(Note), rows): rows not read here
        for use in statement.uses.values():
            use.line, use.end_line = line, end_line
        return list(statement.uses.values())

    def _start(self, base: cst.BaseExpression | None, links: list[Link]) -> tuple[int, _Statement] | None:
        first = links[0]
        first_name = self.facts.original_name(first.name) if base is None else first.name
        if first.call is None and first.name == "query" and self.entity(base):
            statement = _Statement(QueryKind.SELECT_STAR, base.value)  # Flask-SQLAlchemy Note.query
            use = statement.use(base.value, QueryKind.SELECT_STAR)
            use.all_columns = True
            return 0, statement
        if first.call is not None and first_name in STATEMENTS:
            if isinstance(base, cst.Name) and self._is_core_table(base.value):
                statement = _Statement(STATEMENTS[first_name], base.value)  # notes.insert()
                self._target(statement, base.value)
                return 0, statement
            if base is None or isinstance(base, cst.Name):
                statement = self._statement_of(first_name, first.call)
                return (0, statement) if statement is not None else None
        for index, link in enumerate(links):
            if link.call is None or (index == 0 and base is None):
                continue
            if link.name == "query":
                statement = self._statement_of("select", link.call)
                return (index, statement) if statement is not None else None
            positional = [a.value for a in link.call.args if a.keyword is None]
            if link.name == "get" and len(positional) >= 2 and self.entity(positional[0]):
                model = self.entity(positional[0])  # session.get(Note, note_id)
                statement = _Statement(QueryKind.SELECT_STAR, model)
                self._target(statement, model).add("filters", "pk")
                return index, statement
        return None

    def _statement_of(self, name: str, call: cst.Call) -> _Statement | None:
        """`select(Note, User.email)` / `update(Note)` / `insert(Note)` / `delete(Note)`."""
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        if name != "select":
            model = self.entity(positional[0]) if positional else None
            if model is None:
                return None
            statement = _Statement(STATEMENTS[name], model)
            self._target(statement, model)
            return statement
        statement: _Statement | None = None
        for value in positional:  # select(count=...) is some other library's select
            model = self.entity(value)
            picked = [(model, None)] if model else list(self.refs(value))
            for owner, attribute in picked:
                statement = statement or _Statement(QueryKind.SELECT_COLUMNS, owner)
                use = statement.use(owner, QueryKind.SELECT_COLUMNS)
                if attribute is None:
                    use.kind, use.all_columns = QueryKind.SELECT_STAR, True
                else:
                    use.add("attributes", attribute)
        return statement

    def _target(self, statement: _Statement, model: str) -> OrmUse:
        use = statement.use(model, statement.kind)
        use.all_columns = statement.kind is QueryKind.SELECT_STAR
        return use

    def _clause(self, statement: _Statement, name: str, call: cst.Call) -> None:
        primary = statement.uses[statement.primary]
        if name in READ_CLAUSES:
            for arg in call.args:
                joined = self.entity(arg.value)
                if joined:
                    statement.use(joined)
                    statement.last = joined
                for owner, attribute in self.refs(arg.value):
                    statement.use(owner).add("filters", attribute)
        elif name == "filter_by":
            statement.use(statement.last).add("filters", *(a.keyword.value for a in call.args if a.keyword))
        elif name == "values":
            statement.values_given = True
            self._written(primary, call)
        elif name in CONFLICT_CLAUSES:
            primary.kind = QueryKind.UPSERT
            for element in _list_items(_keyword(call, "index_elements")):
                primary.add("filters", *self._column_names(element))
            set_ = _keyword(call, "set_")
            primary.add("attributes", *(self._dict_keys(set_) or []))
        elif name in ("update", "delete") and primary.kind in (QueryKind.SELECT_STAR, QueryKind.SELECT_COLUMNS):
            # Query API: session.query(Note).filter(...).update({...}) / .delete()
            primary.kind, primary.all_columns, primary.attributes = STATEMENTS[name], False, []
            if name == "update" and call.args:
                keys = self._dict_keys(call.args[0].value)
                primary.add("attributes", *(keys or []))
                primary.columns_known = keys is not None
        elif name == "get" and call.args:
            primary.add("filters", "pk")

    def _written(self, use: OrmUse, call: cst.Call) -> None:
        """`.values(title=x)`, `.values({"title": x})`, `.values({Note.title: x})`, list of dicts."""
        for arg in call.args:
            if arg.keyword is not None:
                use.add("attributes", arg.keyword.value)
                continue
            rows = [e.value for e in arg.value.elements] if isinstance(arg.value, cst.List) else [arg.value]
            for row in rows:
                keys = None if arg.star else self._dict_keys(row)
                use.add("attributes", *(keys or []))
                use.columns_known = use.columns_known and keys is not None

    def _dict_keys(self, node: cst.BaseExpression | None) -> list[str] | None:
        if not isinstance(node, cst.Dict):
            return None
        keys: list[str] = []
        for element in node.elements:
            names = self._column_names(element.key) if isinstance(element, cst.DictElement) else []
            if not names:
                return None
            keys.extend(names)
        return keys

    def _column_names(self, node: cst.BaseExpression) -> list[str]:
        if literal_text(node) is not None:
            return [literal_text(node)]
        return [attribute for _owner, attribute in self.refs(node)]

    # -- session.add / add_all / delete ----------------------------------------------------
    def session_writes(self, chain: Chain) -> list[OrmUse]:
        if not self.sessions_possible:
            return []
        uses = []
        for index, link in enumerate(chain.links):
            if link.call is None or not link.call.args or link.name not in ("add", "add_all", "delete"):
                continue
            if not _is_session(chain, index):
                continue  # `seen.add(Tag(...))` is a set, not a unit of work
            argument = link.call.args[0].value
            end_line = self.facts.lines(link.call)[1]
            if link.name == "add_all" and m.matches(argument, m.List() | m.Tuple()):
                items = [element.value for element in argument.elements]
            else:
                items = [argument]
            for item in items:
                uses += self._session_write(link.name, item, chain.scope, end_line)
        return uses

    def _session_write(self, method: str, item: cst.BaseExpression, scope: Scope, end_line: int) -> list[OrmUse]:
        construction = self._construction(item, scope)
        if method != "delete" and construction is not None:
            model, call = construction
            use = OrmUse(model, QueryKind.INSERT, self.facts.line(call), end_line, EXTRACTOR)
            use.add("attributes", *(a.keyword.value for a in call.args if a.keyword is not None))
            use.columns_known = all(a.keyword is not None for a in call.args)
            return [use]
        model = self._fetched_model(item, scope) if method == "delete" else None
        if model is None:
            return []
        use = OrmUse(model, QueryKind.DELETE, self.facts.line(item), end_line, EXTRACTOR)
        use.add("filters", "pk")
        return [use]

    def _bound_value(self, node: cst.BaseExpression, scope: Scope) -> cst.BaseExpression:
        """What a local name holds (its nearest earlier assignment), else the node itself."""
        if not isinstance(node, cst.Name):
            return node
        line = self.facts.line(node)
        earlier = [b for b in scope.lookup(node.value) if b.line <= line]
        return earlier[-1].value if earlier else node

    def _construction(self, node: cst.BaseExpression, scope: Scope) -> tuple[str, cst.Call] | None:
        value = self._bound_value(node, scope)
        if m.matches(value, m.Call(func=m.Name())) and self.entity(value.func):
            return value.func.value, value
        return None

    def _fetched_model(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        """The model of an instance loaded by `session.get(Note, 1)`, `session.query(Note)...`."""
        value = self._bound_value(node, scope)
        if not isinstance(value, cst.Call):
            return None
        for link in flatten_chain(value)[1]:
            if link.call is not None and link.name in INSTANCE_SOURCES and link.call.args:
                model = self.entity(link.call.args[0].value)
                if model:
                    return model
        return None


def _is_session(chain: Chain, index: int) -> bool:
    """`session.add`, `self.session.add`, `db.session.add`, `async_session.add`, `sess.add`."""
    receiver = [chain.base_name() or ""] + [link.name for link in chain.links[:index]]
    return any("sess" in name.lower() for name in receiver) or receiver[-1] == "db"


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword), None)


def _list_items(node: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    return [e.value for e in node.elements] if m.matches(node, m.List() | m.Tuple()) else []

