"""The verification plan: what `impact verify` proves once the migration is applied."""
from __future__ import annotations

from dataclasses import dataclass, field

from impact.judge.catalog import table_key
from impact.judge.context import OpContext
from impact.model import OpKind
from impact.op_details import CommentDetails, ConstraintDetails, EnumValueDetails, GrantDetails, IndexDetails, PolicyDetails, TableDetails


@dataclass(frozen=True)
class Check:
    """One verification step: what it proves (name, expect, the SQL it rests on), and how to run
    it: `probe` and `params`, which impact.db.checks interprets (so this module needs no psycopg)."""

    name: str
    sql: str
    expect: str
    category: str = "schema"  # schema | compatibility | data | application
    probe: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def run(self, cur, before: dict | None = None) -> tuple[bool | None, str]:
        """(passed, detail) on a psycopg cursor; passed is None when the check was skipped.
        `before` is the snapshot taken before the migration (impact.db.snapshot.snapshot)."""
        from impact.db.checks import run_check

        return run_check(self, cur, before)



# --- Verification plan -------------------------------------------------------------------------
# Each Check says what it proves and names a probe with its parameters; impact.db.checks runs the
# probes. The plan folds the operations into the state the database must END in, one expectation
# per object: ADD COLUMN then SET NOT NULL is one check expecting NOT NULL, CREATE then DROP INDEX
# expects the index gone, and a renamed table's expectations follow it to its new name.

ALL_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
ROW_CHANGES = {OpKind.INSERT_ROWS: "INSERT", OpKind.DELETE_ROWS: "DELETE", OpKind.TRUNCATE: "TRUNCATE"}
# After these, an INSERT written for the old schema deserves a real try (NOT NULL, CHECK, triggers).
INSERT_RELEVANT = {OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN, OpKind.ALTER_COLUMN_TYPE, OpKind.SET_NOT_NULL,
                   OpKind.DROP_NOT_NULL, OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT, OpKind.ADD_CONSTRAINT,
                   OpKind.VALIDATE_CONSTRAINT, OpKind.CREATE_TRIGGER}
UNVERIFIABLE = {OpKind.DO_BLOCK: "a DO block", OpKind.UNKNOWN: "a statement impact could not parse"}
COLUMN_CHANGES = {OpKind.ALTER_COLUMN_TYPE: "type", OpKind.SET_NOT_NULL: "nullable", OpKind.DROP_NOT_NULL: "nullable",
                  OpKind.SET_DEFAULT: "default", OpKind.DROP_DEFAULT: "default"}
VIEWS = {OpKind.CREATE_VIEW, OpKind.DROP_VIEW, OpKind.REFRESH_MATERIALIZED_VIEW}


@dataclass
class _TableFacts:
    """What the migration does to one table, filed under the name the table ends with."""

    table: str
    schema: str | None
    original: str  # its name before the migration: the key of the `before` snapshot
    existing: bool  # it held rows before the migration
    dropped: bool = False
    added: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)  # old names dropped or renamed away
    filters: list[str] = field(default_factory=list)  # new or retyped columns a WHERE should plan on
    insert_relevant: bool = False
    row_changes: list[str] = field(default_factory=list)  # the migration's own INSERT/DELETE/TRUNCATE


