"""Walk the repo, pre-filter, and extract queries from every file that may mention the migration.

Files that cannot mention an affected table or column are never parsed; what a file yields is
cached by content hash; parsing runs in worker processes when there is enough of it.

Known limit: a model user that names no changed table or column, and holds an affected model's
class name only inside a longer name, is not parsed: its syntax error or its query on a table given
by a variable is not reported, as for any file naming nothing (xfail in test_prefilter_model_users).
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from impact import collector
from impact.cache import ExtractionCache, cache_key
from impact.config import Config
from impact.errors import bounded_line
from impact.extract import Extractor, extractor_name, extractor_of, load_extractor, suffixes
from impact.extract.python.app_labels import AppLabels
from impact.extract.python.blocks import names_a_model
from impact.extract.python.models import is_models_module
from impact.orm.typeorm_extensions import bind_extensions
from impact.orm.computed_tables import by_module_name, has_unnamed, name_computed_tables, name_key, stem_matches
from impact.orm.inherited_columns import inherit_columns
from impact.extract_guard import FILE_SECONDS, FileTimeout, time_budget
from impact.cut_parses import plan as plan_cuts
from impact.extraction_jobs import cacheable, run_jobs
from impact.files import UNREADABLE_DIR, UNREADABLE_FILE, SourceFile, walk
from impact.source_text import mentions_any, read_source
from impact.history_files import History, history_of, is_migration
from impact.idle_parses import column_finder, skip_idle_attribution
from impact.late_parses import defer
from impact.locate import LocatedMigration, known_folders
from impact.model import Extraction, FileIssue, Query
from impact.positions import DYNAMIC_TABLE, TablePositions, query_position_pattern
from impact.text_looks import TextLooks, model_words
from impact.verdicts import Verdicts
from impact.orm.import_sources import repo_reader
from impact.orm.python_imports import PYTHON_QUERY_ORMS, foreign_model_uses
from impact.orm.typeorm_imports import drop_foreign_entity_calls
from impact.orm import (CODE_DECLARATION_SUFFIXES, DECLARATION_SUFFIXES, OrmMap, build_orm_map, declares_models,
                        is_declaration_file, resolve_orm_queries)

NOT_READ_REASONS = ("binary", "not UTF-8", UNREADABLE_DIR, UNREADABLE_FILE)


@dataclass
class ExtractionRun:
    queries: list[Query] = field(default_factory=list)
    texts: list[tuple[str, str, Extraction]] = field(default_factory=list)  # files that mention the migration
    file_issues: list[FileIssue] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    files_seen: int = 0
    files_matched: int = 0
    files_parsed: int = 0
    cache_hits: int = 0
    generated_files: list[str] = field(default_factory=list)
    models: dict = field(default_factory=dict)  # ORM class name -> ModelInfo, for the affected tables
    other_models: dict = field(default_factory=dict)  # the same, for the other tables of the files read
    orm: OrmMap = field(default_factory=OrmMap)  # the repo's ORM declarations (schema.prisma, ...)
    attribution_only: set[str] = field(default_factory=set)  # parsed only to attribute column names
    declaring: set[str] = field(default_factory=set)  # TS/JS files that declare ORM models (never "of no interest")
    deferred: set[str] = field(default_factory=set)  # attribution-only files parsed only if needed (late_parses.py)
    cache: Any = None  # the ExtractionCache, for the late parses
    looks: TextLooks = field(default_factory=TextLooks, repr=False, compare=False)  # asked by several passes, once


def extract_repo(repo: Path, tables: list[str], columns: set[str], config: Config, migration: LocatedMigration,
                 progress: Callable[[int, int], None] | None = None, use_cache: bool = True) -> ExtractionRun:
    run = ExtractionRun()
    folders = known_folders(repo, config) + ([migration.folder] if migration.folder else [])
    migration_dirs = [f.relative_to(repo).as_posix() + "/" for f in folders if f.is_relative_to(repo) and f != repo]
    history = history_of(repo, config)  # a framework's migrations, never code evidence (history_files.py)
    files, stats = walk(repo, suffixes=suffixes() | set(DECLARATION_SUFFIXES), exclude=config.exclude)
    run.files_seen = stats.seen
    run.skipped.update(stats.skipped)
    # Files and folders that could not be read are named (and lower the confidence), never just counted.
    run.file_issues.extend(i for i in stats.skipped_files if i.reason.startswith(NOT_READ_REASONS))
    # IMPACT_NO_CACHE / IMPACT_CACHE_DIR: read by the cache itself. The pack (one file a warm scan
    # reads instead of one entry per file) is per repo and per names looked for.
    pack = "\0".join([str(repo.resolve()), *sorted(tables), *sorted(columns)])
    cache = run.cache = ExtractionCache(enabled=use_cache, pack=pack)
    verdicts = Verdicts(cache, [n for n in (*tables, *columns) if n])
    files, read = _read_declarations(files, run, history, cache, [n for n in (*tables, *columns) if n], verdicts)
    # ORM code names a model and its fields, not the table and its columns: look for those spellings too.
    needles = [n for n in (*tables, *columns, *run.orm.spellings(tables, columns)) if n]
    run.looks.words = model_words(tables)
    spelled = len(needles) > len([n for n in (*tables, *columns) if n])
    orm_calls = run.orm.call_pattern(tables)
    table_position = TablePositions(tables, query_position_pattern(tables, orm_calls), DYNAMIC_TABLE, orm_calls)
    pending: list[tuple[str, str, str]] = []
    unmatched_model_users: list[SourceFile] = []  # files of a language with ORM models: may use a model class
    reference_only: list[tuple[str, str]] = []
    positioned: set[str] = set()  # queued for a table in query position or the extractor's markers
    scanned = os.fspath(migration.path)
    for source in files:
        if is_migration(source, migration_dirs, scanned) or os.fspath(source.where) in history:
            run.skipped["migration file"] += 1
            continue
        if verdicts.of_no_interest(source, needles):  # unchanged since a scan found it names none (remembered again)
            run.skipped["does not mention the migration's tables"] += 1
            if _has_models(source.rel):
                unmatched_model_users.append(source)
            continue
        named = False  # read by _read_declarations and kept: it names a table or column, so one of `needles`
        if source.rel in read:
            text = read.pop(source.rel)
            named = text is not None and text is not NOT_KEPT
        else:
            text = _read(source, run)
        if text is NOT_KEPT:  # names none of the tables and columns: read again only for ORM spellings
            text = _read(source, run) if spelled else ""
        lowered = text.lower() if text is not None and not named else None  # once: mentions_any's, and the positions'
        if text is None or not (named or any(needle.lower() in lowered for needle in needles)):
            run.skipped["does not mention the migration's tables"] += text is not None
            if text is not None and _has_models(source.rel):
                unmatched_model_users.append(source)
                run.looks.note_words(source.rel, lowered)
            if text is not None and source.rel not in run.declaring:
                verdicts.remember(source)
            continue
        run.files_matched += 1
        # The pre-filter each extractor declares (impact/extract/__init__.py): its markers, its other queries.
        extractor = extractor_of(source.rel)
        if table_position.search(text, lowered) or (extractor and extractor.parses(text)):
            positioned.add(source.rel)  # parsed whole (cut_parses.py)
        else:
            if extractor is None or not extractor.other_query.search(text):
                # Names a changed column but never a table in query position: read for references only.
                reference_only.append((source.rel, text))
                continue
            # Queries other tables: parsed too, so that its own queries can tell which table a bare
            # column name belongs to (extract/references.py), instead of blaming the changed one.
            run.attribution_only.add(source.rel)
        _queue(run, cache, source.rel, text, pending)
    labels = AppLabels(repo)  # a Django app's label from its apps.py, for its models' default tables
    queued = _queue_model_users(run, cache, pending, unmatched_model_users, reference_only, tables, columns, verdicts, labels)
    defer(run, pending)  # first: a deferred file needs no look for names its queries could place
    skip_idle_attribution(run, pending, tables, columns)
    run.texts.extend((rel, text, Extraction()) for rel, text in reference_only if rel not in queued)
    cuts = plan_cuts(run, cache, pending, positioned, needles, tables, columns, lambda r, t, x: _collect(run, r, t, x))
    # Each result reaches the cache as soon as it arrives: a scan stopped half-way keeps its work.
    results = run_jobs([(r, t, cuts[r]) if r in cuts else (r, t) for r, t, key in pending if key is not None], progress)
    for rel, text, key in pending:
        if key is None:  # not worth parsing (_queue_model_users, idle_parses.py)
            _collect(run, rel, text, Extraction())
            continue
        extraction = next(results)
        run.files_parsed += 1
        if cacheable(extraction):
            cache.put(key, extraction)
        _collect(run, rel, text, extraction)
    # Cached results arrive before parsed ones: order by file (stable, so each file keeps its own
    # order) so that a cold and a warm scan print the same report.
    run.queries.sort(key=lambda q: q.file)
    run.texts.sort(key=lambda t: t[0])
    run.file_issues.sort(key=lambda i: i.file)
    verdicts.save(needles, list(run.models))
    # The pack is saved by the caller once the late parses are done (pipeline.py): it holds theirs too.
    _drop_attribution_only(run)
    run.looks.clear()
    run.queries = labels.queries(run.queries)
    run.texts = [(rel, text, labels.extraction(extraction)) for rel, text, extraction in run.texts]
    # `manager.find(Store, …)` with `Store` imported from another module than the entity's (impact.orm.typeorm_imports)
    texts = {rel: text for rel, text, _ in run.texts}
    run.queries = drop_foreign_entity_calls(run.queries, texts, run.orm, repo_reader(repo))
    run.queries = bind_extensions(run.queries, texts.values())  # TypeORM's `getRepository(E).extend(name)`
    _drop_foreign_models(run, foreign_model_uses(run.queries, texts, run.models, repo))  # another app's `Query`
    run.queries = resolve_orm_queries(run.queries, run.orm, run.models)
    return run


def _drop_foreign_models(run: ExtractionRun, foreign: set[tuple[str, int, str]]) -> None:
    """Forget the Python ORM queries on another module's class of an affected model's name, in the
    run and in each file's extraction (whose queries type the rows impact.orm.python_rows follows)."""
    if not foreign:
        return
    own = lambda q: q.orm not in PYTHON_QUERY_ORMS or (q.file, q.line, q.model) not in foreign  # noqa: E731
    run.queries = [q for q in run.queries if own(q)]
    run.texts = [(rel, text, replace(x, queries=[q for q in x.queries if own(q)]) if any(not own(q) for q in x.queries) else x)
                 for rel, text, x in run.texts]


