"""MikroORM's decorator entities, read by impact.orm.typeorm's walker (the decorators share their shape):
`@Entity({ tableName: "t" }) class PriceRule { @Property({ fieldName: "c" }) c: string }`.

What differs from TypeORM, modelled here:
- a file is MikroORM's when it imports from `@mikro-orm/*`;
- the table is `@Entity({ tableName })` (or its older `collection`), also a shorthand `{ tableName }`
  naming a string constant of the same file; else the class name in snake_case;
- a column is `@Property`/`@PrimaryKey`/`@Enum`/… (`fieldName`, else the property in snake_case:
  the default UnderscoreNamingStrategy);
- a `@ManyToOne` (or an owning `@OneToOne`) adds its foreign key: `fieldName`/`joinColumn`, else
  `<property>_id`; one with `persist: false` (it shadows a `mapToPk` property that maps the column) or
  the inverse `@OneToOne({ mappedBy })` maps no column.
The models keep orm "typeorm": the entity manager's calls (`em.find(Entity, where)`) have TypeORM's shape.

Known limits: a custom NamingStrategy, `@Embedded` properties and Medusa's `model.define` DML are not read
(xfail in tests/test_orm_mikroorm.py);
`@Formula` and `@OneToMany`/`@ManyToMany` add no column.
"""
from __future__ import annotations

import re

from impact.extract.typescript.calls import Call, object_entries
from impact.extract.typescript.scan import Scanned

IMPORT = re.compile(r"""\bfrom\s+['"]@mikro-orm/""")
COLUMN_DECORATORS = {"Property", "PrimaryKey", "SerializedPrimaryKey", "Enum"}
TABLE_KEYS = ("tableName", "collection")
FIELD_KEYS = ("fieldName", "joinColumn", "name")


def is_mikro(text: str) -> bool:
    return IMPORT.search(text) is not None


def table_option(scanned: Scanned, call: Call | None) -> str | None:
    """The table of `@Entity({ tableName: "t" })`, or of `@Entity({ tableName })` with `const tableName = "t"`."""
    for span in (call.args if call else []):
        if scanned.masked[span[0]] != "{":
            continue
        for key, value in object_entries(scanned, span[0]):
            if key in TABLE_KEYS:
                return _string(scanned, value) if value else _constant(scanned, key)
    return None


def field_option(scanned: Scanned, call: Call | None) -> str | None:
    for span in (call.args if call else []):
        if scanned.masked[span[0]] != "{":
            continue
        for key, value in object_entries(scanned, span[0]):
            if key in FIELD_KEYS and value:
                named = _string(scanned, value)
                if named:
                    return named
    return None


def owns_column(scanned: Scanned, call: Call | None) -> bool:
    """False for `@ManyToOne(() => E, { persist: false })` (a view of the relation, no column of its own) and
    for the inverse side of a `@OneToOne(…, { mappedBy })` (the column is the other table's)."""
    for span in (call.args if call else []):
        if scanned.masked[span[0]] == "{":
            for key, value in object_entries(scanned, span[0]):
                if key == "mappedBy" or (key == "persist" and value and scanned.masked.startswith("false", value[0])):
                    return False
    return True


def _string(scanned: Scanned, value: tuple[int, int]) -> str | None:
    literal = scanned.literal_at(value[0])
    if literal is not None and not literal.has_holes:
        return literal.value()
    name = re.match(r"[A-Za-z_$][\w$]*", scanned.masked[value[0]:value[1]])
    return _constant(scanned, name.group(0)) if name else None


def _constant(scanned: Scanned, name: str) -> str | None:
    declared = re.search(rf"\bconst\s+{re.escape(name)}\s*(?::\s*string\s*)?=\s*", scanned.masked)
    if declared is None:
        return None
    literal = scanned.literal_at(declared.end())
    return literal.value() if literal is not None and not literal.has_holes else None
