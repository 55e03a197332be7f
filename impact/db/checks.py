"""Runs the checks of the verification plan (impact.judge.verification.Check) on a psycopg cursor.

A probe takes (cursor, the check's params, the `before` snapshot or None) and returns
(passed, detail); passed is None when the check could not be decided (skipped). Probes only read,
except where a write is the test (INSERT, a default's normal form): those run in a savepoint that is
always rolled back. psycopg is imported lazily, so the plan can name probes without it.
"""
from __future__ import annotations

import re
from typing import Any, Callable

Outcome = tuple[bool | None, str]
SERIALS = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
           "smallserial": "smallint", "serial2": "smallint"}
TYPMODS = re.compile(r"\(([^()]*)\)")
CAST = re.compile(r"::\s*\"?[a-z_][\w.\"]*(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])*")
CONTYPES = {"primary_key": "p", "unique": "u", "foreign_key": "f", "check": "c", "exclude": "x", "not_null": "n"}
POLCMD = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
COLUMN = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped AND a.attname IN (%s, lower(%s))
ORDER BY a.attname = %s DESC LIMIT 1"""
CONSTRAINTS = """
SELECT conname, contype::text, convalidated, ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey))
FROM pg_constraint WHERE conrelid = %s ORDER BY conname"""
POLICY = """
SELECT polcmd::text, polpermissive, ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(polroles) r ORDER BY 1)
FROM pg_policy WHERE polrelid = %s AND polname IN (%s, lower(%s)) ORDER BY polname = %s DESC LIMIT 1"""
PRIVILEGE = """
SELECT EXISTS (SELECT 1 FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
               WHERE c.oid = %s AND a.privilege_type = %s
                 AND a.grantee = CASE WHEN lower(%s) = 'public' THEN 0 ELSE (SELECT oid FROM pg_roles WHERE rolname = %s) END)"""
OBJECTS = {
    "trigger": "SELECT 1 FROM pg_trigger WHERE tgrelid = %(table)s AND tgname IN (%(name)s, lower(%(name)s)) AND NOT tgisinternal",
    "extension": "SELECT 1 FROM pg_extension WHERE extname = %(name)s",
    "type": "SELECT 1 WHERE %(type)s::oid IS NOT NULL",
    "enum value": "SELECT 1 FROM pg_enum WHERE enumtypid = %(type)s::oid AND enumlabel = %(value)s",
}


def run_check(check, cur, before: dict | None = None) -> Outcome:
    probe = PROBES.get(check.probe) or _other_probes().get(check.probe)
    if probe is None:
        return None, f"no probe named {check.probe!r}"
    return probe(cur, check.params, before)


def _other_probes() -> dict[str, Callable[..., Outcome]]:
    # The compatibility/data probes (verify.py) and the application's queries (prepare.py) live
    # next to what they share; imported here, lazily, because both modules import this one.
    from impact.db.prepare import prepare_all_probe, prepare_probe
    from impact.db.verify import PROBES as verify_probes

    return {**verify_probes, "prepare": prepare_probe, "prepare_all": prepare_all_probe}


# --- helpers shared by the probes ------------------------------------------------------------

def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation(cur, name: str | None, schema: str | None = None) -> int | None:
    """The oid of a table, view or index as the migration names it. Unquoted names fold to lower
    case in PostgreSQL but the parser keeps them as written: try as written, then folded. Without a
    schema the server's search_path decides, as it did when the migration ran."""
    if not name:
        return None
    for space, candidate in dict.fromkeys(((schema, name), (schema and schema.lower(), name.lower()))):
        cur.execute("SELECT to_regclass(%s)::oid", (f"{ident(space)}.{ident(candidate)}" if space else ident(candidate),))
        oid = cur.fetchone()[0]
        if oid:
            return oid
    return None


def type_oid(cur, name: str) -> int | None:
    """The oid of a type as the migration names it: as written (Prisma's `"SigningStatus"`), then
    folded, like `relation`; to_regtype alone folds the unquoted text and misses mixed case."""
    schema, _, bare = name.rpartition(".")
    for space, candidate in dict.fromkeys(((schema, bare), (schema.lower(), bare.lower()))):
        cur.execute("SELECT to_regtype(%s)::oid", (f"{ident(space)}.{ident(candidate)}" if space else ident(candidate),))
        oid = cur.fetchone()[0]
        if oid:
            return oid
    return None


def relname(cur, oid: int) -> str:
    """The relation's name as SQL text, quoted and qualified as needed (regclass's output)."""
    cur.execute("SELECT %s::oid::regclass::text", (oid,))
    return cur.fetchone()[0]


def find_column(cur, oid: int, name: str):
    cur.execute(COLUMN, (oid, name, name, name))
    return cur.fetchone()


def columns_of(cur, oid: int) -> list[str]:
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum", (oid,))
    return [r[0] for r in cur.fetchall()]


