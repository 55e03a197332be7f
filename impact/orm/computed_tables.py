"""SQLAlchemy models whose table a declarative base of another file computes (issue 8).

Netflix/dispatch's models declare no `__tablename__`: `class Prompt(Base, TimeStampMixin, ProjectMixin)`
imports `Base` from dispatch/database/core.py, whose `@declared_attr.directive __tablename__` returns
`resolve_table_name(cls.__name__)` (prompt). Each file's extraction is cached on its own text, so it
lists such a class without a table, with where its bases come from (`dispatch/database/core:Base`) and
the rule a base of its own file computes (impact/extract/python/models.py, table_naming.py); this
repository-level pass follows the bases to the files declaring them and names the table.

SQLAlchemy's semantics followed: a class gets the rule's table for its own name unless it declares a
`__tablename__` (then it was named by its file), is `__abstract__`, or (single-table inheritance) has no
primary key of its own (nor of a same-file base or of an abstract base of another file) and a mapped
parent: it then shares the parent's table. The class defining the rule is the base, not a model.
An abstract base of another file between the two is followed (its bases, its columns).

A base imported from a package (`from app.db import Base`) that its `__init__.py` imports from one
of its modules is looked for in the package's modules (the `__init__`'s own imports are not read).
The columns of a plain mixin of another file (`TimeStampMixin(object)`) are the model's too (models.py
lists such a mixin). A rule importing a constant or helper (`CAMEL_TO_SNAKE`, table_naming.pending_imports)
gets its definition from the text of the module it is imported from (`texts(stem)`), parsed, never run.
Known limits: a rule UNKNOWN (table_naming) names nothing; nor does one whose import is of a module the
repository does not hold, or that a package's `__init__.py` re-exports.
"""
from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Iterable

from impact.extract.python.table_naming import UNKNOWN, definition_of, pending_imports, table_for, with_definitions

_DEPTH = 8  # bases of bases across files


def has_unnamed(models: Iterable) -> bool:
    """Whether some SQLAlchemy class waits for a base of another file to name its table (cheap:
    a Django repository lists none, and the pass then costs nothing)."""
    return any(m.table is None and m.bases and m.framework == "sqlalchemy" for m in models)


def name_computed_tables(by_file: dict[str, list], load: Callable[[str], list[tuple[str, list]]],
                         texts: Callable[[str], list[tuple[str, str]]] = lambda stem: []) -> list:
    """The classes of `by_file` (file -> its ModelInfos, from models_in) whose table a base computes,
    with that table (and the columns of their abstract bases of other files). `load(stem)`: the
    (file, models) of the repository's files at a module path (`dispatch/database/core`, or
    `=src/app/db/base` from the root) that `by_file` does not hold; `texts(stem)`: the (file, text)
    of the repository's files at a module path (where a rule's imports are defined)."""
    resolver = _Resolver(by_file, load)
    resolver.texts = texts
    named = []
    for file, models in list(by_file.items()):
        for model in models:
            if waits(model):
                found = resolver.named(model)
                if found is not None:
                    named.append(found)
    return named


def waits(model) -> bool:
    """A model whose table a base of another file may compute: not the base, not abstract."""
    return model.table is None and model.framework == "sqlalchemy" and bool(model.bases) and not model.abstract \
        and not model.table_rule


@dataclasses.dataclass
class _Settled:
    rule: str | None
    attributes: dict[str, str]
    primary_key: list[str]
    parent: object | None  # the mapped parent (ModelInfo with a table), for single-table inheritance


class BaseFinder:
    """The class an origin (`dispatch/database/core:Base`, table_naming.imported_names) names, in the
    files the scan holds or, through `load(stem)`, in the repository's other files."""

    def __init__(self, by_file: dict[str, list], load: Callable[[str], list[tuple[str, list]]]) -> None:
        self.by_file = by_file
        self.load = load
        self.loaded: dict[str, list[tuple[str, list]]] = {}
        self.held: dict[str, list[tuple[str, list]]] = {}
        # The files by their module's last name and by their folder's: a stem is matched against those
        # only (saleor: 82 bases looked up over ~200 model files cost a warm scan ~0.04 s one by one).
        self.by_name = by_module_name(by_file.items(), lambda entry: entry[0])

    def find(self, origin: str):
        stem, _, name = origin.partition(":")
        if not name:
            return None
        # Not in the module: `from app.db import Base`, app/db/__init__.py importing it from a module
        # of its own (`from .base import Base`): the package's modules.
        for where in (stem, stem + "/*"):
            for _file, models in self._files(where):
                for model in models:
                    if model.name == name:
                        return model
        return None

    def _files(self, stem: str) -> list[tuple[str, list]]:
        if stem not in self.held:
            self.held[stem] = [(f, m) for f, m in self.by_name.get(name_key(stem), ()) if stem_matches(f, stem)]
        if self.held[stem]:
            return self.held[stem]
        if stem not in self.loaded:
            self.loaded[stem] = self.load(stem)
        return self.loaded[stem]


