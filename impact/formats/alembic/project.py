"""Where an Alembic project's revisions are, and the order they run in.

Detection: a script folder is a folder holding `env.py` and a `versions/` folder (Alembic's
layout, Flask-Migrate's `migrations/` too), or the `script_location` (and `version_locations`) an
`alembic.ini` names. A revision is a module of such a folder that assigns `revision` and defines
`upgrade()`; its header (`revision`, `down_revision`, `depends_on`, `branch_labels`) is read with
the stdlib `ast`, never imported.

The graph: `down_revision` (a string, or a tuple for a merge) and `depends_on` are a revision's
parents. What runs before a revision is its ancestors, in a topological order (parents before
children, ties by file name), exactly the revisions Alembic would have applied when upgrading
to it; revisions of other branches are not part of its schema.

Known limit: a `revision` computed at import time is not read (the file is then not a revision;
xfail test in tests/test_alembic_format.py).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from impact.formats.python2 import parse_python
from impact.formats.python_syntax import is_python2
from impact.formats.sql import folder_tree, per_scan

DISCOVERY_DEPTH = 7  # src/dispatch/database/revisions/tenant/env.py


@dataclass(frozen=True)
class Revision:
    path: Path
    revision: str
    down: tuple[str, ...]  # down_revision: () for a root, two or more for a merge
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]

    @property
    def parents(self) -> tuple[str, ...]:
        return self.down + self.depends_on


@dataclass(frozen=True)
class Project:
    script_dirs: tuple[Path, ...]
    revisions: tuple[Revision, ...]  # topological order

    def by_id(self) -> dict[str, Revision]:
        return {r.revision: r for r in self.revisions}

    def heads(self) -> list[Revision]:
        children = {p for r in self.revisions for p in r.down}
        return [r for r in self.revisions if r.revision not in children]

    def ancestors(self, rev: Revision) -> list[Revision]:
        """Every revision Alembic applies before `rev`, in run order."""
        index = self.by_id()
        seen: set[str] = set()
        stack = list(rev.parents)
        while stack:
            rid = stack.pop()
            if rid in seen or rid not in index:
                continue
            seen.add(rid)
            stack.extend(index[rid].parents)
        return [r for r in self.revisions if r.revision in seen]

    def of_path(self, path: Path) -> Revision | None:
        return next((r for r in self.revisions if r.path == path), None)


def script_dirs(repo: Path, configured: tuple[str, ...] = ()) -> list[Path]:
    """Folders with env.py + versions/, the script_location of every alembic.ini, and the
    folders the configuration names (`migration_dirs`: a script folder or its versions/)."""
    return per_scan(("alembic", repo, tuple(configured)), lambda: _find_script_dirs(repo, configured))


def _find_script_dirs(repo: Path, configured: tuple[str, ...]) -> list[Path]:
    found: list[Path] = [repo / d for d in configured if (repo / d).is_dir()]
    for parts, dirnames, filenames in folder_tree(repo):
        if len(parts) > DISCOVERY_DEPTH:
            continue
        if "env.py" in filenames and "versions" in dirnames and len(parts) < DISCOVERY_DEPTH:
            found.append(repo.joinpath(*parts))
        if "alembic.ini" in filenames:
            found.extend(_ini_locations(repo.joinpath(*parts, "alembic.ini")))
    unique: list[Path] = []
    for folder in found:
        folder = folder.resolve()
        if folder.is_dir() and folder not in unique:
            unique.append(folder)
    return unique


def _ini_locations(ini: Path) -> list[Path]:
    """Every section's script_location, not only [alembic]'s: `alembic -n tenant` reads [tenant]
    (Netflix dispatch keeps [core] and [tenant] script folders in one alembic.ini)."""
    import configparser  # only when a repo has an alembic.ini

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return []
    here = str(ini.parent)
    folders = []
    for section in parser.sections():
        location = parser.get(section, "script_location", fallback="").replace("%(here)s", here).strip()
        if location:
            folders += _resolved(ini, location)
        for extra in parser.get(section, "version_locations", fallback="").replace(",", " ").split():
            folders += _resolved(ini, extra.replace("%(here)s", here))
    return folders


def _resolved(ini: Path, location: str) -> list[Path]:
    """A folder, or a package reference (`dispatch:database/revisions/core`, resolved by Alembic through
    the import system): the package's folder is looked for where a checkout keeps it, beside the ini."""
    if ":" not in location or Path(location).drive:
        return [ini.parent / location]
    package, _, rest = location.partition(":")
    parts = package.split(".")
    candidates = [ini.parent.joinpath(*parts), ini.parent / "src" / Path(*parts), ini.parent.parent.joinpath(*parts)]
    if ini.parent.name == parts[-1]:  # the ini inside the package itself (src/dispatch/alembic.ini)
        candidates.insert(0, ini.parent.parent.joinpath(*parts))
    return [folder / rest for folder in candidates if (folder / "__init__.py").is_file()][:1]


