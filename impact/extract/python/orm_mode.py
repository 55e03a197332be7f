"""Whether a pydantic class reads ORM rows: ORM mode set on it or on one of its bases in the project;
whether a class is pydantic's at all: it or a base declared in a module importing pydantic or SQLModel.

pydantic builds an object from an ORM row's attributes when the class's configuration says so:
`model_config = ConfigDict(from_attributes=True)` (v2) or `class Config: orm_mode = True` (v1).
Projects set it once on a base (prefect's `ORMBaseModel`, in another module than the schemas
deriving from it: `class FlowRun(ORMBaseModel)` in server/schemas/core.py), so the bases are
followed: in the same file, else through the file's `from X import Base` (relative or absolute;
a package's `__init__.py` re-exporting it by name or `*`), up to DEPTH classes deep.

Decisions:
- Text only, no parse: a class's block is its `class Name(...):` line at column 0 and the lines
  indented under it; ORM mode is ORM_MODE anywhere in that block (its inner `Config` included).
- A module is looked for at its dotted path under the repository's root and under the importing
  file's own root (`src/` when `src/prefect/...` imports `prefect.x`); a module not found is
  another package's (pydantic's `BaseModel`): not ORM mode.
Known limit (xfail in tests/test_orm_schemas.py): a base named through an imported module
(`bases.ORMBaseModel`) is looked for by its last name in the same file only; a nested class is not read.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

ORM_MODE = re.compile(r"\bfrom_attributes\s*=\s*True\b|\borm_mode\s*=\s*True\b")
PYDANTIC = re.compile(r"(?:from|import)[ \t]+(?:pydantic|sqlmodel)\b")
DEPTH = 6
# Led by their literals, checked for their line's start apart: a `^`-led pattern is tried at every
# line of the file (saleor's GraphQL mutations' bases: 0.05 s a scan).
_CLASS = re.compile(r"class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?[ \t]*:")
_DEDENT = re.compile(r"\n[^\s#]")  # the next line at column 0
_FROM = re.compile(r"from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)")


class OrmMode:
    """`enabled(rel, text, name)`: whether class `name` of file `rel` (text `text`) or a base of it sets
    ORM mode; `pydantic(...)`: whether it or a base is declared in a file importing pydantic or
    SQLModel. `read(rel)`: a repository file's text or None. Answers are kept for the scan."""

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self.read, self.memo, self.classes = read, {}, {}

    def enabled(self, rel: str, text: str, name: str) -> bool:
        return self._reaches("orm", rel, text, name, 0)

    def pydantic(self, rel: str, text: str, name: str) -> bool:
        return self._reaches("pydantic", rel, text, name, 0)

    def _reaches(self, test: str, rel: str, text: str, name: str, depth: int) -> bool:
        key = (test, rel, name)
        if key not in self.memo:
            self.memo[key] = False  # a cycle of imports or bases answers no
            self.memo[key] = depth < DEPTH and self._found(test, rel, text, name, depth)
        return self.memo[key]

    def _found(self, test: str, rel: str, text: str, name: str, depth: int) -> bool:
        found = self._classes(rel, text).get(name)
        if found is None:  # imported: follow the import to the module defining it
            return any(self._reaches(test, source, self.read(source) or "", original, depth + 1)
                       for source, original in self._sources(rel, text, name))
        block, bases = found
        if _orm_mode(block) if test == "orm" else _imports_pydantic(text):
            return True
        return any(self._reaches(test, rel, text, base, depth + 1) for base in bases)

    def _classes(self, rel: str, text: str) -> dict[str, tuple[str, list[str]]]:
        if rel not in self.classes:
            self.classes[rel] = top_classes(text)
        return self.classes[rel]

    def _sources(self, rel: str, text: str, name: str) -> list[tuple[str, str]]:
        found = []
        for module, names in (m.groups() for m in _FROM.finditer(text) if _leads(text, m.start())):
            for entry in names.strip("()\\ \t").replace("\n", ",").split(","):
                words = entry.split("#")[0].split()
                if words and (words[-1] == name or words == ["*"]):
                    original = name if words == ["*"] else words[0]
                    found += [(path, original) for path in self._module_files(rel, module) if path != rel]
        return found

    def _module_files(self, rel: str, module: str) -> list[str]:
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            folder = posixpath.dirname(rel)
            for _ in range(dots - 1):
                folder = posixpath.dirname(folder)
            bases = [posixpath.join(folder, *module.lstrip(".").split(".")) if module.strip(".") else folder]
        else:
            parts = module.split(".")
            own = rel.split("/")
            roots = {"", *("/".join(own[:i]) for i in range(len(own)) if own[i] == parts[0])}
            bases = [posixpath.join(root, *parts) for root in sorted(roots)]
        return [path for base in bases for path in (base + ".py", posixpath.join(base, "__init__.py")) if self.read(path) is not None]


def python_reader(repo: Path) -> Callable[[str], str | None]:
    """rel -> the text of a Python file of `repo` (None if absent, unreadable, over 1 MB or outside it); each read once."""
    root, kept = repo.resolve(), {}

    def read(rel: str) -> str | None:
        if rel not in kept:
            kept[rel] = None
            path = root / rel
            try:
                if rel.endswith((".py", ".pyi")) and path.is_file() and path.resolve().is_relative_to(root) and path.stat().st_size <= 1_000_000:
                    kept[rel] = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                pass
        return kept[rel]
    return read


def _orm_mode(block: str) -> bool:
    return ("from_attributes" in block or "orm_mode" in block) and ORM_MODE.search(block) is not None


def _imports_pydantic(text: str) -> bool:
    return ("pydantic" in text or "sqlmodel" in text) and any(_leads(text, m.start()) for m in PYDANTIC.finditer(text))


def _leads(text: str, at: int) -> bool:
    """Only blanks between the line's start and `at`."""
    return not text[text.rfind("\n", 0, at) + 1:at].strip(" \t")


def top_classes(text: str) -> dict[str, tuple[str, list[str]]]:
    """The file's top-level classes: name -> (its text, its bases' last names). One pass over the
    file with one pattern (a pattern compiled per class name cost saleor's scan 0.08 s)."""
    found = {}
    for at in _CLASS.finditer(text):
        if (at.start() and text[at.start() - 1] != "\n") or at.group(1) in found:
            continue
        end = _DEDENT.search(text, at.end())
        bases = []
        for base in (at.group(2) or "").split(","):
            base = re.sub(r"\[.*", "", base.strip())
            if base and "=" not in base:
                bases.append(base.rsplit(".", 1)[-1])
        found[at.group(1)] = (text[at.start():end.start() + 1 if end else len(text)], bases)
    return found
