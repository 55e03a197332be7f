"""One pass over a Python module, collecting the facts every Python query finder needs.

The visitor records and decides nothing: which names are assigned what, the outermost string
expressions, the call chains (`a.b(...).c(...)`) and the class definitions, each with the scope
it sits in. The finders (python.sql_calls, python.supabase, python.orm) work on these facts afterwards, so a
constant assigned at the bottom of a module still resolves for a function defined above it.

The pass is python.tree.walk, not libcst's visitor (which rebuilds every node it visits); the same
walk yields each expression's lines, so `Facts.line` needs no PositionProvider (which
regenerates the whole module) except for the rare non-expression node.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from impact.extract.python.tree import iter_nodes, walk

# Methods that keep a string a string: `"...".format(x)`, `"...".strip()`, `" ".join([...])`.
STRING_METHODS = frozenset({"format", "strip", "lstrip", "rstrip", "join"})
# Functions that return their (string) argument reshaped but still the same SQL.
STRING_WRAPPERS = frozenset({"dedent", "textwrap.dedent", "inspect.cleandoc", "cleandoc"})


@dataclass(eq=False)
class Binding:
    """`name = value` (or `name: T = value`), plus the strings later appended with `name += ...`."""

    name: str
    value: cst.BaseExpression
    scope: Scope
    line: int  # of the value (set once the pass is over: lines are known only then)
    appended: list[cst.BaseExpression] = field(default_factory=list)


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
    node: cst.BaseExpression
    name_node: cst.Name
    call: cst.Call | None = None


@dataclass(eq=False)
class Chain:
    """An outermost call chain: `base.l1(...).l2.l3(...)`; base is None for `f(...)...`."""

    node: cst.Call
    base: cst.BaseExpression | None
    links: list[Link]
    scope: Scope

    def names(self) -> list[str]:
        return [link.name for link in self.links]

    def base_name(self) -> str | None:
        return self.base.value if isinstance(self.base, cst.Name) else None


@dataclass(eq=False)
class ClassFacts:
    node: cst.ClassDef
    scope: Scope  # the scope the class is defined in
    body: Scope  # the class body's own scope


@dataclass(eq=False)
class StringSite:
    """An outermost string expression (a literal, an f-string, a concatenation, a `.format()`)."""

    node: cst.BaseExpression
    scope: Scope


@dataclass
class Facts:
    path: str
    text: str
    source_lines: list[str]
    module: cst.Module
    spans: dict[int, tuple[int, int]]  # (first line, last line) of each expression, by node id
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
    _positions: dict[cst.CSTNode, CodeRange] | None = None

    def lines(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.spans.get(id(node))
        if span is None:  # not an expression: ask libcst (exact, but it regenerates the module)
            if self._positions is None:
                self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
            where = self._positions[node]
            span = where.start.line, where.end.line
        return span

    def line(self, node: cst.CSTNode) -> int:
        return self.lines(node)[0]

    def snippet(self, line: int) -> str:
        if 1 <= line <= len(self.source_lines):
            return self.source_lines[line - 1].strip()[:200]
        return ""

    def mentions(self, *words: str) -> bool:
        return any(word in self.text for word in words)

    def chain_line(self, chain: Chain) -> int:
        """Where a chain starts: its receiver, or its first call's name (not an opening paren)."""
        return self.line(chain.base if chain.base is not None else chain.links[0].name_node)

    def parent_chain(self, chain: Chain) -> Chain | None:
        """The chain this one continues: `q.eq(...)` after `q = supabase.table(...)`, or
        `qs.filter(...)` after `qs = Note.objects.all()` (the nearest earlier binding of q)."""
        if id(chain) not in self._parents:
            self._parents[id(chain)] = self._find_parent(chain)
        return self._parents[id(chain)]

    def _find_parent(self, chain: Chain) -> Chain | None:
        if not isinstance(chain.base, cst.Name):
            return None
        line = self.line(chain.node)
        earlier = [b for b in chain.scope.lookup(chain.base.value) if b.line <= line and b.value is not chain.node]
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
        """Ids of the chains some later chain continues (so they are not finished queries)."""
        return {id(parent) for chain in self.chains if (parent := self.parent_chain(chain)) is not None}


def is_stringish(node: cst.BaseExpression) -> bool:
    """Does this expression build a `str` out of at least one literal?

    Called for every string, operator and call the visitor meets, hence a dispatch on the node
    type (matchers are an order of magnitude slower here)."""
    check = _STRINGISH.get(type(node))
    return check(node) if check is not None else False


def _stringish_call(node: cst.Call) -> bool:
    func = node.func
    if node.args and node.args[0].keyword is None and get_full_name_for_node(func) in STRING_WRAPPERS:
        return is_stringish(node.args[0].value)  # dedent("...")
    if type(func) is not cst.Attribute:
        return False
    if func.attr.value == "format" and type(func.value) in (cst.Name, cst.Attribute):
        return True  # TEMPLATE.format(...): str.format is the only common `.format` method
    return func.attr.value in STRING_METHODS and is_stringish(func.value)


def _stringish_operation(node: cst.BinaryOperation) -> bool:
    if type(node.operator) is cst.Add:
        return is_stringish(node.left) or is_stringish(node.right)
    if type(node.operator) is cst.Modulo:
        return is_stringish(node.left)
    return False


_STRINGISH = {
    cst.SimpleString: lambda node: "b" not in node.prefix.lower(),
    cst.ConcatenatedString: lambda node: is_stringish(node.left),
    cst.FormattedString: lambda node: True,
    cst.BinaryOperation: _stringish_operation,
    cst.Call: _stringish_call,
}


