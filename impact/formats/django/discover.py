"""Django migrations in a repository: the apps, their migrations, and the order they run in.

An app is a folder holding a `migrations/` package whose modules define `class Migration` with
`operations`. Its label is the folder name unless its AppConfig (apps.py) sets `label` (or a
`name` whose last part differs). The order is Django's: a migration runs after its
`dependencies` (and before the migrations naming it in `run_before`); a squashed migration
replaces the ones it lists, unless the migration asked for is one of those.
"""
from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from impact.errors import InputError
from impact.formats.sql import folder_tree, per_scan

if TYPE_CHECKING:  # pyread loads when a migration module is read, not to find the folders
    from impact.formats.django.pyread import MigrationModule

NOT_SEARCHED = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "site-packages", "__pycache__", "target",
                ".tox", "env"}
FIELD_CLASS = re.compile(r"^class\s+(\w+Field|\w+Key)\s*\(([\w.,\s]*)\)", re.MULTILINE)
USER_MODEL = re.compile(r"""^\s*AUTH_USER_MODEL\s*=\s*["']([\w]+\.[\w]+)["']""", re.MULTILINE)
_CACHE: dict[Path, tuple[tuple[int, int], MigrationModule]] = {}


@dataclass
class Node:
    app: str
    name: str
    path: Path
    module: MigrationModule
    deps: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.app, self.name


@dataclass
class Project:
    repo: Path
    nodes: dict[tuple[str, str], Node]
    folders: dict[str, Path]  # app label -> its migrations folder
    user_model: str = "auth.User"
    _aliases: dict[str, str] | None = None
    broken: dict[Path, InputError] = field(default_factory=dict)  # unreadable modules: an error only when asked for

    @property
    def field_aliases(self) -> dict[str, str]:
        """`class ColorField(models.CharField)` -> CharField; read on first use (locating needs none)."""
        if self._aliases is None:
            self._aliases = field_aliases(self.repo)
        return self._aliases

    def by_path(self, path: Path) -> Node | None:
        path = path.resolve()
        return next((n for n in self.nodes.values() if n.path == path), None)


def module(path: Path) -> MigrationModule:
    """read_module, kept while the file is unchanged (a scan reads every earlier migration)."""
    from impact.formats.django.pyread import read_module

    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, read_module(path))
        _CACHE[path] = cached
    return cached[1]


def migration_folders(repo: Path) -> list[Path]:
    return per_scan(("django", repo), lambda: _find_migration_folders(repo))


def _find_migration_folders(repo: Path) -> list[Path]:
    found = []
    for parts, _, filenames in folder_tree(repo):  # sorted, dot folders and the common NOT_SEARCHED left out
        if (parts[-1] if parts else repo.name) == "migrations" and "__init__.py" in filenames and any(_is_candidate(f) for f in filenames) \
                and not NOT_SEARCHED.intersection(parts):
            found.append(repo.joinpath(*parts))
    return found


def _is_candidate(filename: str) -> bool:
    return filename.endswith(".py") and not filename.startswith("_")


def migration_files(folder: Path) -> list[Path]:
    """The folder's modules that define `class Migration` (cheap text check first), resolved."""
    out = []
    resolved = folder.resolve()
    # os.scandir, not Path.iterdir: its entries know from the listing whether they are symlinks
    # and, unless they are, regular files (no stat and lstat for each of saleor's 1,400 files, on
    # every scan, warm ones too). Sorted by name, as the Paths of one folder were.
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if _is_candidate(entry.name) and entry.is_file():
            try:
                with open(entry.path, "rb") as handle:
                    data = handle.read()  # the ASCII marker is found in the bytes as in the decoded text
            except OSError:
                continue
            if b"class Migration" in data:
                # Only a symlinked file needs resolving one by one (an lstat per path part each).
                out.append(Path(entry.path).resolve() if entry.is_symlink() else resolved / entry.name)
    return out


def app_label(app_folder: Path) -> str:
    """The folder name, unless apps.py's AppConfig says otherwise."""
    apps = app_folder / "apps.py"
    if apps.is_file():
        try:
            tree = ast.parse(apps.read_text(encoding="utf-8-sig"))
        except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
            return app_folder.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                values = {t.id: s.value.value for s in node.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)
                          for t in s.targets if isinstance(t, ast.Name) and isinstance(s.value.value, str)}
                name = values.get("name", "")
                if name.split(".")[-1] == app_folder.name or not name:
                    if "label" in values:
                        return values["label"]
    return app_folder.name


