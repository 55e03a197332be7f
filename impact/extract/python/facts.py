"""One pass over a Python module, collecting the facts every Python query finder needs.

The pass records and decides nothing: which names are assigned what, the outermost string
expressions, the call chains (`a.b(...).c(...)`) and the class definitions, each with the scope
it sits in. The finders (python.sql_calls, python.supabase, python.orm) work on these facts
afterwards, so a constant assigned at the bottom of a module still resolves for a function
defined above it.

The tree is the standard library's `ast` (see python.tree for what that changes against libcst):
every node carries its own lines, so no position pass is needed. The walk is iterative, in
source order, outer nodes before inner ones (the chain logic relies on it).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from impact.extract.python.literals import is_stringish
from impact.extract.python.tree import _WALK_SPECS, children, iter_nodes, walk_fields

@dataclass(eq=False)
class Binding:
    """`name = value` (or `name: T = value`), plus the strings later appended with `name += ...`."""

    name: str
    value: ast.expr
    scope: Scope
    line: int  # of the value
    appended: list[ast.expr] = field(default_factory=list)


@dataclass(eq=False)
class Scope:
    kind: str  # "module" | "class" | "function"
    name: str
    parent: Scope | None = None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # Names also bound in ways whose value is unknown: parameters, loop targets, imports, ...
    opaque: set[str] = field(default_factory=set)
    classes: dict[str, Scope] = field(default_factory=dict)  # class bodies defined directly in it

    def lookup(self, name: str) -> list[Binding]:
        """The assignments a use of `name` here can see, by Python's rules (class bodies are
        not visible from the methods inside them). A parameter or loop variable of the same
        name hides outer assignments."""
        return self.resolve(name)[0]

    def resolve(self, name: str) -> tuple[list[Binding], bool]:
        """(assignments, complete?): complete is False when the name may also hold a value
        bound otherwise (a parameter, a `for` target, an import)."""
        scope: Scope | None = self
        while scope is not None:
            if scope is self or scope.kind != "class":
                if name in scope.bindings or name in scope.opaque:
                    return scope.bindings.get(name, []), name not in scope.opaque
            scope = scope.parent
        return [], False

    def own(self, name: str) -> tuple[list[Binding], bool]:
        """Like resolve, in this scope only (a class body seen through `self.X`)."""
        if name in self.bindings or name in self.opaque:
            return self.bindings.get(name, []), name not in self.opaque
        return [], False

    def enclosing_class(self) -> Scope | None:
        scope = self.parent if self.kind == "function" else None
        while scope is not None and scope.kind == "function":
            scope = scope.parent
        return scope if scope is not None and scope.kind == "class" else None

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass(eq=False)
class Link:
    """One step of a call chain: `.name(...)` (call set) or `.name` (a plain attribute)."""

    name: str
    node: ast.expr
    line: int  # of the name (`.filter` may sit on a line of its own)
    call: ast.Call | None = None


@dataclass(eq=False)
class Chain:
    """An outermost call chain: `base.l1(...).l2.l3(...)`; base is None for `f(...)...`."""

    node: ast.Call
    base: ast.expr | None
    links: list[Link]
    scope: Scope

    def names(self) -> list[str]:
        return [link.name for link in self.links]

    def base_name(self) -> str | None:
        return self.base.id if type(self.base) is ast.Name else None


@dataclass(eq=False)
class ClassFacts:
    node: ast.ClassDef
    scope: Scope  # the scope the class is defined in
    body: Scope  # the class body's own scope


@dataclass(eq=False)
class StringSite:
    """An outermost string expression (a literal, an f-string, a concatenation, a `.format()`)."""

    node: ast.expr
    scope: Scope


@dataclass
class Facts:
    path: str
    text: str
    source_lines: list[str] | None  # `text.splitlines()`, made on the first snippet (model files need none)
    module: ast.Module
    module_scope: Scope
    sites: list[StringSite] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    classes: list[ClassFacts] = field(default_factory=list)
    # Binding whose value (or appended part) is a given node, by node id.
    binding_of_value: dict[int, Binding] = field(default_factory=dict)
    appended_parts: set[int] = field(default_factory=set)
    chain_of_node: dict[int, Chain] = field(default_factory=dict)
    # `from sqlalchemy.dialects.postgresql import insert as pg_insert`: pg_insert -> insert
    import_aliases: dict[str, str] = field(default_factory=dict)
    _parents: dict[int, Chain | None] = field(default_factory=dict)
    scopes: list[Scope] = field(default_factory=list)  # every scope, for release()
    _continued: set[int] | None = None

    def release(self) -> None:
        """Break the reference cycles of the scopes (a binding and its scope, a class body and
        its parent), so that reference counting frees the facts and the whole tree the moment
        they are dropped: Python's cyclic collector then never traverses a file's ~100,000
        nodes (a third of a cold scan's extraction CPU, issue 13). The facts are unusable after."""
        for scope in self.scopes:
            scope.bindings = {}
            scope.classes = {}
            scope.parent = None

    @staticmethod
    def lines(node: ast.AST) -> tuple[int, int]:
        return node.lineno, node.end_lineno or node.lineno

    @staticmethod
    def line(node: ast.AST) -> int:
        return node.lineno

    def snippet(self, line: int) -> str:
        if self.source_lines is None:
            self.source_lines = self.text.splitlines()
        if 1 <= line <= len(self.source_lines):
            return self.source_lines[line - 1].strip()[:200]
        return ""

    def mentions(self, *words: str) -> bool:
        return any(word in self.text for word in words)

    def chain_line(self, chain: Chain) -> int:
        """Where a chain starts: its receiver, or its first call's name (not an opening paren)."""
        return chain.base.lineno if chain.base is not None else chain.links[0].line

    def parent_chain(self, chain: Chain) -> Chain | None:
        """The chain this one continues: `q.eq(...)` after `q = supabase.table(...)`, or
        `qs.filter(...)` after `qs = Note.objects.all()` (the nearest earlier binding of q)."""
        if id(chain) not in self._parents:
            self._parents[id(chain)] = self._find_parent(chain)
        return self._parents[id(chain)]

    def _find_parent(self, chain: Chain) -> Chain | None:
        if type(chain.base) is not ast.Name:
            return None
        line = self.line(chain.node)
        earlier = [b for b in chain.scope.lookup(chain.base.id) if b.line <= line and b.value is not chain.node]
        parent = self.chain_of_node.get(id(earlier[-1].value)) if earlier else None
        return parent if parent is not chain else None

    def original_name(self, name: str) -> str:
        return self.import_aliases.get(name, name).split(".")[-1]

    def lineage(self, chain: Chain) -> list[Chain]:
        """The chains a stepwise-built chain is made of, the first one first."""
        chains = [chain]
        while (parent := self.parent_chain(chains[0])) is not None and parent not in chains:
            chains.insert(0, parent)
        return chains

    def continued_chains(self) -> set[int]:
        """Ids of the chains some later chain continues (so they are not finished queries).
        Computed once: three finders ask (callers must not change the set)."""
        if self._continued is None:
            self._continued = {id(parent) for chain in self.chains if (parent := self.parent_chain(chain)) is not None}
        return self._continued


def flatten_chain(call: ast.Call) -> tuple[ast.expr | None, list[Link]]:
    """`a.b(x).c.d(y)` -> (Name a, [b(x), c, d(y)]); `f(x).g()` -> (None, [f(x), g()])."""
    links: list[Link] = []
    current: ast.expr | None = call
    while current is not None:
        kind = type(current)
        if kind is ast.Call and type(current.func) is ast.Attribute:
            links.append(Link(current.func.attr, current, current.func.end_lineno, current))
            current = current.func.value
        elif kind is ast.Call and type(current.func) is ast.Name:
            links.append(Link(current.func.id, current, current.func.lineno, current))
            current = None
        elif kind is ast.Attribute:
            links.append(Link(current.attr, current, current.end_lineno))
            current = current.value
        else:
            break
    links.reverse()
    return current, links


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class FactCollector:
    """The single pass: `visit_<Node>` runs before a node's children; returning False keeps the
    pass out of them (a docstring, an annotation, a string already recorded whole)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.scope = facts.module_scope
        self.inner_calls: set[int] = set()
        self.visits = {getattr(ast, name.removeprefix("visit_")): getattr(self, name)
                       for name in dir(type(self)) if name.startswith("visit_")}

    def walk(self, root: ast.AST) -> None:
        visits = self.visits
        specs = _WALK_SPECS
        pending: list[ast.AST | Scope] = [root]
        pop, push, extend = pending.pop, pending.append, pending.extend
        while pending:
            node = pop()
            if node is None:  # an absent default in `arguments.kw_defaults`
                continue
            cls = node.__class__
            if cls is Scope:  # a definition's children are done: back to its scope
                self.scope = node
                continue
            hook = visits.get(cls)
            if hook is not None:
                outer = self.scope
                if hook(node) is False:
                    continue
                if cls in _DEFINITIONS:
                    push(outer)
            # tree.children(node, walked=True), reversed, inlined: it ran once per node (issue 13).
            fields = specs.get(cls)
            if fields is None:
                if cls is ast.Dict:
                    extend(reversed(children(node, walked=True)))
                    continue
                fields = walk_fields(cls)
            for name in reversed(fields):
                value = getattr(node, name)
                if value.__class__ is list:
                    extend(reversed(value))
                elif value is not None:
                    push(value)

    # -- scopes ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        body = Scope("class", node.name, self.scope)
        self.facts.scopes.append(body)
        self.scope.classes[node.name] = body
        self.facts.classes.append(ClassFacts(node, self.scope, body))
        self.scope = body

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope = Scope("function", node.name, self.scope)
        self.facts.scopes.append(self.scope)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                return
            self.scope.opaque.add(alias.asname or alias.name)
            if alias.asname is not None:
                self.facts.import_aliases[alias.asname] = alias.name

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.scope.opaque.add(alias.asname or alias.name.split(".")[0])  # `import os.path` binds `os`

    # -- assignments ----------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if type(target) is ast.Name:
                self._bind(target.id, node.value)
            else:
                self._opaque(target)  # `a, b = ...`

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and type(node.target) is ast.Name:
            self._bind(node.target.id, node.value)

    # Names bound to values this pass cannot know: they hide same-named constants.
    def visit_arg(self, node: ast.arg) -> bool:
        self.scope.opaque.add(node.arg)
        return False  # its annotation

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._opaque(node.target)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._opaque(node.target)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._opaque(node.optional_vars)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name is not None:
            self.scope.opaque.add(node.name)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._opaque(node.target)

    def _opaque(self, target: ast.AST) -> None:
        for node in iter_nodes(target):
            if type(node) is ast.Name:
                self.scope.opaque.add(node.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # `sql += " AND x = %s"`: the appended text belongs to the query built in `sql`.
        if type(node.target) is not ast.Name or type(node.op) is not ast.Add:
            return
        earlier = self.scope.bindings.get(node.target.id)
        if earlier and is_stringish(node.value):
            earlier[-1].appended.append(node.value)
            self.facts.binding_of_value[id(node.value)] = earlier[-1]
            self.facts.appended_parts.add(id(node.value))
        else:
            self._opaque(node.target)  # `sql += where_clause`: no longer a known string

    def _bind(self, name: str, value: ast.expr) -> None:
        binding = Binding(name, value, self.scope, value.lineno)
        self.scope.bindings.setdefault(name, []).append(binding)
        self.facts.binding_of_value[id(value)] = binding

    # -- strings --------------------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> bool:
        # A bare string statement (a docstring, a commented-out query) never runs: not a query.
        return not is_stringish(node.value)

    def _string_site(self, node: ast.expr) -> bool:
        if not is_stringish(node):
            return True
        self.facts.sites.append(StringSite(node, self.scope))
        return False  # its parts are part of this one string

    visit_Constant = visit_JoinedStr = visit_BinOp = _string_site

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> bool:
        if is_stringish(node):
            return self._string_site(node)
        if id(node) in self.inner_calls:
            return True
        base, links = flatten_chain(node)
        if not links:
            return True  # `handlers[kind](...)`: nothing a finder can read
        for link in links:
            if link.call is not None and link.call is not node:
                self.inner_calls.add(id(link.call))
        chain = Chain(node, base, links, self.scope)
        self.facts.chains.append(chain)
        self.facts.chain_of_node[id(node)] = chain
        return True


def collect(path: str, text: str, module: ast.Module) -> Facts:
    facts = Facts(path, text, None, module, Scope("module", "<module>"))
    facts.scopes.append(facts.module_scope)
    collector = FactCollector(facts)
    collector.walk(module)
    collector.visits = {}  # its bound methods refer back to it: a cycle holding the facts (see release)
    return facts
