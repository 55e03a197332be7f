"""Whether a TypeScript import of a model's name comes from the module declaring the model.

A TypeORM entity class, a Drizzle table variable or a Sequelize model class is the project's own
code: a file names the model when it imports that name from the model's module. The same name
exported by another module is another thing: oneuptime's `Common/Server/Utils/Telemetry/TelemetryEntity`
helper class (with its own test) shares the name of the `TelemetryEntity` entity; its importers
were credited to the entity's table (39 lines) before the import's path was checked.

An import's path (`import { X } from "<path>"`) is resolved from the importing file:
- relative (`./x`, `../x`, `../x.js`): the file at that path (`.ts`, `.tsx`, `.js`, ... or the
  folder's `index`), read from the repository; a file that is not the model's is followed through
  its re-exports (`export * from "./x"`, `export { X } from "./x"`, `export { default as X } from`),
  up to three modules deep (an index module re-exporting the entities);
- a workspace package's name (`@sim/db`, `@app/db/schema`): its entry or subpath file
  (impact.orm.workspace_packages), followed as above (`@sim/db`'s index.ts: `export * from './schema'`);
- another package path (`Common/Models/X`, `@/db/schema`: a tsconfig alias): matched by its last two
  segments or more against the files that mention the name (impact.orm.model_imports; impact reads
  no tsconfig `paths`), the longest match winning (two such files: unresolved); followed as above.
Answer: True (the model's module, directly or re-exported), False (another module: the name is not
the model), None (the path cannot be resolved: an alias or a package impact cannot read, a module
re-exporting one). A caller keeps its former behaviour for None (the name counts as the model):
recall is not lost where the resolution is blind.

Known limit (xfail in tests/test_model_import_sources.py): tsconfig `paths`, `baseUrl` and
package.json `exports` are not read: a package path whose last segments name no file mentioning the
name is None (`@shared/user` for `src/lib/shared/user.ts`), so another module's class imported so
still counts as the model.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from impact.orm import CODE_DECLARATION_SUFFIXES as _EXTENSIONS  # TypeScript and JavaScript files
from impact.orm.model_imports import module_stem
from impact.orm.workspace_packages import package_entries, workspace_packages

# `import X, { Y as Z } from "p"` / `import type { Y } from "p"`: the bindings and the path.
IMPORT = re.compile(r"\bimport\s+(?:type\s+)?([^;]*?)\s+from\s+['\"]([^'\"]+)['\"]", re.DOTALL)
# `export * from "p"`, `export { a, default as B } from "p"`, `export type { A } from "p"`.
_REEXPORT = re.compile(r"\bexport\s+(?:type\s+)?(\*(?!\s*as\b)|\{[^}]*\})\s*from\s*['\"]([^'\"]+)['\"]")
_REQUIRE = re.compile(r"\b(?:const|let|var)\s+(\{[^}]*\}|[A-Za-z_$][\w$]*)\s*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)")
_DEPTH = 3
_DECLARED = "declared"  # the module declares the name itself
# `export enum RuleType`, `export default class X`, `export declare const X`, `export abstract class X`.
_DECLARATION = r"\bexport\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:const\s+enum|enum|class|const|let|var|function\*?|async\s+function|interface|type|namespace)\s+"
_MAX_BYTES = 1_000_000


def repo_reader(repo: Path) -> RepoModules:
    """The reader of `repo`'s TypeScript/JavaScript modules (RepoModules)."""
    return RepoModules(repo)


class RepoModules:
    """rel -> the text of a TypeScript/JavaScript file of `repo` (None if absent, unreadable, too large
    or outside the repository); each file read once; `packages()`: the workspace's packages
    (impact.orm.workspace_packages). Read only: nothing is written."""

    def __init__(self, repo: Path) -> None:
        self.root, self.cache = repo.resolve(), {}
        self._packages: dict | None = None

    def __call__(self, rel: str) -> str | None:
        if rel in self.cache:
            return self.cache[rel]
        text = None
        if rel.endswith(_EXTENSIONS) and not rel.startswith(("/", "../")):
            path = self.root / rel
            try:
                if path.is_file() and path.resolve().is_relative_to(self.root) and path.stat().st_size <= _MAX_BYTES:
                    text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = None
        self.cache[rel] = text
        return text

    def packages(self) -> dict:
        if self._packages is None:
            self._packages = workspace_packages(self.root)
        return self._packages


