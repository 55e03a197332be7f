"""Bind the calls of a TypeORM repository declared in another module to its entity.

TypeORM 0.3 makes a custom repository with `dataSource.getRepository(User).extend(userExtension)`,
where `userExtension` is an object (often in its own module) whose methods call `this.findOne(...)`,
`this.save(...)`, `this.createQueryBuilder(...)`: `this` is the repository of User. The extractor
(impact.extract.typescript.orm.typeorm) gives such a call the model `extend:userExtension`; here the
scanned files' `getRepository(E).extend(name)` tell E, and the call becomes one on E (resolved to its
table by impact.orm.resolve; a name no `.extend(...)` gives, or gives for two entities, stays unbound
and is dropped there).

Measured on rocketadmin (most of its repositories are extensions): the drop of table_actions.title and
icon found no query before (IMP109 said "none found in the code"), 3 whole-row queries after
(`this.save(action)`, `this.findOne(...)`, `this.createQueryBuilder(...)` in the extension).

A receiver named like a repository (`logoRepository`, `userRepo`) that its file does not type gets the
model `typed:<name>`; a declaration `name: Repository<E>` (a property, an interface member, a getter's
return type `get name(): Repository<E>`) in a scanned file binds it, when the project gives that name one
entity. rocketadmin's rename of company_logo.logo: 2 whole-row queries through
`this._dbContext.companyLogoRepository` (none before; a third file naming none of the migration's names is
not read).

Known limit: the `.extend(name)` must be in a file the scan reads (one naming the migration's tables,
columns or models: the entity's class is one, so the data-source file that builds the repositories is);
the object is tied by its name alone, not by its import.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from impact.extract.typescript.calls import IDENT
from impact.extract.typescript.orm.typeorm import EXTENDED, TYPED
from impact.model import Query

EXTEND = re.compile(rf"\bgetRepository\s*\(\s*({IDENT})\s*\)\s*\.\s*extend\s*\(\s*({IDENT})\s*\)")
TYPED_AS = re.compile(rf"({IDENT})\s*[?!]?\s*(?:\(\s*\))?\s*:\s*(?:Repository|TreeRepository|MongoRepository)\s*<\s*({IDENT})\s*>")


def bind_extensions(queries: list[Query], texts: Iterable[str]) -> list[Query]:
    """`queries` with each `extend:<name>` (`typed:<name>`) model replaced by the one entity
    `getRepository(E).extend(name)` (`name: Repository<E>`) gives."""
    pending = [q for q in queries if q.orm == "typeorm" and (q.model or "").startswith((EXTENDED, TYPED))]
    if not pending:
        return queries
    entities: dict[str, set[str]] = {}
    for text in texts:
        if ".extend" in text:
            for match in EXTEND.finditer(text):
                entities.setdefault(EXTENDED + match.group(2), set()).add(match.group(1))
        if "Repository" in text:
            for match in TYPED_AS.finditer(text):
                entities.setdefault(TYPED + match.group(1), set()).add(match.group(2))
    out = []
    for q in queries:
        found = entities.get(q.model or "", set()) if q.orm == "typeorm" else set()
        if len(found) == 1:
            (entity,) = found
            q = replace(q, model=entity, note=q.note.replace(q.model, entity, 1))
        out.append(q)
    return out
