"""The ORM layer: each ORM's model declarations read into one mapping (`OrmMap`), and the
resolution of ORM calls found in code to the tables and columns they touch.

`build_orm_map` reads the declaration files the walk found (schema.prisma, ...); its result is
cached by the files' content hash, so a warm scan never re-reads a schema.
"""
from __future__ import annotations

from impact.orm.mapping import OrmField, OrmMap, OrmModel
from impact.orm.resolve import resolve_orm_queries

__all__ = ["DECLARATION_SUFFIXES", "OrmField", "OrmMap", "OrmModel", "build_orm_map", "is_declaration_file", "resolve_orm_queries"]

DECLARATION_SUFFIXES = (".prisma",)


def is_declaration_file(rel: str) -> bool:
    return rel.endswith(DECLARATION_SUFFIXES)


def build_orm_map(files: list[tuple[str, str]]) -> OrmMap:
    """(repo-relative path, text) of every declaration file -> the repo's ORM map.

    Prisma: every `.prisma` file holding a model; the files of one folder form one schema
    (Prisma's multi-file schemas), so relations across them are told apart from columns.
    """
    from impact.orm.prisma import looks_like_schema, read_schema

    by_folder: dict[str, list[tuple[str, str]]] = {}
    for rel, text in files:
        if rel.endswith(".prisma") and looks_like_schema(text):
            by_folder.setdefault(rel.rsplit("/", 1)[0] if "/" in rel else "", []).append((rel, text))
    orm = OrmMap()
    for group in by_folder.values():
        orm.models.extend(read_schema(group))
        orm.sources.extend(rel for rel, _ in group)
    return orm