def _has_models(rel: str) -> bool:
    """Whether `rel`'s language declares ORM model classes (its extractor's model_markers)."""
    extractor = extractor_of(rel)
    return bool(extractor and extractor.model_markers)


NOT_KEPT: Any = object()  # a text read by _read_declarations and not kept (it mentions no table or column)


def _read_declarations(files: list[SourceFile], run: ExtractionRun, history: History | set[str], cache: ExtractionCache,
                       needles: list[str], verdicts: Verdicts) -> tuple[list[SourceFile], dict[str, str | None]]:
    """Build the ORM map from the declaration files the walk found; return the other files, and
    the texts of the TS/JS files read on the way (Drizzle tables are declared in code, told by
    its text): the walk uses those instead of reading them again (None: unreadable, reported).
    Only texts that mention `needles` are kept (NOT_KEPT otherwise): keeping every TS/JS text of
    an 80k-file repo until the walk reached it was most of the scan's peak memory. A file an earlier
    scan found of no interest, and unchanged since, is not read (verdicts.py)."""
    texts, read, others = [], {}, []
    for source in files:
        if is_declaration_file(source.rel):
            text = _read(source, run)
        else:
            others.append(source)
            if not source.rel.endswith(CODE_DECLARATION_SUFFIXES) or os.fspath(source.where) in history:
                continue
            if verdicts.declares_nothing(source):
                continue
            text = _read(source, run)
            read[source.rel] = text if text is None or mentions_any(text, needles) else NOT_KEPT
            if text is not None and not declares_models(source.rel, text):
                continue
            run.declaring.add(source.rel)
        if text is not None:
            texts.append((source.rel, text))
    run.orm = build_orm_map(texts, cache)
    return others, read


