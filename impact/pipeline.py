"""scan(): resolve migration -> parse into operations -> extract queries from code -> judge -> assess.

Library first: no printing here; the CLI and the reporters turn a ScanResult into output.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from impact.config import Config, load_config
from impact.errors import InputError
from impact.extract.dbless_packages import mark_dbless_packages, package_folders
from impact.extract.handed_on_modules import keep_prisma_fixtures, mark_client_modules
from impact.extract.python.class_attributes import attribute_class_attributes
from impact.extract.python.factory_calls import attribute_factory_calls
from impact.extract.python.model_argument_calls import attribute_model_argument_calls
from impact.extract.python.parameter_values import attribute_parameter_values
from impact.extract.python.model_classes import attribute_model_classes
from impact.extract.python.orm_mode import python_reader
from impact.extract.python.orm_schemas import attribute_schema_classes, schema_classes
from impact.extract.python.schema_names import schema_name_references
from impact.extract.python.schema_dumps import attribute_dumped_keys
from impact.extract.python.typed_references import attribute_receivers
from impact.extract.other_database import key as query_key, set_apart
from impact.extract.references import find_references
from impact.extract.trigger_rows import attribute_trigger_rows
from impact.extract.typescript.sql_fragments import attribute_qualified_columns
from impact.extraction import ExtractionRun, extract_repo
from impact.judge.assess import Assessment, assess
from impact.judge.catalog import Catalog, replay
from impact.judge.context import OpContext, build_contexts
from impact.judge.engine import attach_code, judge
from impact.judge.findings import Finding, PairJudgement
from impact.judge.rollback_plan import RollbackStep, rollback_plan
from impact.judge.verification import Check, verification_plan
from impact.judge.rules import configured, load_rules
from impact.formats import EarlierMigration, ReadMigration, read_migration
from impact.formats.sql import one_scan, read_sql_file
from impact.late_parses import settle
from impact.locate import LocatedMigration, locate
from impact.model import ColumnReference, OpKind, Query
from impact.op_details import NotAnalysed
from impact.orm import resolve_orm_queries
from impact.orm.declarations import SourceLines, model_declarations, recreated_names, with_python_models
from impact.orm.drizzle_config import attribute_table_configs
from impact.orm.drizzle_field_rows import attribute_field_map_rows
from impact.orm.drizzle_payloads import attribute_written_objects
from impact.orm.drizzle_returned_rows import attribute_returned_rows
from impact.orm.drizzle_rows import attribute_drizzle_rows
from impact.orm.drizzle_values import settle_compared_values
from impact.orm.drizzle_row_types import attribute_row_type_keys
from impact.orm.drizzle_zod import attribute_zod_keys
from impact.orm.field_language import unplace_foreign_fields
from impact.orm.spelling_alternatives import settle_alternatives
from impact.orm.import_sources import repo_reader
from impact.orm.knex_row_types import attribute_knex_row_types
from impact.orm.knex_schema_code import attribute_knex_schema_code
from impact.orm.kysely_db_types import attribute_row_type_members, table_type_references
from impact.orm.prisma_checked_keys import attribute_checked_keys
from impact.orm.prisma_nesting import attribute_nested
from impact.orm.prisma_rows import attribute_rows, row_references
from impact.orm.prisma_returned_rows import attribute_imported_rows
from impact.orm.prisma_typed_literals import attribute_typed_literals
from impact.orm.resolve import attribute_declarations
from impact.orm.table_receivers import attribute_table_receivers
from impact.orm.sequelize_receivers import attribute_row_variables
from impact.orm.python_self import attribute_self_reads
from impact.orm.sequelize_this import attribute_this_reads
from impact.orm.typeorm_drops import dropped_column_lines
from impact.orm.typeorm_services import attribute_service_keys
from impact.orm.typeorm_typed import attribute_typed_entities
from impact.orm.wrappers import declared_only, wrapper_functions
from impact.schema_cache import replayed
from impact.migration_cache import caching
from impact.sql.parsed import ParsedMigration

Progress = Callable[[int, int], None]
# Operations whose column names are worth finding in code.
COLUMN_CHANGES = {OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN, OpKind.ALTER_COLUMN_TYPE, OpKind.SET_NOT_NULL,
                  OpKind.DROP_NOT_NULL, OpKind.ADD_COLUMN}


@dataclass
class ScanResult:
    repo: Path
    migration: LocatedMigration
    dialect: str
    parsed: ParsedMigration
    contexts: list[OpContext]
    queries: list[Query]  # on the affected tables, plus those whose table is unresolved
    references: list[ColumnReference]
    findings: list[Finding]
    pairs: list[PairJudgement]
    assessment: Assessment
    rollback: list[RollbackStep]
    verification: list[Check]
    run: ExtractionRun
    seconds: float = 0.0
    schema_source: str = "replay"
    affected_tables: list[str] = field(default_factory=list)
    suppressed: list = field(default_factory=list)  # findings or evidence hidden by an inline ignore, with the reason
    rules: tuple = ()  # the rules judged with, as configured
    config: Config = field(default_factory=Config)
    read: ReadMigration | None = None  # the migration as its format read it (earlier migrations, notes)
    trace: object = None  # impact.db.trace.Trace, when scanned with --trace
    other_database: list = field(default_factory=list)  # (query, why) on an affected table's name, run on another database

    @property
    def unattributed(self) -> dict[str, int]:
        """Lines per changed column that name it where no table can be told: counted, never evidence."""
        counts: dict[str, set] = {}
        for r in self.references:
            if r.via == "name-only" and r.context != "sql":
                counts.setdefault(r.column, set()).add((r.file, r.line))
        return {column: len(lines) for column, lines in sorted(counts.items())}

    def unattributed_note(self) -> str:
        note = _unattributed_sentence(self.unattributed)
        if self.other_database:
            n = len(self.other_database)
            other = f"{n} quer{'ies' if n != 1 else 'y'} on {', '.join(sorted({q.table for q, _ in self.other_database}))} run on another database (not evidence; JSON `other_database`)"
            note = f"{note}; {other}" if note else other
        return note

    @property
    def migration_rel(self) -> str:
        try:
            return self.migration.path.relative_to(self.repo).as_posix()
        except ValueError:
            return str(self.migration.path)


def schema_before(earlier: tuple[EarlierMigration, ...], dialect: str, schema_file: Path | None,
                  use_cache: bool = False) -> tuple[Catalog, str]:
    if schema_file is not None:
        from impact.sql.parse import parse_migration

        parsed = parse_migration(read_sql_file(schema_file, "schema file"), dialect)
        return replay([(schema_file.name, list(parsed.operations))]), f"schema file {schema_file.name}"
    return replayed(earlier, dialect, use_cache), f"replay of {len(earlier)} earlier migration{'s' if len(earlier) != 1 else ''}"


def _postgres_only(migration, repo: Path) -> None:
    """A migration its ORM declares for another database is named as such, not misread as PostgreSQL."""
    from impact.migration_engine import declared_engine

    found = declared_engine(migration.path, repo) if migration.format not in ("django", "alembic") else None
    if found is not None:
        engine, source = found
        raise InputError(f"{_display(migration.path, repo)} is a {engine} migration ({source} says so); impact reads PostgreSQL migrations only",
                         "scan the migrations of a PostgreSQL database")


def _display(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


def scan(repo: Path, ref: str, **options) -> ScanResult:
    """`release_base`: a git revision whose merge-base with HEAD is the release still running while
    the migration runs (impact.deploy_window); its code is judged too."""
    with one_scan(), caching(options.get("use_cache", True)):  # migration folders are found once per scan
        return _scan(repo, ref, **options)


def _scan(repo: Path, ref: str, *, dialect: str | None = None, schema_file: Path | None = None,
          config: Config | None = None, progress: Progress | None = None, use_cache: bool = True,
          release_base: str | None = None) -> ScanResult:
    started = time.perf_counter()
    repo = _checked_repo(Path(repo))  # a str is fine for library callers
    config = config or load_config(repo)
    dialect = dialect or config.dialect
    migration = locate(repo, ref, config)
    _postgres_only(migration, repo)
    read = read_migration(migration, repo, dialect)
    parsed = read.parsed
    # No statement (only comments, or only psql input) is an empty, safe report; only a SQL migration
    # no parser can read at all is unusable (not one deep enough to be left unanalysed). A framework
    # migration that only holds what nobody can read statically is reported with its reasons, never exit 3.
    if migration.format == "sql" and parsed.operations and all(
            op.kind is OpKind.UNKNOWN and op.of(NotAnalysed) is None for op in parsed.operations):
        error = parsed.operations[0].statement.error
        raise InputError(f"cannot parse migration {migration.path.name}: {error}", "fix the SQL syntax (or pass --dialect)")
    base, schema_source = schema_before(read.earlier, dialect, schema_file, use_cache)
    base.current_file = _display(migration.path, repo)
    from impact.judge.transactions import file_wrapping

    contexts = build_contexts(parsed.operations, base, config.pg_version, file_wrapping(parsed.comments, config.transaction_wrapping))
    tables = sorted({c.op.table for c in contexts if c.op.table})
    columns = {n for c in contexts if c.op.kind in COLUMN_CHANGES for n in (c.op.column_name,) if n}
    run = extract_repo(repo, tables, columns, config, migration, progress=progress, use_cache=use_cache)
    other = _other_database(run)
    wanted = {t.lower() for t in tables}
    queries = [q for q in run.queries if q.table is None or q.table.lower() in wanted]
    apart = [(q, other[query_key(q)]) for q in queries if q.table and query_key(q) in other]
    queries = [q for q in queries if query_key(q) not in other]
    recreated = recreated_names(parsed.operations, migration.path.read_text(errors="replace") if migration.format == "django" else "")
    references = _code_references(run, contexts, tables, columns, repo, use_cache, recreated)
    run.cache.save_pack()  # after the late parses: a warm scan finds theirs in the pack (impact.cache)
    attach_code(contexts, queries, references)
    rules = configured(load_rules(), config.rules)
    judged = judge(contexts, queries, rules)
    if release_base is not None:
        judged.findings += _deploy_window(repo, release_base, parsed, base, config, migration, tables, columns, rules, judged.findings, queries, use_cache)
    findings, suppressed = _ignored(judged.findings, parsed, migration, repo, run, rules)
    unresolved = sum(q.table is None for q in queries)
    assessment = assess(contexts, findings, judged.pairs, queries, len(parsed.unknown), unresolved, len(run.file_issues))
    return ScanResult(
        repo=repo, migration=migration, dialect=dialect, parsed=parsed, read=read, contexts=contexts, queries=queries,
        references=references, findings=findings, pairs=judged.pairs, assessment=assessment, suppressed=suppressed,
        rollback=rollback_plan(contexts), verification=verification_plan(contexts), run=run,
        seconds=time.perf_counter() - started, schema_source=schema_source, affected_tables=tables, rules=rules, config=config,
        other_database=apart,
    )


def _unattributed_sentence(counts: dict[str, int], shown: int = 3) -> str:
    """One sentence, however many columns the migration changes (papermark's chat model adds 13:
    a line per column pushed the summary off the screen): the largest counts, then how many more."""
    if not counts:
        return ""
    tail = " without a table we could tell (not evidence; JSON `references`, via name-only)"
    if len(counts) <= shown:
        return "; ".join(f"{n:,} line{'s name' if n != 1 else ' names'} `{column}`" for column, n in counts.items()) + tail
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    top = ", ".join(f"`{column}` {n:,}" for column, n in ranked[:shown])
    rest = sum(n for _, n in ranked[shown:])
    return (f"lines naming a changed column{tail}: {top}, and {rest:,} more for "
            f"{len(ranked) - shown} other column{'s' if len(ranked) - shown != 1 else ''}")


def _other_database(run: ExtractionRun) -> dict[tuple, str]:
    """Set apart the raw SQL that runs on another database (impact.extract.other_database): it is
    judged nowhere, and names inside it are told no table (never evidence)."""
    other = set_apart((rel, text, extraction.queries) for rel, text, extraction in run.texts)
    if other:
        run.texts = [(rel, text, replace(extraction, queries=[replace(q, table=None, note="runs on another database") if query_key(q) in other else q
                                                               for q in extraction.queries]))
                     for rel, text, extraction in run.texts]
    return other


def _code_references(run: ExtractionRun, contexts: list, tables: list[str], columns: set[str], repo: Path,
                     use_cache: bool, recreated: frozenset[str] = frozenset()) -> list[ColumnReference]:
    """The changed columns' references and, for a dropped or renamed table, the code naming its ORM model."""
    resolved = _resolved(run)
    # A field name several affected models map is credited to a table whose column the migration changes.
    changing = frozenset(c.op.table.lower() for c in contexts if c.op.kind in COLUMN_CHANGES and c.op.table)
    # pydantic classes bound to a model (`class FlowRun(ORMBaseModel)`, `VariableUpdate`): impact.extract.python.orm_schemas
    schemas = schema_classes({rel: text for rel, text, _ in run.texts}, {**run.other_models, **run.models}, python_reader(repo), use_cache)
    folders = package_folders(repo)  # workspace packages, read once: both browser marks use them
    references = _references(run, resolved, tables, columns, repo, use_cache, recreated, changing, schemas, folders)
    dropped = [(c.op.table, c.op.column_name) for c in contexts if c.op.kind == OpKind.DROP_COLUMN and c.op.table and c.op.column_name]
    if dropped:  # a TypeORM relation on the column, a variable holding its value
        references = dropped_column_lines(references, {rel: text for rel, text, _ in run.texts}, run.orm, dropped, repo)
        references = attribute_parameter_values(references, {rel: text for rel, text, _ in run.texts}, dropped, use_cache)  # `def f(col)` given `x.col`
    gone = [c.op.table for c in contexts if c.op.kind in (OpKind.DROP_TABLE, OpKind.RENAME_TABLE) and c.op.table]
    if gone:
        texts = [(rel, text, x.generated, queries) for rel, text, x, queries in resolved]
        from impact.orm.factory_types import factory_type_references  # a dropped or renamed table only
        from impact.orm.model_types import model_type_references  # (~1.5 ms of imports)
        from impact.orm.python_rows import python_row_references
        from impact.orm.relation_strings import relation_string_references
        from impact.orm.table_names import table_name_references
        from impact.orm.drizzle_mocks import table_mock_references

        renamed = [c.op.table for c in contexts if c.op.kind == OpKind.RENAME_TABLE and c.op.table]
        orm = with_python_models(run)
        named = model_type_references(texts, orm, gone, SourceLines(repo).get, renamed, repo_reader(repo))
        named += factory_type_references(texts, run.models, gone, named)
        named += python_row_references(texts, orm, gone, named)  # `containers = Containers.query.all()`, then `containers`
        # a dropped table's pydantic schemas go with it; a renamed one's model still maps them
        named += schema_name_references(((rel, text) for rel, text, *_ in texts), schemas, [t for t in gone if t not in renamed], named)
        named += relation_string_references(texts, orm, gone, named)  # `relationship("Rule")`, `ForeignKey("rule.id")`
        rows = row_references(texts, run.orm, gone, named) + table_name_references(texts, gone, named)
        references += named + _browser_marked(rows, run, resolved, folders)  # a component's `document.status`: a prop's
        dropped = [table for table in gone if table not in renamed]  # a renamed table keeps its variable
        references += table_mock_references(texts, run.orm, dropped, named)  # `workflowFolder: { id: 'id', ... }` in a schema mock
        references += table_type_references(((rel, text) for rel, text, *_ in texts), gone)  # a generated Kysely `DB` entry
    return references


