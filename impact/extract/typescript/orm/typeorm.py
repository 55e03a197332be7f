"""TypeORM repository, entity-manager and BaseEntity calls as queries on an entity.

    constructor(@InjectRepository(User) private readonly users: Repository<User>) {}
    this.users.find({ where: { status: "active" }, select: { id: true } })   <- SELECT on User
    dataSource.getRepository(User).update({ id }, { fullName })               <- UPDATE fullName
    manager.delete(User, { id })                                              <- DELETE
    User.findOneBy({ email })                                                 <- BaseEntity static

A receiver is tied to an entity by its declaration in the same file (`name: Repository<E>`,
`name = ...getRepository(E)`, `@InjectRepository(E) name`); calls on receivers the file does not tie
to an entity are not queries. The entity class is resolved to its table and columns by
impact.orm.resolve (unknown classes are dropped there).

What TypeORM reads and writes: reads without `select` load every column of the entity
(`all_columns`), `count`/`countBy`/`exist(s)By` none; `save`/`insert`/`upsert` list every entity
column in their INSERT (DEFAULT for the keys not given);
`update(criteria, partial)` writes the partial's keys; `where`/`order` keys are filters.
QueryBuilder chains on the same receivers are read by typeorm_builder.py.

TypeORM 0.3's custom repositories: `this` in the methods of the object given to
`getRepository(E).extend({...})` is the repository of E; an object declared by name
(`export const userExtension = { findByName(name) { return this.findOne(...) } }`) and given as
`.extend(userExtension)` in another module (rocketadmin's repositories) has model `extend:<name>`,
bound to E by impact.orm.typeorm_extensions once every scanned file's `.extend(...)` is known; so is a
receiver named like a repository but typed in another module (rocketadmin's
`this._dbContext.companyLogoRepository.save(...)`, declared `companyLogoRepository: Repository<CompanyLogoEntity>`
in the context's interface): model `typed:<name>`.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import IDENT, Call, call_after, object_entries, orm_query
from impact.extract.typescript.typeorm_builder import extract_query_builders
from impact.extract.typescript.scan import Scanned
from impact.model import Query, QueryKind

READS = {"find", "findBy", "findOne", "findOneBy", "findOneOrFail", "findOneByOrFail", "findAndCount",
         "findAndCountBy", "count", "countBy", "exist", "exists", "existsBy", "sum", "average", "minimum", "maximum"}
WHERE_FIRST = {"findBy", "findOneBy", "findOneByOrFail", "findAndCountBy", "countBy", "existsBy"}
WRITES = {"save": QueryKind.UPSERT, "insert": QueryKind.INSERT, "upsert": QueryKind.UPSERT, "update": QueryKind.UPDATE,
          "delete": QueryKind.DELETE, "remove": QueryKind.DELETE, "softDelete": QueryKind.UPDATE,
          "restore": QueryKind.UPDATE, "increment": QueryKind.UPDATE, "decrement": QueryKind.UPDATE}
METHODS = READS | set(WRITES)
REPOSITORY_TYPE = re.compile(rf"({IDENT})\s*[?!]?\s*:\s*(?:Repository|MongoRepository|TreeRepository)\s*<\s*({IDENT})\s*>")
GET_REPOSITORY = re.compile(rf"({IDENT})\s*=\s*(?:await\s+)?[\w$.]*getRepository\s*\(\s*({IDENT})\s*\)")
INJECTED = re.compile(rf"@InjectRepository\s*\(\s*({IDENT})\s*\)\s*(?:(?:private|public|protected|readonly)\s+)*({IDENT})")
CALL = re.compile(rf"(?:\bthis\s*\.\s*)?({IDENT})\s*(\(\s*({IDENT})\s*\))?\s*\.\s*({'|'.join(sorted(METHODS, key=len, reverse=True))})\b")
# `getRepository(E).extend({` (the entity), or `const name: T = {` (an object that may be given to `.extend(name)`).
EXTENSION = re.compile(rf"\bgetRepository\s*\(\s*({IDENT})\s*\)\s*\.\s*extend\s*\(\s*(?=\{{)"
                       rf"|\b(?:const|let|var)\s+({IDENT})\s*(?::[^=;{{]+)?=\s*(?=\{{)")
EXTENDED = "extend:"  # the model of a `this.find(...)` in a named object, until impact.orm.typeorm_extensions binds it
TYPED = "typed:"  # the model of `ctx.usersRepository.find(...)`, typed in another module: bound there too
REPOSITORY_NAME = re.compile(r"[a-z_$][\w$]*Repo(?:sitory)?")  # the convention a receiver typed elsewhere is taken by
MANAGER_RECEIVERS = re.compile(r"(?:manager|entityManager|em|transactionalEntityManager)$", re.IGNORECASE)


def extract_typeorm(scanned: Scanned, path: str, language: str) -> list[Query]:
    masked = scanned.masked
    bound = _bound_receivers(masked)
    objects = _extension_objects(scanned) if "this" in masked else []
    queries = []
    for match in CALL.finditer(masked):
        receiver, wrapped, method = match.group(1), match.group(3), match.group(4)
        call = call_after(scanned, method, match.start(4) - 1, match.end(4))
        if call is None:
            continue
        entity, args = _entity(scanned, receiver, wrapped, call, bound, objects)
        if entity is not None:
            queries.append(_query(scanned, path, language, entity, method, call, args))
    tie = lambda receiver, wrapped, call: _entity(scanned, receiver, wrapped, call, bound, objects)  # noqa: E731
    return queries + extract_query_builders(scanned, path, language, tie)


def _bound_receivers(masked: str) -> dict[str, str]:
    bound = {}
    for pattern in (REPOSITORY_TYPE, GET_REPOSITORY):
        for match in pattern.finditer(masked):
            bound[match.group(1)] = match.group(2)
    for match in INJECTED.finditer(masked):
        bound[match.group(2)] = match.group(1)
    return bound


def _extension_objects(scanned: Scanned) -> list[tuple[int, int, str]]:
    """(start, end, entity or `extend:<name>`) of each object literal whose methods' `this` may be a repository."""
    found = []
    for match in EXTENSION.finditer(scanned.masked):
        close = scanned.closing(match.end())
        if close is not None:
            found.append((match.end(), close, match.group(1) or EXTENDED + match.group(2)))
    return found


