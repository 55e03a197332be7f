"""A repository's TS/JS string constants, for a name written where a migration wants a string.

hedgedoc's knex migrations write `knex.schema.alterTable(TableUser, (table) => table.dropColumn(
FieldNameUser.photoUrl))` with both names imported from a workspace package
(`const { TableUser, FieldNameUser } = require('@hedgedoc/database')`). A name is read as its
string when it is, in the file declaring it:
- `const X = 'v'` / `export const X = 'v' as const` (a literal without `${...}` holes);
- `enum E { m = 'v' }` (also `export const enum`, `declare enum`): `E.m`;
- `const E = { m: 'v' } as const` (a frozen object literal): `E.m`.
The name is followed from the reading file through `import { A as B } from '…'`,
`const { A, B: C } = require('…')` and `import * as N from '…'` (`N.A`, `N.E.m`) to a relative
module or a workspace package (impact.orm.import_sources resolves the path), and through that
module's `export * from` / `export { A as B } from` re-exports, up to `_DEPTH` modules deep. Only the
files a name needs are read (each once).

Everything else is None (never a guess): a `let`/`var`, a name declared twice in one file (a
shadowing local: which one is meant is a scope question), a call's result, a template with holes,
an object without `as const`, a path impact cannot resolve.

Known limits (xfail in tests/test_ts_constants.py): a constant built from another constant
(`const T = PREFIX + 'user'`) and `E['m']` are not folded; tsconfig `paths` aliases resolve only as
import_sources resolves them.
"""
from __future__ import annotations

import contextvars
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from impact.extract.typescript.calls import IDENT, arguments, skip_space
from impact.extract.typescript.scan import Scanned, scan
from impact.orm.import_sources import IMPORT, ImportSources, RepoModules, imported_bindings

_DEPTH = 4
_CONST = re.compile(rf"(?<![\w$.])(const|let|var)\s+({IDENT})\s*(?::[^=;\n]{{1,80}})?=\s*")
_ENUM = re.compile(rf"(?<![\w$.])enum\s+({IDENT})\s*\{{")
_MEMBER = re.compile(rf"\s*(?:({IDENT})|(?=['\"]))")
_AS_CONST = re.compile(r"\s*as\s+const\b")
_REQUIRE = re.compile(rf"(?<![\w$.])(?:const|let|var)\s*\{{([^}}]*)\}}\s*=\s*(?:await\s+)?require\s*\(\s*(?=['\"])")
_NAMESPACE = re.compile(rf"\bimport\s+\*\s+as\s+({IDENT})\s+from\s*(?=['\"])")
_REEXPORT = re.compile(r"\bexport\s+(?:type\s+)?(\*(?!\s*as\b)|\{[^}]*\})\s*from\s*(?=['\"])")
_NAME = re.compile(rf"({IDENT})((?:\s*\.\s*{IDENT}){{0,2}})$")


@dataclass(frozen=True)
class Constant:
    written: str  # as the reading file writes it: `TableUser`, `FieldNameUser.photoUrl`
    value: str
    file: str  # the declaring file, relative to the repository
    line: int


@dataclass
class Module:
    """One file's declared string constants ('X', 'E.m' -> (value, line)) and its import bindings."""

    constants: dict[str, tuple[str, int]]
    imports: dict[str, tuple[str, str]]  # local name -> (imported name, path); `*` for a namespace
    reexports: list[tuple[str, str]]  # (`*` or `{ a as b }` clause, path)


