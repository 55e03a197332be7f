"""Reference matchers: which names of a changed column found in the code (impact.extract.references
and the ORM layer's attributions) are evidence of a finding on the operation's table."""
from __future__ import annotations

import re

from impact.judge.context import OpContext
from impact.judge.predicates import op_predicate, reference_matcher
from impact.model import ColumnReference, OpKind


@reference_matcher
def names_changed_column(ctx: OpContext, ref: ColumnReference) -> bool:
    """A property, key or string naming the column outside the queries found (hand-written code),
    attributed to the operation's table.

    Bare identifiers (parameters, local variables that happen to share the name) unless their table
    was told firmly (PROMOTED_VIAS, a TypeScript file's own queries), and names whose table cannot
    be told (`via == "name-only"`: `row.status` in a file that queries no table with a status) are
    left to the JSON `references` list and counted in the report: on real code they were mostly noise.
    A column whose data the migration moved to another is named through the ORM's mapping: raw SQL only.
    `self.x` in a Python model's own methods (impact.orm.python_self) is evidence of a drop only: a
    rename may keep the attribute and remap it."""
    return (ref.column == ctx.op.column_name and not ctx.name_given_again and not (ref.via != "sql" and ctx.data_moved)
            and (ref.via != "model-self" or ctx.op.kind is OpKind.DROP_COLUMN) and _firm_column_use(ref))


def _handed_on_void(ref: ColumnReference) -> bool:
    """A position that is no use of the column (impact.extract.handed_on), for the attributions it voids."""
    return ref.handed_on is not None and (ref.via in HANDED_ON_VOIDS or ref.handed_on in MODULE_VOIDS
                                          or (ref.handed_on == "fixture" and ref.via == "model-class"))


def _firm_column_use(ref: ColumnReference) -> bool:
    """Hand-written code naming a column of the table the reference is attributed to, firmly enough to be evidence."""
    return (not ref.generated and ref.table is not None and ref.context != "declaration"
            and not _handed_on_void(ref)
            and (ref.context in ("property", "string") or ref.via in PROMOTED_VIAS
                 or (ref.via == "file-queries" and not ref.file.endswith((".py", ".pyi")))))


# Attributions firm enough that a bare identifier is evidence too, measured on real history
# (bench/accuracy/RESULTS.md, "Precision if this reference were evidence"): a field name only one
# model maps to the column: 94 of 96 lines on Prisma projects (but see HANDED_ON_VOIDS: its parameters,
# arguments and props were lines the authors renamed for consistency, not the database's),
# 53 of 55 on Django ones were changed by the authors with the migration; a name in a call to a
# function wrapping an ORM query on the table (impact.orm.wrappers): 541 of 549 (a key of the object it
# writes; a bare value handed to it is a variable's name, labelled not-db, and no longer credited). A name the file's
# own queries use on that table only: 130 of 148 in TypeScript, 0 of 4 in Python (left out). A field
# named in a class bound to the model by `model = M` (a ModelForm's, serializer's, filter set's
# declaration, impact.extract.python.model_classes): 84 of 93 lines it added on Django projects; a field of a
# pydantic schema bound to the model, a keyword of its call or a key of its dump (impact.extract.python.orm_schemas,
# schema_dumps): 7 lines added on prefect and polar, all changed by the authors, none elsewhere on the Alembic projects. A
# variable holding a dropped TypeORM column's value (impact.orm.typeorm_drops): 4 of 4 on oneuptime; a Python
# helper's parameter every call of its file gives the dropped column (impact.extract.python.parameter_values): 4 of 4 on redash.
PROMOTED_VIAS = frozenset({"orm-field", "orm-wrapper", "model-class", "column-value"})

# A parameter, a bare argument or shorthand key of a call that is no query, a JSX prop, a local's
# declaration (impact.extract.handed_on) is a variable of that name: a name's being a model's field
# or the file's queries' column says nothing of what it holds (the adjudicated sample: formbricks'
# `async (environmentId: string) =>`, `getOrganizationIdFromEnvironmentId(environmentId)`).
HANDED_ON_VOIDS = frozenset({"orm-field", "file-queries"})
# A "use client" module's names (impact.extract.handed_on_modules.mark_client_modules) and a workspace package's
# that reaches no database client (impact.extract.dbless_packages) are no evidence whatever attributed them: a
# typed prop's `project.logo` there is the browser's copy of a row a server read.
MODULE_VOIDS = frozenset({"client", "package"})
# A test's data key is none though the test class is bound to the model (`model = Service`, then
# `form_data = {'virtual_machine': None}`: netbox's and nautobot's view tests, labelled not-db).


