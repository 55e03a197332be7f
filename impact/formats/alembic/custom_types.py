"""A project's own SQLAlchemy column type (a `TypeDecorator` subclass) -> the type it maps to on PostgreSQL.

An Alembic revision spells such a type by its module path (`app.db.types.JSON()`, autogenerate's
spelling) or by a name it imports (`from app.db.types import JSON`). SQLAlchemy emits the type the
decorator maps to, not the class: `impl = postgresql.JSONB` or, per dialect,

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))

`CustomTypes.impl(node)` finds the class in the repository's files (read statically: the module file
under an ancestor of the migration's folder, up to the repository's root; never imported) and returns
the type expression it maps to, which ddl.render_type renders as it renders any type. An `impl` naming
another decorator of the same module is followed (`impl = JSON`, JSON a decorator itself).

Known limits (xfail tests in tests/test_alembic_custom_types.py): a decorator defined in another module
than the one the revision names (re-exported by a package's `__init__.py`) is not found; a type of no
file of the repository (a library's) keeps its class name, as before.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

from impact.formats.alembic.values import call_name

_DEPTH = 4  # decorators whose impl is another decorator
_UP = 8  # folders above the migration's where a module path may start
# Packages whose types ddl.py knows by name: never a file of the repository.
_LIBRARIES = frozenset({"sqlalchemy", "sa", "alembic", "sqlmodel", "postgresql", "sqlalchemy_utils", "geoalchemy2"})


class CustomTypes:
    """The TypeDecorators a revision names, found from its file's place in the repository."""

    def __init__(self, migration: Path | None, module: ast.Module) -> None:
        self.migration = migration
        self.imported = _imported_names(module)
        self.roots: list[Path] | None = None
        self.files: dict[str, Path | None] = {}  # module path -> its file

    def impl(self, node: ast.AST) -> ast.AST | None:
        """The type expression the decorator `node` names maps to on PostgreSQL, or None."""
        if self.migration is None:
            return None
        name = call_name(node.func if isinstance(node, ast.Call) else node)
        head, _, rest = name.partition(".")
        dotted = f"{self.imported[head]}.{rest}" if head in self.imported and rest else self.imported.get(head, name)
        module, _, cls = dotted.rpartition(".")
        if not module or not cls or module.split(".")[0] in _LIBRARIES:
            return None
        path = self._file(module)
        return _mapped(path, cls) if path is not None else None

    def _file(self, module: str) -> Path | None:
        if module not in self.files:
            if self.roots is None:
                self.roots = _roots(self.migration.resolve())
            relative = module.replace(".", "/")
            self.files[module] = next((c for root in self.roots for c in (root / f"{relative}.py", root / relative / "__init__.py")
                                       if c.is_file()), None)
        return self.files[module]


def _roots(migration: Path) -> list[Path]:
    """The migration's ancestor folders up to the repository's root (the first holding `.git`), and
    their `src/` (a src layout)."""
    roots = []
    for folder in list(migration.parents)[:_UP]:
        roots += [folder, folder / "src"]
        if (folder / ".git").exists():
            break
    return roots


def _mapped(path: Path, cls: str) -> ast.AST | None:
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _decorators(path, stamp).get(cls)


@functools.lru_cache(maxsize=64)
def _decorators(path: Path, _stamp: int) -> dict[str, ast.AST]:
    """Each TypeDecorator class of a module -> the type expression it maps to on PostgreSQL."""
    try:
        module = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return {}
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    found: dict[str, ast.AST] = {}
    for name in classes:
        mapped = _follow(name, classes, 0)
        if mapped is not None:
            found[name] = mapped
    return found


def _follow(name: str, classes: dict[str, ast.ClassDef], depth: int) -> ast.AST | None:
    node = classes.get(name)
    if node is None or depth > _DEPTH or not _is_decorator(node, classes, depth):
        return None
    mapped = _postgresql_impl(node)
    if mapped is None:
        return None
    inner = call_name(mapped.func if isinstance(mapped, ast.Call) else mapped)
    if inner in classes:  # `impl = JSON`, the module's own decorator
        return _follow(inner, classes, depth + 1)
    return mapped


def _is_decorator(node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int) -> bool:
    for base in node.bases:
        base = base.value if isinstance(base, ast.Subscript) else base  # TypeDecorator[uuid.UUID]
        name = call_name(base)
        if name.rsplit(".", 1)[-1] == "TypeDecorator":
            return True
        if name in classes and depth < _DEPTH and _is_decorator(classes[name], classes, depth + 1):
            return True
    return False


def _postgresql_impl(node: ast.ClassDef) -> ast.AST | None:
    """`load_dialect_impl`'s answer for postgresql (a `return` under `if dialect.name == "postgresql"`,
    or its only `return`), else the class's `impl = ...`."""
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "load_dialect_impl":
            returned = _dialect_return(statement.body)
            if returned is not None:
                return returned
    for statement in node.body:
        target = statement.targets[0] if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else \
            statement.target if isinstance(statement, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "impl" and statement.value is not None:
            return statement.value
    return None


def _dialect_return(body: list[ast.stmt]) -> ast.AST | None:
    returns = [s for s in body if isinstance(s, ast.Return) and s.value is not None]
    for statement in body:
        if isinstance(statement, ast.If) and _names_postgresql(statement.test):
            inner = [s for s in statement.body if isinstance(s, ast.Return) and s.value is not None]
            return _unwrapped(inner[0].value) if inner else None
    if len(returns) == 1 and not any(isinstance(s, ast.If) for s in body):
        return _unwrapped(returns[0].value)
    return None


def _names_postgresql(test: ast.AST) -> bool:
    """`dialect.name == "postgresql"` (either side)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Constant) and s.value == "postgresql" for s in sides) \
        and any(call_name(s) == "dialect.name" for s in sides)


def _unwrapped(value: ast.AST) -> ast.AST:
    """`dialect.type_descriptor(X)` -> X."""
    if isinstance(value, ast.Call) and call_name(value.func).endswith("type_descriptor") and value.args:
        return value.args[0]
    return value


def _imported_names(module: ast.Module) -> dict[str, str]:
    """The revision's imports: local name -> dotted origin (`JSON` -> app.db.types.JSON)."""
    names: dict[str, str] = {}
    for statement in module.body:
        if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            for alias in statement.names:
                names[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    names[alias.asname] = alias.name
    return names
