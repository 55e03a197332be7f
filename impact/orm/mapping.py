"""The ORM layer's one data shape: which table a model maps and how its fields spell columns.

Every ORM reader (Prisma schema files, Drizzle tables, Python model classes, ...) produces
`OrmModel`s; `OrmMap` indexes them for the rest of the scan: the spellings the code uses for an
affected table or column (so the pre-filter reads those files), the model an ORM call names, and
the columns a model still declares.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


def camel_case(name: str) -> str:
    """Kysely CamelCasePlugin's spelling of a snake_case name: first_name -> firstName."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_case(name: str) -> str:
    """The plugin's way back: firstName -> first_name (digits and acronyms as the plugin splits them)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class OrmField:
    name: str  # as the code spells it (`eventDataType`)
    column: str | None  # as the database spells it (`event_data_type`); None: a relation, no column
    line: int = 0
    relation: str | None = None  # the related model, for relation fields
    ignored: bool = False  # Prisma @ignore: a column the client never reads or writes
    file: str | None = None  # declared in another file than its model's: a Python base's (`line` its class)


@dataclass(frozen=True)
class OrmModel:
    orm: str  # "prisma" | "drizzle" | "sqlalchemy" | "django" | ...
    name: str  # the model as declared (`EventData`)
    table: str | None
    file: str  # where it is declared, repo-relative
    line: int
    fields: tuple[OrmField, ...] = ()
    accessors: tuple[str, ...] = ()  # how code reaches it: Prisma `eventData`, a Drizzle variable
    schema: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the ORM reads when it loads a row (what a plain findMany selects)."""
        return tuple(f.column for f in self.fields if f.column and not f.ignored)

    def column_for(self, name: str) -> str | None:
        for f in self.fields:
            if f.name == name:
                return f.column
        return None

    def field_for(self, column: str) -> OrmField | None:
        wanted = column.lower()
        return next((f for f in self.fields if f.column and f.column.lower() == wanted), None)


# A name of more than one word (camelCase, snake_case) or with a digit: specific enough to tell a model.
COMPOUND = re.compile(r"[a-z0-9][A-Z]|_|\d")
# ORMs whose models the scan reads completely (every model of the repo, not only the affected ones).
TS_ORMS = frozenset({"prisma", "drizzle", "typeorm", "sequelize", "objection"})
PY_ORMS = frozenset({"django", "sqlalchemy", "sqlmodel"})


def _specific(model: OrmModel, name: str) -> bool:
    """A field spelled as its column whose name may tell its model: compound, of a TypeScript ORM,
    or of a Python model in a models module (every such module of the repo is read, so another
    model declaring the name is seen), not a key's `<x>_id` (every variable holding an id)."""
    if not COMPOUND.search(name):
        return False
    if model.orm in TS_ORMS:
        return True
    from impact.extract.python.models import is_models_module  # here: the ORM layer reads no Python otherwise

    return model.orm in PY_ORMS and is_models_module(model.file) and not name.lower().endswith("_id")


class SpelledColumns(dict):
    """Field names that spell a changed column differently -> (column, its table or None), and
    `alternatives`: a name several affected models map to different changed columns -> the other
    columns (kaneo drops `task.assignee_email` and `activity.user_email`, both `userEmail` in
    Drizzle). A reference by such a name is made once per column; the model of the table it is
    attributed to tells which one it is (impact.orm.spelling_alternatives)."""

    def __init__(self, spelled: Mapping[str, tuple[str, str | None]] = (), alternatives: Mapping[str, tuple[str, ...]] | None = None):
        super().__init__(spelled)
        self.alternatives = dict(alternatives or {})