class _Expected:
    def __init__(self) -> None:
        self.items: dict[tuple, dict] = {}  # object key -> probe params
        self.tables: dict[str, _TableFacts] = {}

    def facts(self, ctx: OpContext) -> _TableFacts:
        op = ctx.op
        return self.tables.setdefault(ctx.table_key, _TableFacts(op.table or "", op.schema, op.table or "", ctx.replayed_existing))

    def put(self, key: tuple, probe: str, ctx: OpContext, merge: bool = False, **params) -> None:
        base = self.items.get(key, {}) if merge else {}
        self.items[key] = {**base, "probe": probe, "table": ctx.op.table, "schema": ctx.op.schema, **params}

    def fold(self, ctx: OpContext) -> None:
        op = ctx.op
        if op.table and op.kind not in VIEWS:
            facts = self.facts(ctx)
            facts.insert_relevant |= op.kind in INSERT_RELEVANT
            if op.kind in ROW_CHANGES:
                facts.row_changes.append(f"{ROW_CHANGES[op.kind]} (statement {op.statement.index})")
        if op.kind in UNVERIFIABLE:
            # A framework's code step (Django's RunPython) is named as such, not as the DO block standing for it.
            what = op.name if op.kind is OpKind.DO_BLOCK and (op.name or "").startswith("RunPython") else UNVERIFIABLE[op.kind]
            self.items[("unverifiable", op.statement.index)] = {"probe": "unverifiable", "what": what, "statement": op.statement.index, "line": op.statement.line}
        elif op.kind in _FOLDS:
            _FOLDS[op.kind](self, ctx, op, ctx.table_key)

    def rename_table(self, ctx: OpContext, new: str) -> None:
        old_key, new_key = ctx.table_key, table_key(new, ctx.op.schema)
        items = {}
        for key, params in self.items.items():  # rebuilt, not popped: the plan keeps its order
            if len(key) > 2 and key[1] == old_key:
                key, params = (key[0], new_key, *key[2:]), {**params, "table": new}
            items[key] = params
        self.items = items
        facts = self.tables.pop(old_key, None) or self.facts(ctx)
        facts.table = new
        self.tables[new_key] = facts
        self.put(("table", old_key, ""), "relation", ctx, present=False)
        self.items[("table", new_key, "")] = {"probe": "relation", "table": new, "schema": ctx.op.schema, "present": True}


def _spec(spec) -> dict:
    if spec.generated:  # serial/identity/GENERATED: PostgreSQL decides nullability and default
        return {"type": spec.data_type}
    return {"type": spec.data_type, "nullable": spec.nullable, "default": spec.default}


def _fold_column(ex: _Expected, ctx, op, tk) -> None:
    name, facts = op.column_name, ex.facts(ctx)
    if not name:
        return
    key = ("column", tk, name)
    if op.kind is OpKind.ADD_COLUMN:
        existed = op.if_exists and ctx.before.has_column(op.table, name, op.schema)  # Postgres skipped it
        ex.put(key, "column", ctx, column=name, present=True, **({} if existed else _spec(op.column)))
        facts.added += [] if existed else [name]
        facts.filters.append(name)
    elif op.kind is OpKind.DROP_COLUMN:
        ex.put(key, "column", ctx, column=name, present=False)
        facts.removed |= set() if name in facts.added else {name}  # only old columns leave old SELECT lists
        facts.added, facts.filters = [c for c in facts.added if c != name], [c for c in facts.filters if c != name]
    elif op.kind is OpKind.RENAME_COLUMN and op.new_name:
        carried = {k: v for k, v in ex.items.get(key, {}).items() if k not in ("probe", "table", "schema")}
        ex.put(key, "column", ctx, column=name, present=False)
        ex.put(("column", tk, op.new_name), "column", ctx, **{**carried, "column": op.new_name, "present": True})
        facts.removed |= set() if name in facts.added else {name}
        facts.added = [op.new_name if c == name else c for c in facts.added]
        facts.filters = [c for c in facts.filters if c != name] + [op.new_name]
    elif op.kind in COLUMN_CHANGES:
        value = {OpKind.ALTER_COLUMN_TYPE: op.new_name, OpKind.SET_NOT_NULL: False, OpKind.DROP_NOT_NULL: True,
                 OpKind.SET_DEFAULT: op.column.default if op.column else None, OpKind.DROP_DEFAULT: None}[op.kind]
        ex.put(key, "column", ctx, merge=True, column=name, present=True, **{COLUMN_CHANGES[op.kind]: value})
        facts.filters += [name] if op.kind is OpKind.ALTER_COLUMN_TYPE else []