def quietly(cur, *statements: tuple[str, tuple] | str):
    """Run statements in a savepoint that is always rolled back: (last result, None) or (None, error)."""
    import psycopg

    result: Any = None
    try:
        with cur.connection.transaction() as savepoint:
            for statement in statements:
                sql, params = (statement, None) if isinstance(statement, str) else statement
                cur.execute(sql, params)
                result = cur.fetchall() if cur.description else cur.rowcount
            raise psycopg.Rollback(savepoint)
    except psycopg.Error as exc:
        if cur.connection.broken:  # not this statement's failure: every later one would fail alike
            raise
        return None, exc
    return result, None


def pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    if diag is not None and diag.message_primary:
        return diag.message_primary
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _target(p: dict, column: str | None = None) -> str:
    table = f"{p['schema']}.{p['table']}" if p.get("schema") else p.get("table") or "?"
    return f"{table}.{column}" if column else table


def _table_oid(cur, p: dict) -> int | None:
    return relation(cur, p.get("table"), p.get("schema"))


def _missing_table(p: dict) -> Outcome:
    return False, f"table {_target(p)} does not exist"


# --- schema ----------------------------------------------------------------------------------

def _relation(cur, p, before) -> Outcome:
    exists = _table_oid(cur, p) is not None
    return exists == p["present"], "exists" if exists else "does not exist"


def _column(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return (True, "its table is gone") if not p["present"] else _missing_table(p)
    row = find_column(cur, oid, p["column"])
    if not p["present"]:
        return (True, "gone") if row is None else (False, f"still exists ({row[1]})")
    if row is None:
        return False, "does not exist"
    _, shown, typid, notnull, default = row
    problems = []
    if p.get("type") and not _same_type(cur, p["type"], typid, shown):
        problems.append(f"type is {shown}, the migration declares {p['type']}")
    if "nullable" in p and p["nullable"] == notnull:
        problems.append("is NOT NULL, the migration declares it nullable" if notnull else "is nullable, the migration declares NOT NULL")
    if "default" in p and not _same_default(cur, p["default"], default, shown):
        problems.append(f"default is {default or 'none'}, the migration declares {p['default'] or 'none'}")
    state = f"{shown}, {'NOT NULL' if notnull else 'nullable'}, {'default ' + default if default else 'no default'}"
    return (False, "; ".join(problems)) if problems else (True, f"exists: {state}")


def _same_type(cur, declared: str, typid: int, shown: str) -> bool:
    declared = SERIALS.get(declared.strip().lower(), declared)
    rows, _ = quietly(cur, ("SELECT to_regtype(%s)::oid", (declared,)))
    oid = rows[0][0] if rows else None
    if oid is None:  # not a name the server can read: compare the words
        return " ".join(declared.lower().split()) == shown.lower()
    return oid == typid and [m.replace(" ", "") for m in TYPMODS.findall(declared)] == [m.replace(" ", "") for m in TYPMODS.findall(shown)]


def _normal_expression(text: str) -> str:
    text = re.sub(r"\s+", "", CAST.sub("", text.lower()))
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return re.sub(r"^'(-?[\d.]+)'$", r"\1", text)


def _same_default(cur, declared: str | None, actual: str | None, shown_type: str) -> bool:
    if declared is None or actual is None:
        return declared is None and actual is None
    if _normal_expression(declared) == _normal_expression(actual):
        return True
    # Spelled differently (CURRENT_TIMESTAMP vs now(), casts): let PostgreSQL write the declared
    # default the way it stores one, on a throwaway temp table, and compare that.
    rows, _ = quietly(cur, f"CREATE TEMP TABLE impact_default_probe (c {shown_type} DEFAULT {declared}) ON COMMIT DROP",
                      "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'impact_default_probe'::regclass")
    return bool(rows) and rows[0][0] == actual


def _index(cur, p, before) -> Outcome:
    if p.get("name"):
        oid = relation(cur, p["name"], p.get("schema"))
        if not p["present"]:
            return (True, "gone") if oid is None else (False, "still exists")
        cur.execute("SELECT indexrelid, indisvalid, indisready, indisunique, indrelid FROM pg_index WHERE indexrelid = %s", (oid,))
        rows = cur.fetchall()
    elif (table := _table_oid(cur, p)) is not None:
        # An unnamed index: the one on this table whose definition names the declared columns.
        cur.execute("SELECT indexrelid, indisvalid, indisready, indisunique, indrelid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s", (table,))
        rows = [r[:5] for r in cur.fetchall() if _covers(r[5], p.get("columns"))]
        rows.sort(key=lambda r: not r[1])
    else:
        rows = []
    if not rows:
        return (not p["present"]), "does not exist"
    index, valid, ready, unique, table_oid = rows[0]
    name = relname(cur, index)
    if not valid or not ready:
        return False, f"{name} exists but is INVALID (a failed or interrupted CREATE INDEX CONCURRENTLY): drop it and create it again"
    if p.get("unique") and not unique:
        return False, f"{name} is not UNIQUE as declared"
    expected_table = _table_oid(cur, p) if p.get("table") else None
    if expected_table is not None and expected_table != table_oid:
        return False, f"{name} is on {relname(cur, table_oid)}, not on {_target(p)}"
    cur.execute("SELECT pg_get_indexdef(%s)", (index,))
    definition = cur.fetchone()[0]
    # CREATE INDEX IF NOT EXISTS keeps an older index of that name, whatever its columns.
    if not _covers(definition, p.get("columns")):
        return False, f"{name} does not cover ({', '.join(p['columns'])}): {definition}"
    return True, f"{name} is valid"


def _covers(definition: str, columns: list[str] | None) -> bool:
    """The index definition names every declared column or expression (spacing and quotes aside)."""
    return all(_squeeze(c) in _squeeze(definition) for c in columns or [])


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\"]", "", text).lower()


