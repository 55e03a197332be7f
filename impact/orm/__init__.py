"""The ORM layer: each ORM's model declarations read into one mapping (`OrmMap`), and the
resolution of ORM calls found in code to the tables and columns they touch.

`build_orm_map` reads the declaration files the walk found (schema.prisma, ...); its result is
cached by the files' content hash, so a warm scan never re-reads a schema. Drizzle tables are
declared in ordinary TS/JS code: those files are told by their text (`declares_models`) and stay
code files too.
"""
from __future__ import annotations

import re

from impact import collector
from impact.orm.mapping import OrmField, OrmMap, OrmModel
from impact.orm.resolve import resolve_orm_queries

__all__ = ["CODE_DECLARATION_SUFFIXES", "DECLARATION_SUFFIXES", "OrmField", "OrmMap", "OrmModel", "build_orm_map", "declares_models", "is_declaration_file", "resolve_orm_queries"]

DECLARATION_SUFFIXES = (".prisma",)  # files that only declare models
CODE_DECLARATION_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")  # code that may declare models too


KYSELY_CAMEL_CASE = "CamelCasePlugin"


def is_declaration_file(rel: str) -> bool:
    return rel.endswith(DECLARATION_SUFFIXES)


def declares_models(rel: str, text: str) -> bool:
    """A code file the ORM map needs: Drizzle tables or TypeORM entities, or a naming setting."""
    from impact.orm import objection, sequelize, sequelize_typescript, ts_constants, typeorm
    from impact.orm.drizzle import declares_tables, sets_snake_case

    if not rel.endswith(CODE_DECLARATION_SUFFIXES):
        return False
    return (declares_tables(text) or sets_snake_case(text) or typeorm.MARKER in text or typeorm.uses_snake_strategy(text)
            or KYSELY_CAMEL_CASE in text or sequelize.declares_models(text) or sequelize_typescript.declares_models(text)
            or ts_constants.declares_models(text) or objection.declares_models(text) or objection.uses_snake_case(text))


def build_orm_map(files: list[tuple[str, str]], cache=None) -> OrmMap:
    """The repo's ORM map, from the cache (`ExtractionCache`) when no declaration file changed."""
    from impact.cache import content_key

    key = content_key("orm-map", files, ORM_CODE) if cache is not None and cache.enabled else None
    cached = cache.get(key, OrmMap) if key else None
    if cached is not None:
        return cached
    collector.resume()  # the declaration files are parsed (impact.collector)
    orm = _build(files)
    if key:
        cache.put(key, orm)
    return orm


ORM_CODE = ("orm/*.py", "extract/typescript/scan.py", "extract/typescript/calls.py", "extract/typescript/classes.py", "extract/typescript/constants.py", "model.py")


_DOCS = re.compile(r"(?:^|/)(?:docs?|documentation)/", re.IGNORECASE)
_POSTGRES_DATASOURCE = re.compile(r'datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(?:postgresql|postgres|cockroachdb)"')


def _build(files: list[tuple[str, str]]) -> OrmMap:
    """(repo-relative path, text) of every declaration file -> the repo's ORM map.

    Prisma: every `.prisma` file holding a model; the files of one folder form one schema
    (Prisma's multi-file schemas), so relations across them are told apart from columns.
    Drizzle: every TS/JS file declaring tables, with the repo's casing setting.
    TypeORM: every `@Entity` class, with the repo's naming strategy (SnakeNamingStrategy or not).
    """
    from impact.orm import typeorm
    from impact.orm.drizzle import declares_tables, read_tables, sets_snake_case
    from impact.orm.prisma import looks_like_schema, read_schema

    by_folder: dict[str, list[tuple[str, str]]] = {}
    schemas = [(rel, text) for rel, text in files if rel.endswith(".prisma") and looks_like_schema(text)]
    # A copy kept for reading (civitai's apps/event-engine/docs/reference/schema.prisma) generates no
    # client: beside the real schema, its lines were listed as declarations to remove (IMP109).
    if any(not _DOCS.search(rel) for rel, _ in schemas):
        schemas = [(rel, text) for rel, text in schemas if not _DOCS.search(rel)]
    for rel, text in schemas:
        by_folder.setdefault(rel.rsplit("/", 1)[0] if "/" in rel else "", []).append((rel, text))
    orm = OrmMap()
    # A repo keeping one schema per database (typebot's prisma/mysql and prisma/postgresql) maps each
    # model twice: PostgreSQL's first, so a query's model is named from the schema its migrations use.
    for group in sorted(by_folder.values(), key=lambda g: not any(_POSTGRES_DATASOURCE.search(text) for _, text in g)):
        orm.models.extend(read_schema(group))
        orm.sources.extend(rel for rel, _ in group)
    drizzle = [(rel, text) for rel, text in files if rel.endswith(CODE_DECLARATION_SUFFIXES) and declares_tables(text)]
    if drizzle:
        snake = any(sets_snake_case(text) for rel, text in files if rel.endswith(CODE_DECLARATION_SUFFIXES))
        orm.models.extend(read_tables(drizzle, snake))
        orm.sources.extend(rel for rel, _ in drizzle)
    code = [(rel, text) for rel, text in files if rel.endswith(CODE_DECLARATION_SUFFIXES)]
    orm.kysely_camel_case = any(KYSELY_CAMEL_CASE in text for _, text in code)
    entities = [(rel, text) for rel, text in code if typeorm.MARKER in text]
    if entities:
        snake = any(typeorm.uses_snake_strategy(text) for _, text in code)
        for rel, text in entities:
            models = typeorm.read_entities(rel, text, snake)
            orm.models.extend(models)
            orm.sources.extend([rel] if models else [])
    from impact.orm import objection, sequelize, sequelize_typescript, ts_constants

    for rel, text in code:
        models = sequelize.read_models(rel, text) + sequelize_typescript.read_models(rel, text) + ts_constants.read_models(rel, text)
        orm.models.extend(models)
        orm.sources.extend([rel] if models else [])
    objection_snake = any(objection.uses_snake_case(text) for _, text in code)
    for rel, text in code:
        models = objection.read_models(rel, text, objection_snake)
        orm.models.extend(models)
        orm.sources.extend([rel] if models else [])
    if any(m.orm == "sequelize" for m in orm.models):  # associations add foreign keys to them
        from impact.orm.sequelize_associations import with_foreign_keys

        orm.models = with_foreign_keys(orm.models, code)
    return orm
