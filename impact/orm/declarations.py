"""Model declarations of changed columns, as references (`via = "model-declaration"`).

An ORM that loads whole rows (Prisma without `select`, Django, SQLAlchemy, Drizzle's bare
`select()`) names every column its model declares, so while a model still declares a dropped or
renamed column, every such read fails even where no code line names the column. The declaration
is the evidence for that; the fix is to remove the field from the model and deploy first.
A Prisma model's lines listing the field (`@@index([userId])`, `@relation(fields: [userId], ...)`)
are declarations too: they go with the field. So are a SQLAlchemy class body's lines reading the
column as `cls.<name>` (a relationship's `foreign_keys=[cls.queue_id]` beside the mixin's
`@declared_attr` column: SourceLines.cls_naming).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from impact.model import ColumnReference
from impact.orm.mapping import OrmField, OrmMap, OrmModel
from impact.orm.sequelize_members import member_lines

if TYPE_CHECKING:
    from impact.extraction import ExtractionRun


def with_python_models(run: "ExtractionRun") -> OrmMap:
    """The run's ORM map plus the Python models (SQLAlchemy, SQLModel, Django) the extraction
    indexes separately (impact.extract.python.models.ModelInfo): those of the affected tables, and
    the others it saw (they tell whether a field name is one model's: OrmMap.spelled_columns)."""
    extra = [OrmModel(orm=m.framework, name=m.name, table=m.table, file=m.file, line=m.line, schema=m.schema,
                      fields=tuple(_python_field(m, attribute, column) for attribute, column in m.attributes if attribute != "pk"))
             for m in (*run.models.values(), *(o for name, o in run.other_models.items() if name not in run.models)) if m.table]
    return OrmMap(run.orm.models + extra, run.orm.sources, run.orm.kysely_camel_case) if extra else run.orm


def _python_field(model, attribute: str, column: str) -> OrmField:
    """A Python model's field: at its class, or at the base of another file it inherits it from."""
    lent = next(((file, line) for name, file, line in model.inherited if name == attribute), None)
    return OrmField(attribute, column, lent[1], file=lent[0]) if lent else OrmField(attribute, column, model.line)


# Django gives a field its name again: `RenameField(..., new_name="checkout_line")`, `AddField(..., name="x")`.
_NAMED_AGAIN = re.compile(r"""(?:new_name\s*=\s*|AddField\(\s*(?:model_name\s*=\s*)?["'][^"']*["']\s*,\s*(?:name\s*=\s*)?)["'](\w+)["']""")


def recreated_names(operations, migration_text: str) -> frozenset[str]:
    """Names the migration gives to a column or a field (a rename's target, an added column, a column
    of a table it creates, a Django RenameField/AddField even where its SQL could not be told): code
    naming them keeps working. A table created with the dropped columns is where they move (dokploy
    moves `serverIp` and eleven more from `user` to a new `webServerSettings`): the name then tells
    no table, and the 59 lines still naming it after the move are no evidence of the drop. Unless the
    migration fills the new column from something else: umami's new `share.share_id` is a fresh
    uuid and the old `website.share_id` goes to `share_code`, so code naming `shareId` meant the
    dropped column (the authors changed 25 such lines)."""
    from impact.model import OpKind
    from impact.op_details import TableDetails

    names = {op.new_name for op in operations if op.kind is OpKind.RENAME_COLUMN and op.new_name}
    names |= {op.column_name for op in operations if op.kind is OpKind.ADD_COLUMN and op.column_name}
    created = {op.table.lower(): op for op in operations if op.kind is OpKind.CREATE_TABLE and isinstance(op.info, TableDetails) and op.table}
    filled = _filled_otherwise([op for op in operations if op.kind is OpKind.INSERT_ROWS and (op.table or "").lower() in created])
    names |= {c.name for table, op in created.items() for c in op.info.columns if (table, c.name.lower()) not in filled}
    names |= set(_NAMED_AGAIN.findall(migration_text))
    return frozenset(n.lower() for n in names) | frozenset(n.lower().removesuffix("_id") for n in names)


def _filled_otherwise(inserts) -> set[tuple[str, str]]:
    """(table, column) of a new table that `INSERT INTO t (c, ...) SELECT e, ...` statements fill,
    none of them from a column of the same name (COALESCE and casts of it count as it): dokploy
    copies `u."serverIp"` once and writes a default row too, so its `serverIp` is a copy."""
    if not inserts:
        return set()  # a warm scan imports no SQL parser (tests/test_migration_cache.py)
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    filled, copied = set(), set()
    for op in inserts:
        try:
            tree = sqlglot.parse_one(op.statement.sql, read="postgres")
        except SqlglotError:
            continue
        select = tree.expression if isinstance(tree, exp.Insert) else None
        if not isinstance(tree.this, exp.Schema) or not isinstance(select, exp.Select):
            continue
        for column, value in zip(tree.this.expressions, select.expressions):
            while isinstance(value, (exp.Alias, exp.Cast, exp.Coalesce, exp.Paren)):
                value = value.this
            key = ((op.table or "").lower(), column.name.lower())
            filled.add(key)
            if isinstance(value, exp.Column) and value.name.lower() == column.name.lower():
                copied.add(key)
    return filled - copied


def model_declarations(orm: OrmMap, tables: list[str], columns: set[str], repo: Path) -> list[ColumnReference]:
    wanted = {c.lower(): c for c in columns}
    lines = SourceLines(repo)
    found = []
    for table in tables:
        for model in orm.on_table(table):
            if model.orm == "ts-constants":  # names of the columns (impact.orm.ts_constants), not a model reading rows
                continue
            mine = []
            for f in model.fields:
                if f.column and f.column.lower() in wanted and not f.ignored:
                    if f.file:  # inherited from a base of another file (impact.orm.inherited_columns): the class
                        # line says so, and is where this table's fix goes (other models may share the base:
                        # netbox's ConfigContextModel kept `local_context_data` when Module stopped inheriting it).
                        mine.append(_declared(model.file, model.line, wanted[f.column.lower()], model.table or table,
                                              lines.get(model.file, model.line) or f"{model.orm} model {model.name}: field {f.name}", f.name))
                        continue
                    line = f.line if f.line and f.line != model.line else lines.attribute(model.file, model.line, f.name)
                    if model.orm == "typeorm":  # the decorator naming the column (`@JoinColumn({ name })`), else the property
                        start, line = line, lines.member(model.file, line, f.name, f.column if f.name != f.column else None)
                        if f.name != f.column:  # the relation's other decorator lines quoting the column: removed with it
                            mine += [_declared(model.file, number, wanted[f.column.lower()], model.table or table, lines.get(model.file, number), f.name)
                                     for number in lines.member_lines(model.file, start, f.name, f.column) if number != line]
                    elif f.name != f.column:
                        line = lines.naming(model.file, line, f.column)
                    snippet = lines.get(model.file, line) or f"{model.orm} model {model.name}: field {f.name}"
                    mine.append(_declared(model.file, line, wanted[f.column.lower()], model.table or table, snippet, f.name))
                    if model.orm == "sequelize" and re.search(r"\.\s*(?:init|define)\b", lines.get(model.file, model.line)):
                        # `declare public isDismissed: boolean;` in the class of a Model.init model (impact.orm.sequelize_members)
                        mine += [_declared(model.file, number, wanted[f.column.lower()], model.table or table, lines.get(model.file, number), f.name)
                                 for number in member_lines(model, f, "\n".join(lines.files[model.file])) if number != line]
                    if model.orm == "sqlalchemy" and line != model.line:  # `foreign_keys=[cls.queue_id]` in its class
                        mine += [_declared(model.file, number, wanted[f.column.lower()], model.table or table, text, f.name)
                                 for number, text in lines.cls_naming(model.file, line, f.name)]
                    if model.orm == "django":  # `class Meta: ordering = ("position",)`: every default query sorts by it
                        mine += [_declared(model.file, number, wanted[f.column.lower()], model.table or table, text, f.name)
                                 for number, text in lines.meta_quoting(model.file, model.line, f.name) if number != line]
                    if model.orm == "prisma":  # `@@index([field])`, `@relation(fields: [field])`: removed with it
                        mine += [_declared(model.file, number, wanted[f.column.lower()], model.table or table, text, f.name)
                                 for number, text in lines.listing(model.file, model.line, f.name) if number != line]
            # Django's implicit `user_id` attname has no line of its own (the class's): its `user` field says it.
            found += [r for r in mine if r.line != model.line or not any(o.column == r.column and o.line != model.line for o in mine)]
    unique: dict[tuple, ColumnReference] = {}
    for ref in found:  # Django maps `author` and `author_id` to one column: one declaration (a mixin's, one per table)
        unique.setdefault((ref.file, ref.line, ref.column, (ref.table or "").lower()), ref)
    return list(unique.values())


class SourceLines:
    """The declaration's own source line, for the report (files read once, only these)."""

    def __init__(self, repo: Path) -> None:
        self.repo, self.files = repo, {}

    def attribute(self, rel: str, start: int, name: str, seen: frozenset[int] = frozenset()) -> int:
        """The line declaring `name` in the class body starting at `start` (the class line if not found:
        Python models record only where the class is). A field the class inherits is declared in a
        base of the same file (a mixin, an abstract base: impact.extract.python.models follows those
        only): that base's line, which every subclass's table shares (warehouse's
        `ActiveStatePublisherMixin.ingredient`, removed with the column of both its tables).
        Known limit (xfail test in tests/test_sqlalchemy_mixin_declarations.py): the bases are read
        from the class line only, not from a header spanning several lines."""
        self.get(rel, start)
        lines = self.files[rel]
        own = self._own_attribute(lines, start, name)
        if own != start or not 0 < start <= len(lines):
            return own
        for base in _BASES.findall(lines[start - 1].partition("(")[2].partition(")")[0]) if "(" in lines[start - 1] else ():
            header = re.compile(rf"^\s*class\s+{re.escape(_default_class(lines, start, base))}\s*[(:]")
            at = next((n for n, line in enumerate(lines, start=1) if header.match(line)), None)
            if at is not None and at not in seen and at != start:
                found = self.attribute(rel, at, name, seen | {start})
                if found != at:
                    return found
        return start

    @staticmethod
    def _own_attribute(lines: list[str], start: int, name: str) -> int:
        # `name = Column(...)`, `name: Mapped[...]`, or a `@declared_attr def name(cls)` (python.class_factories)
        declaring = re.compile(rf"^\s*(?:{re.escape(name)}\s*[:=]|(?:async\s+)?def\s+{re.escape(name)}\s*\()")
        indent = _indent(lines[start - 1]) if 0 < start <= len(lines) else 0
        for number in range(start, min(start + 400, len(lines)) + 1):
            line = lines[number - 1]
            if number > start and line.strip() and not line.lstrip().startswith(("#", ")")) and _indent(line) <= indent:
                break  # past the class body: an inherited field is declared elsewhere, not in the next class
            if declaring.match(line):
                return number
        return start

    def listing(self, rel: str, start: int, name: str) -> list[tuple[int, str]]:
        """Lines of the Prisma model block starting at `start` that list field `name` in brackets:
        `@@index([name])`, `@@unique([a, name])`, `@relation(fields: [name], ...)`. Prisma rejects the
        schema once the field goes while they still name it: they are removed with it."""
        self.get(rel, start)
        listed = re.compile(rf"\[[^\]]*(?<![\w$]){re.escape(name)}(?![\w$])[^\]]*\]")
        found = []
        for number in range(start + 1, len(self.files[rel]) + 1):
            line = self.files[rel][number - 1]
            if line.strip().startswith("}"):
                break
            if not line.lstrip().startswith("//") and listed.search(line.split("//")[0]):
                found.append((number, line.strip()[:160]))
        return found

    def meta_quoting(self, rel: str, start: int, name: str) -> list[tuple[int, str]]:
        """Lines of the `class Meta:` of the Django model whose class starts at `start` that quote field
        `name` (`ordering = ("-position",)`, `unique_together`, `models.Index(fields=[...])`,
        `get_latest_by`): Django refuses the model, or every default query fails, once the column goes
        while they name it (pretalx 0105 removed `ordering = ("position",)` with the field)."""
        self.get(rel, start)
        lines = self.files[rel]
        if not 0 < start <= len(lines):
            return []
        quoted = re.compile(rf"[\"'][-?]?{re.escape(name)}[\"']")
        indent, meta, found = _indent(lines[start - 1]), None, []
        for number in range(start + 1, min(start + 600, len(lines)) + 1):
            line = lines[number - 1]
            if line.strip() and not line.lstrip().startswith("#"):
                if _indent(line) <= indent:
                    break  # past the model's class body
                if meta is not None and _indent(line) <= meta:
                    meta = None  # past its Meta
                if re.match(r"\s*class\s+Meta\s*[(:]", line):
                    meta = _indent(line)
                elif meta is not None and quoted.search(line.split("#")[0]):
                    found.append((number, line.strip()[:160]))
        return found

    def cls_naming(self, rel: str, line: int, name: str) -> list[tuple[int, str]]:
        """The other lines of the class body declaring `name` at `line` that read it as `cls.name`: a
        relationship's `foreign_keys=[cls.queue_id]` in a `declared_attr` of the same mixin. SQLAlchemy
        configures the model with them, so they go with the column (prefect removed both with
        `work_pool_queue_id`); like `self` in a model's methods, `cls` there is typed by no receiver.
        So do the class body's own statements naming it bare, outside its methods (Python's class
        scope: `foreign_keys=[cost_model_id]` in a relationship beside the column; dispatch removed it
        with `incident.cost_model_id`). Not a keyword (`cost_model_id=`), a string, nor a name in a
        method's body (a parameter or local there; the class scope is not seen from a method)."""
        self.get(rel, line)
        lines = self.files[rel]
        if not 0 < line <= len(lines):
            return []
        indent = _indent(lines[line - 1])
        header = next((n for n in range(line - 1, 0, -1) if lines[n - 1].strip() and _indent(lines[n - 1]) < indent), None)
        if header is None or not re.match(r"\s*class\s", lines[header - 1]):
            return []
        reading = re.compile(rf"(?<![\w.])cls\s*\.\s*{re.escape(name)}(?!\w)")
        bare = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)(?!\s*=(?!=))(?!\s*:)")
        found, method, prose = [], None, False
        for number in range(header + 1, min(header + 1000, len(lines)) + 1):
            text = lines[number - 1]
            quotes = text.count('"""') + text.count("'''")
            if prose or not text.strip() or text.lstrip().startswith("#"):
                prose = prose != (quotes % 2 == 1)  # inside a docstring until its closing quotes
                continue
            if quotes % 2 == 1:
                prose = True  # a docstring opens on this line
                continue
            if _indent(text) <= _indent(lines[header - 1]):
                break  # past the class body
            if method is not None and _indent(text) <= method:
                method = None  # past the method's body
            code = _STRINGS.sub('""', text.split("#")[0])
            starts = method is None and re.match(r"\s*(?:async\s+)?def\s", text) is not None
            if number != line and (reading.search(code) or (method is None and not starts and bare.search(code))):
                found.append((number, text.strip()[:160]))
            if starts:
                method = _indent(text)
        return found

    def naming(self, rel: str, start: int, column: str) -> int:
        """The line of a declaration spread over several that names its column: `legacy_amount =
        mapped_column(` then `"amount", Integer, ...` (polar) is `amount` on the second line."""
        self.get(rel, start)
        lines = self.files[rel]
        if not 0 < start <= len(lines):
            return start
        quoted = re.compile(rf"[\"']{re.escape(column)}[\"']")
        indent = _indent(lines[start - 1])
        for number in range(start, min(start + 6, len(lines)) + 1):
            line = lines[number - 1]
            if number > start and (not line.strip() or _indent(line) <= indent):
                break  # the declaration ended
            if quoted.search(line):
                return number
        return start

    def member(self, rel: str, start: int, name: str, column: str | None = None) -> int:
        """The class property `name` that the decorators starting at `start` declare (a TypeORM
        `@Column({ ... })` above `public status?: string = undefined;`): the line naming the column,
        which the authors change with it (oneuptime: 7 of 7). With `column` (a property spelling
        another column), the decorator line quoting it (`@JoinColumn({ name: "alertSeverityId" })`)
        if one does. `start` when not found."""
        self.get(rel, start)
        lines = self.files[rel]
        quoted = re.compile(rf"[\"']{re.escape(column)}[\"']") if column else None
        declaring = re.compile(rf"^\s*(?:@[\w.]+(?:\([^()]*\))?\s+)*(?:(?:public|private|protected|readonly|declare|override)\s+)*{re.escape(name)}[?!]?\s*[:;=]\s*(?![\"'`])")
        for number in range(start, min(start + 80, len(lines)) + 1):
            line = lines[number - 1]
            if quoted and quoted.search(line):
                return number
            if declaring.match(line) and not line.rstrip().endswith(","):
                return number
        return start

    def member_lines(self, rel: str, start: int, name: str, column: str) -> list[int]:
        """The lines of the decorators starting at `start` (up to the property `name` they declare) quoting
        `column`: `@JoinColumn({ name: "alertSeverityId" })` and an application decorator's
        `manyToOneRelationColumn: "alertSeverityId"` both go with the column. (The relation's property
        line is not one: a rename keeps it.)"""
        self.get(rel, start)
        lines = self.files[rel]
        quoted = re.compile(rf"[\"']{re.escape(column)}[\"']")
        return [] if not lines else [number for number in range(start, self.member(rel, start, name) + 1) if quoted.search(lines[number - 1])]

    def get(self, rel: str, line: int) -> str:
        if rel not in self.files:
            try:
                self.files[rel] = (self.repo / rel).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self.files[rel] = []
        text = self.files[rel]
        return text[line - 1].strip()[:160] if 0 < line <= len(text) else ""


def _default_class(lines: list[str], start: int, base: str) -> str:
    """The class a base named by a parameter of the function assembling the model stands for: the
    parameter's default (`def _create_orm_models(self, job_mixin=ORMJob)`, python.class_factories),
    the nearest above the class; the base itself otherwise (and for a class at the module's level)."""
    if not lines[start - 1][:1].isspace():
        return base
    default = re.compile(rf"(?<![\w.]){re.escape(base)}\s*=\s*([A-Z]\w*)\s*[,)]")
    for number in range(start - 1, max(start - 200, 0), -1):
        found = default.search(lines[number - 1])
        if found:
            return found.group(1)
    return base


_STRINGS = re.compile(r"""(?:[rbfuRBFU]{0,2})("|')(?:\\.|(?!\1).)*\1""")  # one line's quoted strings
_BASES = re.compile(r"(?:^|,)\s*([A-Za-z_]\w*)\s*(?=,|$)")  # `class M(Mixin, Base)`: the bare base names, no keyword


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _declared(file: str, line: int, column: str, table: str, snippet: str, spelling: str) -> ColumnReference:
    return ColumnReference(file, line, column, table, "declaration", snippet=snippet, via="model-declaration",
                           spelling=spelling if spelling != column else None)
