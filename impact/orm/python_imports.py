"""Whether a Python file's name for a model is the model: imported from the module declaring it.

A Django or SQLAlchemy model is the project's own class. A file names it when it imports it from
the model's module, or from a project module re-exporting it (`warehouse/attestations/__init__.py`:
`from warehouse.attestations.models import Attestation`). The same name imported from another
package is another thing: warehouse's services and tests import `Attestation` from the
`pypi_attestations` package (a pydantic model) next to their `Attestation` table's model, which they
import as `DatabaseAttestation`; before the import's module was checked, every `Attestation` of
those files was credited to the dropped `attestation` table (two unchanged lines the bench scores,
a dozen more it cannot: `list[Attestation]`, `TypeAdapter(list[Attestation])`).

An import `from <module> import Name [as Alias]` is resolved from the importing file:
- relative (`from .models import X`, `from .. import X`): the module's path from the file's folder;
- absolute (`from warehouse.attestations.models import X`): the model's own module when the model's
  file path ends with the module's path (a `src/` or `server/` root is allowed); else the project
  module at that path under a root the model's file has (`server/polar/models/__init__.py` for
  `polar.models`), followed through its own imports of the name (re-exports, `import *`) up to
  three modules deep; a module whose first segment is no folder or file under any such root is
  another package (`pypi_attestations`, `django.contrib.auth.models`): not the model.
Answer: True (the model's module, directly or re-exported), False (another module), None (cannot
tell: a project module impact cannot read or that does not say). A caller keeps its former
behaviour for None (the name counts as the model): recall is not lost where the resolution is blind.

An alias (`import Attestation as DatabaseAttestation`) is the model's name in that file: its uses
are the model's, and the plain name there is whatever else the file binds it to.

The model reached through its imported module (`from wagtail.search import models`, then
`models.Query.get("Hello").hits`; `import app.models as m`) is the model when that module is the
model's or re-exports it (`module_names`): wagtail's tests of the dropped `wagtailsearch_query` named
it so only (43 lines), next to `wagtail.contrib.search_promotions`' own `models.Query`, which is not it.
A bare `import app.models` (then `app.models.Query`) is not followed.
"""
from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from impact.extract.python.relations import parsed

_DEPTH = 3
FROM_IMPORT = re.compile(r"^\s*from\s+[\w.]+\s+import\s+(?:\([^)]*\)|[^\n]*)", re.MULTILINE)
_MAX_BYTES = 1_000_000
# A file's import statements, wherever they stand (a function's local import too): read from these
# alone rather than from the whole file's tree (saleor: ~100 files importing an affected model were
# parsed and walked whole on every scan, warm ones too: 0.25 s).
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.MULTILINE)


@dataclass
class Binding:
    """How one Python file names a model: `plain` — its bare name is the model (True), another
    thing (False) or unknown (None: no import of it the file holds could be read); `aliases` — other
    names the file imports the model as; `import_lines` — the lines of the imports of the model."""
    plain: bool | None
    aliases: set[str] = field(default_factory=set)
    import_lines: set[int] = field(default_factory=set)

    @property
    def alias_words(self) -> re.Pattern:
        return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, sorted(self.aliases))) + r")(?!\w)")


class PythonModules:
    """rel -> the text of a Python file of `root` (None if absent, unreadable or too large); each
    file read once; `exists(rel)`: a file or folder. Read only: nothing is written."""

    def __init__(self, root: Path | None, known: dict[str, str] | None = None) -> None:
        self.root = root.resolve() if root is not None else None
        self.cache: dict[str, str | None] = dict(known or {})

    def __call__(self, rel: str) -> str | None:
        if rel not in self.cache:
            self.cache[rel] = None
            path = self._path(rel)
            try:
                if path is not None and path.is_file() and path.stat().st_size <= _MAX_BYTES:
                    self.cache[rel] = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                pass
        return self.cache[rel]

    def exists(self, rel: str) -> bool:
        if rel in self.cache and self.cache[rel] is not None:
            return True
        path = self._path(rel)
        return path is not None and path.exists()

    def _path(self, rel: str) -> Path | None:
        if self.root is None or not rel or rel.startswith(("/", "../")):
            return None
        path = self.root / rel
        try:
            return path if path.resolve().is_relative_to(self.root) else None
        except OSError:
            return None


