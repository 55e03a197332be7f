"""Workspace packages that cannot reach the database: a monorepo's browser SDK, UI kit, email templates.

A JavaScript workspace package (impact.orm.workspace_packages) whose package.json names no database
client (DATABASE_CLIENTS, in any of its dependency lists) and no workspace package that reaches one,
transitively, runs no query: a field's name there is the browser's or an API's copy of a value
(formbricks' `packages/js-core`, its SDK reading `project.overlay` from the environment state its API
sends: a not-db line of the round-3 Prisma sample). Such names are handed on ("package"), as a
`"use client"` module's are: only a reference the ORM layer binds firmly (a model's type, a query
written there) stays evidence.

Decisions: a package is reaching when it lists a client among devDependencies or peerDependencies too
(formbricks' `@formbricks/types` lists `@prisma/client` for its types; its dependents are reaching),
so the mark errs towards keeping. Files outside any workspace package (the root's own code, a
repository without workspaces) are never marked. A file that queries is never marked.

Limits: a package that imports another workspace package without declaring it (tsconfig `paths`
only) and queries through it is read as unable to reach the database (xfail in
tests/test_dbless_packages.py).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from impact.orm.workspace_packages import workspace_packages

DATABASE_CLIENTS = frozenset({
    "prisma", "drizzle-orm", "typeorm", "sequelize", "sequelize-typescript", "knex", "kysely", "objection", "pg",
    "pg-promise", "postgres", "mysql", "mysql2", "better-sqlite3", "sqlite3", "slonik", "@vercel/postgres",
    "@libsql/client", "@electric-sql/pglite",
})
# Scopes of clients and of auth adapters that query through one (`@auth/prisma-adapter`, `@next-auth/prisma-adapter`).
DATABASE_CLIENT_SCOPES = ("@prisma/", "@mikro-orm/", "@supabase/", "@neondatabase/", "@planetscale/", "@auth/", "@next-auth/")
_DEPENDENCY_LISTS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
_SCRIPT_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mts", ".cts", ".mjs", ".cjs")
# What stays evidence in such a package: the same as in a "use client" module.
_KEEPS = frozenset({"model-type", "generated-type", "model-declaration", "sql", "orm-call"})


def package_folders(root: Path) -> dict[str, bool]:
    """Each workspace package's folder (relative to `root`) -> whether it can reach the database."""
    packages = workspace_packages(root)
    needs = {name: {dep for key in _DEPENDENCY_LISTS if isinstance(manifest.get(key), dict) for dep in manifest[key]}
             for name, (_, manifest) in packages.items()}
    reaching = {name for name, deps in needs.items() if any(_client(dep) for dep in deps)}
    grew = True
    while grew:  # a package depending on a reaching workspace package reaches too
        more = {name for name, deps in needs.items() if name not in reaching and deps & reaching}
        reaching |= more
        grew = bool(more)
    return {folder: name in reaching for name, (folder, _) in packages.items() if folder not in ("", ".")}


def _client(dependency: str) -> bool:
    return dependency in DATABASE_CLIENTS or dependency.startswith(DATABASE_CLIENT_SCOPES)


def mark_dbless_packages(references: list, folders: dict[str, bool], querying: set[str] = frozenset()) -> list:
    """References in a workspace package that cannot reach the database, other than _KEEPS, marked
    handed on ("package"); the deepest package holding a file is its own."""
    if not folders or all(folders.values()):
        return references
    deepest = sorted(folders, key=len, reverse=True)
    owner: dict[str, bool] = {}
    out = []
    for ref in references:
        if ref.handed_on is None and ref.via not in _KEEPS and ref.file.endswith(_SCRIPT_SUFFIXES) and ref.file not in querying:
            if ref.file not in owner:
                folder = next((f for f in deepest if ref.file.startswith(f + "/")), None)
                owner[ref.file] = folder is not None and not folders[folder]
            if owner[ref.file]:
                ref = replace(ref, handed_on="package")
        out.append(ref)
    return out