class ImportSources:
    """Resolves the imports of the files in `known` (rel -> text: the files that mention the names),
    reading other modules through `read`; `declaring`: the models' files (package paths match them too)."""

    def __init__(self, known: dict[str, str], read: Callable[[str], str | None] | None = None,
                 declaring: Iterable[str] = ()) -> None:
        self.known, self.read, self.declaring = known, read or (lambda rel: None), set(declaring)
        self._stems: dict[str, str] | None = None

    def text(self, rel: str) -> str | None:
        return self.known[rel] if rel in self.known else self.read(rel)

    def names_model(self, rel: str, text: str, name: str, model_file: str) -> bool:
        """Whether `text` (of `rel`) imports `name` from `model_file` or from a module it cannot
        resolve; False when every import of the name comes from another module, or none does."""
        return any(self.source(rel, spec, name, model_file) is not False for spec in imports_of(text, name))

    def source(self, rel: str, spec: str, name: str, model_file: str) -> bool | None:
        """True if `spec`, imported from `rel`, is `model_file` or re-exports `name` from it; False if
        it is another module; None if it cannot be resolved."""
        found = self._source(rel, spec, name, model_file, 0)
        return False if found == _DECLARED else found

    def _source(self, rel: str, spec: str, name: str, model_file: str, depth: int) -> bool | str | None:
        file = self.resolve(rel, spec)
        if file is None:
            return None
        if file == model_file:
            return True
        text = self.text(file)
        if text is not None and _declares(text, name):  # its own `export enum RuleType`: not the model
            return _DECLARED
        if text is None or depth >= _DEPTH:  # unread, or re-exports too deep to follow: cannot tell
            return None
        answers = [self._source(file, m.group(2), name, model_file, depth + 1)
                   for m in _REEXPORT.finditer(text) if _exports(m.group(1), name)]
        # One `export *` branch declaring the name binds it (TypeScript rejects two): the other branches,
        # unresolved or too deep (medusa's `@medusajs/utils` index), cannot make it the model.
        return True if True in answers else _DECLARED if _DECLARED in answers else None if None in answers else False

    def resolve(self, rel: str, spec: str) -> str | None:
        """The file `spec` names from `rel`: a relative path's file, or the known file whose path ends
        with the package path's last segments (two or more, the longest match)."""
        spec = _bare(spec)
        if spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
            return next((c for c in _candidates(base) if self.text(c) is not None), None)
        packages = getattr(self.read, "packages", None)  # a workspace package's name (`@sim/db`, `@app/db/schema`)
        entries = package_entries(spec, packages()) if packages else None
        file = next((c for entry in entries or () for c in _candidates(entry) if self.text(c) is not None), None)
        if file:
            return file
        parts = spec.split("/")
        stems = self._known_stems()
        for k in range(len(parts) - 1):
            tail = "/".join(parts[k:])
            found = sorted(f for s, f in stems.items() if s == tail or s.endswith("/" + tail))
            if found:
                return found[0] if len(found) == 1 else None  # two files end so: which one is unknown
        return None

    def _known_stems(self) -> dict[str, str]:
        if self._stems is None:
            self._stems = {}
            for file in [*self.known, *self.declaring]:
                if file.endswith(_EXTENSIONS):
                    self._stems[module_stem(file)] = file
        return self._stems


def imports_of(text: str, name: str) -> list[str]:
    """The paths of the imports binding `name` in `text` (`import { name }`, `import name`,
    `import { other as name }`, `import { name as other }` too: the former behaviour's)."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    return [m.group(2) for m in IMPORT.finditer(text) if word.search(m.group(1))]


def requires_of(text: str, name: str) -> list[str]:
    """The paths of the CommonJS requires binding `name` (`const { name } = require("p")`, `const name = require("p")`)."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    return [m.group(2) for m in _REQUIRE.finditer(text) if word.search(m.group(1))]


def imported_bindings(text: str) -> Iterator[tuple[str, str, str]]:
    """(imported name, local name, module path) of each default and named import of `text`
    (`import { Recipient as Row, type Team } from "@prisma/client"`: Recipient/Row, Team/Team)."""
    for match in IMPORT.finditer(text):
        clause, spec = match.group(1), match.group(2)
        default, _, named = clause.partition("{")
        items = named.split("}")[0].split(",") if named else []
        default = default.strip().rstrip(",").strip()
        if default and not default.startswith("*"):
            items.append(default)
        for item in items:
            parts = item.replace("type ", " ").split()
            if parts:
                yield parts[0], parts[-1], spec


def _declares(text: str, name: str) -> bool:
    return re.search(_DECLARATION + re.escape(name) + r"(?![\w$])", text) is not None


def _exports(clause: str, name: str) -> bool:
    """Whether a re-export clause (`*` or `{ a, default as B }`) exports `name`."""
    return clause.startswith("*") or re.search(rf"(?<![\w$]){re.escape(name)}\s*(?:[,}}]|$)", clause) is not None


def _bare(spec: str) -> str:
    """The path without its extension (`./x.js` names `./x.ts` in TypeScript's node16 resolution)."""
    return spec.rsplit(".", 1)[0] if spec.endswith(_EXTENSIONS) else spec


def _candidates(base: str) -> Iterable[str]:
    for ext in _EXTENSIONS:
        yield base + ext
    for ext in _EXTENSIONS:
        yield f"{base}/index{ext}"