def _fold_table(ex: _Expected, ctx, op, tk) -> None:
    if op.kind is OpKind.CREATE_TABLE:
        ex.put(("table", tk, ""), "relation", ctx, present=True)
        for spec in (op.of(TableDetails) or TableDetails()).columns:
            ex.put(("column", tk, spec.name), "column", ctx, column=spec.name, present=True, **_spec(spec))
    elif op.kind is OpKind.DROP_TABLE:
        ex.items = {k: v for k, v in ex.items.items() if not (len(k) > 2 and k[1] == tk)}
        ex.put(("table", tk, ""), "relation", ctx, present=False)
        ex.facts(ctx).dropped = True
    elif op.kind is OpKind.RENAME_TABLE and op.new_name:
        ex.rename_table(ctx, op.new_name)
    elif op.kind in (OpKind.CREATE_VIEW, OpKind.DROP_VIEW):
        ex.put(("table", tk, ""), "relation", ctx, present=op.kind is OpKind.CREATE_VIEW, kind="view")


def _fold_index(ex: _Expected, ctx, op, tk) -> None:
    if op.kind is OpKind.REINDEX:  # REINDEX CONCURRENTLY that fails leaves INVALID `_ccnew` indexes
        if op.table:
            ex.put(("invalid_indexes", tk, ""), "no_invalid_indexes", ctx)
        return
    # Index names are unique per schema; an unnamed index is known by its table and columns.
    index = op.of(IndexDetails) or IndexDetails()
    key = ("index", "", (op.name or "").lower()) if op.name else ("index", tk, index.columns)
    present = op.kind is OpKind.CREATE_INDEX
    ex.put(key, "index", ctx, name=op.name, present=present, **({"unique": index.unique, "columns": list(index.columns)} if present else {}))


def _fold_constraint(ex: _Expected, ctx, op, tk) -> None:
    key, d = ("constraint", tk, op.name or f"#{ctx.index}"), op.of(ConstraintDetails)
    if op.kind is OpKind.ADD_CONSTRAINT:  # NOT VALID: PostgreSQL must show convalidated = false
        ex.put(key, "constraint", ctx, name=op.name, present=True, type=d.type if d else None, columns=list(d.columns) if d else [],
               validated=not (d and d.not_valid))
    else:
        ex.put(key, "constraint", ctx, merge=True, name=op.name, present=op.kind is OpKind.VALIDATE_CONSTRAINT, validated=True)


def _fold_setting(ex: _Expected, ctx, op, tk) -> None:
    kind = op.kind
    comment = op.of(CommentDetails)
    if kind is OpKind.COMMENT and op.table and comment is not None and comment.on in ("column", "table"):
        ex.put(("comment", tk, op.column_name or ""), "comment", ctx, column=op.column_name, text=comment.text)
    elif kind in (OpKind.ENABLE_RLS, OpKind.DISABLE_RLS, OpKind.FORCE_RLS, OpKind.NO_FORCE_RLS):
        attribute = "relrowsecurity" if kind in (OpKind.ENABLE_RLS, OpKind.DISABLE_RLS) else "relforcerowsecurity"
        ex.put((attribute, tk, ""), "rls", ctx, attribute=attribute, value=kind in (OpKind.ENABLE_RLS, OpKind.FORCE_RLS))
    elif kind in (OpKind.GRANT, OpKind.REVOKE):
        grant = op.of(GrantDetails) or GrantDetails()
        named = [p for p in grant.privileges if p in ALL_PRIVILEGES]
        privileges = ALL_PRIVILEGES if any(p.startswith("ALL") for p in grant.privileges) else named
        for role in ["public" if r.upper() in ("PUBLIC", "ROLESPEC_PUBLIC") else r for r in grant.roles]:
            for privilege in privileges:
                ex.put(("privilege", tk, f"{role}/{privilege}"), "privilege", ctx, role=role, privilege=privilege, granted=kind is OpKind.GRANT)


