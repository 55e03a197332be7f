"""The schema as the repo's earlier migrations leave it: tables, columns, indexes, RLS, policies.

Built by folding Operations in order, so it knows what existed before this migration and what
this migration itself creates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from impact.model import ColumnSpec, Operation, OpKind
from impact.op_details import CommentDetails, ConstraintDetails, GrantDetails, IndexDetails, PolicyDetails, TableDetails


@dataclass
class TableInfo:
    name: str
    schema: str | None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    indexes: dict[str, IndexDetails] = field(default_factory=dict)
    constraints: dict[str, ConstraintDetails] = field(default_factory=dict)
    rls: bool = False
    force_rls: bool = False
    policies: dict[str, PolicyDetails] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)  # "" = the table itself
    grants: dict[str, set[str]] = field(default_factory=dict)  # role -> privileges
    created_by: tuple[str, int, str] | None = None  # (file, line, CREATE TABLE statement): its constraints' definitions


def table_key(table: str | None, schema: str | None) -> str:
    """`public` is Postgres's default schema: `public.t` and `t` are the same table."""
    name = (table or "").lower()
    return name if not schema or schema.lower() == "public" else f"{schema.lower()}.{name}"


@dataclass(frozen=True)
class DbObject:
    """Something in the database whose definition may name a column: a view, function, trigger,
    policy or index, with the migration statement that created it (the evidence to show)."""

    kind: str  # view | function | trigger | policy | index
    name: str
    table: str | None  # the table it is attached to (trigger, policy, index)
    text: str  # its definition (view body, function body, policy expressions, index columns/where)
    file: str
    line: int
    function: str | None = None  # a trigger's function
    sql: str = ""  # the statement that created an index or policy (the rollback plan re-creates it from this)


@dataclass
class Catalog:
    tables: dict[str, TableInfo] = field(default_factory=dict)
    index_tables: dict[str, str] = field(default_factory=dict)  # index name -> table key
    known: bool = False  # False: no earlier migrations, nothing to compare against
    objects: list[DbObject] = field(default_factory=list)
    current_file: str = ""  # the migration being replayed (for the objects' evidence)
    # Tables earlier migrations change (ALTER, INSERT, GRANT...) but none creates: made outside them
    # (logto's base schema is packages/schemas/tables/*.sql, its alterations only alter it).
    outside: set[str] = field(default_factory=set)
    # Indexes an earlier migration dropped and none made again: a DROP INDEX IF EXISTS of one is a no-op.
    dropped_indexes: set[str] = field(default_factory=set)

    def get(self, table: str | None, schema: str | None = None) -> TableInfo | None:
        return self.tables.get(table_key(table, schema))

    def has_column(self, table: str | None, column: str, schema: str | None = None) -> bool | None:
        """True/False when the table is known, None when it is not."""
        info = self.get(table, schema)
        return None if info is None else column in info.columns

    def copy(self) -> "Catalog":
        clone = Catalog(known=self.known, index_tables=dict(self.index_tables), objects=list(self.objects), current_file=self.current_file,
                        outside=set(self.outside), dropped_indexes=set(self.dropped_indexes))
        for key, info in self.tables.items():
            clone.tables[key] = replace(
                info, columns=dict(info.columns), indexes=dict(info.indexes), constraints=dict(info.constraints),
                policies=dict(info.policies), comments=dict(info.comments), grants={r: set(p) for r, p in info.grants.items()},
            )
        return clone

    def apply(self, op: Operation) -> None:
        handler = APPLY.get(op.kind)
        if handler is not None:
            handler(self, op)
        _track_object(self, op)


def _table(catalog: Catalog, op: Operation) -> TableInfo | None:
    return catalog.get(op.table, op.schema)