def _browser_marked(found: list, run: ExtractionRun, resolved: list, folders: dict[str, bool]) -> list:
    """References in code that runs in a browser marked handed on: a "use client" module's (props and state,
    no rows), a browser SDK's or a UI kit's (a workspace package reaching no database client)."""
    querying = {file for file, _, _, queries in resolved if queries}
    browser_free = {(m.table or "").lower() for m in run.orm.models if m.orm in ("prisma", "drizzle")}  # no entity class in a browser
    found = mark_client_modules(found, {file: text for file, text, _ in run.texts}, querying, browser_free)
    return mark_dbless_packages(found, folders, querying)


def _resolved(run: ExtractionRun) -> list[tuple[str, str, object, list[Query]]]:
    """Each matching file with its queries' ORM calls resolved to tables: computed once per scan,
    for the column references and the model-type references alike."""
    return [(file, text, extraction, resolve_orm_queries(extraction.queries, run.orm)) for file, text, extraction in run.texts]


def _references(run: ExtractionRun, resolved: list, tables: list[str], columns: set[str], repo: Path,
                use_cache: bool = True, recreated: frozenset[str] = frozenset(), changing: frozenset[str] = frozenset(),
                schemas: list = (), folders: dict[str, bool] | None = None) -> list[ColumnReference]:
    """Names of changed columns in the matching files, as the database or an ORM spells them, and
    the model declarations that still map them."""
    orm = with_python_models(run)
    spellings = orm.spelled_columns(tables, columns, recreated, changing)
    declared = model_declarations(orm, tables, columns, repo)
    wrappers = wrapper_functions(((file, text, queries) for file, text, _, queries in resolved), tables)
    named = [(file, find_references(file, text, columns, queries, extraction.generated, spellings, wrappers))
             for file, text, extraction, queries in resolved]
    found = unplace_foreign_fields([r for _, refs in named for r in refs], orm.models)  # a Django field in TypeScript
    found = attribute_declarations(declared_only(found, orm), run.orm)
    texts = {file: text for file, text, _ in run.texts}
    models = {**run.other_models, **run.models}  # Python model classes by name, the affected tables' last
    found = attribute_class_attributes(attribute_receivers(found, texts.items(), models, use_cache), models)  # `Note.status`
    # deferred files whose parse can change a name; their unparsed names as found here
    found = settle(run, found, columns, spellings, wrappers, {file: refs for file, refs in named if file in run.deferred})
    # `fields = ('key', ...)` of a form whose `Meta.model` is the model (impact.extract.python.model_classes)
    found = attribute_model_classes(found, texts.items(), models, tables, use_cache)
    found = attribute_schema_classes(found, texts, schemas)  # `value: str = Field(` of VariableUpdate, `VariableCreate(value=...)`
    found = attribute_dumped_keys(found, texts, schemas)  # `d = deployment.dict()`, `d["work_pool_queue_id"] = ...`
    found = attribute_factory_calls(found, texts, models)  # `F.create(col=...)`
    found = attribute_model_argument_calls(found, texts, run.models)  # `make(M, col=...)`, `f = Factory(M)`, `f.create(col=...)`
    found = attribute_typed_literals(attribute_rows(found, texts, run.orm), texts, run.orm)
    found = attribute_checked_keys(found, texts, run.orm)  # `{ x: true } satisfies Prisma.MSelect`, `MSchema.pick({ x: true })`
    found = attribute_nested(found, ((file, text, queries) for file, text, _, queries in resolved), run.orm)
    found = attribute_zod_keys(attribute_table_receivers(found, run.orm, tables), texts, run.orm, tables)
    # `.on(table.col)` in a Drizzle table's config; `Omit<InferSelectModel<typeof t>, "col">`
    found = attribute_row_type_keys(attribute_table_configs(found, texts, run.orm), run.orm)
    reader = repo_reader(repo)
    found = attribute_row_variables(found, run.orm, tables, texts, reader)  # `collection.private` of a Sequelize model Collection
    found = attribute_this_reads(found, texts, run.orm, tables)  # `this.emoji` in a Sequelize model's own class
    found = attribute_self_reads(found, texts, models, tables)  # `self.end` in a Python model's own methods
    found = attribute_typed_entities(found, texts, run.orm, tables, reader)  # `budget.x`, `makeBudget({ x })` of a TypeORM entity type
    found = attribute_service_keys(found, texts, run.orm, tables, reader)  # `S.findBy({ select: { x: true } })`, S typed on an entity
    found = settle_compared_values(found, texts)  # a bare `x` the file's Drizzle filters compare with another column
    found = attribute_drizzle_rows(found, texts, run.orm, reader)  # `row.x` of `db.query.t.findFirst`, `const u: User = { x }`
    found = attribute_written_objects(attribute_field_map_rows(found, texts, run.orm), texts, run.orm)  # `row.x` of `const [row] = await db.select({ x: t.x })`, `{ x }` given to `.values(data)`
    found = attribute_returned_rows(found, texts, run.orm, reader)  # `admin.x` of `const admin = await findUserById(id)`
    found = attribute_imported_rows(found, texts, run.orm, reader)  # `document.status` of `const document = await getEntireDocument(...)`
    found = attribute_trigger_rows(found, texts.items(), tables, columns)
    found = attribute_qualified_columns(found, texts, tables, run.orm)  # `session.hostname`, `referrer like $1` in an SQL fragment
    found = attribute_row_type_members(found, texts)  # `sys_id: ...` in a generated Kysely `DB` interface's row type
    found = attribute_knex_row_types(found, texts)  # a member of `T` in `knex<T>("t")`, a key of `const x: T = {`
    found = attribute_knex_schema_code(found, texts)  # `table.datetime("c")` in code's `knex.schema.createTable("t", ...)`
    found = settle_alternatives(found, orm, spellings)  # `userEmail`, several tables' columns: the one its table maps
    found = _browser_marked(found, run, resolved, package_folders(repo) if folders is None else folders)
    found = keep_prisma_fixtures(found, {(m.table or "").lower() for m in run.orm.models if m.orm == "prisma"})
    seen = {(r.file, r.line, r.column) for r in declared}
    return declared + [r for r in found if (r.file, r.line, r.column) not in seen]


