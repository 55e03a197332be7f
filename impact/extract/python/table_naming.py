"""A SQLAlchemy `__tablename__` computed from the class name by a declarative base or mixin (issue 8).

    class Base(DeclarativeBase):
        @declared_attr.directive
        def __tablename__(cls):
            return resolve_table_name(cls.__name__)   # a helper of the same file: CamelCase -> snake_case

Every mapped subclass that declares no `__tablename__` of its own gets the function's answer for its
name. `table_rule` reads such a definition (`@declared_attr`, `@declared_attr.directive`,
`@declared_attr` + `@classmethod`, `__tablename__ = declared_attr(lambda cls: ...)`) into a rule: the
function's source, with the module-level helpers it calls, kept as text (the per-file extraction is
cached; the rule is applied later, to classes of other files: impact/orm/computed_tables.py).
`table_for(rule, name)` runs the rule on a class name with a small interpreter of the spellings such
functions use, never `exec`: `cls.__name__`, str methods (`lower`, `replace`, `join`, `format`, ...),
`+`, `%`, f-strings, comprehensions, `re.sub`/`re.split`/`re.findall` with literal patterns, local
assignments, helpers of the same file, `inflection.underscore`/`stringcase.snakecase`, and module-level
constants: a literal or a compiled regex (`CAMEL_TO_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")`, then
`CAMEL_TO_SNAKE.sub("_", cls.__name__)`). A constant or helper the rule imports (`from app.utils import
CAMEL_TO_SNAKE`) is kept as a marker, `NAME = __imported__('app/utils:NAME')` (imported_names' origin):
the rule is pending until the repository-level pass puts the other file's definition in its place
(`pending_imports`, `with_definitions`; impact/orm/computed_tables.py), read from that file's text,
never imported. Anything else (a branch, a constant computed by a call other than `re.compile`, a
helper imported from a module not in the repository, `inflection.pluralize`) makes the rule UNKNOWN:
the table stays unknown rather than guessed, and the model's queries keep saying so.

Decision: the rule is the code, evaluated, not a pattern matched against a few spellings: the
snake-case conversions differ on acronyms (`re.split("(?=[A-Z])")` makes `HTTPEvent` `h_t_t_p_event`,
Flask-SQLAlchemy's `http_event`), and the table name must be the one the code computes.
"""
from __future__ import annotations

import ast
import re

UNKNOWN = "?"  # a computed `__tablename__` whose computation is not read: the table stays unknown
_DECORATORS = frozenset({"declared_attr", "declared_attr.directive"})
_STR_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "replace", "join", "format", "split",
                          "capitalize", "title", "removeprefix", "removesuffix"})
_RE_FUNCTIONS = frozenset({"sub", "split", "findall"})
_PROBE = "HTTPEventLog2Item"  # a class name the rule must turn into a string to count as read
_DEPTH = 4  # helpers calling helpers
# Only plain substitutions: a width (`%0999999999d`, `{:>999999999}`) would build a string of that size.
_PLAIN_PERCENT = re.compile(r"(?:[^%]|%s|%%)*")
_FORMAT_SPEC = re.compile(r"\{[^}]*[:!.\[]")


class _Unknown(Exception):
    """A construct the interpreter does not read."""


def computes_table_name(text: str) -> bool:
    """Whether a file may compute a table name (cheap, on the text): it names `declared_attr` and
    `__tablename__`. Such a file is parsed whole, function bodies included (extractor._facts)."""
    return "declared_attr" in text and "__tablename__" in text


def table_rule(node: ast.ClassDef, module: ast.Module, path: str = "") -> str | None:
    """The class's computed `__tablename__` as a rule (see module docstring), UNKNOWN when it is
    computed in a way not read, None when the class computes none. A rule naming imports is kept
    unprobed: its definitions are in other files (pending_imports)."""
    function = _tablename_function(node)
    if function is None:
        return None
    rule = definitions([function], module, path)
    return rule if pending_imports(rule) or table_for(rule, _PROBE) else UNKNOWN