def _queue(run: ExtractionRun, cache: ExtractionCache, rel: str, text: str, pending: list) -> None:
    key = cache_key(text, extractor_name(rel), rel)
    cached = cache.get(key)
    if cached is not None:
        run.cache_hits += 1
        _collect(run, rel, text, cached)
    else:
        pending.append((rel, text, key))


def _queue_model_users(run: ExtractionRun, cache: ExtractionCache, pending: list, unmatched: list[SourceFile],
                       reference_only: list[tuple[str, str]], tables: list[str], columns: set[str],
                       verdicts: Verdicts, labels: AppLabels | None = None) -> set[str]:
    """ORM code names a model class, not its table: find the models of the affected tables, then
    also parse the files that use those classes (in a language whose extractor declares
    model_markers). Returns the reference-only files queued."""
    # A model file names its columns, rarely its table in query position: often read for references only.
    candidates = [(rel, text) for rel, text, _ in run.texts] + [(r, t) for r, t, _ in pending] + reference_only
    # The other models modules too: their models tell whether a field name (`virtual_machine`) is
    # one affected model's or also other models' (impact.orm.mapping.spelled_columns).
    # ("models" in rel first: is_models_module builds a path per call, and this asks for every file.)
    candidates += [(s.rel, text) for s in unmatched if "models" in s.rel and is_models_module(s.rel) and (text := _read(s, run))]
    definers = [(extractor_of(rel), rel, text) for rel, text in candidates if run.looks.may_declare_models(rel, text)]
    if not definers:
        return set()
    wanted = {t.lower() for t in tables}
    found = {rel: _models_in(cache, extractor, rel, text) for extractor, rel, text in definers}
    if labels is not None:
        found = {rel: labels.models(models) for rel, models in found.items()}
    load = _module_loader(run, cache, unmatched)
    found = _with_inherited_columns(found, load)
    texts = _module_texts(run, candidates, unmatched)
    for model in [m for models in found.values() for m in models] + _computed_tables(found, load, texts):
        if model.table and model.table.lower() in wanted:
            run.models[model.name] = model
        elif model.table:  # another table's model: its rows' attributes are its own (typed receivers)
            run.other_models.setdefault(model.name, model)
    if not run.models:
        return set()
    names = list(run.models)
    queued = set()
    # A file naming no affected table in query position is parsed for its queries on a model of an
    # affected table, and those name the class as a whole, case-sensitive identifier (`CheckoutLine`,
    # not `CheckoutLineInfo` nor `checkout_line`): only such files are parsed, and the reference-only
    # ones where the reference finder sees a changed column (their queries on other tables place
    # it). What the others could still have added (a query on a table given by a variable, a syntax
    # error) is what any file naming nothing adds: not looked for (issue 13). The others keep their
    # place among the results, unparsed (their ignore comments still count).
    places = column_finder(run, tables, columns)
    for rel, text in reference_only:
        if _has_models(rel) and run.looks.uses_models(rel, text, run.models):
            queued.add(rel)
            if names_a_model(text, names) or places(rel, text):
                _queue(run, cache, rel, text, pending)
            else:
                pending.append((rel, text, None))
    for source in unmatched:
        if verdicts.names_no_model(source, names):  # unchanged since a scan found it names none of them
            continue
        if run.looks.names_none(source.rel, run.models):  # as its first reading showed (text_looks.py)
            verdicts.remember(source, no_model=True)
            continue
        text = _read(source, run)
        if text is not None and mentions_any(text, names):
            run.files_matched += 1  # still counted as matching: what is parsed of them is the question
            if names_a_model(text, names):
                _queue(run, cache, source.rel, text, pending)
            else:
                pending.append((source.rel, text, None))
        elif text is not None:
            verdicts.remember(source, no_model=True)
    return queued