def _fold_policy(ex: _Expected, ctx, op, tk) -> None:
    if not op.name:
        return
    key, d = ("policy", tk, op.name), op.of(PolicyDetails) or PolicyDetails()
    if op.kind is OpKind.DROP_POLICY:
        return ex.put(key, "policy", ctx, name=op.name, present=False)
    roles = ["public" if r == "ROLESPEC_PUBLIC" else r for r in d.roles]
    # CURRENT_USER and the like name a role only the server knows: leave the roles unchecked then.
    roles = None if any(r.startswith("ROLESPEC_") for r in roles) else sorted(roles)
    if op.kind is OpKind.CREATE_POLICY:
        ex.put(key, "policy", ctx, name=op.name, present=True, command=(d.command or "all").upper(), permissive=d.permissive, roles=roles or ["public"])
    else:  # ALTER POLICY changes only the roles it names (expressions are not compared)
        ex.put(key, "policy", ctx, merge=True, name=op.name, present=True, **({"roles": roles} if roles else {}))


def _fold_object(ex: _Expected, ctx, op, tk) -> None:
    what = {OpKind.CREATE_TRIGGER: "trigger", OpKind.CREATE_EXTENSION: "extension", OpKind.CREATE_TYPE: "type",
            OpKind.ALTER_ENUM_ADD_VALUE: "enum value"}[op.kind]
    if op.name:
        enum = op.of(EnumValueDetails)
        value = enum.value if what == "enum value" and enum else None
        ex.put((what, tk if what == "trigger" else "", f"{op.name}/{value}"), "object", ctx, object=what, name=op.name, value=value)


_FOLDS = {kind: fold for kinds, fold in [
    ((OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN, *COLUMN_CHANGES), _fold_column),
    ((OpKind.CREATE_TABLE, OpKind.DROP_TABLE, OpKind.RENAME_TABLE, OpKind.CREATE_VIEW, OpKind.DROP_VIEW), _fold_table),
    ((OpKind.CREATE_INDEX, OpKind.DROP_INDEX, OpKind.REINDEX), _fold_index),
    ((OpKind.ADD_CONSTRAINT, OpKind.DROP_CONSTRAINT, OpKind.VALIDATE_CONSTRAINT), _fold_constraint),
    ((OpKind.COMMENT, OpKind.ENABLE_RLS, OpKind.DISABLE_RLS, OpKind.FORCE_RLS, OpKind.NO_FORCE_RLS, OpKind.GRANT, OpKind.REVOKE), _fold_setting),
    ((OpKind.CREATE_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_POLICY), _fold_policy),
    ((OpKind.CREATE_TRIGGER, OpKind.CREATE_EXTENSION, OpKind.CREATE_TYPE, OpKind.ALTER_ENUM_ADD_VALUE), _fold_object),
] for kind in kinds}


def verification_plan(contexts: list[OpContext], queries: list | None = None) -> list[Check]:
    """What `impact verify` checks once the migration is applied, in order: schema, compatibility,
    data, then the application's queries (those attached to the contexts unless `queries` given)."""
    expected = _Expected()
    for ctx in contexts:
        expected.fold(ctx)
    checks = [_check("schema", params) for params in expected.items.values()]
    live = [f for f in expected.tables.values() if f.existing and not f.dropped]
    for facts in live:
        checks += _compatibility(facts, contexts)
    checks += [_check("data", {"probe": "row_count", **_where(f), "changed_by": f.row_changes}) for f in live]
    if queries is not None:
        return checks + application_checks(queries)
    # The scan report's plan: the attached queries as one line (`impact verify` gives each its own).
    listed = [{"sql": q.sql, "file": q.file, "line": q.line} for q in _distinct([q for c in contexts for q in c.queries])]
    return checks + ([_check("application", {"probe": "prepare_all", "queries": listed})] if listed else [])


def _distinct(queries: list) -> list:
    """One per statement: a join yields one Query per table, all with one text."""
    return list({(q.file, q.line, q.sql): q for q in queries}.values())