def definitions(roots: list[ast.stmt], module: ast.Module, path: str) -> str:
    """`roots` with what they name of their module, as text: its helper functions and constants
    (transitively), and a marker `NAME = __imported__('<origin>')` for each name it imports."""
    defined: dict[str, ast.stmt] = {}
    for statement in module.body:
        if type(statement) is ast.FunctionDef:
            defined[statement.name] = statement
        elif type(statement) is ast.Assign and len(statement.targets) == 1 and type(statement.targets[0]) is ast.Name:
            defined[statement.targets[0].id] = statement
        elif type(statement) is ast.AnnAssign and type(statement.target) is ast.Name and statement.value is not None:
            defined[statement.target.id] = _assignment(statement.target, statement.value, statement.lineno)
    imported = {name: origin for name, origin in imported_names(module, path).items() if not origin.endswith(":")}
    own = {getattr(r, "name", None) for r in roots}
    needed: dict[str, tuple[int, str]] = {}  # name -> (its line: constants in the module's order, text)
    queue = list(roots)
    while queue:
        for name in _names_read(queue.pop()) - own - needed.keys():
            if name in defined:
                needed[name] = (defined[name].lineno, ast.unparse(defined[name]))
                queue.append(defined[name])
            elif name in imported:
                needed[name] = (-1, f"{name} = __imported__({imported[name]!r})")
    texts = [text for _, text in sorted(needed.values())]
    constants = [text for text in texts if not text.startswith(("def ", "@"))]
    functions = [text for text in texts if text.startswith(("def ", "@"))]
    return "\n".join([*constants, *(ast.unparse(r) for r in roots), *functions])


def _names_read(node: ast.stmt) -> set[str]:
    """The names a function's body or an assignment's value reads (not its decorators, nor annotations)."""
    parts = node.body if type(node) is ast.FunctionDef else [node.value] if type(node) is ast.Assign else []
    return {n.id for part in parts for n in ast.walk(part) if type(n) is ast.Name and type(n.ctx) is ast.Load}


def _assignment(target: ast.Name, value: ast.expr, line: int) -> ast.Assign:
    return ast.fix_missing_locations(ast.Assign(targets=[ast.Name(target.id, ast.Store())], value=value, lineno=line))


def pending_imports(rule: str | None) -> list[tuple[str, str]]:
    """(name, origin) of each definition a rule imports and still waits for (see definitions)."""
    if not rule or "__imported__(" not in rule:
        return []
    try:
        body = ast.parse(rule).body
    except SyntaxError:
        return []
    return [(s.targets[0].id, s.value.args[0].value) for s in body
            if type(s) is ast.Assign and type(s.value) is ast.Call and _dotted(s.value.func) == "__imported__"]


def with_definitions(rule: str, name: str, source: str | None) -> str:
    """The rule with the marker of an imported `name` replaced by `source` (its definition with
    what it names of its own module: definitions), or left pending when None."""
    if source is None:
        return rule
    lines = [source if line.startswith(f"{name} = __imported__(") else line for line in rule.split("\n")]
    return "\n".join(lines)


def definition_of(name: str, module: ast.Module, path: str) -> str | None:
    """What a module defines as `name` (a function or a module-level constant), with its own helpers."""
    for statement in module.body:
        if type(statement) is ast.FunctionDef and statement.name == name:
            return definitions([statement], module, path)
        targets = statement.targets if type(statement) is ast.Assign else [statement.target] \
            if type(statement) is ast.AnnAssign and statement.value is not None else []
        if len(targets) == 1 and type(targets[0]) is ast.Name and targets[0].id == name:
            return definitions([_assignment(targets[0], statement.value, statement.lineno)], module, path)
    return None


def table_for(rule: str | None, class_name: str) -> str | None:
    """The table the rule computes for a class name; None when it cannot be told."""
    if not rule or rule == UNKNOWN:
        return None
    try:
        body = ast.parse(rule).body
        functions = {f.name: f for f in body if type(f) is ast.FunctionDef}
        main = functions.pop("__tablename__")
        interpreter = _Interpreter(functions)
        for statement in body:  # module-level constants, in order
            if type(statement) is ast.Assign:
                interpreter.constants[statement.targets[0].id] = interpreter.value(statement.value, interpreter.constants, 0)
        value = interpreter.call(main, [_Class(class_name)], 0)
    except (_Unknown, SyntaxError, KeyError, ValueError, TypeError, IndexError, AttributeError, re.error, RecursionError):
        return None
    return value if type(value) is str and re.fullmatch(r"\w+", value) else None


