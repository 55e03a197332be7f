"""Is a column default volatile (evaluated per row, so ADD COLUMN rewrites the table)?

Since PostgreSQL 11 a non-volatile default is stored once in the catalog ("fast default");
a volatile one (random(), clock_timestamp(), gen_random_uuid(), nextval()) forces a rewrite.
now() and CURRENT_TIMESTAMP are STABLE, hence fast (squawk #645).
"""
from __future__ import annotations

import re

# Functions known not to be volatile: a default using only these stays a fast default.
NON_VOLATILE_FUNCTIONS = {
    "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime",
    "transaction_timestamp", "statement_timestamp", "current_user", "session_user", "current_role",
    "current_schema", "lower", "upper", "coalesce", "nullif", "greatest", "least", "abs", "round",
    "to_jsonb", "to_json", "jsonb_build_object", "json_build_object", "jsonb_build_array",
    "json_build_array", "array", "concat", "md5", "length", "timezone", "make_interval", "interval",
    "cast", "date_trunc", "to_timestamp", "to_date", "trim", "replace", "substring", "uuid_nil",
    "int4", "int8", "text", "varchar", "numeric", "bool", "jsonb", "json", "timestamptz", "timestamp",
}
KNOWN_VOLATILE = {
    "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
    "uuid_generate_v4", "nextval", "setseed", "txid_current", "uuidv4", "uuidv7", "gen_random_bytes",
}
FUNCTION_CALL = re.compile(r"([A-Za-z_][\w$]*)\s*\(")
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")


def is_volatile(default) -> bool:
    """True when the default expression may be volatile (unknown functions count as volatile)."""
    if default is None:
        return False
    text = default if isinstance(default, str) else default.sql(dialect="postgres")
    text = STRING_LITERAL.sub("''", text)
    names = {name.lower().split(".")[-1] for name in FUNCTION_CALL.findall(text)}
    return any(name in KNOWN_VOLATILE or name not in NON_VOLATILE_FUNCTIONS for name in names)