def read_module(scanned: Scanned) -> Module:
    masked, text = scanned.masked, scanned.text
    found: dict[str, tuple[str, int] | None] = {}

    def add(name: str, value: str | None, at: int) -> None:
        found[name] = None if name in found or value is None else (value, scanned.line_of(at))

    for match in _CONST.finditer(masked):
        kind, name, at = match.group(1), match.group(2), match.end()
        if kind != "const":
            add(name, None, at)
            continue
        if masked.startswith("{", at):  # `const E = { m: 'v' } as const`
            close = scanned.closing(at)
            frozen = close is not None and _AS_CONST.match(masked, close + 1)
            for key, value, where in _members(scanned, at, close, ":") if close else []:
                add(f"{name}.{key}", value if frozen else None, where)
            add(name, None, at)
            continue
        add(name, _plain(scanned, at), at)
    for match in _ENUM.finditer(masked):
        close = scanned.closing(match.end() - 1)
        for key, value, where in _members(scanned, match.end() - 1, close, "=") if close else []:
            add(f"{match.group(1)}.{key}", value, where)
    constants = {k: v for k, v in found.items() if v is not None}

    imports: dict[str, tuple[str, str]] = {}
    for match in IMPORT.finditer(text):
        if masked[match.start()] != "i":  # inside a comment or a string
            continue
        for imported, local, spec in imported_bindings(match.group(0)):
            imports[local] = (imported, spec)
    for match in _NAMESPACE.finditer(masked):
        lit = scanned.literal_at(match.end())
        if lit is not None and not lit.has_holes:
            imports[match.group(1)] = ("*", lit.value())
    for match in _REQUIRE.finditer(masked):
        lit = scanned.literal_at(match.end())
        if lit is None or lit.has_holes:
            continue
        for item in match.group(1).split(","):  # `A`, `A: B` (renamed)
            imported, _, local = (part.strip() for part in item.partition(":"))
            if re.fullmatch(IDENT, imported) and (not local or re.fullmatch(IDENT, local)):
                imports[local or imported] = (imported, lit.value())
    reexports = []
    for match in _REEXPORT.finditer(masked):
        lit = scanned.literal_at(match.end())
        if lit is not None and not lit.has_holes:
            reexports.append((text[match.start(1):match.end(1)], lit.value()))
    return Module(constants, imports, reexports)


def _plain(scanned: Scanned, at: int) -> str | None:
    """The value of a declaration whose initializer is one literal (`'v'`, `'v' as const`)."""
    lit = scanned.literal_at(at)
    if lit is None or lit.has_holes:
        return None
    rest = _AS_CONST.match(scanned.masked, lit.end)
    after = skip_space(scanned.masked, rest.end() if rest else lit.end)
    ends = after >= len(scanned.masked) or scanned.masked[after] in ";,)}" or "\n" in scanned.masked[lit.end:after]
    return lit.value() if ends else None


def _members(scanned: Scanned, open_at: int, close: int, sign: str) -> list[tuple[str, str | None, int]]:
    """`m = 'v'` / `m: 'v'` / `'m': 'v'` members between braces: (key, value or None, offset)."""
    out = []
    for begin, end in arguments(scanned, open_at, close):
        head = _MEMBER.match(scanned.masked, begin)
        key_lit = scanned.literal_at(begin)
        key = head.group(1) if head and head.group(1) else (key_lit.value() if key_lit and not key_lit.has_holes else None)
        if key is None:
            continue
        pos = skip_space(scanned.masked, key_lit.end if key_lit and not head.group(1) else head.end())
        if not scanned.masked.startswith(sign, pos):
            continue
        value_at = skip_space(scanned.masked, pos + 1)
        lit = scanned.literal_at(value_at)
        exact = lit is not None and not lit.has_holes and skip_space(scanned.masked, lit.end) >= end
        out.append((key, lit.value() if exact else None, value_at))
    return out