def _tablename_function(node: ast.ClassDef) -> ast.FunctionDef | None:
    for statement in node.body:
        if type(statement) is ast.FunctionDef and statement.name == "__tablename__":
            names = {_dotted(d) for d in statement.decorator_list}
            if names & _DECORATORS or any(name.endswith(".declared_attr") for name in names):
                return statement
        if type(statement) is ast.Assign and any(type(t) is ast.Name and t.id == "__tablename__" for t in statement.targets):
            call = statement.value
            if (type(call) is ast.Call and _dotted(call.func).split(".")[-1] == "declared_attr" and call.args
                    and type(call.args[0]) is ast.Lambda):
                lam = call.args[0]
                body = ast.Return(lam.body)
                return ast.fix_missing_locations(ast.FunctionDef(name="__tablename__", args=lam.args, body=[body], decorator_list=[], lineno=statement.lineno))
    return None


def _dotted(node: ast.AST) -> str:
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _Class:
    def __init__(self, name: str) -> None:
        self.name = name


class _Pattern:
    """`re.compile(<literal>)`: its `sub`, `split` and `findall` are re's with the pattern first."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern


def _underscore(word: str) -> str:
    """inflection.underscore's documented conversion: `DeviceType` -> device_type, `IOError` -> io_error."""
    word = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", word)
    word = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", word)
    return word.replace("-", "_").lower()


def _snakecase(word: str) -> str:
    """stringcase.snakecase's documented conversion: each capital after the first becomes `_` + lower."""
    word = re.sub(r"[\-.\s]", "_", word)
    return (word[:1].lower() + re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), word[1:])) if word else word


_LIBRARY = {"inflection.underscore": _underscore, "underscore": _underscore, "stringcase.snakecase": _snakecase,
            "snakecase": _snakecase}


class _Interpreter:
    def __init__(self, helpers: dict[str, ast.FunctionDef]) -> None:
        self.helpers = helpers
        self.constants: dict[str, object] = {}

    def call(self, function: ast.FunctionDef, args: list, depth: int):
        if depth > _DEPTH or function.args.vararg or function.args.kwarg:
            raise _Unknown
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        if len(params) != len(args):
            raise _Unknown
        env = {**self.constants, **dict(zip(params, args))}
        for statement in function.body:
            if type(statement) is ast.Expr and type(statement.value) is ast.Constant:
                continue  # the docstring
            if type(statement) is ast.Assign and len(statement.targets) == 1 and type(statement.targets[0]) is ast.Name:
                env[statement.targets[0].id] = self.value(statement.value, env, depth)
            elif type(statement) is ast.Return and statement.value is not None:
                return self.value(statement.value, env, depth)
            else:
                raise _Unknown  # a branch, a loop: not read
        raise _Unknown

    def value(self, node: ast.expr, env: dict, depth: int):
        kind = type(node)
        if kind is ast.Constant and type(node.value) in (str, int):
            return node.value
        if kind is ast.Name and node.id in env:
            return env[node.id]
        if kind is ast.Attribute and node.attr == "__name__":
            owner = self.value(node.value, env, depth)
            if isinstance(owner, _Class):
                return owner.name
        if kind is ast.BinOp and type(node.op) in (ast.Add, ast.Mod):
            left, right = self.value(node.left, env, depth), self.value(node.right, env, depth)
            if type(left) is not str or (type(node.op) is ast.Mod and not _PLAIN_PERCENT.fullmatch(left)):
                raise _Unknown
            return left + right if type(node.op) is ast.Add else left % right
        if kind is ast.JoinedStr:
            return "".join(self._formatted(part, env, depth) for part in node.values)
        if kind in (ast.ListComp, ast.GeneratorExp):
            return self._comprehension(node, env, depth)
        if kind is ast.Subscript:
            return self.value(node.value, env, depth)[self._index(node.slice, env, depth)]
        if kind in (ast.Tuple, ast.List):
            return tuple(self.value(e, env, depth) for e in node.elts)
        if kind is ast.Call and not node.keywords:
            return self._call(node, env, depth)
        raise _Unknown

    def _formatted(self, part: ast.expr, env: dict, depth: int) -> str:
        if type(part) is ast.Constant:
            return str(part.value)
        if type(part) is ast.FormattedValue and part.conversion == -1 and part.format_spec is None:
            value = self.value(part.value, env, depth)
            if type(value) is str:
                return value
        raise _Unknown

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp, env: dict, depth: int) -> tuple:
        if len(node.generators) != 1 or type(node.generators[0].target) is not ast.Name or node.generators[0].is_async:
            raise _Unknown
        generator = node.generators[0]
        out = []
        for item in self.value(generator.iter, env, depth):
            inner = {**env, generator.target.id: item}
            if all(self.value(test, inner, depth) for test in generator.ifs):
                out.append(self.value(node.elt, inner, depth))
        return tuple(out)

    def _index(self, node: ast.expr, env: dict, depth: int):
        if type(node) is ast.Slice:
            bound = lambda part: None if part is None else self.value(part, env, depth)  # noqa: E731
            return slice(bound(node.lower), bound(node.upper), bound(node.step))
        if type(node) is ast.UnaryOp and type(node.op) is ast.USub:
            return -self.value(node.operand, env, depth)
        return self.value(node, env, depth)

    def _call(self, node: ast.Call, env: dict, depth: int):
        args = [self.value(a, env, depth) for a in node.args]
        func = node.func
        if type(func) is ast.Name and func.id in self.helpers:
            return self.call(self.helpers[func.id], args, depth + 1)
        if type(func) is ast.Name and func.id == "str" and len(args) == 1 and type(args[0]) is str:
            return args[0]
        name = _dotted(func)
        if name in _LIBRARY and len(args) == 1 and type(args[0]) is str:
            return _LIBRARY[name](args[0])
        if name.startswith("re.") and name[3:] in _RE_FUNCTIONS and all(type(a) is str for a in args[:3]):
            return _regex(name[3:], args)
        if name == "re.compile" and len(args) == 1 and type(args[0]) is str:
            re.compile(args[0])  # a pattern that does not compile makes the rule unread (re.error)
            return _Pattern(args[0])
        if type(func) is ast.Attribute and func.attr in _RE_FUNCTIONS:
            receiver = self.value(func.value, env, depth)
            if isinstance(receiver, _Pattern) and all(type(a) is str for a in args):
                return _regex(func.attr, [receiver.pattern, *args])
        if type(func) is ast.Attribute and func.attr in _STR_METHODS:
            receiver = self.value(func.value, env, depth)
            plain = func.attr != "format" or not _FORMAT_SPEC.search(receiver if type(receiver) is str else "")
            if type(receiver) is str and plain and all(type(a) in (str, int, tuple) for a in args):
                result = getattr(receiver, func.attr)(*args)
                return tuple(result) if type(result) is list else result
        raise _Unknown