class _Resolver(BaseFinder):
    def __init__(self, by_file: dict[str, list], load: Callable[[str], list[tuple[str, list]]]) -> None:
        super().__init__(by_file, load)
        self.settled: dict[tuple[str, str], _Settled] = {}
        self.done: dict[tuple[str, str], object] = {}
        self.texts: Callable[[str], list[tuple[str, str]]] = lambda stem: []
        self.rules: dict[str, str] = {}  # a rule -> with its imports' definitions

    def resolved(self, rule: str) -> str:
        """The rule with the definitions it imports from other files (table_naming.pending_imports)."""
        if rule not in self.rules:
            done, seen = rule, set()
            for _ in range(_DEPTH):  # a definition may import in its turn
                waiting = [(n, o) for n, o in pending_imports(done) if (n, o) not in seen]
                if not waiting:
                    break
                for name, origin in waiting:
                    seen.add((name, origin))
                    done = with_definitions(done, name, self._definition(origin))
            self.rules[rule] = done
        return self.rules[rule]

    def _definition(self, origin: str) -> str | None:
        stem, _, name = origin.partition(":")
        for file, text in self.texts(stem):
            try:
                module = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError):
                continue
            found = definition_of(name, module, file)
            if found is not None:
                return found
        return None

    def named(self, model):
        key = (model.file, model.name)
        if key not in self.done:
            self.done[key] = None  # a cycle of bases names nothing
            self.done[key] = self._named(model)
        return self.done[key]

    def _named(self, model):
        settled = self._settle(model, 0)
        if settled.rule is None or settled.rule == UNKNOWN:
            return None
        attributes = {**settled.attributes, **dict(model.attributes)}
        primary_key = list(model.primary_key) or settled.primary_key
        parent = settled.parent
        if not primary_key and parent is not None:  # single-table inheritance: the parent's table
            table, schema = parent.table, model.schema or parent.schema
            attributes = {**dict(parent.attributes), **attributes}
            primary_key = list(parent.primary_key)
        else:
            table, schema = table_for(self.resolved(settled.rule), model.name), model.schema
        if table is None:
            return None
        if primary_key:
            attributes.setdefault("pk", primary_key[0])
        return dataclasses.replace(model, table=table, schema=schema, attributes=tuple(attributes.items()),
                                   columns=tuple(dict.fromkeys(attributes.values())), primary_key=tuple(primary_key),
                                   bases=(), table_rule=None)

    def _settle(self, model, depth: int) -> _Settled:
        key = (model.file, model.name)
        if key in self.settled:
            return self.settled[key]
        self.settled[key] = _Settled(None, {}, [], None)  # a cycle of bases settles to nothing
        rule, attributes, primary_key, parent = model.table_rule, {}, [], None
        for origin in model.bases if depth < _DEPTH else ():
            base = self.find(origin)
            if base is None:
                continue
            inner = self._settle(base, depth + 1)
            rule = rule or inner.rule
            if waits(base):  # a model itself (of the same file: models.py `_origins`)
                base = self.named(base) or base
            if base.table:  # a mapped parent: its columns live in its table
                parent = parent or base
                continue
            parent = parent or inner.parent
            attributes = {**inner.attributes, **dict(base.attributes), **attributes}
            primary_key = primary_key or list(base.primary_key) or inner.primary_key
        self.settled[key] = settled = _Settled(rule, attributes, primary_key, parent)
        return settled

def by_module_name(items, path_of) -> dict[str, list]:
    """`items` by the key `name_key` gives the stems that may match them: their module's last name, and
    `<folder>/*` for a module of a package (stem_matches then tells exactly)."""
    index: dict[str, list] = {}
    for item in items:
        file = path_of(item)
        own = module_stem(file)
        index.setdefault(own.rsplit("/", 1)[-1], []).append(item)
        if "/" in own and not file.endswith("__init__.py"):
            index.setdefault(own.rsplit("/", 2)[-2] + "/*", []).append(item)
    return index


def name_key(stem: str) -> str:
    """The key of `by_module_name` under which the files at `stem` are."""
    last = stem[:-2].rsplit("/", 1)[-1] + "/*" if stem.endswith("/*") else stem.rsplit("/", 1)[-1]
    return last.lstrip("=")


def module_stem(file: str) -> str:
    """`src/app/db/base.py` -> src/app/db/base; a package's `__init__.py` -> its folder."""
    stem = file.rsplit(".", 1)[0] if file.endswith((".py", ".pyi")) else file
    return stem.removesuffix("/__init__")


def stem_matches(file: str, stem: str) -> bool:
    """Whether `file` is the module at `stem` (absolute: the file's path ends with it, under any
    root such as `src/`; relative, marked `=`: exactly); `<stem>/*`: a module of that package."""
    own = module_stem(file)
    if stem.endswith("/*"):
        if file.endswith("__init__.py") or "/" not in own:
            return False
        own, stem = own.rsplit("/", 1)[0], stem[:-2]
    if stem.startswith("="):
        return own == stem[1:]
    return own == stem or own.endswith("/" + stem)