def _no_invalid_indexes(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return _missing_table(p)
    cur.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s AND NOT (indisvalid AND indisready) ORDER BY 1", (oid,))
    invalid = [r[0] for r in cur.fetchall()]
    return (False, f"INVALID: {', '.join(invalid)} (drop and rebuild them)") if invalid else (True, "all indexes valid")


def _constraint(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return (True, "its table is gone") if not p["present"] else _missing_table(p)
    cur.execute(CONSTRAINTS, (oid,))
    rows = cur.fetchall()
    if p.get("name"):
        rows = [r for r in rows if r[0] == p["name"]] or [r for r in rows if r[0] == p["name"].lower()]
    else:
        wanted = CONTYPES.get(p.get("type") or "")
        rows = [r for r in rows if r[1] == wanted and (not p.get("columns") or sorted(r[3]) == sorted(c.lower() for c in p["columns"]))]
    if not p["present"]:
        return (True, "gone") if not rows else (False, "still exists")
    if not rows:
        return False, "does not exist"
    name, contype, validated, _ = rows[0]
    if p.get("type") in CONTYPES and CONTYPES[p["type"]] != contype:
        return False, f"{name} is of type {contype!r}, not {p['type']}"
    if "validated" in p and p["validated"] != validated:
        if validated:
            return False, f"{name} is validated, the migration declares it NOT VALID"
        return False, f"{name} is NOT VALID: existing rows were never checked (ALTER TABLE ... VALIDATE CONSTRAINT {name})"
    return True, f"{name} exists" + ("" if validated else ", NOT VALID as declared")


def _comment(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return _missing_table(p)
    if p.get("column"):
        row = find_column(cur, oid, p["column"])
        if row is None:
            return False, f"column {p['column']} does not exist"
        cur.execute("SELECT col_description(%s, attnum) FROM pg_attribute WHERE attrelid = %s AND attname = %s", (oid, oid, row[0]))
    else:
        cur.execute("SELECT obj_description(%s, 'pg_class')", (oid,))
    actual = cur.fetchone()[0]
    if actual == p["text"]:
        return True, f"comment is {_shorten(actual)}"
    return False, f"comment is {_shorten(actual)}, the migration sets {_shorten(p['text'])}"


def _shorten(text: str | None) -> str:
    return "none" if text is None else repr(text if len(text) <= 60 else text[:57] + "...")


def _rls(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return _missing_table(p)
    cur.execute(f"SELECT {p['attribute']} FROM pg_class WHERE oid = %s", (oid,))
    value = cur.fetchone()[0]
    return value == p["value"], "on" if value else "off"


def _policy(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return _missing_table(p)
    cur.execute(POLICY, (oid, p["name"], p["name"], p["name"]))
    row = cur.fetchone()
    if not p["present"]:
        return (True, "gone") if row is None else (False, "still exists")
    if row is None:
        return False, "does not exist"
    actual = {"command": POLCMD.get(row[0], row[0]), "permissive": row[1], "roles": sorted(r.lower() for r in row[2])}
    declared = {**p, "roles": sorted(r.lower() for r in p["roles"]) if p.get("roles") else None}
    problems = [f"{key} is {value}, the migration declares {declared[key]}" for key, value in actual.items()
                if declared.get(key) is not None and declared[key] != value]
    return (False, "; ".join(problems)) if problems else (True, f"{actual['command']} to {', '.join(actual['roles'])}")


def _privilege(cur, p, before) -> Outcome:
    oid = _table_oid(cur, p)
    if oid is None:
        return _missing_table(p)
    cur.execute(PRIVILEGE, (oid, p["privilege"], p["role"], p["role"]))
    held = cur.fetchone()[0]
    return held == p["granted"], "granted" if held else "not granted"


def _object(cur, p, before) -> Outcome:
    table = _table_oid(cur, p) if p["object"] == "trigger" else None
    type_ = type_oid(cur, p["name"]) if p["object"] in ("type", "enum value") else None
    cur.execute(OBJECTS[p["object"]], {"name": p["name"], "value": p.get("value"), "table": table, "type": type_})
    found = cur.fetchone() is not None
    return found, "exists" if found else "does not exist"


def _unverifiable(cur, p, before) -> Outcome:
    return None, f"{p['what']}: check its effects by hand"


PROBES: dict[str, Callable[..., Outcome]] = {
    "relation": _relation, "column": _column, "index": _index, "no_invalid_indexes": _no_invalid_indexes,
    "constraint": _constraint, "comment": _comment, "rls": _rls, "policy": _policy, "privilege": _privilege,
    "object": _object, "unverifiable": _unverifiable,
}

