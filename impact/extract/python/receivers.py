"""Typed receivers: names bound to a row of a known model, followed within their function, so
that `line.quantity` is known to read `CheckoutLine.quantity` (issue 8 §1-2).

`typed_attributes(text, models)` -> {(line, attribute): {model class, ...}} for every `x.attr`
whose `x` holds a row of one of `models` (class names) at that point, and {(line, "=field"): ...}
for every keyword of a model's constructor (`Check(user=u)`: a row built with that field). A name
holds a row when bound by:
  - Django: `M.objects.get/first/last/latest/earliest/create(...)`, `get_or_create(...)[0]` or
    `x, created = M.objects.get_or_create(...)`, `get_object_or_404(M, ...)`, `M(...)`;
  - SQLAlchemy: `session.get(M, id)` (`await` too), `session.query(M).first()/one()/get()`,
    `session.scalars(select(M)...).first()`, `session.execute(select(M)).scalar_one()` (`sa.select` too),
    Flask-SQLAlchemy `M.query.get(id)` / `.first()`;
  - iteration: `for x in <rows>` (a queryset or query of M, a name holding one, a parameter
    typed `list[M]` / `Iterable[M]` / `QuerySet[M]` ...), comprehensions, `enumerate(<rows>)`;
  - annotations: a parameter or variable typed `M`, `"M"`, `M | None`, `Optional[M]`, `models.M`;
  - factories (row_producers.py): `UserFactory.create(...)`, `query_factory.create(...)`,
    `self.factory.create_query(...)`; `UserFactory.create_batch(n)` rows.

Decisions:
- Flow follows source order inside one function: a later rebinding to something unknown ends
  the typing (`x = x.parent` after `x: Line`). Branches are read in order, not merged: the last
  binding seen wins, a cheap approximation of "the binding that reaches this line".
- An enclosing function's names are seen by nested functions and lambdas (closures), as bound
  where the nested function is defined.
- `self` in the model's own methods is not typed: those lines go with the model's declaration
  (the declaration is the evidence, and the fix - remove or remap the field - is made there).
  On redash's history (bench/accuracy) the authors remapped `options` to a new column and left
  every `self.options` as it was: typing `self` made 8 false positives and found no truth line.
  A drop's `self.x` is attributed apart (impact.orm.python_self, via "model-self"), evidence of a
  drop whose data did not move only.
- Attributes are followed only through a typed row's declared relations, never others
  (`self.line.quantity`): the type of `self.line` is not known without reading `__init__`.
  - a relation of a typed row (impact.extract.python.relations): `line.order` (a ForeignKey or a
    SQLAlchemy `relationship`) is a row of Order, `checkout.lines.all()` (a `related_name`) rows
    of CheckoutLine.
- With `lines`, only those lines' accesses are returned, and a simple statement holding none of
  them is read only for what it binds (an assignment's target), not walked for accesses: the
  cost of this pass is the functions holding the lines, parsed and walked (issue 13). A text
  with a `:=` is walked in full (an expression there may bind a name).
Known limit (xfail test in tests/test_python_receivers.py): helpers' return types are not followed.
"""
from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping

from impact.extract.python.blocks import parsed_cut
from impact.extract.python.django import is_manager
from impact.extract.python.relations import parsed
from impact.extract.python.sqlalchemy import _module_path

# Queryset/query methods that keep a collection of rows of the same model.
ROWS_KEPT = frozenset({
    "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct", "only", "defer",
    "annotate", "iterator", "select_for_update", "using", "reverse", "none", "alias", "filter_by", "where",
    "options", "join", "outerjoin", "limit", "offset", "with_for_update", "execution_options", "unique",
    "group_by", "having", "union", "intersection", "difference"})
# Methods returning one row of the collection's model.
ONE_ROW = frozenset({"get", "first", "last", "latest", "earliest", "create", "one", "one_or_none", "scalar_one",
                     "scalar_one_or_none", "scalar", "get_or_404", "first_or_404", "one_or_404", "aget", "afirst", "alast", "acreate"})
PAIRS = frozenset({"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"})
COLLECTIONS = frozenset({"list", "List", "Iterable", "Iterator", "Sequence", "QuerySet", "Collection", "set", "Set", "frozenset",
                         "tuple", "Tuple", "AsyncIterator", "AsyncIterable", "Generator", "Manager", "RelatedManager", "ScalarResult"})
OPTIONAL = frozenset({"Optional", "Annotated", "Mapped"})
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager", "query"})

# Statements holding others (`statement` reads their headers and bodies).
COMPOUND = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
                      ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match})

