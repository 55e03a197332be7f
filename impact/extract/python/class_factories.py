"""SQLAlchemy declarations written as code rather than as class attributes (issue 8), for
impact.extract.python.models:

- a column a mixin declares with `@declared_attr` (SQLAlchemy's way to declare a column holding a
  `ForeignKey` in a mixin, since a `Column` object cannot be shared by several tables):
      @declared_attr
      def flow_run_id(cls):
          return sa.Column(UUID(), sa.ForeignKey("flow_run.id"), nullable=False)
  declares `flow_run_id` (its column named as `Column("name", ...)`/`name=` say, as an attribute's);
- a model assembled by a function from mixins it is given, the default ones used unless a caller
  passes others, on a declarative base kept on the object:
      class ORMConfiguration:
          def _create_base_model(self):
              @as_declarative()
              class Base(ORMBase): ...
              self.Base = Base
          def _create_orm_models(self, deployment_mixin=ORMDeployment):
              class Deployment(deployment_mixin, self.Base): ...
  `Deployment`'s bases are read as `ORMDeployment` (the parameter's default) and `Base` (the class a
  method of the same class stores in `self.Base`).

Decisions: a `declared_attr` counts only when its function's one statement (a docstring aside) returns
the `Column(...)`/`mapped_column(...)` call (a relationship, `__table_args__` or a computed
`__tablename__` is no column); `@declared_attr.directive` never declares a column. A parameter's
default stands for the parameter only when it names a class (a name or a dotted name), and `self.X`
for a class only when exactly one class is stored in `self.X` in the enclosing class's methods.
Known limit (xfail in tests/test_sqlalchemy_class_factories.py): a model assembled from mixins a
caller passes (not the defaults) keeps the defaults' columns.
"""
from __future__ import annotations

import ast

from impact.extract.python.class_readers import _sqlalchemy_column
from impact.extract.python.tree import full_name, last_name


def declared_attr_column(statement: ast.stmt) -> tuple[str, ast.Call] | None:
    """(attribute, its Column call) for a `@declared_attr` method returning a column, else None."""
    if type(statement) not in (ast.FunctionDef, ast.AsyncFunctionDef) or not any(
            _is_declared_attr(d) for d in statement.decorator_list):
        return None
    body = statement.body
    if body and type(body[0]) is ast.Expr and type(body[0].value) is ast.Constant and isinstance(body[0].value.value, str):
        body = body[1:]  # a docstring
    if len(body) != 1 or type(body[0]) is not ast.Return:
        return None
    column = _sqlalchemy_column(body[0].value)
    return (statement.name, column) if column is not None else None


def is_declarative_base(node: ast.ClassDef) -> bool:
    """`@as_declarative(...) class Base(ORMBase)`: the decorated class is the declarative base its
    models derive from, mapped to no table of its own (SQLAlchemy's semantics), whatever its bases
    compute for the models."""
    return any(last_name(d) == "as_declarative" for d in node.decorator_list)


def _is_declared_attr(decorator: ast.expr) -> bool:
    name = full_name(decorator) or ""
    return name == "declared_attr" or name.endswith(".declared_attr")


def factory_bases(module: ast.Module, classes: list) -> dict[int, list[str]]:
    """id(ClassDef) -> its bases as models.find_models reads them, for the classes a function defines
    whose bases it names through a parameter or `self.X`: others are not listed. `classes`: the
    file's ClassFacts."""
    nested = [c.node for c in classes if c.node.col_offset > 0 and any(  # indented: in a class or a function
        type(b) is ast.Name or (full_name(b) or "").startswith("self.") for b in c.node.bases)]
    if not nested:
        return {}
    enclosing, owner = _parents(module)
    out, stored_in = {}, {}
    for node in nested:
        function = enclosing.get(id(node))
        if function is None:
            continue
        defaults = _parameter_defaults(function)
        cls = owner.get(id(function))
        if id(cls) not in stored_in:
            stored_in[id(cls)] = _stored_classes(cls)
        stored = stored_in[id(cls)]
        bases, changed = [], False
        for base in node.bases:
            name = full_name(base) or ""
            resolved = defaults.get(name) or (stored.get(name[5:]) if name.startswith("self.") else None)
            bases.append(resolved or name)
            changed = changed or resolved is not None
        if changed:
            out[id(node)] = bases
    return out


def _parents(module: ast.Module) -> tuple[dict[int, ast.AST], dict[int, ast.ClassDef]]:
    """(id(ClassDef) -> the innermost function defining it, id(method) -> its class), in one walk of
    the statements only (a class or a function is a statement: expressions are not entered)."""
    enclosing: dict[int, ast.AST] = {}
    owner: dict[int, ast.ClassDef] = {}
    stack: list[tuple[ast.AST, ast.AST | None, ast.ClassDef | None]] = [(module, None, None)]
    while stack:
        node, function, cls = stack.pop()
        kind = type(node)
        if kind is ast.ClassDef:
            if function is not None:
                enclosing[id(node)] = function
            function, cls = None, node
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            if cls is not None and function is None:
                owner[id(node)] = cls
            function, cls = node, None
        for field in _BODIES:
            for child in getattr(node, field, ()):
                if isinstance(child, ast.stmt) or type(child) is ast.ExceptHandler or type(child) is ast.match_case:
                    stack.append((child, function, cls))
    return enclosing, owner


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _parameter_defaults(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """Parameter -> the class its default names (`deployment_mixin=ORMDeployment`)."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    pairs = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
    pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
    found = {}
    for argument, default in pairs:
        name = full_name(default) if type(default) in (ast.Name, ast.Attribute) else None
        if name and name.rsplit(".", 1)[-1][:1].isupper():
            found[argument.arg] = name
    return found


def _stored_classes(cls: ast.ClassDef | None) -> dict[str, str]:
    """`X` -> the class a method of `cls` defines and stores with `self.X = C`, when only one is."""
    if cls is None:
        return {}
    stored: dict[str, set[str]] = {}
    for method in cls.body:
        if type(method) not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        statements = _statements(method)
        defined = {s.name for s in statements if type(s) is ast.ClassDef}
        for statement in statements:
            if type(statement) is not ast.Assign or type(statement.value) is not ast.Name or statement.value.id not in defined:
                continue
            for target in statement.targets:
                if type(target) is ast.Attribute and type(target.value) is ast.Name and target.value.id == "self":
                    stored.setdefault(target.attr, set()).add(statement.value.id)
    return {attribute: next(iter(names)) for attribute, names in stored.items() if len(names) == 1}


def _statements(node: ast.AST) -> list[ast.AST]:
    """The statements under node (nested blocks included), expressions not entered."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        for field in _BODIES:
            for child in getattr(current, field, ()):
                if isinstance(child, ast.stmt) or type(child) is ast.ExceptHandler or type(child) is ast.match_case:
                    found.append(child)
                    stack.append(child)
    return found