def _where(facts: _TableFacts) -> dict:
    return {"table": facts.table, "schema": facts.schema, "original": facts.original}


def _compatibility(facts: _TableFacts, contexts: list[OpContext]) -> list[Check]:
    base = contexts[0].base.get(facts.original, facts.schema)
    after = contexts[-1].after_migration.get(facts.table, facts.schema)
    old = [c for c in base.columns if c not in facts.removed] if base else None  # None: ask the snapshot
    checks = [_check("compatibility", {"probe": "select_list", **_where(facts), "columns": old, "removed": sorted(facts.removed)}),
              _check("compatibility", {"probe": "select_star", **_where(facts), "expected": len(after.columns) if after else None})]
    if facts.insert_relevant:
        checks.append(_check("compatibility", {"probe": "insert", **_where(facts), "new_columns": list(facts.added)}))
    return checks + [_check("compatibility", {"probe": "filter", **_where(facts), "column": c}) for c in dict.fromkeys(facts.filters)]


def application_checks(queries: list) -> list[Check]:
    """One check per distinct statement of the application, PREPAREd on the migrated schema."""
    return [_check("application", {"probe": "prepare", "sql": q.sql, "file": q.file, "line": q.line, "kind": q.kind.value, "table": q.table})
            for q in _distinct(queries)]


def _check(category: str, params: dict) -> Check:
    name, expect, sql = DESCRIBE[params["probe"]](params)
    return Check(name, sql, expect, category, params["probe"], params)


def _on(p: dict, column: str | None = None) -> str:
    table = f"{p['schema']}.{p['table']}" if p.get("schema") and p["schema"] != "public" else (p.get("table") or "?")
    return f"{table}.{column}" if column else table


def _catalog(p: dict, what: str, where: str) -> str:
    return f"SELECT {what} WHERE {where.replace('<t>', repr(_on(p)) + '::regclass')}"


def _describe_column(p: dict) -> tuple[str, str, str]:
    parts = [p["type"].lower()] if p.get("type") else []
    parts += ["nullable" if p["nullable"] else "NOT NULL"] if "nullable" in p else []
    parts += [f"default {p['default']}" if p["default"] is not None else "no default"] if "default" in p else []
    name = f"column {_on(p, p['column'])}" + ((": " + ", ".join(parts)) if parts else " exists") if p["present"] else f"column {_on(p, p['column'])} is gone"
    return name, "as declared" if p["present"] else "absent", _catalog(p, "format_type(atttypid, atttypmod), attnotnull, pg_get_expr(adbin, adrelid) FROM pg_attribute LEFT JOIN pg_attrdef ON (adrelid, adnum) = (attrelid, attnum)", f"attrelid = <t> AND attname = '{p['column']}'")


def _describe_index(p: dict) -> tuple[str, str, str]:
    what = f"index {p['name']}" if p.get("name") else f"an index on {_on(p)} ({', '.join(p.get('columns') or [])})"
    sql = f"SELECT indisvalid, indisready, indisunique FROM pg_index WHERE indexrelid = to_regclass('{p.get('name') or '?'}')"
    return (f"{what} exists and is valid", "present, valid and ready", sql) if p["present"] else (f"{what} is gone", "absent", sql)


def _describe_constraint(p: dict) -> tuple[str, str, str]:
    what = f"constraint {p['name']} on {_on(p)}" if p.get("name") else f"a {(p.get('type') or '?').replace('_', ' ')} constraint on {_on(p)} ({', '.join(p.get('columns') or [])})"
    state = " (validated)" if p.get("validated") else " (NOT VALID: not yet validated)"
    sql = _catalog(p, "contype, convalidated FROM pg_constraint", f"conrelid = <t> AND conname = '{p.get('name') or '?'}'")
    return (what + state, "present as declared", sql) if p["present"] else (f"{what} is gone", "absent", sql)


