"""Django's naming and typing conventions on PostgreSQL, as pure functions of names and options.

No dependency on the migration reader: the ORM layer reuses these for Django models. A field is
described by its class name (`"CharField"`) and its keyword options as plain Python values.

What Django's PostgreSQL backend does, restated:
- table: `<app_label>_<model lower>` unless `db_table`; names over 63 characters are cut and
  given a 4-character md5 digest (django.db.backends.utils.truncate_name).
- column: `db_column`, else the field name, plus `_id` for ForeignKey/OneToOneField.
- type: the backend's `data_types` table; a relation takes its target's type, with the
  auto/positive integer types reduced to the plain integer (`rel_db_type`).
- generated names: `<table>_<columns>_<md5 8><suffix>` cut to 63 (`_create_index_name`);
  foreign keys `..._fk_<to_table>_<to_column>`, unique_together `_uniq`, index_together `_idx`,
  varchar/text pattern indexes `_like`, field checks `_check`.
- PostgreSQL's own names for inline constraints (`<table>_<column>_key`, `_check`).

Known limit: a field class that is not Django's, a well-known package's (THIRD_PARTY) or a
subclass of one of those (the caller resolves the project's own subclasses, see
discover.field_aliases) has no type here: `db_type` returns None and the caller says so. That is
the case of classes that compute their own `db_type()`, e.g. `class IPNetworkField(models.Field)`.
"""
from __future__ import annotations

from decimal import Decimal
from hashlib import md5

MAX_NAME_LENGTH = 63  # PostgreSQL's NAMEDATALEN - 1
RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey", "TreeOneToOneField"})
NOT_COLUMNS = frozenset({"ManyToManyField", "ParentalManyToManyField", "GenericRelation", "GenericForeignKey", "TaggableManager",
                         "TreeManyToManyField"})
AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})

DATA_TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
    "BinaryField": "bytea", "BooleanField": "boolean", "NullBooleanField": "boolean",
    "CharField": "varchar(%(max_length)s)", "DateField": "date", "DateTimeField": "timestamp with time zone",
    "DecimalField": "numeric(%(max_digits)s, %(decimal_places)s)", "DurationField": "interval",
    "FileField": "varchar(%(max_length)s)", "ImageField": "varchar(%(max_length)s)",
    "FilePathField": "varchar(%(max_length)s)", "FloatField": "double precision",
    "IntegerField": "integer", "BigIntegerField": "bigint", "SmallIntegerField": "smallint",
    "IPAddressField": "inet", "GenericIPAddressField": "inet", "JSONField": "jsonb",
    "PositiveBigIntegerField": "bigint", "PositiveIntegerField": "integer", "PositiveSmallIntegerField": "smallint",
    "SlugField": "varchar(%(max_length)s)", "EmailField": "varchar(%(max_length)s)", "URLField": "varchar(%(max_length)s)",
    "TextField": "text", "TimeField": "time", "UUIDField": "uuid",
    # django.contrib.postgres
    "HStoreField": "hstore", "SearchVectorField": "tsvector", "CICharField": "citext", "CIEmailField": "citext",
    "CITextField": "citext", "IntegerRangeField": "int4range", "BigIntegerRangeField": "int8range",
    "DecimalRangeField": "numrange", "DateTimeRangeField": "tstzrange", "DateRangeField": "daterange",
    "MACAddressField": "macaddr", "CidrAddressField": "cidr",
    # django-pgjson (taiga's early migrations): `json`, and its JsonBField is jsonb
    "JsonField": "json",
}
# Field classes of widely used packages, as the Django field they store like (their migrations
# carry the options, e.g. CountryField's max_length).
THIRD_PARTY = {"CountryField": "CharField", "TimeZoneField": "CharField", "PhoneNumberField": "CharField",
               "MoneyField": "DecimalField", "RichTextField": "TextField", "HTMLField": "TextField", "MarkdownxField": "TextField",
               "AutoSlugField": "SlugField", "VersatileImageField": "ImageField", "ThumbnailerImageField": "ImageField",
               "StreamField": "JSONField", "MACAddressField": "MACAddressField", "InetAddressField": "GenericIPAddressField",
               "CidrAddressField": "CidrAddressField", "EncryptedTextField": "TextField", "EncryptedCharField": "TextField",
               "TreeForeignKey": "ForeignKey", "MeasurementField": "FloatField", "TreeOneToOneField": "OneToOneField", "CITextField": "CITextField", "JsonBField": "JSONField"}
# djorm-pgarray's array fields (taiga's early migrations), as the ArrayField of their element's field.
ARRAY_FIELDS = {"TextArrayField": "TextField", "CharArrayField": "CharField", "IntegerArrayField": "IntegerField",
                "SmallIntegerArrayField": "SmallIntegerField", "BigIntegerArrayField": "BigIntegerField",
                "FloatArrayField": "FloatField", "DateArrayField": "DateField", "DateTimeArrayField": "DateTimeField"}
# The internal type a field class reports (EmailField is a CharField to the schema editor).
INTERNAL_TYPES = {"EmailField": "CharField", "URLField": "CharField", "ImageField": "FileField",
                  "NullBooleanField": "BooleanField"}
