"""Code naming the ORM model of a dropped or renamed table: it breaks once the model goes.

Dropping a table that an ORM maps means deleting its model in the same change; the code that names
the model then stops compiling (TypeScript) or importing (Python), even where it runs no query:
- Prisma: the client's generated type (`import type { TemplateMeta } from '@prisma/client'`,
  `Partial<TemplateMeta>`), its generated input and payload types (`Prisma.TemplateMetaCreateInput`),
  and the relation fields other models declare to it (`templateMeta TemplateMeta?` on Template:
  `include: { templateMeta: true }`, `template.templateMeta?.message`); the client's operation on
  it named without a call, as tests do (`expect(prisma.project.findMany).toHaveBeenCalledWith(`,
  `vi.mocked(tx.connector.findUniqueOrThrow)`, a mock `project: { findMany: vi.fn() }`: formbricks'
  `Project` and `Connector` renames, 188 lines, all changed by the authors); and in the schema, the
  model's own `model TemplateMeta {` line and its `@@map("template_meta")`;
- Django, SQLAlchemy, SQLModel: the model class (`from app.models import TeamWebsite`, `TeamWebsite.objects`),
  a SQLAlchemy Core table's variable (`secondary=users_to_favorites`), and the line of the model's
  declaration that names the table (`__tablename__ = "login_codes"`, `Table("users_to_favorites", ...)`);
- TypeORM, Drizzle, Sequelize: the entity class, table variable or model class in a file importing
  it (`Repository<TelemetryEntity>`, `db.select().from(credentialSet)`,
  `typeof credentialSet.$inferSelect`); a Sequelize model's own module naming it
  (`export default Session;`: impact.orm.sequelize_model_lines).
Each such line is a reference to the table (via "model-type"), evidence of the dropped-table and
renamed-table rules (rules/*.toml `references = "names_model_of_table"`). Measured on documenso's
`TemplateMeta` (61 truth lines, 1 found before) and umami's `team_website` (bench/accuracy).

Decisions: the bare model name is matched as a whole word (a type, an import, a class use), only
in a file that imports it (from a Prisma client module; a TypeORM, Drizzle or Sequelize model from
the module declaring it, or through a path impact cannot resolve: impact.orm.import_sources; a
Python model from its module or a package re-exporting it, under its alias too:
impact.orm.python_imports) and never in a string or JSX text: oneuptime's helper class
`Common/Server/Utils/Telemetry/TelemetryEntity` is not its `TelemetryEntity` entity (44 lines);
documenso's `Document` and `Template` are also the words of its UI ("Document
deleted"), langfuse's `DatasetRunItems` an enum member. Its generated types only with Prisma's suffixes (`...CreateInput`, `...WhereInput`, `...GetPayload`,
`...Select`, ...), so a component `TemplateMetaForm` is not one. A relation field's name is matched
as a property or key (`.templateMeta`, `templateMeta:`, a shorthand `{ title, templateMeta }`; not a
spread `...templateMeta`) inside a Prisma call only (`include: {
templateMeta: true }`), or inside a literal declared with one of the client's input types, an argument
built apart from its call (`const where: Prisma.WebsiteWhereInput = { teamWebsite: ... }`: umami, 3
lines, impact.orm.prisma_typed_literals.input_literal_spans), or under `include`/`select` in a call of a
function forwarding them to a Prisma call (impact.orm.prisma_wrapper_args): outside one, the same property was mostly another object's (an API's or a
form's `templateMeta`: 35 of 98 lines right on documenso, against 18 of 19 for the type names). Comments, Python docstrings (wagtail's "Deletes all Query records…": prose), generated files and the model's own declaration are skipped. A Drizzle
table is the exception: its `export const t = pgTable(` line and the table's name are its declaration
(removed with it, as Python's `__tablename__`), and its variable is in scope in its own module, so
the other tables' `.references(() => t.id)` and relations() there name it too (sim, dokploy: 14 lines
the authors changed, none unchanged); so is a SQLAlchemy Core table's (`users_to_favorites = Table(`:
mealie's authors removed it with the table). A Drizzle table is also named as a member of a namespace
import of its module (`schema.credentialSet`, impact.orm.namespace_imports) and inside a template's
`${...}` (sql`${t.attempts} + 1`), which is code. In the schema itself, the
relation fields other models declare to it (`document Document @relation(...)`) name it too.
A TypeORM entity's own mapping lines (`@Entity({ name: "t" })`, its class line, a junction table's
`@JoinTable({ name: "t" })`) are impact.orm.typeorm_entity_lines'. Files declaring dropped tables'
entities only are skipped, their mapping lines too (they go with the tables; gamevault kept its 15
dropped `v12_*` entities: 24 mapping lines, none changed); those of renamed tables are not: they
stay, their mapping must follow the new name, and their lines naming each other's classes are
renamed with them (oneuptime's RunbookAgent tables).

Known limit (xfail in tests/test_model_types.py): a renamed table whose model keeps its name (a
Prisma `@@map("new_name")` edit) leaves the code compiling; the model's name is still reported.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from impact.extract.references import COMMENT_LINE, docstring_lines
from impact.model import ColumnReference, Query
from impact.extract.typescript.orm.prisma import OPERATIONS as PRISMA_OPERATIONS
from impact.orm.mapping import OrmMap
from impact.orm.import_sources import IMPORT, ImportSources
from impact.orm.model_imports import module_import_references
from impact.orm.namespace_imports import member_pattern
from impact.orm.prisma_relation_keys import RelationKeys
from impact.orm.prisma_typed_literals import input_literal_spans
from impact.orm.prisma_wrapper_args import forwarded_spans, forwarding_wrappers
from impact.orm.python_imports import FROM_IMPORT as _PY_IMPORT, PythonModules, module_names, python_binding
from impact.orm.sequelize_model_lines import own_module_lines
from impact.orm import CODE_DECLARATION_SUFFIXES as _TS  # TypeScript and JavaScript files

VIA = "model-type"
# What Prisma generates from a model's name (prisma-client-js): `Prisma.<Model>CreateInput` etc.
_PRISMA_SUFFIX = (r"(?:(?:Create|Update|Upsert|Delete|Where|WhereUnique|OrderBy|Select|Include|Omit|Aggregate|GroupBy|Count"
                  r"|Scalar|Unchecked|Min|Max|Avg|Sum|Find|Default)\w*|GetPayload|Args|Payload|Schema)")
_PYTHON_MODELS = ("django", "sqlalchemy", "sqlmodel", "sqlalchemy-core")
# TypeScript ORMs whose model is the project's own code: a TypeORM entity class, a Drizzle table
# variable, a Sequelize model class; a file naming it imports it.
TS_CODE_MODELS = ("typeorm", "drizzle", "sequelize")
_CLASS_MODELS = ("typeorm", "sequelize")  # a class, its table named in decorators above it (sequelize-typescript's @Table)
# Tables held by a variable (a Drizzle table, a SQLAlchemy Core `Table(...)`): the variable's line is
# part of the declaration the change removes, and the variable is in scope in its own module.
VARIABLES = ("drizzle", "sqlalchemy-core")


def model_type_references(texts: Iterable[tuple[str, str, bool, list[Query]]], orm: OrmMap, tables: Iterable[str],
                          line_of: Callable[[str, int], str] | None = None, renamed: Iterable[str] = (),
                          read: Callable[[str], str | None] | None = None) -> list[ColumnReference]:
    """References to the models of `tables` (dropped or renamed) in (file, text, generated, its resolved queries) texts;
    `line_of(file, line)`: a line's source text, for the schema lines no matching text holds; `renamed`: those
    of `tables` the migration renames (their models' files stay, see _declaring_only_gone); `read(file)`: a
    module's text, to resolve the imports of a TypeScript model's name (impact.orm.import_sources)."""
    tables = list(tables)
    patterns = []  # (the model's names, its relation fields' names or None, table, model, only where imported)
    for table in tables:
        for model in orm.on_table(table):
            table_name = model.table or table
            if model.orm == "prisma":
                relations = sorted({f.name for m in orm.models for f in m.fields if f.relation == model.name and m.name != model.name})
                name = re.escape(model.name)
                words = re.compile(rf"(?<![\w$.]){name}(?:{_PRISMA_SUFFIX})?(?![\w$])|\bPrisma\s*\.\s*{name}(?:{_PRISMA_SUFFIX})?(?![\w$])")
                names = "|".join(map(re.escape, relations))
                # `.templateMeta` (not a spread), `templateMeta:`, or a shorthand key (`{ email, templateMeta }`, a line `templateMeta,`).
                relation = re.compile(rf"(?:(?<!\.)\??\.\s*)(?:{names})(?![\w$])|(?<![\w$.])(?:{names})\??\s*:(?!:)"
                                      rf"|(?:^|[{{,])\s*(?:{names})\s*(?=[,}}]|$)") if relations else None
                patterns.append((words, relation, table_name, model, True))
                if model.accessors:  # the client's operation, named without a call: no import needed
                    patterns.append((_client_operation(model.accessors), None, table_name, model, False))
            elif model.orm in _PYTHON_MODELS:
                patterns.append((re.compile(rf"(?<![\w.]){re.escape(model.name)}(?!\w)"), None, table_name, model, True))
            elif model.orm in TS_CODE_MODELS:
                patterns.append((re.compile(rf"(?<![\w$.]){re.escape(model.name)}(?![\w$])"), None, table_name, model, True))
                if model.orm == "sequelize":  # a class-named member of a models registry (`models.User`, `db.User`): not imported
                    patterns.append((re.compile(rf"(?<![\w$.])[A-Za-z_$][\w$]*\s*\.\s*{re.escape(model.name)}(?![\w$])"), None, table_name, model, False))
    if not patterns and not any(m.orm == "typeorm" for m in orm.models):  # a TypeORM junction table has no model
        return []
    found, seen, texts = _schema_relations(orm, patterns, line_of), set(), list(texts)
    going = _declaring_only_gone(orm, {t.lower() for t in tables})
    # A renamed table's entity file stays (its class renamed with the table, or not): its lines naming the
    # other renamed entities are code using them (oneuptime's RunbookAgentJob.ts naming RunbookAgent).
    # TypeORM's and Sequelize's (outline's Backlink, CollectionGroup, CollectionUser renames): the other ORMs'
    # schema modules were not measured so.
    kept = {t.lower() for t in renamed if any(m.orm in _CLASS_MODELS for m in orm.on_table(t))}
    sources = ImportSources({t[0]: t[1] for t in texts}, read, (p[3].file for p in patterns if p[3].orm in TS_CODE_MODELS))
    py_modules = PythonModules(getattr(read, "root", None), {t[0]: t[1] for t in texts if t[0].endswith(".py")})
    dropping = _declaring_only_gone(orm, {t.lower() for t in tables} - kept)
    # `getWebsites(q, { include: { teamWebsite: true } })`, getWebsites forwarding it to prisma.website.findMany
    forwarding = forwarding_wrappers(texts, orm, {p[3].name for p in patterns if p[1] is not None and p[3].orm == "prisma"})
    found += _entity_declarations([t for t in texts if t[0] not in dropping], orm, tables, seen)
    for rel, text, generated, queries in texts:
        if generated:
            continue
        if rel in dropping:  # its models' lines naming each other go with them; the table's name still maps it
            found += [r for _, _, table, model, _ in patterns if rel == model.file and model.orm == "drizzle"
                      for r in _mapping_line(rel, text, model, table, seen)]
            continue
        # A Prisma call's argument, or one built apart (`const where: Prisma.WebsiteWhereInput = {...}`).
        spans = [(q.line, q.end_line) for q in queries if q.orm == "prisma"] + input_literal_spans(text) + forwarded_spans(text, forwarding)
        # A line that starts a query on the table is already evidence as that query.
        querying = {(q.line, (q.table or "").lower()) for q in queries}
        keys = None  # a relation's name as a key of another model's field (impact.orm.prisma_relation_keys)
        for words, relation, table, model, imported in patterns:
            if not rel.endswith(".py" if model.orm in _PYTHON_MODELS else _TS):
                continue
            if rel == model.file and model.orm not in ("prisma", "typeorm"):  # a TypeORM entity's: _entity_declarations
                found += _mapping_line(rel, text, model, table, seen)
            if not imported:
                found += _client_mocks(rel, text, model, table, seen)
            # A Drizzle table's variable is in scope in its own module too (`.references(() => t.id)`, relations(t, ...)).
            own = rel == model.file and model.orm in VARIABLES
            # A Python model imported from its module (or under an alias), not another package's class of the name.
            py = python_binding(rel, text, model, words, py_modules) if model.orm in _PYTHON_MODELS else None
            from_module = (py.plain is not False or bool(py.import_lines)) if py else _imported(text, model.name, model.orm, rel, model.file, sources)
            named = words.search(text) is not None and (not imported or own or from_module)
            through = _through_module(rel, text, model, py_modules) if model.orm in _PYTHON_MODELS and not own else None
            # `schema.credentialSet`, `schema` a namespace import of the table's module (impact.orm.namespace_imports)
            members = member_pattern(rel, text, model.file, model.name, sources) if model.orm == "drizzle" and not own else None
            members = members if members and members.search(text) else None
            if not named and not members and not through and not (relation and spans and relation.search(text)):
                continue
            prose = docstring_lines(text) if model.orm in _PYTHON_MODELS else frozenset()  # "Deletes all Query records…"
            for number, line in enumerate(text.splitlines(), start=1):
                if COMMENT_LINE.match(line) or (rel == model.file and number == model.line and model.orm not in VARIABLES) or _DECLARATION_LINE.match(line):
                    continue
                if number in prose:
                    continue
                code = model.orm == "drizzle"  # sql`${t.col} + 1`: Drizzle's templates take the table's columns
                match = next((m for m in words.finditer(line) if not _in_text(line, m.start(), code)), None) if named else None
                if py is not None and not own:  # another module's class of the name; the model imported under an alias
                    match = match if py.plain is not False or number in py.import_lines else None
                    match = match or next((m for m in py.alias_words.finditer(line) if not _in_text(line, m.start())), None) if py.aliases else match
                if match is None and through:
                    match = next((m for m in through.finditer(line) if not _in_text(line, m.start())), None)
                if match is None and members:
                    match = next((m for m in members.finditer(line) if not _in_text(line, m.start(), code)), None)
                if match is None and relation and any(start <= number <= end for start, end in spans):
                    match = relation.search(line)
                    keys = keys or RelationKeys(text, queries, orm)
                    match = None if match and keys.another_field(number, line, match, model.name) else match
                if match and (number, table.lower()) not in querying and (rel, number, table.lower()) not in seen:
                    seen.add((rel, number, table.lower()))  # two schemas (umami's mysql/ and postgresql/) map one table
                    spelled = re.sub(r"^Prisma\s*\.\s*", "", match.group(0).lstrip("?.{, \t").strip().rstrip(":").rstrip("?").strip())
                    found.append(ColumnReference(rel, number, model.name, table, "type", False, line.strip()[:160], via=VIA, spelling=spelled))
    modules: dict[str, list] = {}
    for _, _, table, model, imported in patterns:
        if model.file in going and imported:
            modules.setdefault(model.file, []).append((table, model))
    found += module_import_references(texts, modules, seen, VIA) if modules else []
    return found + own_module_lines(texts, orm, tables, found)  # a Sequelize model's own module naming it


def _entity_declarations(texts: list, orm: OrmMap, tables: list[str], seen: set) -> list[ColumnReference]:
    """The TypeORM entity (and sequelize-typescript model) lines that map the tables: `@Entity({ name: "t" })`
    (`@Table({ tableName: "t" })`), the class line, a junction
    table's `@JoinTable({ name: "t" })` (impact.orm.typeorm_entity_lines)."""
    from impact.orm.typeorm_entity_lines import entity_lines

    wanted = {t.lower() for t in tables}
    entities: dict[str, list] = {}
    for model in orm.models:
        if model.orm in _CLASS_MODELS and (model.table or "").lower() in wanted:
            entities.setdefault(model.file, []).append(model)
    found = []
    for rel, text, generated, _ in texts:
        if generated or not rel.endswith(_TS) or (rel not in entities and "@JoinTable" not in text):
            continue
        for ref in entity_lines(rel, text, entities.get(rel, ()), tables, VIA):
            if (rel, ref.line, (ref.table or "").lower()) not in seen:
                seen.add((rel, ref.line, (ref.table or "").lower()))
                found.append(ref)
    return found


def _client_mocks(rel: str, text: str, model, table: str, seen: set) -> list[ColumnReference]:
    """A test's stand-in for the client's model (`prisma: { project: { findMany: vi.fn() } }`): the
    accessor as a key whose object holds the client's operations."""
    names = "|".join(map(re.escape, sorted(model.accessors, key=len, reverse=True)))
    operations = "|".join(sorted(PRISMA_OPERATIONS, key=len, reverse=True))
    found, lines = [], None
    for match in re.finditer(rf"(?<![\w$.])(?:{names})\s*:\s*\{{\s*(?:{operations})\s*:", text):
        number = text.count("\n", 0, match.start()) + 1
        lines = lines or text.splitlines()
        if (rel, number, table.lower()) not in seen and not COMMENT_LINE.match(lines[number - 1]):
            seen.add((rel, number, table.lower()))
            found.append(ColumnReference(rel, number, model.name, table, "type", False, lines[number - 1].strip()[:160], via=VIA,
                                         spelling=model.accessors[0]))
    return found


def _client_operation(accessors: Iterable[str]) -> re.Pattern:
    """A Prisma client's operation on the model named as a value (`expect(prisma.project.findMany)`,
    `vi.mocked(tx.connector.findUniqueOrThrow)`, `tx.connector.update.mockResolvedValue(...)`): once
    the model goes, the client has no such member. Only as an argument, a test double's `.mock...` or
    in a type (`ReturnType<typeof prisma.project.findMany>`): a tRPC router's procedure of the same
    name is used through its own members (`trpc.document.create.useMutation()`,
    `utils.document.findMany.invalidate()`)."""
    names = "|".join(map(re.escape, sorted(accessors, key=len, reverse=True)))
    operations = "|".join(sorted(PRISMA_OPERATIONS, key=len, reverse=True))
    return re.compile(rf"\??\.\s*(?:{names})\s*[?!]?\.\s*(?:{operations})(?=\s*(?:[),>]|\.\s*mock[A-Z]|as\b))")


def _through_module(rel: str, text: str, model, modules: PythonModules) -> re.Pattern | None:
    """`models.Query`, `models` a name of the model's module in this file (impact.orm.python_imports.module_names)."""
    names = module_names(rel, text, model.name, model.file, modules)
    if not names:
        return None
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, sorted(names))) + rf")\s*\.\s*{re.escape(model.name)}(?!\w)")


