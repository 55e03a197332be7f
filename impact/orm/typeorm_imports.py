"""A TypeORM/MikroORM call on an entity class another module declares is no query on the project's entity.

`manager.find(Store, …)` names its entity by class; the class is the project's entity only where the
file imports it from the entity's module (or a module re-exporting it). Medusa's v1 integration-test
factories import `Store` from `@medusajs/medusa`, a workspace package that no longer declares it: the
scan read them as whole-row reads of the MikroORM `Store` entity of the store module, and its headline
said "2 queries break" for two files the commit's authors never had to touch. A call whose entity name
every import resolves to another module (impact.orm.import_sources: False) is dropped; an import that
cannot be resolved (None) keeps the former behaviour, as does a file importing nothing of the name.
CommonJS requires count as imports here (`const { Store } = require("@medusajs/medusa")`).
"""
from __future__ import annotations

from collections.abc import Callable

from impact.model import Query
from impact.orm.import_sources import ImportSources, imports_of, requires_of
from impact.orm.mapping import OrmMap


def drop_foreign_entity_calls(queries: list[Query], texts: dict[str, str], orm: OrmMap,
                              read: Callable[[str], str | None]) -> list[Query]:
    entities = [m for m in orm.models if m.orm == "typeorm"]
    if not entities:
        return queries
    sources = ImportSources(texts, read, (m.file for m in entities))
    kept = []
    for query in queries:
        if query.orm == "typeorm" and query.model and not _own(query, texts, orm, sources):
            continue
        kept.append(query)
    return kept


def _own(query: Query, texts: dict[str, str], orm: OrmMap, sources: ImportSources) -> bool:
    models = orm.by_accessor("typeorm", query.model)
    text = texts.get(query.file)
    if not models or text is None or any(m.file == query.file for m in models):
        return True
    specs = imports_of(text, query.model) + requires_of(text, query.model)  # medusa's v1 seeders: `const { PaymentSession } = require(…)`
    return not specs or any(sources.source(query.file, spec, query.model, m.file) is not False for spec in specs for m in models)