def _entity(scanned: Scanned, receiver: str, wrapped: str | None, call: Call, bound: dict[str, str],
            objects: list[tuple[int, int, str]] = ()):
    """(entity class, the call's argument spans after any entity argument), or (None, [])."""
    if wrapped and receiver in ("getRepository", "getTreeRepository"):
        return wrapped, call.args  # dataSource.getRepository(User).find(...)
    if receiver == "this" and not wrapped:
        inner = min((o for o in objects if o[0] < call.dot < o[1]), key=lambda o: o[1] - o[0], default=None)
        return (inner[2], call.args) if inner else (None, [])
    if receiver in bound:
        return bound[receiver], call.args
    if MANAGER_RECEIVERS.search(receiver) and call.args:
        first = scanned.masked[call.args[0][0]:call.args[0][1]]
        if re.fullmatch(IDENT, first) and first[:1].isupper():
            return first, call.args[1:]  # manager.find(User, {...})
    if receiver[:1].isupper() and not wrapped:
        return receiver, call.args  # User.findOneBy(...): BaseEntity statics (resolve drops non-entities)
    if not wrapped and REPOSITORY_NAME.fullmatch(receiver):
        return TYPED + receiver, call.args  # `this._dbContext.logoRepository.save(...)`: its type is in another module
    return None, []


def _query(scanned: Scanned, path: str, language: str, entity: str, method: str, call: Call, args: list) -> Query:
    return orm_query(scanned, call, path, language, orm="typeorm", model=entity, note=f"{entity} .{method}()",
                     shape=_shape(scanned, method, args))


def _shape(scanned: Scanned, method: str, args: list):
    """(kind, columns, filters, columns known, every column read)."""
    first = args[0] if args else None
    if method in READS:
        if method in WHERE_FIRST:  # countBy/existsBy select a count or a 1, not the rows
            return QueryKind.SELECT_COLUMNS, [], _keys(scanned, first), True, method not in ("countBy", "existsBy")
        options = _entries(scanned, first)
        filters = _keys(scanned, options.get("where")) + _keys(scanned, options.get("order"))
        selected = _select(scanned, options.get("select"))
        if selected is not None:
            return QueryKind.SELECT_COLUMNS, selected, filters, True, False
        return QueryKind.SELECT_COLUMNS, [], filters, True, method not in ("count", "exist", "exists")
    kind = WRITES[method]
    if method in ("update", "softDelete", "restore", "delete", "increment", "decrement"):
        filters = _keys(scanned, first)
        if method == "update":
            written = _literal_keys(scanned, args[1] if len(args) > 1 else None)
            return kind, written or [], filters, written is not None, False
        if method in ("increment", "decrement") and len(args) > 1:
            literal = scanned.literal_at(args[1][0])
            return kind, [literal.value()] if literal else [], filters, literal is not None, False
        return kind, [], filters, True, False
    if method == "remove":
        return kind, [], [], True, False
    written = _literal_keys(scanned, first)
    # insert/save/upsert: the INSERT lists every entity column, DEFAULT for the keys not given
    return kind, written or [], [], written is not None, True


def _entries(scanned: Scanned, span) -> dict:
    if span is None or scanned.masked[span[0]] != "{":
        return {}
    return dict(object_entries(scanned, span[0]))


def _keys(scanned: Scanned, span) -> list[str]:
    """Keys of a where/order object (or of each object in an array: OR conditions)."""
    if span is None:
        return []
    if scanned.masked[span[0]] == "[":
        from impact.extract.typescript.calls import arguments

        close = scanned.closing(span[0])
        return [k for s in (arguments(scanned, span[0], close) if close else []) for k in _keys(scanned, s)]
    return [k for k in _entries(scanned, span) if k not in ("...", "[]")]


def _literal_keys(scanned: Scanned, span) -> list[str] | None:
    if span is None or scanned.masked[span[0]] not in "{[":
        return None
    if scanned.masked[span[0]] == "[":
        keys = _keys(scanned, span)
        return keys or None
    entries = object_entries(scanned, span[0])
    return None if any(k in ("...", "[]") for k, _ in entries) else [k for k, _ in entries]


def _select(scanned: Scanned, span) -> list[str] | None:
    """`select: { id: true }` or `select: ["id", "name"]`."""
    if span is None:
        return None
    if scanned.masked[span[0]] == "[":
        from impact.extract.typescript.calls import arguments

        close = scanned.closing(span[0])
        names = [scanned.literal_at(s[0]) for s in (arguments(scanned, span[0], close) if close else [])]
        return [n.value() for n in names if n is not None]
    entries = object_entries(scanned, span[0]) if scanned.masked[span[0]] == "{" else [("...", None)]
    if any(k in ("...", "[]") for k, _ in entries):
        return None
    return [k for k, v in entries if v is None or not scanned.masked.startswith("false", v[0])]
