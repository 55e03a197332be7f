"""Django migrations, read statically: found in `<app>/migrations/` packages, ordered by their
dependency graph, replayed into a model state, and translated into the SQL Django's PostgreSQL
schema editor would run (see reader.py). Nothing of the project is imported or executed.

`--migration` accepts `app_label.0034`, `app_label/0034`, `0034` (ambiguous across apps: exit 3
with the candidates), a name fragment, or the file's path.
"""
from __future__ import annotations

import re
from pathlib import Path

from impact.config import Config
from impact.formats.base import LocatedMigration, ReadMigration
from impact.errors import InputError
from impact.formats.django.discover import Node, Project, history_paths, lazy_history, link, load_project, module, plan

LEADING_NUMBER = re.compile(r"^(\d+)")
APP_REF = re.compile(r"^([A-Za-z_]\w*)[./](\w+)$")


def _located(project: Project, node: Node) -> LocatedMigration:
    return LocatedMigration(node.path, project.folders.get(node.app), tuple(n.path for n in plan(project, node.key)), "django")


def matching(project: Project, ref: str) -> list[Node]:
    ref = ref.strip().removesuffix(".py")
    pool = list(project.nodes.values())
    match = APP_REF.match(ref)
    if match and match.group(1) in project.folders:
        pool = [n for n in pool if n.app == match.group(1)]
        ref = match.group(2)
    if ref.isdigit():
        return [n for n in pool if (m := LEADING_NUMBER.match(n.name)) and int(m.group(1)) == int(ref)]
    exact = [n for n in pool if n.name == ref]
    return exact or [n for n in pool if ref.lower() in n.name.lower()]


class DjangoFormat:
    name = "django"

    def all_migrations(self, repo: Path, config: Config) -> list[Path]:
        return [n.path for n in load_project(repo).nodes.values()]

    def history_paths(self, repo: Path, config: Config) -> list[Path]:
        """What the code walk leaves out, without parsing a migration (discover.history_paths)."""
        return history_paths(repo)

    def lazy_history(self, repo: Path, config: Config) -> tuple[set[str], dict[str, frozenset[str]]]:
        """history_paths, its files read only when the walk asks (discover.lazy_history)."""
        return lazy_history(repo)

    def candidates(self, repo: Path, ref: str, config: Config) -> list[LocatedMigration]:
        project = load_project(repo)
        return [_located(project, n) for n in matching(project, ref)]

    def claim(self, path: Path, repo: Path, config: Config) -> LocatedMigration | None:
        if path.suffix != ".py":
            return None
        project = load_project(repo)
        if path.resolve() in project.broken:
            raise project.broken[path.resolve()]
        node = project.by_path(path) or _loose(project, path)
        return _located(project, node) if node else None

    def read(self, migration: LocatedMigration, repo: Path, dialect: str) -> ReadMigration:
        project = load_project(repo)
        node = project.by_path(migration.path) or _loose(project, migration.path)
        if node is None:  # located earlier: it must still be there
            raise InputError(f"{migration.path.name} is no longer a Django migration", "check the file")
        from impact.formats.django.reader import read as read_node  # loaded to read one, not for discovery

        return read_node(project, node)


def _loose(project: Project, path: Path) -> Node | None:
    """A file defining `class Migration` outside any detected migrations package (no
    `__init__.py`, a file passed from elsewhere): read on its own, its app named after the folder
    above `migrations/`, its history whatever its dependencies name."""
    mod = module(path)  # a syntax error is an InputError (exit 3), as for any unreadable migration
    if not mod.found:
        return None
    folder = path.resolve().parent
    app = folder.parent.name if folder.name == "migrations" else folder.name
    node = Node(app, path.stem, path.resolve(), mod)
    project.nodes[node.key] = node
    link(project)
    return node


FORMAT = DjangoFormat()