def python_binding(rel: str, text: str, model, words: re.Pattern, modules: PythonModules) -> Binding | None:
    """model_binding for an OrmModel whose name `words` finds in `text`; None when it does not."""
    return model_binding(rel, text, model.name, model.file, modules) if words.search(text) else None


def model_binding(rel: str, text: str, name: str, model_file: str, modules: PythonModules) -> Binding | None:
    """How `text` (of `rel`) names the model `name` declared in `model_file`; None when the file does
    not parse or imports no `name` with `from ... import` (the caller's former answer stands)."""
    if rel == model_file:
        return Binding(True)
    if not any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", m.group(0)) for m in FROM_IMPORT.finditer(text)):
        return None  # no `from ... import name`: no parse (the caller's answer is the same)
    imports = import_statements(text)
    plain: list[bool | None] = []
    binding = Binding(None)
    for node in imports:
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if alias.name != name:
                continue
            source = _source(rel, node.module or "", node.level, name, model_file, modules, 0)
            if source is not False:
                binding.import_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            if alias.asname and alias.asname != name:
                if source is not False:
                    binding.aliases.add(alias.asname)
            else:
                plain.append(source)
    if not plain and not binding.aliases and not binding.import_lines:
        return None if not _imports_elsewhere(imports, name) else Binding(False)
    binding.plain = True if True in plain else None if None in plain else False
    return binding


def module_names(rel: str, text: str, name: str, model_file: str, modules: PythonModules) -> frozenset[str]:
    """The names `text` binds to the model's module, or to a module re-exporting the model:
    `from wagtail.search import models` and `import wagtail.search.models as models` -> {"models"}
    when `wagtail/search/models.py` declares (or re-exports) `name`. Read only when the text holds
    `.name` at all."""
    if rel == model_file or not re.search(rf"\.\s*{re.escape(name)}(?!\w)", text):
        return frozenset()
    found = set()
    for node in import_statements(text):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                full = f"{node.module}.{alias.name}" if node.module else alias.name
                if alias.name.islower() and _source(rel, full, node.level, name, model_file, modules, 0) is True:
                    found.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            found.update(a.asname for a in node.names
                         if a.asname and _source(rel, a.name, 0, name, model_file, modules, 0) is True)
    return frozenset(found)


def _imports_elsewhere(imports: tuple[ast.stmt, ...], name: str) -> bool:
    """`name` is imported from another module only (every import of it resolved to False)."""
    return any(isinstance(n, ast.ImportFrom) and any(a.name == name for a in n.names) for n in imports)


@lru_cache(maxsize=512)
def import_statements(text: str) -> tuple[ast.stmt, ...]:
    """The `import` and `from … import` statements of a Python text, each parsed on its own, with
    the file's line numbers. One that does not parse alone (a `\\` continuation) is left out."""
    found: list[ast.stmt] = []
    line, counted = 1, 0
    for match in _IMPORT.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        module = parsed(match.group(0).strip())
        for node in module.body if module is not None else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                node.lineno, node.end_lineno = node.lineno + line - 1, (node.end_lineno or node.lineno) + line - 1
                found.append(node)
    return tuple(found)


def _source(rel: str, module: str, level: int, name: str, model_file: str, modules: PythonModules, depth: int) -> bool | None:
    """True if `from <level dots><module> import name` in `rel` is the model's module or re-exports
    the model from it; False if it is another module; None if it cannot be told."""
    stem = _stem(model_file)
    path = module.replace(".", "/")
    if level:
        base = posixpath.dirname(rel)
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        target = posixpath.normpath(posixpath.join(base, path)) if path else base
        if target == stem:
            return True
        return _follow(target, name, model_file, modules, depth)
    if not path:
        return None
    if stem == path or stem.endswith("/" + path):
        return True
    first = path.split("/", 1)[0]
    roots = [root for root in _roots(model_file, first) if modules.exists(root + first) or modules.exists(root + first + ".py")]
    if not roots:
        return False  # no such package in the project: another package's class of that name
    answers = [_follow(root + path, name, model_file, modules, depth) for root in roots]
    return True if True in answers else None if None in answers else False


