"""ORM queries in the model's own names -> queries on a table, in column names.

A query whose model is no model of its ORM anywhere in the repo was a guess of the extractor
(`cache.items.create()` looks like a Prisma call) and is dropped. An accessor several schemas
declare (a monorepo with two Prisma schemas) resolves to each of their tables.
Python's ORMs (Django, SQLAlchemy) resolve here too, through the models the Python extractor
indexes (impact.extract.python.orm keeps their reading of a model; issue 8 §5: one resolver).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from impact.model import ColumnReference, Confidence, Query
from impact.orm.mapping import OrmMap, OrmModel, snake_case


def resolve_orm_queries(queries: Iterable[Query], orm: OrmMap, python_models: Mapping | None = None) -> list[Query]:
    """`python_models`: class name -> impact.extract.python.ModelInfo of the affected tables. Python's
    ORM queries resolve only with it (a query on a class that is no such model is dropped) and keep
    their own reading: MEDIUM confidence, whole-row reads as every mapped column."""
    resolved = []
    for query in queries:
        if query.orm == "kysely" and orm.kysely_camel_case:
            resolved.append(_snake_cased(query))
            continue
        if query.orm in PYTHON_ORMS:
            resolved.extend(_python(query, python_models))
            continue
        if query.orm is None or query.table is not None or query.orm not in ORMS_RESOLVED_HERE:
            resolved.append(query)
            continue
        models = orm.by_accessor(query.orm, query.model or "")
        if query.orm == "objection" and "#" in (query.model or ""):  # a relatedQuery: the relation's model
            from impact.orm.objection import related_models

            models = related_models(orm, query.model)
        resolved.extend(_on_model(query, model) for model in _distinct_tables(models))
    return resolved


PYTHON_ORMS = {"django", "sqlalchemy"}  # Query.orm of impact.extract.python's ORM finders
ORMS_RESOLVED_HERE = {"prisma", "drizzle", "typeorm", "sequelize", "ts-constants", "objection", *PYTHON_ORMS}


def _python(query: Query, models: Mapping | None) -> list[Query]:
    """Python's models are indexed by the extraction (ModelInfo, not OrmModel): resolved with them."""
    if not models or query.table is not None:
        return [query]
    from impact.extract.python.orm import resolve_model_queries  # the extractor imports the ORM layer

    return resolve_model_queries([query], models)


def attribute_declarations(references: Iterable[ColumnReference], orm: OrmMap) -> list[ColumnReference]:
    """A column named on the line that declares it in code (a Drizzle table's `status: text("status")`)
    belongs to that model's table, so another table's same-named column never claims it."""
    declared = {(m.file, f.line, f.column.lower()): m for m in orm.models for f in m.fields
                if f.column and f.line and m.orm != "ts-constants"}  # a name constant reads no row
    # A field's bare name in the file declaring its model (a TypeORM property under its @Column
    # decorator) is that declaration, not code using the column.
    files = {(m.file, (m.table or "").lower(), f.name) for m in orm.models for f in m.fields if f.column}
    out = []
    for ref in references:
        model = declared.get((ref.file, ref.line, ref.column.lower())) if ref.table is None else None
        if model:
            ref = dataclasses.replace(ref, table=model.table, context="declaration", via="model-declaration")
        elif ref.via == "orm-field" and ref.context == "identifier" and (ref.file, ref.table.lower(), ref.spelling or ref.column) in files:
            ref = dataclasses.replace(ref, context="declaration")
        out.append(ref)
    return out


def _snake_cased(query: Query) -> Query:
    """Kysely with CamelCasePlugin: the plugin turns every identifier into snake_case on the way out."""
    names = lambda values: tuple(snake_case(v) for v in values)  # noqa: E731
    return dataclasses.replace(query, table=snake_case(query.table) if query.table else None, columns=names(query.columns),
                               filter_columns=names(query.filter_columns), ambiguous_columns=names(query.ambiguous_columns))


def _distinct_tables(models: list[OrmModel]) -> list[OrmModel]:
    seen: dict[tuple, OrmModel] = {}
    for model in models:
        seen.setdefault(((model.table or "").lower(), model.schema), model)
    return list(seen.values())


def _on_model(query: Query, model: OrmModel) -> Query:
    """The query on the model's table; the columns the ORM adds to those the code names are its
    `implicit_columns`."""
    columns = _columns(model, query.columns)
    filters = _columns(model, query.filter_columns)
    named = set(columns + filters)
    if query.all_columns:
        if query.kind.value == "select_columns":
            columns = model.columns
        else:
            # A write that returns the record reads every column too, and an INSERT that lists
            # every column (Drizzle, TypeORM: DEFAULT for the keys not given) names them all; the
            # written columns stay the keys given (a NOT NULL column without a default among the
            # others still fails).
            filters = tuple(dict.fromkeys(filters + model.columns))
    return dataclasses.replace(
        query, table=model.table, schema=model.schema, columns=columns, filter_columns=filters,
        implicit_columns=tuple(c for c in dict.fromkeys(columns + filters) if c not in named), model_file=model.file,
        confidence=Confidence.HIGH if model.table else Confidence.LOW,
        note=f"{query.note} on model {model.name} ({model.file}:{model.line})".strip(),
    )


def _columns(model: OrmModel, names: Iterable[str]) -> tuple[str, ...]:
    """Field names -> columns; relation fields (no column) and unknown names are left out."""
    mapped = (model.column_for(name) for name in names)
    if model.orm in ("ts-constants", "objection"):  # knex names columns as the database does: a plain name is one
        mapped = (model.column_for(name) or (None if "." in name else name) for name in names)
    return tuple(dict.fromkeys(c for c in mapped if c))