def _declaring_only_gone(orm: OrmMap, gone: set[str]) -> set[str]:
    """Code files that declare models of the dropped or renamed tables only (a TypeORM entity file,
    a Drizzle schema module of such tables): their lines naming each other (a relation between two
    dropped entities) go with the models, they are no code using them. gamevault's 15 dropped
    `v12_*` legacy entities naming one another: 84 lines, none changed by the authors."""
    files: dict[str, bool] = {}
    # TypeScript's code-declared models only: the map holds all of them (a schema.prisma declares
    # every model, its relations are _schema_relations'; only the affected Python models are known).
    for model in orm.models:
        if model.orm in TS_CODE_MODELS:
            files[model.file] = files.get(model.file, True) and (model.table or "").lower() in gone
    return {file for file, only_gone in files.items() if only_gone}


def _schema_relations(orm: OrmMap, patterns: list, line_of: Callable[[str, int], str] | None) -> list[ColumnReference]:
    """Prisma relation fields other models declare to the model (`document Document @relation(...)`,
    `documents Document[]`): the schema does not validate once the model goes while they name it."""
    found = []
    for _, _, table, model, imported in patterns:
        if model.orm != "prisma" or not imported:  # one pass per model
            continue
        found += _schema_declaration(model, table, line_of)
        for other in orm.models:
            for f in other.fields:
                if f.relation == model.name and other.name != model.name and f.line and other.file:
                    snippet = (line_of(other.file, f.line) if line_of else "") or f"{other.name}.{f.name} {model.name}"
                    found.append(ColumnReference(other.file, f.line, model.name, table, "type", False, snippet, via=VIA, spelling=f.name))
    return found