def _regex(function: str, args: list):
    if function == "sub" and len(args) == 3:
        return re.sub(args[0], args[1], args[2])
    if function == "split" and len(args) == 2:
        return tuple(re.split(args[0], args[1]))
    if function == "findall" and len(args) == 2:
        return tuple(re.findall(args[0], args[1]))
    raise _Unknown


def imported_names(module: ast.Module, path: str) -> dict[str, str]:
    """Module-level imports, as the class bases of other files are named: local name -> origin
    `<module path>:<name>` (`from dispatch.database.core import Base` -> `dispatch/database/core:Base`;
    a relative import's path from the repository root, marked `=`: `=src/app/db/base:Base`), and for an
    imported module, `<module path>:` (its attributes are `<module path>:<attribute>`)."""
    names: dict[str, str] = {}
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    for statement in module.body:
        if type(statement) is ast.ImportFrom:
            if statement.level:
                parts = folder.split("/") if folder else []
                parts = parts[:len(parts) - (statement.level - 1)] if statement.level > 1 else parts
                stem = "=" + "/".join([*parts, *(statement.module or "").split(".")]).strip("/")
            else:
                stem = (statement.module or "").replace(".", "/")
            for alias in statement.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{stem}:{alias.name}"
        elif type(statement) is ast.Import:
            for alias in statement.names:
                if alias.asname:
                    names[alias.asname] = alias.name.replace(".", "/") + ":"
    return names


def origin_of(base: str, imported: dict[str, str]) -> str | None:
    """Where a base class spelled `Base` or `core.Base` comes from (see imported_names), or None."""
    head, _, rest = base.partition(".")
    origin = imported.get(head)
    if origin is None:
        return None
    if not rest:
        return origin
    stem, _, name = origin.partition(":")
    module = f"{stem}/{name}" if name else stem  # `from app.db import base` then `base.Base`
    return f"{module}/{rest.rsplit('.', 1)[0]}:{rest.rsplit('.', 1)[-1]}" if "." in rest else f"{module}:{rest}"