def _deploy_window(repo: Path, release_base: str, parsed: ParsedMigration, base: Catalog, config: Config, migration: LocatedMigration,
                   tables: list[str], columns: set[str], rules: tuple, head_findings: list[Finding], head_queries: list[Query],
                   use_cache: bool) -> list[Finding]:
    """Judge the same migration against the running release's code (see impact.deploy_window)."""
    from impact import deploy_window

    templates = {r.id: r for r in rules}
    release = deploy_window.checkout_release(repo, release_base)
    try:
        run = extract_repo(release.tree, tables, columns, config, migration, use_cache=use_cache)
        other = _other_database(run)
        wanted = {t.lower() for t in tables}
        queries = [q for q in run.queries if q.table is not None and q.table.lower() in wanted and query_key(q) not in other]
        contexts = build_contexts(parsed.operations, base, config.pg_version)
        attach_code(contexts, queries, _code_references(run, contexts, tables, columns, release.tree, use_cache))
        run.cache.save_pack()
        if config.migrations_run == "after-deploy":
            return deploy_window.early_reader_findings(contexts, head_queries, queries, templates)
        found = judge(contexts, queries, rules).findings
        return deploy_window.running_release_findings(head_findings, found, contexts, release.label, templates)
    finally:
        release.close()


def _ignored(findings: list[Finding], parsed: ParsedMigration, migration: LocatedMigration, repo: Path, run: ExtractionRun, rules: tuple):
    """Apply inline ignores; an ignore that suppresses nothing becomes a finding itself."""
    from impact.judge.ignores import apply_ignores, code_directives, migration_directives, unused_findings

    directives = migration_directives(parsed, _display(migration.path, repo))
    directives += code_directives([(rel, text) for rel, text, _ in run.texts])
    if not directives or not parsed.operations:  # no operation (a state-only Django migration): nothing to suppress
        return findings, []
    result = apply_ignores(findings, directives)
    template = next((r for r in rules if r.id == "unused-ignore"), None)  # None: turned off in the config
    unused = unused_findings(result.unused, template, parsed.operations[0]) if template and parsed.operations else []
    return result.findings + unused, result.suppressed


def _checked_repo(repo: Path) -> Path:
    if not repo.exists():
        raise InputError(f"repository {repo} does not exist", "pass the path of a checked-out repository")
    if not repo.is_dir():
        raise InputError(f"{repo} is not a directory", "pass the repository's root folder")
    try:
        next(repo.iterdir(), None)
    except OSError as exc:
        raise InputError(f"cannot read repository {repo}: {exc.strerror}", "check its permissions") from None
    return repo.resolve()