def _schema_declaration(model, table: str, line_of: Callable[[str, int], str] | None) -> list[ColumnReference]:
    """The model's own `model Name {` line and its `@@map("t")`: the schema maps the table until they go."""
    if not model.file or not model.line or line_of is None:
        return []
    found = [ColumnReference(model.file, model.line, model.name, table, "type", False, line_of(model.file, model.line).strip()[:160] or
                             f"model {model.name} {{", via=VIA, spelling=model.name)]
    for number in range(model.line + 1, model.line + 500):
        line = line_of(model.file, number).strip()
        if line.startswith("}") or (not line and not line_of(model.file, number + 1)):
            break
        if re.match(r"@@map\s*\(", line):
            found.append(ColumnReference(model.file, number, model.name, table, "type", False, line[:160], via=VIA, spelling=model.name))
            break
    return found


def _mapping_line(rel: str, text: str, model, table: str, seen: set) -> list[ColumnReference]:
    """The line of a Python model's declaration that names its table (`__tablename__ = "t"`,
    `db_table = "t"`, `Table("t", ...)`): the mapping the change must remove with the table. A Django
    model naming no table has it from its class name (`<app_label>_<model>`): its class line is that
    mapping (wagtail's `class NotYetRegisteredSiteSetting(BaseSiteSetting):`, deleted with its table)."""
    quoted = re.compile(rf"[\"']{re.escape(table)}[\"']")
    lines = text.splitlines()
    for number in range(model.line, min(len(lines), model.line + 40) + 1):
        line = lines[number - 1]
        if quoted.search(line) and not COMMENT_LINE.match(line) and (rel, number, table.lower()) not in seen:
            seen.add((rel, number, table.lower()))
            return [ColumnReference(rel, number, model.name, table, "type", False, line.strip()[:160], via=VIA, spelling=model.name)]
    return _django_class_line(rel, lines, model, table, seen)