def _create_table(catalog: Catalog, op: Operation) -> None:
    key = table_key(op.table, op.schema)
    if key in catalog.tables and op.if_exists:
        return
    table = op.of(TableDetails)
    columns = {c.name: c for c in (table.columns if table else ())}
    constraints = dict(table.constraints) if table else {}
    source = (catalog.current_file, op.statement.line, op.statement.sql)
    catalog.tables[key] = TableInfo(op.table or "", op.schema, columns, constraints=constraints, created_by=source)


def _drop_table(catalog: Catalog, op: Operation) -> None:
    catalog.tables.pop(table_key(op.table, op.schema), None)


def _rename_table(catalog: Catalog, op: Operation) -> None:
    info = catalog.tables.pop(table_key(op.table, op.schema), None)
    if info is not None and op.new_name:
        info.name = op.new_name
        catalog.tables[table_key(op.new_name, op.schema)] = info


def _add_column(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is not None and op.column and not (op.if_exists and op.column.name in info.columns):
        info.columns[op.column.name] = op.column


def _drop_column(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is not None and op.column_name:
        info.columns.pop(op.column_name, None)


def _rename_column(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is not None and op.column_name in info.columns and op.new_name:
        spec = info.columns.pop(op.column_name)
        info.columns[op.new_name] = replace(spec, name=op.new_name)


def _alter_column(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is None or op.column_name not in info.columns:
        return
    spec = info.columns[op.column_name]
    changes = {
        OpKind.ALTER_COLUMN_TYPE: {"data_type": op.new_name},
        OpKind.SET_NOT_NULL: {"nullable": False},
        OpKind.DROP_NOT_NULL: {"nullable": True},
        OpKind.SET_DEFAULT: {"default": op.column.default if op.column else None, "default_volatile": bool(op.column and op.column.default_volatile)},
        OpKind.DROP_DEFAULT: {"default": None, "default_volatile": False},
    }[op.kind]
    info.columns[op.column_name] = replace(spec, **changes)


def _create_index(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    index = op.of(IndexDetails) or IndexDetails()
    if info is not None:
        name = op.name or f"{op.table}_{'_'.join(index.columns)}_idx"
        info.indexes[name] = index
        catalog.index_tables[name.lower()] = table_key(op.table, op.schema)
        catalog.dropped_indexes.discard(name.lower())


def _drop_index(catalog: Catalog, op: Operation) -> None:
    key = catalog.index_tables.pop((op.name or "").lower(), None)
    if key is not None:
        catalog.dropped_indexes.add((op.name or "").lower())
    if key in catalog.tables:
        catalog.tables[key].indexes.pop(op.name, None)


def _constraint(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is None:
        return
    added = op.of(ConstraintDetails)
    name = op.name or f"{op.table}_{added.type if added else 'constraint'}"
    if op.kind is OpKind.ADD_CONSTRAINT and added is not None:
        info.constraints[name] = added
        if added.type == "primary_key":
            for column in added.columns:
                if column in info.columns:
                    info.columns[column] = replace(info.columns[column], nullable=False)
    elif op.kind is OpKind.DROP_CONSTRAINT:
        info.constraints.pop(name, None)
    elif op.kind is OpKind.VALIDATE_CONSTRAINT and name in info.constraints:
        info.constraints[name] = replace(info.constraints[name], not_valid=False)


def _rls(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is None:
        return
    if op.kind in (OpKind.ENABLE_RLS, OpKind.DISABLE_RLS):
        info.rls = op.kind is OpKind.ENABLE_RLS
    else:
        info.force_rls = op.kind is OpKind.FORCE_RLS


def _policy(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is None or not op.name:
        return
    if op.kind is OpKind.DROP_POLICY:
        info.policies.pop(op.name, None)
    else:
        policy = op.of(PolicyDetails) or PolicyDetails()
        earlier = info.policies.get(op.name)
        # ALTER POLICY changes what it names; what it leaves out (None) stays as it was.
        info.policies[op.name] = policy if earlier is None else replace(
            earlier, **{k: v for k, v in vars(policy).items() if v is not None})


def _comment(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    comment = op.of(CommentDetails)
    if info is not None and comment is not None and comment.on in ("column", "table"):
        info.comments[op.column_name or ""] = comment.text


def _grant(catalog: Catalog, op: Operation) -> None:
    info = _table(catalog, op)
    if info is None:
        return
    grant = op.of(GrantDetails) or GrantDetails()
    for role in grant.roles:
        privileges = info.grants.setdefault(role, set())
        change = set(grant.privileges)
        privileges.update(change) if op.kind is OpKind.GRANT else privileges.difference_update(change | {"ALL"} if "ALL" in change else change)


APPLY = {
    OpKind.CREATE_TABLE: _create_table,
    OpKind.DROP_TABLE: _drop_table,
    OpKind.RENAME_TABLE: _rename_table,
    OpKind.ADD_COLUMN: _add_column,
    OpKind.DROP_COLUMN: _drop_column,
    OpKind.RENAME_COLUMN: _rename_column,
    OpKind.ALTER_COLUMN_TYPE: _alter_column,
    OpKind.SET_NOT_NULL: _alter_column,
    OpKind.DROP_NOT_NULL: _alter_column,
    OpKind.SET_DEFAULT: _alter_column,
    OpKind.DROP_DEFAULT: _alter_column,
    OpKind.CREATE_INDEX: _create_index,
    OpKind.DROP_INDEX: _drop_index,
    OpKind.ADD_CONSTRAINT: _constraint,
    OpKind.DROP_CONSTRAINT: _constraint,
    OpKind.VALIDATE_CONSTRAINT: _constraint,
    OpKind.ENABLE_RLS: _rls,
    OpKind.DISABLE_RLS: _rls,
    OpKind.FORCE_RLS: _rls,
    OpKind.NO_FORCE_RLS: _rls,
    OpKind.CREATE_POLICY: _policy,
    OpKind.ALTER_POLICY: _policy,
    OpKind.DROP_POLICY: _policy,
    OpKind.COMMENT: _comment,
    OpKind.GRANT: _grant,
    OpKind.REVOKE: _grant,
}


def replay(migrations: list[tuple[str, list[Operation]]]) -> Catalog:
    """Fold (file, operations) pairs, in run order, into the schema they leave behind."""
    catalog = Catalog(known=bool(migrations))
    for file, operations in migrations:
        catalog.current_file = file
        for op in operations:
            _note_outside(catalog, op)
            catalog.apply(op)
    return catalog


def _note_outside(catalog: Catalog, op: Operation) -> None:
    """Catalog.outside, kept by the replay of the earlier migrations (not by the migration judged:
    its own typo stays a missing table for each of its statements)."""
    if not op.table:
        return
    key = table_key(op.table, op.schema)
    if op.kind in (OpKind.CREATE_TABLE, OpKind.DROP_TABLE):
        catalog.outside.discard(key)
    elif op.kind is OpKind.RENAME_TABLE and key in catalog.outside:
        catalog.outside.discard(key)
        catalog.outside.add(table_key(op.new_name, op.schema))
    elif key not in catalog.tables and op.kind is not OpKind.CREATE_VIEW:
        catalog.outside.add(key)


FUNCTION_NAME = re.compile(r"\bFUNCTION\s+((?:[\w\"]+\.)?[\w\"]+)", re.IGNORECASE)
TRIGGER_FUNCTION = re.compile(r"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+((?:[\w\"]+\.)?[\w\"]+)", re.IGNORECASE)
VIEW_NAME = re.compile(r"\bVIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:[\w\"]+\.)?[\w\"]+)", re.IGNORECASE)


# Parsed as OTHER (no operation of their own), yet they remove what a later DROP COLUMN would break:
# civitai's rename-contract migration drops the sync trigger and its function, then the column.
DROP_ROUTINE = re.compile(r"^\s*DROP\s+(?:FUNCTION|PROCEDURE|ROUTINE)\s+(?:IF\s+EXISTS\s+)?(.*?)\s*(CASCADE|RESTRICT)?\s*;?\s*$",
                          re.IGNORECASE | re.DOTALL)
DROP_TRIGGER = re.compile(r"^\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?([\w\"]+)\s+ON\s+((?:[\w\"]+\.)?[\w\"]+)", re.IGNORECASE)


def _bare(name: str) -> str:
    return name.replace('"', "").split(".")[-1].lower()


def _track_object(catalog: Catalog, op: Operation) -> None:
    """Remember definitions that can name columns; forget them when dropped or replaced."""
    sql, line = op.statement.sql, op.statement.line
    new: DbObject | None = None
    if op.kind is OpKind.CREATE_FUNCTION and (m := FUNCTION_NAME.search(sql)):
        new = DbObject("function", _bare(m.group(1)), None, sql, catalog.current_file, line)
    elif op.kind is OpKind.CREATE_VIEW and (m := VIEW_NAME.search(sql)):
        new = DbObject("view", _bare(m.group(1)), None, sql, catalog.current_file, line)
    elif op.kind is OpKind.CREATE_TRIGGER:
        function = TRIGGER_FUNCTION.search(sql)
        new = DbObject("trigger", (op.name or "?").lower(), op.table, sql, catalog.current_file, line, _bare(function.group(1)) if function else None)
    elif op.kind in (OpKind.CREATE_POLICY, OpKind.ALTER_POLICY) and op.name:
        policy = op.of(PolicyDetails) or PolicyDetails()
        text = " ".join(filter(None, (policy.using, policy.with_check)))
        created = sql if op.kind is OpKind.CREATE_POLICY else ""  # an ALTER POLICY's text alone cannot re-create it
        new = DbObject("policy", op.name.lower(), op.table, text, catalog.current_file, line, sql=created)
    elif op.kind is OpKind.CREATE_INDEX:
        index = op.of(IndexDetails) or IndexDetails()
        text = " ".join(filter(None, [*index.columns, index.where or ""]))
        new = DbObject("index", (op.name or "").lower(), op.table, text, catalog.current_file, line, sql=sql)
    elif op.kind is OpKind.ADD_CONSTRAINT and op.name:
        new = DbObject("constraint", op.name.lower(), op.table, "", catalog.current_file, line, sql=sql)
    dropped = {OpKind.DROP_VIEW: "view", OpKind.DROP_POLICY: "policy", OpKind.DROP_INDEX: "index", OpKind.DROP_CONSTRAINT: "constraint"}.get(op.kind)
    if dropped:
        names = {(op.name or op.table or "").lower()}
        catalog.objects = [o for o in catalog.objects if not (o.kind == dropped and o.name in names and (dropped != "constraint" or o.table == op.table))]
    if op.kind is OpKind.OTHER:
        _drop_routine_or_trigger(catalog, sql)
    if new is not None:
        catalog.objects = [o for o in catalog.objects if (o.kind, o.name, o.table) != (new.kind, new.name, new.table)] + [new]


def _drop_routine_or_trigger(catalog: Catalog, sql: str) -> None:
    """Forget the functions a DROP FUNCTION names (every overload: objects are known by name) and,
    with CASCADE, the triggers running them; or the trigger a DROP TRIGGER names on its table."""
    if (m := DROP_TRIGGER.match(sql)) is not None:
        name, table = _bare(m.group(1)), _bare(m.group(2))
        catalog.objects = [o for o in catalog.objects if not (o.kind == "trigger" and o.name == name and (o.table or "").lower() == table)]
    elif (m := DROP_ROUTINE.match(sql)) is not None:
        names = {_bare(part.split("(", 1)[0]) for part in _top_level_parts(m.group(1)) if part.strip()}
        cascade = (m.group(2) or "").upper() == "CASCADE"
        catalog.objects = [o for o in catalog.objects if not (o.kind == "function" and o.name in names)
                           and not (cascade and o.kind == "trigger" and o.function in names)]


def _top_level_parts(text: str) -> list[str]:
    """`a(int, text), b` -> ["a(int, text)", " b"]: commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]