def _module_loader(run: ExtractionRun, cache: ExtractionCache, unmatched: list[SourceFile]) -> Callable[[str], list[tuple[str, list]]]:
    """`load(stem)`: the models of the repository's files at a module path that the scan did not
    read for its names (a base's file: impact/orm/computed_tables.py, inherited_columns.py)."""
    by_name: dict[str, list[SourceFile]] = {}  # computed_tables.by_module_name, on first use: most scans load nothing

    def load(stem: str) -> list[tuple[str, list]]:
        if not by_name:
            by_name.update(by_module_name((s for s in unmatched if s.rel.endswith(".py")), lambda s: s.rel))
        files = [s for s in by_name.get(name_key(stem), ()) if stem_matches(s.rel, stem)]
        return [(s.rel, _models_in(cache, extractor_of(s.rel), s.rel, text)) for s in files if (text := _read(s, run)) is not None]
    return load


def _with_inherited_columns(found: dict[str, list], load: Callable[[str], list[tuple[str, list]]]) -> dict[str, list]:
    """Each model with the columns its bases of other files lend it (impact/orm/inherited_columns.py)."""
    inherited = inherit_columns(found, load)
    if not inherited:
        return found
    return {rel: [inherited.get((m.file, m.name), m) for m in models] for rel, models in found.items()}