def _describe_policy(p: dict) -> tuple[str, str, str]:
    shown = " ".join(filter(None, [p.get("command"), "to " + ", ".join(p["roles"]) if p.get("roles") else ""]))
    name = f"policy {p['name']} on {_on(p)}" + (f" ({shown})" if shown and p["present"] else "" if p["present"] else " is gone")
    return name, "present as declared" if p["present"] else "absent", _catalog(p, "polcmd, polroles, polpermissive FROM pg_policy", f"polrelid = <t> AND polname = '{p['name']}'")


DESCRIBE = {  # probe -> (name, expect, the SQL the check rests on)
    "column": _describe_column, "index": _describe_index, "constraint": _describe_constraint, "policy": _describe_policy,
    "relation": lambda p: (f"{p.get('kind', 'table')} {_on(p)} {'exists' if p['present'] else 'is gone'}", "present" if p["present"] else "absent", f"SELECT to_regclass('{_on(p)}')"),
    "no_invalid_indexes": lambda p: (f"no INVALID index left on {_on(p)}", "no rows", _catalog(p, "indexrelid::regclass FROM pg_index", "indrelid = <t> AND NOT indisvalid")),
    "comment": lambda p: (f"comment on {_on(p, p.get('column'))}", repr(p["text"]), f"SELECT {'col' if p.get('column') else 'obj'}_description('{_on(p)}'::regclass{', <attnum>' if p.get('column') else ''})"),
    "rls": lambda p: (f"{'forced ' if p['attribute'] == 'relforcerowsecurity' else ''}row level security {'on' if p['value'] else 'off'} for {_on(p)}", str(p["value"]).lower(), _catalog(p, f"{p['attribute']} FROM pg_class", "oid = <t>")),
    "privilege": lambda p: (f"{p['role']} {'has' if p['granted'] else 'lacks'} {p['privilege']} on {_on(p)}", "granted" if p["granted"] else "not granted", _catalog(p, "aclexplode(relacl) FROM pg_class", "oid = <t>")),
    "object": lambda p: (f"{p['object']} {p['name']}{' ' + repr(p['value']) if p.get('value') else ''} exists", "present", f"-- look the {p['object']} up in the catalog"),
    "unverifiable": lambda p: (f"statement {p['statement']} (line {p['line']}) checked by hand", f"{p['what']}: its effects cannot be read back from the catalog", ""),
    "select_list": lambda p: (f"old SELECT lists on {_on(p)} still work", "runs" + (f" (the dropped/renamed {', '.join(p['removed'])} left out)" if p["removed"] else ""), f"SELECT <the columns it had before> FROM {_on(p)} LIMIT 1"),
    "select_star": lambda p: (f"SELECT * on {_on(p)} still works", f"runs, {p['expected']} columns" if p["expected"] is not None else "runs", f"SELECT * FROM {_on(p)} LIMIT 0"),
    "insert": lambda p: (f"INSERT without the new columns works on {_on(p)}" if p["new_columns"] else f"INSERT still works on {_on(p)}", "succeeds (rolled back)", f"INSERT INTO {_on(p)} (<columns without a default>) SELECT ... LIMIT 1"),
    "filter": lambda p: (f"can filter by {_on(p, p['column'])}", "plans", f"EXPLAIN SELECT 1 FROM {_on(p)} WHERE {p['column']} IS NOT NULL"),
    "row_count": lambda p: (f"rows of {_on(p)} intact", "as many as before" + (f", but for its own {', '.join(p['changed_by'])}" if p["changed_by"] else ""), f"SELECT count(*) FROM {_on(p)}"),
    "prepare_all": lambda p: (f"the application's {len(p['queries'])} queries still PREPARE", "every one PREPAREs (those built at run time skipped)", "PREPARE each query the scan extracted"),
    "prepare": lambda p: (f"query {p['file']}:{p['line']} ({p['kind'].replace('_', ' ')} on {p['table'] or '?'})", "PREPAREs against the migrated schema", f"PREPARE ... AS {p['sql'] or '<built at run time>'}"),
}