@dataclass
class OrmMap:
    models: list[OrmModel] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # files read to build it
    kysely_camel_case: bool = False  # Kysely's CamelCasePlugin: code spells `firstName` for first_name

    def on_table(self, table: str) -> list[OrmModel]:
        wanted = table.lower()
        return [m for m in self.models if m.table and m.table.lower() == wanted]

    def by_accessor(self, orm: str, accessor: str) -> list[OrmModel]:
        return [m for m in self.models if m.orm == orm and accessor in m.accessors]

    def spellings(self, tables: list[str], columns: set[str]) -> list[str]:
        """Names the code uses for the affected tables and columns that differ from the database's."""
        names: dict[str, None] = {}
        wanted = {c.lower() for c in columns}
        for table in tables:
            for model in self.on_table(table):
                for accessor in model.accessors:
                    names.setdefault(accessor, None)
                for f in model.fields:
                    if f.column and f.column.lower() in wanted and f.name != f.column:
                        names.setdefault(f.name, None)
        return list(names)

    def spelled_columns(self, tables: list[str], columns: set[str], recreated: frozenset[str] = frozenset(),
                        changing: frozenset[str] = frozenset()) -> dict[str, tuple[str, str | None]]:
        """Field names that spell a changed column differently -> (column, its table when only one
        model of the affected tables maps that field name, else None).

        A field spelled as its column (Prisma without `@map`) is listed too when one model of a
        TypeScript ORM declares that name and no other model of the repo does
        (`isAIDataAnalysisEnabled` on Organization only): the name then tells the table. Only compound
        names (`resetAt`, `share_id`, `subdivision1`): a plain word (`active`, `status`) is also every
        UI flag and variable of the code (hoppscotch's `InfraConfig.active`: 7 lines right, 197
        wrong). Python models too when declared in a models module (`models.py`, `models/`): the scan
        reads every such module, so another model declaring the name is seen (saleor's
        `use_legacy_line_voucher_propagation_for_order`, on Channel only). A Python relation's
        plain-word name (Django's `user` for the column `user_id`) tells no table: it is every variable
        holding a user (healthchecks: 104 lines naming `user` outside any query, few of them
        `api_check`'s); its queries, constructors and typed receivers place it. Nor does a name the
        migration gives again (`recreated`: saleor removes `checkout_line` and renames
        `checkout_line_token` to it, so the 289 lines naming it keep working).
        `changing`: the tables whose column the migration changes (lower case). A name several
        affected models map is credited to one of those first: sim drops `webhook.credential_set_id`
        with the tables `credential_set_member` and `credential_set_invitation` that declare
        `credentialSetId` too; credited to a dropped table, the name was evidence of no finding."""
        wanted = {c.lower(): c for c in columns}
        owners: dict[str, set[tuple[str, str]]] = {}
        relations = set()  # a Django relation's plain-word name (`user` for `user_id`): every variable holding a user
        for table in tables:
            for model in self.on_table(table):
                for f in model.fields:
                    if f.column and f.column.lower() in wanted and (f.name != f.column or _specific(model, f.name)):
                        owners.setdefault(f.name, set()).add((wanted[f.column.lower()], model.table or table))
                        if model.orm not in TS_ORMS and f.column.lower() == f"{f.name.lower()}_id" and not COMPOUND.search(f.name):
                            relations.add(f.name)
        # A field name that other models (of any table) also declare says nothing about the table.
        declared_elsewhere = {f.name for m in self.models if not any(m.table and m.table.lower() == t.lower() for t in tables) for f in m.fields}
        spelled, alternatives = {}, {}
        for name, pairs in owners.items():
            pairs = sorted(pairs, key=lambda pair: (pair[1].lower() not in changing, pair))
            column = pairs[0][0]
            others = tuple(sorted({c for c, _ in pairs} - {column}))
            if others:
                alternatives[name] = others
            # Several affected models map it to the same column (netbox drops `rear_port_id` from
            # FrontPort and FrontPortTemplate at once): the name is about this change either way;
            # it is credited to the first of those tables rather than to none.
            unique = (len({c for c, _ in pairs}) == 1 and name not in declared_elsewhere and name not in relations
                      and not {name.lower(), column.lower()} & recreated)
            if name != column or unique:  # the column's own name with no table is the plain name-only case
                spelled[name] = (column, pairs[0][1] if unique else None)
        if self.kysely_camel_case:
            for column in columns:
                spelled.setdefault(camel_case(column), (column, None))
        kept = {name: value for name, value in spelled.items() if name != value[0] or value[1]}
        return SpelledColumns(kept, {name: others for name, others in alternatives.items() if name in kept})

    def call_pattern(self, tables: list[str]) -> str | None:
        """A regex source: code reaching a model of an affected table — Prisma's accessor after a
        client (`.eventData.`), a Drizzle table variable used on its own (`.from(users)`,
        `eq(users.id, 1)`), another ORM's model class named as a word (`Repository<User>`)."""
        dotted, variables, words = set(), set(), set()
        for table in tables:
            for model in self.on_table(table):
                bucket = dotted if model.orm == "prisma" else variables if model.orm == "drizzle" else words
                bucket.update(model.accessors)
                dotted.update(model.accessors if model.orm == "drizzle" else ())

        def alternation(names: set[str]) -> str:
            return "|".join(map(re.escape, sorted(names, key=len, reverse=True)))

        parts = [r"\.\s*(?:" + alternation(dotted) + r")\s*\."] if dotted else []
        if variables:
            parts.append(r"(?<![\w$])(?:" + alternation(variables) + r")\s*[.,)]")
        if words:
            parts.append(r"\b(?:" + alternation(words) + r")\b")
        return "|".join(parts) or None