def _follow(target: str, name: str, model_file: str, modules: PythonModules, depth: int) -> bool | None:
    """The project module at `target` (a file or a package): its own imports of `name`."""
    file = next((c for c in (target + ".py", target + "/__init__.py") if modules(c) is not None), None)
    if file is None or depth >= _DEPTH:
        return None
    if file == model_file:
        return True
    module = parsed(modules(file) or "")
    if module is None:
        return None
    answers = []
    for node in module.body if isinstance(module, ast.Module) else ():
        if isinstance(node, ast.ImportFrom) and any(a.name in (name, "*") and (a.asname or a.name) in (name, "*") for a in node.names):
            answers.append(_source(file, node.module or "", node.level, name, model_file, modules, depth + 1))
        elif isinstance(node, ast.ClassDef) and node.name == name:
            return False  # the module declares its own class of that name
    return True if True in answers else None if None in answers or not answers else False


def _roots(model_file: str, first: str) -> list[str]:
    """Folders of the model's path under which a module path starting with `first` could live:
    the repository's root and each folder above a `first/` segment of the path."""
    parts = model_file.split("/")
    roots = {""}
    for i, part in enumerate(parts[:-1]):
        if part == first:
            roots.add("/".join(parts[:i]) + "/" if i else "")
    return sorted(roots)


def _stem(file: str) -> str:
    stem = file[:-3] if file.endswith(".py") else file[:-4] if file.endswith(".pyi") else file
    return stem[: -len("/__init__")] if stem.endswith("/__init__") else stem



def foreign_model_uses(queries: list, texts: dict[str, str], models: dict, root: Path | None) -> set[tuple[str, int, str]]:
    """(file, line, class name) of the Django and SQLAlchemy queries on a class their file takes
    from another module than the affected model's: that other model's queries, not the table's.

    `models`: class name -> ModelInfo of the affected tables (ExtractionRun.models). Two apps may
    declare a model of the same name: wagtail moved `Query` from `wagtail.search` to
    `wagtail.contrib.search_promotions` and then dropped the old table; every
    `Query.objects.filter(…)` of the new app (8 queries, 11 lines using their rows) was credited to
    the dropped `wagtailsearch_query`. The class is taken by `from <module> import Query`, or through
    its module (`models.Query.objects…` with `from wagtail.contrib.search_promotions import models`;
    its copy command used both apps' `Query` so). A query whose class's module cannot be told (None)
    is kept.
    """
    modules = PythonModules(root, {rel: text for rel, text in texts.items() if rel.endswith(".py")})
    foreign: set[tuple[str, int, str]] = set()
    bindings: dict[tuple[str, str], Binding | None] = {}
    for query in queries:
        model = models.get(query.model) if query.orm in PYTHON_QUERY_ORMS and query.model else None
        text = texts.get(query.file) if model is not None and query.file != model.file else None
        if text is None:
            continue
        through = _module_alias(text, query.line, query.model)
        if through is not None:
            if _alias_source(query.file, text, through, query.model, model.file, modules) is False:
                foreign.add((query.file, query.line, query.model))
            continue
        key = (query.file, query.model)
        if key not in bindings:
            bindings[key] = model_binding(query.file, text, query.model, model.file, modules)
        if bindings[key] is not None and bindings[key].plain is False:
            foreign.add((query.file, query.line, query.model))
    return foreign


def _module_alias(text: str, line: int, name: str) -> str | None:
    """`models` when the query's first line names the class as `models.<name>`."""
    lines = text.splitlines()
    found = re.search(rf"(?<![\w.])([a-z_]\w*)\s*\.\s*{re.escape(name)}\b", lines[line - 1]) if 0 < line <= len(lines) else None
    return found.group(1) if found and found.group(1) not in ("self", "cls") else None


def _alias_source(rel: str, text: str, alias: str, name: str, model_file: str, modules: PythonModules) -> bool | None:
    """Whether `alias.<name>` is the model: `alias` bound by `from pkg import alias` or
    `import pkg.alias as alias` to the model's module or a module re-exporting it."""
    answers = []
    for node in import_statements(text):
        if isinstance(node, ast.ImportFrom):
            for item in node.names:
                if (item.asname or item.name) == alias:
                    path = ".".join(p for p in (node.module, item.name) if p)
                    answers.append(_source(rel, path, node.level, name, model_file, modules, 0))
        elif isinstance(node, ast.Import):
            for item in node.names:
                if item.asname == alias:
                    answers.append(_source(rel, item.name, 0, name, model_file, modules, 0))
    return True if True in answers else None if None in answers or not answers else False


PYTHON_QUERY_ORMS = ("django", "sqlalchemy")  # Query.orm of impact.extract.python's ORM finders