def user_model(repo: Path, folders: list[Path]) -> str:
    """settings.AUTH_USER_MODEL, from the settings modules next to the apps."""
    roots = {repo} | {f.parent.parent for f in folders}
    for root in sorted(roots):
        # a settings package beside the apps too (plane's `plane/settings/common.py` next to `plane/db/`)
        for path in [*root.glob("*settings*.py"), *root.glob("*/settings*.py"), *root.glob("settings/*.py"), *root.glob("*/settings/*.py")]:
            try:
                match = USER_MODEL.search(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            if match:
                return match.group(1)
    return "auth.User"


def field_aliases(repo: Path) -> dict[str, str]:
    """The project's own field classes and the class each subclasses (`class ColorField(CharField)`),
    so a custom field's column type is its base's. Read as text: nothing is imported."""
    aliases: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d not in NOT_SEARCHED and not d.startswith(".") and d != "migrations"]
        for name in filenames:
            if not name.endswith(".py"):
                continue
            try:
                text = (Path(dirpath) / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "Field" in text or "Key" in text:
                for match in FIELD_CLASS.finditer(text):
                    base = _field_base(match.group(2))
                    if base and match.group(1) != base:
                        aliases.setdefault(match.group(1), base)
    return aliases


def _field_base(bases: str) -> str | None:
    """The base a field class stores like: its first base that is no mixin (bookwyrm's
    `class RemoteIdField(ActivitypubFieldMixin, models.CharField)` is a CharField; taking the mixin
    left every model using it unread: its CreateModel, so its table, unknown to the replay)."""
    dotted = [b.strip() for b in bases.split(",") if b.strip()]
    if any(b.split(".")[0] in NOT_MODEL_FIELDS for b in dotted):
        return None  # taiga's `class JsonField(serializers.WritableField)`: an API field, not django-pgjson's JsonField
    names = [b.rsplit(".", 1)[-1] for b in dotted]
    return next((n for n in names if not n.endswith("Mixin") and n != "object"), None)


# Modules whose field classes are no model fields (Django REST framework's, forms', filters').
NOT_MODEL_FIELDS = frozenset({"serializers", "forms", "filters", "rest_framework", "django_filters"})


def history_paths(repo: Path) -> list[Path]:
    """Every file of every migration folder that defines `class Migration`, read as text only: the
    code walk leaves these out, and parsing each one (load_project) to learn that was half of a
    warm scan of saleor (1,400 migrations; issue 13). A file that does not parse is history too."""
    return [path for folder in migration_folders(repo.resolve()) for path in migration_files(folder)]


def lazy_history(repo: Path) -> tuple[set[str], dict[str, frozenset[str]]]:
    """`history_paths(repo)` (as strings) without reading the files up front: (the paths known now,
    resolved folder -> the names of its files to read when asked, as migration_files reads them:
    impact.history_files.History).
    The walk leaves a numbered migration out by its name (history_files.looks_like_history) before
    asking: reading saleor's 1,400 to find `class Migration` was ~0.03 s of every scan (issue 13,
    s12speed). A folder holding a symlinked module is read now: its target may lie anywhere."""
    known, folders = set(), {}
    for folder in migration_folders(repo.resolve()):
        with os.scandir(folder) as listing:
            candidates = [entry for entry in listing if _is_candidate(entry.name) and entry.is_file()]
        if any(entry.is_symlink() for entry in candidates):
            known.update(os.fspath(path) for path in migration_files(folder))
        else:
            resolved = os.fspath(folder.resolve())
            folders[resolved] = folders.get(resolved, frozenset()) | {entry.name for entry in candidates}
    return known, folders


def load_project(repo: Path) -> Project:
    repo = repo.resolve()
    folders = migration_folders(repo)
    nodes: dict[tuple[str, str], Node] = {}
    labels: dict[str, Path] = {}
    broken: dict[Path, InputError] = {}
    for folder in folders:
        label = app_label(folder.parent)
        if label in labels:
            continue  # two apps with one label: Django refuses to start; keep the first
        labels[label] = folder
        for path in migration_files(folder):
            try:
                mod = module(path)
            except InputError as exc:  # one broken file must not stop scans of the others
                broken[path] = exc
                continue
            if mod.found:
                nodes[(label, path.stem)] = Node(label, path.stem, path, mod)
    project = Project(repo, nodes, labels, user_model(repo, folders), broken=broken)
    link(project)
    return project


def link(project: Project) -> None:
    nodes = project.nodes
    for node in nodes.values():
        node.deps = [d for d in (_dependency(project, dep) for dep in node.module.dependencies) if d in nodes]
    for node in nodes.values():
        for item in node.module.run_before:
            key = _dependency(project, item)
            if key in nodes and node.key not in nodes[key].deps:
                nodes[key].deps.append(node.key)


def _dependency(project: Project, dep) -> tuple[str, str] | None:
    from impact.formats.django.pyread import Call, Ref

    if isinstance(dep, Call) and dep.short == "swappable_dependency":
        return _app_edge(project, project.user_model.split(".")[0], "__first__")
    if isinstance(dep, (tuple, list)) and len(dep) == 2:
        app, name = dep
        if isinstance(app, Ref) and app.name.endswith("AUTH_USER_MODEL"):
            app = project.user_model.split(".")[0]
        if isinstance(app, str) and isinstance(name, str):
            return _app_edge(project, app, name)
    return None


def _app_edge(project: Project, app: str, name: str) -> tuple[str, str] | None:
    if name not in ("__first__", "__latest__"):
        return (app, name) if (app, name) in project.nodes else None
    names = sorted(n for a, n in project.nodes if a == app)
    if not names:
        return None  # an app outside the repo (django.contrib, a package): no schema of ours
    if name == "__first__":
        return app, names[0]
    if name == "__latest__":
        return app, names[-1]
    return app, name


def plan(project: Project, target: tuple[str, str]) -> list[Node]:
    """The migrations that run before `target`, in order: its dependencies first (Django's forwards
    plan for it), then every other migration that does not depend on it, since a deployed
    database has the other apps' migrations applied too. Its own descendants never run before it."""
    nodes = _effective(project, target)
    ancestors = _postorder(nodes, [target], set())
    after = _descendants(nodes, target)
    others = _postorder(nodes, [k for k in sorted(nodes) if k not in after], set(ancestors) | after)
    return [project.nodes[k] for k in ancestors + others if k != target]


def all_in_order(project: Project) -> list[Node]:
    """Every migration (squashes applied), in an order that respects every dependency."""
    nodes = _effective(project, None)
    return [project.nodes[k] for k in _postorder(nodes, sorted(nodes), set())]


def _postorder(nodes: dict[tuple[str, str], list[tuple[str, str]]], roots: list, seen: set) -> list[tuple[str, str]]:
    """Dependencies before dependants. Iterative: deep histories (700+ migrations) exceed recursion."""
    order = []
    for root in roots:
        stack = [(root, False)]
        while stack:
            key, expanded = stack.pop()
            if expanded:
                order.append(key)
                continue
            if key in seen:
                continue
            seen.add(key)
            stack.append((key, True))
            stack += [(d, False) for d in sorted(nodes.get(key, []), reverse=True) if d not in seen]
    return order


def _descendants(nodes: dict[tuple[str, str], list[tuple[str, str]]], target: tuple[str, str]) -> set[tuple[str, str]]:
    dependants: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, deps in nodes.items():
        for dep in deps:
            dependants.setdefault(dep, []).append(key)
    found, stack = {target}, [target]
    while stack:
        for child in dependants.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _effective(project: Project, target: tuple[str, str] | None) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Dependency lists after squashing: a squash stands for what it replaces (unless the
    target is one of those, then the originals are kept and the squash is left out)."""
    deps = {k: list(n.deps) for k, n in project.nodes.items()}
    for key, node in project.nodes.items():
        replaced = {_dependency(project, r) for r in node.module.replaces} - {None}
        replaced &= set(deps)
        if not replaced or key not in deps:
            continue
        if target is not None and target in replaced:
            deps.pop(key)
            for others in deps.values():
                others[:] = [d for d in others if d != key]
            continue
        for old in replaced:
            deps.pop(old, None)
        for other, others in deps.items():
            remapped = [key if d in replaced else d for d in others]
            others[:] = list(dict.fromkeys(d for d in remapped if d != other))
        deps[key] = [d for d in deps[key] if d not in replaced]
    return deps