def literal_text(node: cst.CSTNode | None) -> str | None:
    """The value of a plain `str` literal; None for anything else (bytes included)."""
    if not isinstance(node, cst.SimpleString):
        return None
    token = node.value
    opening = 0
    while token[opening] not in "'\"":
        opening += 1
    prefix = token[:opening].lower()
    if "b" in prefix:
        return None
    quote = token[opening:opening + 3] if token[opening:opening + 3] in ('"""', "'''") else token[opening]
    body = token[opening + len(quote):len(token) - len(quote)]
    if ("\\" not in body or "r" in prefix) and "\r" not in body and "\x00" not in body:
        return body  # what Python reads, without compiling the token (the common case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "invalid escape sequence" in someone else's code
        try:
            value = node.evaluated_value
        except (ValueError, SyntaxError):
            return None
    return value if isinstance(value, str) else None


def flatten_chain(call: cst.Call) -> tuple[cst.BaseExpression | None, list[Link]]:
    """`a.b(x).c.d(y)` -> (Name a, [b(x), c, d(y)]); `f(x).g()` -> (None, [f(x), g()])."""
    links: list[Link] = []
    current: cst.BaseExpression | None = call
    while current is not None:
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            links.append(Link(current.func.attr.value, current, current.func.attr, current))
            current = current.func.value
        elif isinstance(current, cst.Call) and isinstance(current.func, cst.Name):
            links.append(Link(current.func.value, current, current.func, current))
            current = None
        elif isinstance(current, cst.Attribute):
            links.append(Link(current.attr.value, current, current.attr))
            current = current.value
        else:
            break
    links.reverse()
    return current, links


def first_literal(node: cst.CSTNode) -> cst.CSTNode:
    """The first string literal inside a string expression: its line is the query's line."""
    for child in iter_nodes(node):
        if isinstance(child, (cst.SimpleString, cst.FormattedString)):
            return child
    return node


class FactCollector:
    """The single pass (python.tree.walk calls `visit_<Node>` before a node's children, `leave_<Node>`
    after them). Visits outer nodes before inner ones, which the chain logic relies on."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.scope = facts.module_scope
        self.inner_calls: set[int] = set()
        self.bindings: list[Binding] = []

    def hooks(self, prefix: str) -> dict[type, object]:
        return {getattr(cst, name.removeprefix(prefix)): getattr(self, name)
                for name in dir(type(self)) if name.startswith(prefix)}

    # -- scopes ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        body = Scope("class", node.name.value, self.scope)
        self.scope.classes[node.name.value] = body
        self.facts.classes.append(ClassFacts(node, self.scope, body))
        self.scope = body

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope = self.scope.parent or self.scope

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope = Scope("function", node.name.value, self.scope)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope = self.scope.parent or self.scope

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            self._opaque(alias.asname.name if alias.asname else alias.name)
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self.facts.import_aliases[alias.asname.name.value] = get_full_name_for_node(alias.name) or ""

    # -- assignments ----------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if type(target.target) is cst.Name:
                self._bind(target.target.value, node.value)
            else:
                self._opaque(target.target)  # `a, b = ...`

    # Names bound to values this pass cannot know: they hide same-named constants.
    def visit_Param(self, node: cst.Param) -> None:
        self.scope.opaque.add(node.name.value)

    def visit_For(self, node: cst.For) -> None:
        self._opaque(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._opaque(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._opaque(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._opaque(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._opaque(node.target)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            bound = alias.asname.name if alias.asname else alias.name
            while isinstance(bound, cst.Attribute):  # `import os.path` binds `os`
                bound = bound.value
            self._opaque(bound)

    def _opaque(self, target: cst.BaseExpression) -> None:
        for node in iter_nodes(target):
            if isinstance(node, cst.Name):
                self.scope.opaque.add(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and type(node.target) is cst.Name:
            self._bind(node.target.value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        # `sql += " AND x = %s"`: the appended text belongs to the query built in `sql`.
        if type(node.target) is not cst.Name or type(node.operator) is not cst.AddAssign:
            return
        earlier = self.scope.bindings.get(node.target.value)
        if earlier and is_stringish(node.value):
            earlier[-1].appended.append(node.value)
            self.facts.binding_of_value[id(node.value)] = earlier[-1]
            self.facts.appended_parts.add(id(node.value))
        else:
            self._opaque(node.target)  # `sql += where_clause`: no longer a known string

    def _bind(self, name: str, value: cst.BaseExpression) -> None:
        binding = Binding(name, value, self.scope, 0)
        self.bindings.append(binding)
        self.scope.bindings.setdefault(name, []).append(binding)
        self.facts.binding_of_value[id(value)] = binding

    # -- strings --------------------------------------------------------------------------
    def visit_Expr(self, node: cst.Expr) -> bool:
        # A bare string statement (a docstring, a commented-out query) never runs: not a query.
        return not is_stringish(node.value)

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False  # `x: "Note"` is a type, not data

    def _string_site(self, node: cst.BaseExpression) -> bool:
        if not is_stringish(node):
            return True
        self.facts.sites.append(StringSite(node, self.scope))
        return False  # its parts are part of this one string

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return self._string_site(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return self._string_site(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return self._string_site(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
        return self._string_site(node)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> bool:
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


def collect(path: str, text: str, module: cst.Module) -> Facts:
    facts = Facts(path, text, text.splitlines(), module, {}, Scope("module", "<module>"))
    collector = FactCollector(facts)
    facts.spans = walk(module, collector.hooks("visit_"), collector.hooks("leave_"))
    for binding in collector.bindings:
        binding.line = facts.line(binding.value)
    return facts