@dataclass
class Constants:
    """The resolver for one repository: `value(rel, scanned, begin, end)` is the string constant the
    expression at [begin, end) of `rel` names, or None; `used` records each one read."""

    root: Path | None
    used: list[tuple[str, int, Constant]] = field(default_factory=list)  # (reading file, line, constant)
    followed: list = field(default_factory=list)  # functions a migration gives its connection (impact.formats.ts_helpers)
    _modules: dict[str, Module | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._read = RepoModules(self.root) if self.root else (lambda rel: None)
        self._sources = ImportSources({}, self._read)

    def value(self, rel: str, scanned: Scanned, begin: int, end: int) -> Constant | None:
        match = _NAME.fullmatch(scanned.masked[begin:end].strip())
        if match is None:
            return None
        path = [match.group(1)] + [p.strip() for p in match.group(2).split(".") if p.strip()]
        module = self._modules.get(rel) or read_module(scanned)
        self._modules[rel] = module
        found = self._lookup(rel, module, path, 0)
        if found is None:
            return None
        constant = Constant(".".join(path), *found)
        self.used.append((rel, scanned.line_of(begin), constant))
        return constant

    def _lookup(self, rel: str, module: Module, path: list[str], depth: int) -> tuple[str, str, int] | None:
        key = ".".join(path)
        if key in module.constants:
            value, line = module.constants[key]
            return value, rel, line
        if path[0] in module.imports and depth <= _DEPTH:
            imported, spec = module.imports[path[0]]
            inner = path[1:] if imported == "*" else [imported, *path[1:]]
            return self._exported(rel, spec, inner, depth + 1) if inner else None
        return None

    def _exported(self, rel: str, spec: str, path: list[str], depth: int) -> tuple[str, str, int] | None:
        """`path` as exported by the module `spec` names from `rel` (declared there or re-exported)."""
        file = self._sources.resolve(rel, spec)
        module = self._module(file) if file else None
        if module is None or depth > _DEPTH:
            return None
        key = ".".join(path)
        if key in module.constants:  # declared there (exported or not: a non-exported one is not imported)
            value, line = module.constants[key]
            return value, file, line
        if path[0] in module.imports:  # `import { A } from './a'; export { A }`
            found = self._lookup(file, module, path, depth)
            if found:
                return found
        for clause, target in module.reexports:
            if clause.startswith("*"):
                found = self._exported(file, target, path, depth + 1)
            else:
                names = dict(_renames(clause))
                found = self._exported(file, target, [names[path[0]], *path[1:]], depth + 1) if path[0] in names else None
            if found:
                return found
        return None

    def _module(self, rel: str) -> Module | None:
        if rel not in self._modules:
            text = self._read(rel)
            self._modules[rel] = read_module(scan(text)) if text is not None else None
        return self._modules[rel]


def _renames(clause: str) -> list[tuple[str, str]]:
    """`{ a, b as c }` -> [(exported 'a', source 'a'), ('c', 'b')]."""
    out = []
    for item in clause.strip("{} \n").split(","):
        parts = item.replace("type ", " ").split()
        if parts:
            out.append((parts[-1], parts[0]))
    return out


_CURRENT: contextvars.ContextVar[tuple[Constants, str] | None] = contextvars.ContextVar("ts_constants", default=None)


@contextmanager
def resolving(constants: Constants, rel: str):
    """While reading `rel`, names in it resolve through `constants` (see `constant_at`)."""
    token = _CURRENT.set((constants, rel))
    try:
        yield constants
    finally:
        _CURRENT.reset(token)


@dataclass(frozen=True)
class ModuleReader:
    """The file being read (`rel`) and how to reach the repository's other modules from it."""

    rel: str
    sources: ImportSources
    read: object  # rel -> text or None
    followed: list


def current_reader() -> ModuleReader | None:
    """The reader of the file being read inside `resolving` (None outside it, or without a repository)."""
    current = _CURRENT.get()
    if current is None or current[0].root is None:
        return None
    constants, rel = current
    return ModuleReader(rel, constants._sources, constants._read, constants.followed)


@contextmanager
def reading_from(rel: str):
    """Inside `resolving`, names resolve from `rel` (a module the migration's reading followed) until the block ends."""
    current = _CURRENT.get()
    if current is None:
        yield None
        return
    with resolving(current[0], rel) as constants:
        yield constants


def constant_at(scanned: Scanned, begin: int, end: int) -> Constant | None:
    """The constant the expression at [begin, end) names in the file being read; outside `resolving`,
    only the file's own constants count (nothing else can be read)."""
    current = _CURRENT.get() or (Constants(None), "")
    return current[0].value(current[1], scanned, begin, end)