def _module_texts(run: ExtractionRun, candidates: list[tuple[str, str]],
                  unmatched: list[SourceFile]) -> Callable[[str], list[tuple[str, str]]]:
    """`texts(stem)`: the (file, text) of the Python modules at a module path, where a computed
    `__tablename__` imports a constant from (impact/orm/computed_tables.py); read on use only."""
    def texts(stem: str) -> list[tuple[str, str]]:
        held = [(rel, text) for rel, text in candidates if rel.endswith(".py") and stem_matches(rel, stem)]
        return held or [(s.rel, text) for s in unmatched
                        if s.rel.endswith(".py") and stem_matches(s.rel, stem) and (text := _read(s, run)) is not None]
    return texts


def _computed_tables(found: dict[str, list], load: Callable[[str], list[tuple[str, list]]],
                     texts: Callable[[str], list[tuple[str, str]]]) -> list:
    """The models whose table a declarative base of another file computes (impact/orm/computed_tables.py);
    a base's file the scan did not read for its names is read here (none when no class waits for one)."""
    if not has_unnamed(m for models in found.values() for m in models):
        return []
    return name_computed_tables(found, load, texts)


def _models_in(cache: ExtractionCache, extractor: Extractor, rel: str, text: str) -> list:
    """The models one file defines (its extractor module's `models_in`, its `ModelInfo`), cached by
    content like every extraction: a warm scan of a Django app otherwise parsed every model file
    again (issue 13)."""
    module = load_extractor(extractor.name)
    key = cache_key(text, f"{extractor.name}-models", rel)
    cached = cache.get(key, list[module.ModelInfo])
    if cached is not None:
        return cached
    models_in = module.models_in
    collector.resume()  # a parse (impact.collector)
    try:
        with time_budget(FILE_SECONDS):
            models = models_in(rel, text)
    except (Exception, FileTimeout):  # noqa: BLE001 - the file's own extraction reports the failure (isolation)
        return []
    cache.put(key, models)
    return models


def _drop_attribution_only(run: ExtractionRun) -> None:
    """Files parsed only to attribute column names add no queries and no blind spots, unless they
    turn out to use a model class of an affected table (only they are looked at)."""
    users = {rel for rel, text, _ in run.texts if run.models and rel in run.attribution_only and _has_models(rel)
             and run.looks.uses_models(rel, text, run.models)}
    drop = run.attribution_only - users
    if drop:
        run.queries = [q for q in run.queries if q.file not in drop]
        run.file_issues = [i for i in run.file_issues if i.file not in drop]


def _read(source: SourceFile, run: ExtractionRun) -> str | None:
    text = read_source(source)
    if isinstance(text, FileIssue):
        run.skipped[text.reason.split(" (")[0]] += 1
        run.file_issues.append(text)
        return None
    return text


def _collect(run: ExtractionRun, rel: str, text: str, extraction: Extraction) -> None:
    run.queries.extend(extraction.queries)
    # A parser's message may quote the file (pages of it): every report shows one bounded line.
    run.file_issues.extend(FileIssue(i.file, bounded_line(i.reason, 300)) for i in extraction.issues)
    run.texts.append((rel, text, extraction))
    if extraction.generated:
        run.generated_files.append(rel)