def version_files(script_dir: Path) -> list[Path]:
    versions = script_dir / "versions" if (script_dir / "versions").is_dir() else script_dir
    return sorted(p for p in versions.rglob("*.py") if p.name != "__init__.py" and "__pycache__" not in p.parts)


def load_project(repo: Path, configured: tuple[str, ...] = ()) -> Project | None:
    dirs = script_dirs(repo.resolve(), configured)
    if not dirs:
        return None
    files = tuple(f for d in dirs for f in version_files(d))
    stamps = tuple(_stamp(f) for f in files)
    return _project(tuple(dirs), files, stamps)


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _project(dirs: tuple[Path, ...], files: tuple[Path, ...], _stamps: tuple) -> Project | None:
    # Cached on the files' mtimes and sizes: locate, --changed and extraction each ask for it.
    revisions = [r for r in (read_header(f) for f in files) if r is not None]
    if not revisions:
        return None
    return Project(dirs, tuple(_topological(revisions)))


def read_header(path: Path) -> Revision | None:
    try:
        source = path.read_bytes()
        tree = parse_python(source, str(path))[0]
    except SyntaxError as exc:
        # A Python 2 revision is still a node of the graph: without it its descendants have no history.
        return _python2_header(path, source) if is_python2(exc) else None
    except (ValueError, OSError):
        return None  # not readable here; the reader reports it when this file is the one scanned
    values: dict[str, object] = {}
    has_upgrade = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            has_upgrade = True
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "depends_on", "branch_labels"):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    values[target.id] = None
    if not has_upgrade or not isinstance(values.get("revision"), str):
        return None
    return Revision(path.resolve(), values["revision"], _ids(values.get("down_revision")),
                    _ids(values.get("depends_on")), _ids(values.get("branch_labels")))


_HEADER_LINE = re.compile(r"^(revision|down_revision|depends_on|branch_labels)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def _python2_header(path: Path, source: bytes) -> Revision | None:
    """The header of a revision Python 3 cannot parse, read line by line (its module-level
    `revision = '...'` assignments and `def upgrade(`): its upgrade() is not read (impact.formats.alembic)."""
    text = source.decode("utf-8-sig", errors="replace")
    values: dict[str, object] = {}
    for name, value in _HEADER_LINE.findall(text):
        try:
            values[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            values[name] = None
    if not re.search(r"^def upgrade\(", text, re.M) or not isinstance(values.get("revision"), str):
        return None
    return Revision(path.resolve(), values["revision"], _ids(values.get("down_revision")),
                    _ids(values.get("depends_on")), _ids(values.get("branch_labels")))


def _ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _topological(revisions: list[Revision]) -> list[Revision]:
    index = {r.revision: r for r in revisions}
    order: list[Revision] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in sorted(revisions, key=lambda r: r.path.name):
        stack = [(start, False)]
        while stack:
            rev, expanded = stack.pop()
            if expanded:
                state[rev.revision] = 2
                order.append(rev)
                continue
            if state.get(rev.revision):
                continue  # done, or a cycle (an invalid history: keep going rather than loop)
            state[rev.revision] = 1
            stack.append((rev, True))
            for parent in sorted(rev.parents, reverse=True):
                if parent in index and not state.get(parent):
                    stack.append((index[parent], False))
    return order