@reference_matcher
def names_model_of_table(ctx: OpContext, ref: ColumnReference) -> bool:
    """Code naming the ORM model (or a relation to it) of the dropped or renamed table: it stops
    compiling or importing once the model is removed (impact.orm.model_types); code reading a row a
    query on it returned (impact.orm.prisma_rows); a string naming the table (impact.orm.table_names).

    After a DROP TABLE, code using one of its columns breaks with it: a name of a changed column the
    ORM layer attributed to the dropped table as firmly as a column's evidence must be (a key of a
    query's payload, `membership.credentialSetId` in a file whose queries use it on that table only;
    sim's credential-set tables, dropped with `webhook.credential_set_id`), and the dropped table's model
    still declaring it. Only changed columns' names are looked for: the other columns of a dropped table
    are not (its model and its queries are the evidence). Not when a table the migration creates has a
    column of that name: the rows move to it and code naming the column may follow them (documenso's
    `Document` dropped for `Envelope`, both with a `templateId`: 6 of 13 such lines were left unchanged)."""
    if ref.via in ("model-type", "model-row", "table-name"):
        return ref.handed_on not in MODULE_VOIDS
    return (ctx.op.kind is OpKind.DROP_TABLE and ref.via != "name-only" and (ref.via == "model-declaration" or _firm_column_use(ref))
            and not _created_with(ctx, ref.column))


def _created_with(ctx: OpContext, column: str) -> bool:
    """Does a table this migration creates have a column of that name once it ran?"""
    return any(op.kind is OpKind.CREATE_TABLE and op.table and ctx.after_migration.has_column(op.table, column, op.schema)
               for op in ctx.operations)


@reference_matcher
def declared_by_orm_model(ctx: OpContext, ref: ColumnReference) -> bool:
    """An ORM model of the operation's table still declares the column (impact.orm.declarations)."""
    return ref.via == "model-declaration" and not ref.type_only and ref.column == ctx.op.column_name and not ctx.name_given_again


@reference_matcher
def declared_by_row_type(ctx: OpContext, ref: ColumnReference) -> bool:
    """A TypeScript row type bound to the operation's table still has the column (Kysely's `DB`, `knex<T>`)."""
    return ref.via == "model-declaration" and ref.type_only and ref.column == ctx.op.column_name and not ctx.name_given_again


@reference_matcher
def generated_types(ctx: OpContext, ref: ColumnReference) -> bool:
    return ref.generated and ref.column == ctx.op.column_name


@op_predicate
def replaced_by_another_type(ctx: OpContext) -> bool:
    """The dropped column's name goes to a column of another type in the same migration (OpContext.replaced_types)."""
    return ctx.replaced_types is not None


@reference_matcher
def declared_by_orm_model_with_old_type(ctx: OpContext, ref: ColumnReference) -> bool:
    """An ORM model's field declaring the column whose name another type takes over: the line typing it.
    Not a relation field (a Django ForeignKey's column takes its target's key type: saleor's
    `checkout_line = models.ForeignKey(CheckoutLine, ...)` followed the line's new uuid key, the authors
    left it and its Meta `unique_together`/`Index` lines, 6 lines), nor the model's other lines naming it."""
    return (ref.via == "model-declaration" and not ref.type_only and ref.column == ctx.op.column_name and ctx.replaced_types is not None
            and _declares(ref.snippet, ref.spelling or ref.column) and not _RELATION_FIELD.search(ref.snippet))


def _declares(line: str, name: str) -> bool:
    """`id: int | None = Field(...)`, `owner_id = Column(Integer, ...)`: the line declaring the field itself."""
    return re.match(rf"\s*{re.escape(name)}\s*(?::|=(?!=))", line) is not None


# A field whose value is a relation (`checkout_line = models.ForeignKey(`), not a column given a foreign
# key (`owner_id = Column(Integer, ForeignKey("user.id"))`, typed by its Integer).
_RELATION_FIELD = re.compile(r"^[^=(]*=\s*(?:[\w.]+\.)?(?:ForeignKey|OneToOneField|ManyToManyField|ForeignObject|ParentalKey)\s*\(")
