"""A Django migration module read statically with the stdlib `ast` (about 8x faster than libcst,
and the concrete tree is not needed: only values and line numbers).

Values become plain Python values where they are literals; calls become `Call`, names that are
not module-level literals become `Ref`, and anything computed at run time becomes `Dynamic` with
the source text as the reason. Nothing is imported or executed.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from impact.errors import InputError
from impact.formats.python2 import parse_python
from impact.formats.python_syntax import unreadable


FILE_DIRECTIVE = re.compile(r"#\s*(?:impact:\s*ignore-file|squawk-ignore-file)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Call:
    name: str  # dotted callee as written: "migrations.AddField", "models.CharField"
    args: tuple = ()
    kwargs: dict = field(default_factory=dict, hash=False)  # compared, never hashed

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def arg(self, position: int, keyword: str, default=None):
        if keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[position] if position < len(self.args) else default


@dataclass(frozen=True)
class Ref:
    name: str  # a dotted name whose value is not a module-level literal (a function, settings.X)


@dataclass(frozen=True)
class Dynamic:
    reason: str


@dataclass(frozen=True)
class OperationCall:
    value: object  # a Call, or Dynamic when the list element is computed
    line: int
    end_line: int
    comments: tuple[str, ...]  # comment lines written right above it


@dataclass
class MigrationModule:
    path: Path
    dependencies: list = field(default_factory=list)
    replaces: list = field(default_factory=list)
    run_before: list = field(default_factory=list)
    initial: object = None
    atomic: bool = True
    operations: list[OperationCall] = field(default_factory=list)
    found: bool = False  # a `class Migration` with `operations` is there
    file_directives: tuple[str, ...] = ()  # `# impact: ignore-file ...` comments anywhere in the module
    functions: set[str] = field(default_factory=set)  # module-level defs (RunPython targets)
    python2_lines: tuple[int, ...] = ()  # lines read as their Python 3 spelling (impact.formats.python2)


def read_module(path: Path) -> MigrationModule:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read migration {path}: {exc}", "check the path, its permissions and encoding") from None
    try:
        tree, python2_lines = parse_python(text, str(path))
    except SyntaxError as exc:
        raise unreadable(path.name, exc, f"python manage.py sqlmigrate {path.parent.parent.name} {path.stem}") from None
    module = read_tree(tree, text, path)
    module.python2_lines = tuple(python2_lines)
    return module


def read_tree(tree: ast.Module, text: str, path: Path) -> MigrationModule:
    lines = text.splitlines()
    module = MigrationModule(path)
    module.file_directives = tuple(line.strip() for line in lines if FILE_DIRECTIVE.search(line))
    constants: dict[str, object] = {}
    evaluator = _Evaluator(constants)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            module.functions.add(node.name)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = evaluator.value(node.value)
        elif isinstance(node, ast.ClassDef) and node.name == "Migration":
            _read_class(node, module, evaluator, lines)
    return module


def _read_class(node: ast.ClassDef, module: MigrationModule, evaluator: "_Evaluator", lines: list[str]) -> None:
    for item in node.body:
        target, value = _assignment(item)
        if target is None:
            continue
        if target not in ("operations", "dependencies"):
            # Class-level names (`state_operations = [...]`) are read by later class attributes.
            evaluator.constants[target] = evaluator.value(value)
        if target == "operations":
            module.found = True
            module.operations = _operations(value, evaluator, lines)
        elif target in ("dependencies", "replaces", "run_before"):
            evaluated = evaluator.value(value)
            setattr(module, target, list(evaluated) if isinstance(evaluated, (list, tuple)) else [evaluated])
        elif target == "initial":
            module.initial = evaluator.value(value)
        elif target == "atomic":
            module.atomic = evaluator.value(value) is not False


def _assignment(item: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
        return item.targets[0].id, item.value
    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is not None:
        return item.target.id, item.value
    return None, None


def _operations(value: ast.expr, evaluator: "_Evaluator", lines: list[str]) -> list[OperationCall]:
    if isinstance(value, (ast.List, ast.Tuple)):
        return [OperationCall(evaluator.value(element), element.lineno, element.end_lineno or element.lineno,
                              _comments_above(lines, element.lineno)) for element in value.elts]
    evaluated = evaluator.value(value)
    if isinstance(evaluated, (list, tuple)):
        # `operations = BASE + [...]` of module constants: every operation points at this line.
        comments = _comments_above(lines, value.lineno)
        return [OperationCall(item, value.lineno, value.end_lineno or value.lineno, comments if i == 0 else ())
                for i, item in enumerate(evaluated)]
    # A comprehension, a function call: not readable statically.
    return [OperationCall(Dynamic(f"operations is computed at run time (`{_source(value)}`)"), value.lineno,
                          value.end_lineno or value.lineno, _comments_above(lines, value.lineno))]


def _comments_above(lines: list[str], line: int) -> tuple[str, ...]:
    found = []
    index = line - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        found.append(lines[index].strip())
        index -= 1
    return tuple(reversed(found))


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 80 else text[:77] + "..."


BUILTIN_COLLECTIONS = {"set": set, "frozenset": set, "tuple": tuple, "list": list}


class _Evaluator:
    def __init__(self, constants: dict[str, object]):
        self.constants = constants

    def value(self, node: ast.expr):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return _as_set([self.value(e) for e in node.elts])
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return Dynamic(f"`{_source(node)}` unpacks a dict at run time")
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = _dotted(node)
            if name is None:
                return Dynamic(f"`{_source(node)}` is computed at run time")
            if name in self.constants:
                return self.constants[name]
            return Ref(name)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            inner = self.value(node.operand)
            if _is_q(inner):
                return Call("Q", (inner,), {"_negated": True})
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.value(node.operand)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        return Dynamic(f"`{_source(node)}` is computed at run time")

    def _call(self, node: ast.Call):
        name = _dotted(node.func)
        if name is None:
            return Dynamic(f"`{_source(node)}` is computed at run time")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return Dynamic(f"`{_source(node)}` passes *args/**kwargs built at run time")
        args = tuple(self.value(a) for a in node.args)
        if name in BUILTIN_COLLECTIONS and len(args) <= 1 and not node.keywords:
            if not args:
                return BUILTIN_COLLECTIONS[name]()
            if isinstance(args[0], (list, tuple, set, str)):
                return _as_set(list(args[0])) if "set" in name else BUILTIN_COLLECTIONS[name](args[0])
        return Call(name, args, {k.arg: self.value(k.value) for k in node.keywords})

    def _binop(self, node: ast.BinOp):
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)) and _is_q(left) and _is_q(right):
            return Call("Q", (left, right), {"_connector": "AND" if isinstance(node.op, ast.BitAnd) else "OR"})
        plain = (str, int, float, list, tuple)
        if isinstance(left, plain) and isinstance(right, plain) and not isinstance(left, bool):
            try:
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Mult):
                    return left * right
                if isinstance(node.op, ast.Mod):
                    return left % right
            except (TypeError, ValueError):
                pass
        return Dynamic(f"`{_source(node)}` is computed at run time")


def _is_q(value) -> bool:
    return isinstance(value, Call) and value.short == "Q"


def _as_set(items: list):
    try:
        return set(items)
    except TypeError:
        return items  # unhashable members (a dict): order kept, duplicates unlikely in a migration


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