DEFAULT_MAX_LENGTH = {"EmailField": 254, "URLField": 200, "SlugField": 50, "FileField": 100, "ImageField": 100, "FilePathField": 100}
CHECKS = {"PositiveBigIntegerField": '"%(column)s" >= 0', "PositiveIntegerField": '"%(column)s" >= 0',
          "PositiveSmallIntegerField": '"%(column)s" >= 0'}
# rel_db_type: what a ForeignKey to a model with this primary key is stored as.
RELATED_TYPES = {"AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint",
                 "PositiveBigIntegerField": "bigint", "PositiveIntegerField": "integer", "PositiveSmallIntegerField": "smallint"}


def names_digest(*args: str, length: int) -> str:
    h = md5(usedforsecurity=False)
    for arg in args:
        h.update(arg.encode())
    return h.hexdigest()[:length]


def truncate_name(name: str, length: int = MAX_NAME_LENGTH, hash_len: int = 4) -> str:
    if len(name) <= length:
        return name
    return name[: length - hash_len] + names_digest(name, length=hash_len)


def default_db_table(app_label: str, model_name: str) -> str:
    return truncate_name(f"{app_label}_{model_name.lower()}")


def internal_type(kind: str) -> str:
    return INTERNAL_TYPES.get(kind, kind)


def column_name(field_name: str, kind: str, options: dict) -> str | None:
    """The column a field stores into (None: no column of its own, e.g. ManyToManyField)."""
    if kind in NOT_COLUMNS:
        return None
    db_column = options.get("db_column")
    if isinstance(db_column, str):
        return db_column
    return f"{field_name}_id" if kind in RELATIONS else field_name


def db_type(kind: str, options: dict, target_pk_type: str | None = None) -> str | None:
    """The PostgreSQL column type (None: a class whose type is not known statically).

    `target_pk_type` is the related model's primary-key type as `rel_db_type` gives it (see
    related_type); relations need it.
    """
    if kind in RELATIONS:
        return target_pk_type
    if kind == "ArrayField":
        base = options.get("base_field")
        base_type = db_type(base[0], base[1]) if isinstance(base, tuple) and len(base) == 2 else None
        if base_type is None:
            return None
        size = options.get("size")
        return f"{base_type}[{size if isinstance(size, int) else ''}]"
    template = DATA_TYPES.get(kind)
    if template is None:
        return None
    if kind == "CharField" and not isinstance(options.get("max_length"), int):
        return "varchar"  # Django 4.2+: CharField without max_length
    values = {"max_length": options.get("max_length", DEFAULT_MAX_LENGTH.get(kind)),
              "max_digits": options.get("max_digits"), "decimal_places": options.get("decimal_places")}
    return template % values


def related_type(kind: str, options: dict) -> str | None:
    """The type a ForeignKey to a field of this class gets (rel_db_type)."""
    return RELATED_TYPES.get(kind) or db_type(kind, options)


def check_sql(kind: str, column: str) -> str | None:
    template = CHECKS.get(kind)
    return template % {"column": column} if template else None


def type_suffix(kind: str) -> str:
    return "GENERATED BY DEFAULT AS IDENTITY" if kind in AUTO_FIELDS else ""


def index_name(table: str, columns: list[str] | tuple[str, ...], suffix: str = "") -> str:
    """Django's generated index/constraint name (_create_index_name)."""
    hash_suffix = f"{names_digest(table, *columns, length=8)}{suffix}"
    name = f"{table}_{'_'.join(columns)}_{hash_suffix}"
    if len(name) <= MAX_NAME_LENGTH:
        return name
    if len(hash_suffix) > MAX_NAME_LENGTH / 3:
        hash_suffix = hash_suffix[: MAX_NAME_LENGTH // 3]
    other = (MAX_NAME_LENGTH - len(hash_suffix)) // 2 - 1
    name = f"{table[:other]}_{'_'.join(columns)[:other]}_{hash_suffix}"
    if name[0] == "_" or name[0].isdigit():
        name = f"D{name[:-1]}"
    return name


def fk_name(table: str, column: str, to_table: str, to_column: str) -> str:
    return index_name(table, [column], suffix=f"_fk_{to_table}_{to_column}")


def pg_constraint_name(table: str, column: str, suffix: str) -> str:
    """PostgreSQL's own name for an inline constraint (`t_c_key`, `t_c_check`, `t_pkey`):
    the longer of table and column is cut until the name fits (makeObjectName)."""
    budget = MAX_NAME_LENGTH - len(suffix) - (2 if column else 1)
    while len(table) + len(column) > budget:
        if len(table) >= len(column):
            table = table[:-1]
        else:
            column = column[:-1]
    return f"{table}_{column}_{suffix}" if column else f"{table}_{suffix}"


def like_opclass(column_type: str | None) -> str | None:
    """The pattern-ops index Django adds beside an index on a varchar/text column."""
    if not column_type or "[" in column_type:
        return None
    if column_type.startswith("varchar"):
        return "varchar_pattern_ops"
    if column_type.startswith("text"):
        return "text_pattern_ops"
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value) -> str | None:
    """A Python default as the SQL literal psycopg would send (None: not a plain value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None