_FIELDS: dict[type, tuple[str, ...]] = {}  # an expression class -> its fields that may hold a node
_CHILDREN = (ast.expr, ast.keyword, ast.comprehension)  # the children `expr` reads

Kind = tuple[str, str]  # ("row" | "rows" | "pair" | "select" | "result", model class name)
Found = dict[tuple[int, str], set[str]]


def typed_attributes(text: str, models: Collection[str], related: Mapping[tuple[str, str], Kind] | None = None,
                     lines: Collection[int] | None = None, keys: Mapping[int, Collection[str]] | None = None,
                     produced: Callable[[ast.Call], Kind | None] | None = None, producers: Collection[str] = (),
                     source: list[str] | None = None) -> Found:
    """(line, attribute) -> the model classes whose rows are read or written there. `related`:
    (class, attribute) -> what a row's relation holds (relations.py). `lines`: only these are wanted
    (a function holding none is not walked); `keys`: what each is looked up for (blocks.parsed_cut).
    `produced`: what a call of a factory makes (row_producers.made), `producers` the names it knows
    (a function spelling one may bind a row, as one spelling a model class). `source`: `text.split("\\n")`
    when the caller has it (blocks.parsed_cut)."""
    if not models:
        return {}
    seeds = set(models) | set(producers) if producers else models
    module = parsed_cut(text, lines, seeds, keys, related, source) if lines else None  # a few functions parse faster than the file
    module = module or parsed(text)
    if module is None or not module.body:
        return {}
    # Without a `:=` in the text no expression binds a name: a statement holding no wanted line
    # is read only for what it binds.
    walker = _Walker(set(models), related or {}, None if lines is None else sorted(lines), ":=" in text, produced)
    try:
        walker.body(module.body, {})
    except RecursionError:
        pass
    if lines is None:
        return walker.found
    return {at: classes for at, classes in walker.found.items() if at[0] in lines}