def _django_class_line(rel: str, lines: list[str], model, table: str, seen: set) -> list[ColumnReference]:
    """A Django model with no `db_table`: its table is `<app label>_<class name>`, so its class line is
    the line naming it, removed or renamed with the table (mathesar's `class Role(BaseModel):`
    renamed to ConfiguredRole with `mathesar_role`, `class Exploration(...)` deleted with its table;
    paperless-ngx's `class Log(models.Model):`)."""
    if model.orm != "django" or not 0 < model.line <= len(lines) or not table.lower().endswith("_" + model.name.lower()):
        return []
    line = lines[model.line - 1]
    if not re.match(rf"\s*class\s+{re.escape(model.name)}\b", line) or (rel, model.line, table.lower()) in seen:
        return []
    seen.add((rel, model.line, table.lower()))
    return [ColumnReference(rel, model.line, model.name, table, "type", False, line.strip()[:160], via=VIA, spelling=model.name)]


# A class's own line (a model's, or a subclass's), and a Prisma schema's `model Name {`; not
# `model = Name` (a Django form's, serializer's or test case's binding: plane's WidgetSerializer).
_DECLARATION_LINE = re.compile(r"\s*(?:class\s|model\s+\w+\s*\{)")


def _imported(text: str, name: str, orm: str, rel: str = "", file: str | None = None, sources: ImportSources | None = None) -> bool:
    """Whether the file imports the model: TypeScript from a Prisma client module (`@prisma/client`,
    `@documenso/prisma/client`, a generated folder), or uses the `Prisma` namespace's types; a TypeORM,
    Drizzle or Sequelize model from its own module `file` (re-exports followed) or from a path `sources`
    cannot resolve (impact.orm.import_sources: the former behaviour, no recall lost where it is blind),
    not from another module (oneuptime's helper class named as its `TelemetryEntity` entity); Python
    from any module (only where impact.orm.python_imports cannot tell the import's module). A file
    that does not import it names something else (`TableName.DatasetRunItems`, an enum member, a
    word of UI text)."""
    if orm == "prisma":
        if re.search(rf"\bPrisma\s*\.\s*{re.escape(name)}", text):
            return True
        return any(re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", m.group(1)) for m in IMPORT.finditer(text) if "prisma" in m.group(2).lower())
    if orm in TS_CODE_MODELS and sources is not None and file:  # the class or table variable, from its module
        return sources.names_model(rel, text, name, file)
    if orm in TS_CODE_MODELS:  # the class or table variable, imported (a monorepo's `@app/db` included)
        return any(re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", m.group(1)) for m in IMPORT.finditer(text))
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", m.group(0)) for m in _PY_IMPORT.finditer(text))


def _in_text(line: str, at: int, placeholders: bool = False) -> bool:
    """Inside a string literal, or in JSX text (`<Trans>Delete Document</Trans>`), not code; with
    `placeholders`, a template literal's `${...}` is code (measured on Drizzle only)."""
    before = line[:at]
    if sum(before.count(q) for q in "'\"`") % 2:
        template = before[before.rfind("`") + 1 :] if placeholders and before.count("`") % 2 else ""
        return "${" not in template or "}" in template[template.rfind("${") :]
    return bool(re.search(r">[^<>{}()=;:]*$", before) and re.match(r"[^<>{}()=;]*</", line[at:]))