class _Walker:
    def __init__(self, models: set[str], related: Mapping[tuple[str, str], Kind], lines: list[int] | None,
                 walrus: bool = True, produced: Callable[[ast.Call], Kind | None] | None = None) -> None:
        self.models = models
        self.produced = produced
        self.related = related
        self.lines = lines
        self.walrus = walrus
        self.found: Found = {}

    def wanted(self, node: ast.stmt) -> bool:
        if self.lines is None:
            return True
        at = bisect_left(self.lines, node.lineno)
        return at < len(self.lines) and self.lines[at] <= (node.end_lineno or node.lineno)

    # -- statements ---------------------------------------------------------------------------
    def body(self, statements: list[ast.stmt], env: dict[str, Kind | None]) -> None:
        for statement in statements:
            self.statement(statement, env)

    def statement(self, node: ast.stmt, env: dict) -> None:
        kind = type(node)
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) and not self.wanted(node):
            env[node.name] = None
        elif kind not in COMPOUND and not self.walrus and not self.wanted(node):
            self.binding(node, env)  # nothing to record on its lines: only what it binds matters
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                self.expr(decorator, env)
            self.function(node, dict(env))
            env[node.name] = None
        elif kind is ast.ClassDef:
            for base in node.bases:
                self.expr(base, env)
            self.body(node.body, dict(env))
        elif kind is ast.Assign:
            self.expr(node.value, env)
            value = self.kind(node.value, env)
            for target in node.targets:
                self.bind(target, value, env)
                self.expr(target, env)
        elif kind is ast.AnnAssign:
            if node.value is not None:
                self.expr(node.value, env)
            declared = self.annotation(node.annotation)
            value = declared or (self.kind(node.value, env) if node.value is not None else None)
            self.bind(node.target, value, env)
            self.expr(node.target, env)
        elif kind is ast.AugAssign:
            self.expr(node.value, env)
            self.expr(node.target, env)
        elif kind in (ast.For, ast.AsyncFor):
            self.expr(node.iter, env)
            self.bind(node.target, self.element(node.iter, env), env)
            self.expr(node.target, env)
            self.body(node.body, env)
            self.body(node.orelse, env)
        elif kind in (ast.With, ast.AsyncWith):
            for item in node.items:
                self.expr(item.context_expr, env)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, None, env)
            self.body(node.body, env)
        else:
            for field in ("test", "value", "exc", "cause", "msg", "subject"):
                child = getattr(node, field, None)
                if isinstance(child, ast.expr):
                    self.expr(child, env)
            if kind is ast.Delete:
                for target in node.targets:
                    self.expr(target, env)
            for field in ("body", "orelse", "finalbody"):
                self.body(getattr(node, field, None) or [], env)
            for handler in getattr(node, "handlers", None) or []:
                if handler.name:
                    env[handler.name] = None
                self.body(handler.body, env)
            for case in getattr(node, "cases", None) or []:
                self.body(case.body, env)

    def binding(self, node: ast.stmt, env: dict) -> None:
        """What a simple statement binds, as `statement` binds it, without recording its accesses."""
        if type(node) is ast.Assign:
            value = self.kind(node.value, env)
            for target in node.targets:
                self.bind(target, value, env)
        elif type(node) is ast.AnnAssign:
            declared = self.annotation(node.annotation)
            self.bind(node.target, declared or (self.kind(node.value, env) if node.value is not None else None), env)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, env: dict) -> None:
        arguments = node.args
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        params += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
            self.expr(default, env)
        for param in params:
            env[param.arg] = self.annotation(param.annotation) if param.annotation is not None else None
        self.body(node.body, env)

    def bind(self, target: ast.expr, value: Kind | None, env: dict) -> None:
        if type(target) is ast.Name:
            env[target.id] = value if value is not None and value[0] in ("row", "rows", "select", "result") else None
        elif type(target) in (ast.Tuple, ast.List):
            for position, item in enumerate(target.elts):
                # `x, created = M.objects.get_or_create(...)`
                item_value = ("row", value[1]) if value and value[0] == "pair" and position == 0 else None
                if item_value is None and value and value[0] == "enumerated" and position == 1:
                    item_value = ("row", value[1])
                self.bind(item, item_value, env)
        elif type(target) is ast.Starred:
            self.bind(target.value, None, env)

    # -- expressions --------------------------------------------------------------------------
    def expr(self, node: ast.AST, env: dict) -> None:
        """Record the typed attribute accesses under `node` (comprehensions and lambdas bind their own names)."""
        pending = [node]
        while pending:
            current = pending.pop()
            kind = type(current)
            if kind is ast.Attribute:
                self._access(current, env)
            elif kind is ast.Call:
                self._constructed(current)
            elif kind in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
                self._comprehension(current, env)
                continue
            elif kind is ast.Lambda:
                inner = dict(env)
                for arg in [*current.args.posonlyargs, *current.args.args, *current.args.kwonlyargs]:
                    inner[arg.arg] = None
                self.expr(current.body, inner)
                continue
            elif kind is ast.NamedExpr:
                self.expr(current.value, env)
                self.bind(current.target, self.kind(current.value, env), env)
                continue
            # ast.iter_child_nodes, with each class's fields looked up once (most of this walk's time).
            fields = _FIELDS.get(kind)
            if fields is None:
                fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))
            for name in fields:
                value = getattr(current, name, None)
                if type(value) is list:
                    pending.extend(item for item in value if isinstance(item, _CHILDREN))
                elif isinstance(value, _CHILDREN):
                    pending.append(value)

    def _access(self, node: ast.Attribute, env: dict) -> None:
        receiver = node.value
        if type(receiver) in (ast.Name, ast.Attribute):
            bound = self.kind(receiver, env)
            if bound is not None and bound[0] == "row":
                self.found.setdefault((node.end_lineno or node.lineno, node.attr), set()).add(bound[1])

    def _constructed(self, node: ast.Call) -> None:
        """`M(user=u)`: the keyword names a field of the new row (recorded as `=user`, apart from
        attribute reads of the same line)."""
        model = self.model(node.func)
        if model:
            for keyword in node.keywords:
                if keyword.arg:
                    self.found.setdefault((keyword.lineno, "=" + keyword.arg), set()).add(model)

    def _comprehension(self, node: ast.expr, env: dict) -> None:
        inner = dict(env)
        for generator in node.generators:
            self.expr(generator.iter, inner)
            self.bind(generator.target, self.element(generator.iter, inner), inner)
            for condition in generator.ifs:
                self.expr(condition, inner)
        for part in ("elt", "key", "value"):
            child = getattr(node, part, None)
            if child is not None:
                self.expr(child, inner)

    # -- types ----------------------------------------------------------------------------------
    def element(self, iterable: ast.expr, env: dict) -> Kind | None:
        """What iterating `iterable` yields."""
        if type(iterable) is ast.Call and type(iterable.func) is ast.Name and iterable.func.id == "enumerate" and iterable.args:
            inner = self.kind(iterable.args[0], env)
            return ("enumerated", inner[1]) if inner and inner[0] == "rows" else None
        value = self.kind(iterable, env)
        return ("row", value[1]) if value and value[0] == "rows" else None

    def kind(self, node: ast.expr | None, env: dict) -> Kind | None:
        kind = type(node)
        if kind is ast.Await:
            return self.kind(node.value, env)
        if kind is ast.Name:
            return env.get(node.id)
        if kind is ast.Subscript:
            value = self.kind(node.value, env)
            if value is None:
                return None
            if value[0] == "pair" and type(node.slice) is ast.Constant and node.slice.value == 0:
                return ("row", value[1])
            if value[0] == "rows":
                return value if type(node.slice) is ast.Slice else ("row", value[1])
            return None
        if kind is ast.Attribute:  # a row's relation (`line.order`, `order.lines`), or `M.objects`
            owner = self.kind(node.value, env)
            if owner is not None and owner[0] == "row":
                return self.related.get((owner[1], node.attr))
            return self._model_attribute(node)
        if kind is ast.Call:
            return self._call(node, env)
        return None

    def _model_attribute(self, node: ast.Attribute) -> Kind | None:
        """`M.objects` / `M.query`: every row of M."""
        model = self.model(node.value)
        return ("rows", model) if model and (node.attr in MANAGERS or is_manager(node.attr)) else None

    def _call(self, node: ast.Call, env: dict) -> Kind | None:
        func = node.func
        model = self.model(func)
        if model:  # M(...): a new row
            return ("row", model)
        made = self.produced(node) if self.produced is not None else None
        if made is not None:  # UserFactory.create(...), self.factory.create_query(...)
            return made
        first = self.model(node.args[0]) if node.args else None
        if type(func) is ast.Name:
            if func.id == "get_object_or_404" and first:
                return ("row", first)
            if func.id == "get_list_or_404" and first:
                return ("rows", first)
            if func.id in ("select", "list", "sorted", "reversed") and node.args:
                if func.id == "select":
                    return ("select", first) if first and len(node.args) == 1 else None
                inner = self.kind(node.args[0], env)
                return inner if inner and inner[0] == "rows" else None
            return None
        if type(func) is not ast.Attribute:
            return None
        method = func.attr
        if method == "select" and _module_path(func.value) and len(node.args) == 1:  # sa.select(M)
            return ("select", first) if first else None
        if method in ("scalars", "execute") and node.args and _is_session(func.value):
            statement = self.kind(node.args[0], env)
            if statement and statement[0] == "select":  # session.scalars(select(M)) / execute(select(M))
                return ("rows" if method == "scalars" else "result", statement[1])
        if first and _is_session(func.value):
            if method == "get":  # session.get(M, id)
                return ("row", first)
            if method == "query" and len(node.args) == 1:
                return ("rows", first)
        receiver = self.kind(func.value, env)
        if receiver is None:
            return None
        state, of = receiver
        if state == "select":
            if method in ROWS_KEPT:
                return receiver
            return None
        if state == "rows":
            if method in ROWS_KEPT:
                return receiver
            if method in ONE_ROW:
                return ("row", of)
            if method in PAIRS:
                return ("pair", of)
            return None
        if state == "result":
            if method in ("scalars", "unique"):
                return ("rows", of)
            if method in ("scalar_one", "scalar_one_or_none", "scalar"):
                return ("row", of)
        return None

    def model(self, node: ast.expr | None) -> str | None:
        """The model a name or attribute (`models.Line`) names."""
        if type(node) is ast.Name:
            return node.id if node.id in self.models else None
        if type(node) is ast.Attribute and type(node.value) in (ast.Name, ast.Attribute):
            return node.attr if node.attr in self.models else None
        return None

    def annotation(self, node: ast.expr | None) -> Kind | None:
        """`M`, `"M"`, `M | None`, `Optional[M]`: a row; `list[M]`, `QuerySet[M]`...: rows."""
        if node is None:
            return None
        if type(node) is ast.Constant and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        model = self.model(node)
        if model:
            return ("row", model)
        if type(node) is ast.BinOp and type(node.op) is ast.BitOr:
            found = [k for k in (self.annotation(node.left), self.annotation(node.right)) if k]
            return found[0] if len(found) == 1 else None
        if type(node) is ast.Subscript:
            outer = node.value.attr if type(node.value) is ast.Attribute else getattr(node.value, "id", "")
            inner = node.slice.elts[0] if type(node.slice) is ast.Tuple and node.slice.elts else node.slice
            if outer in OPTIONAL:
                return self.annotation(inner)
            if outer in COLLECTIONS:
                found = self.annotation(inner)
                return ("rows", found[1]) if found and found[0] == "row" else None
        return None


def _is_session(node: ast.expr) -> bool:
    """`session`, `db.session`, `self.session`, `async_session`, `db` (a session named `db`)."""
    name = node.attr if type(node) is ast.Attribute else getattr(node, "id", "")
    return "session" in name.lower() or name in ("db", "s")
