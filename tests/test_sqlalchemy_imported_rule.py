"""A declarative base's `__tablename__` that uses a constant imported from another module (issue 8;
impact/extract/python/table_naming.py `definitions`, impact/orm/computed_tables.py `resolved`):
`CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()`, CAMEL_TO_SNAKE a `re.compile(...)` of another file.
fixtures/apps/jobs-sqlalchemy-imported-rule is the app written for it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from impact.extract.python.extractor import models_in
from impact.extract.python.table_naming import (UNKNOWN, definition_of, pending_imports, table_for, table_rule,
                                                with_definitions)
from impact.orm.computed_tables import name_computed_tables, stem_matches
from impact.pipeline import scan

APP = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "jobs-sqlalchemy-imported-rule"
MODELS = "jobs/db/models.py"
NAMING = "jobs/utilities/naming.py"


def _evidence(migration: str) -> dict[str, list[str]]:
    result = scan(APP, migration, use_cache=False)
    return {f.rule_id: sorted(f"{e.file}:{e.line}" for e in f.evidence) for f in result.findings if f.evidence}


def test_a_dropped_column_of_a_table_named_with_an_imported_regex_is_found() -> None:
    evidence = _evidence("0002")
    # `select(JobRun.legacy_note)` and `session.query(JobRun)`: the model still declares the column.
    assert evidence["dropped-column-still-used"] == ["jobs/service.py:15", "jobs/service.py:7"]
    assert evidence["orm-model-declares-changed-column"] == ["jobs/db/models.py:17"]


def test_a_model_naming_its_own_table_with_a_declared_attr_gets_that_table() -> None:
    # RunEvent's own `declared_attr` returns "events"; JobRun's same-named column is not evidence.
    evidence = _evidence("0003")
    assert evidence["dropped-column-still-used"] == ["jobs/service.py:11"]
    assert evidence["orm-model-declares-changed-column"] == ["jobs/db/models.py:25"]


def _texts(stem: str) -> list[tuple[str, str]]:
    return [(rel, (APP / rel).read_text()) for rel in (MODELS, NAMING) if stem_matches(rel, stem)]


def test_per_file_the_models_wait_for_the_import_and_the_repository_pass_reads_it() -> None:
    found = {MODELS: models_in(MODELS, (APP / MODELS).read_text())}
    assert [(m.name, m.table, m.bases) for m in found[MODELS]] == [
        ("Base", None, ()), ("JobRun", None, ("=jobs/db/models:Base",)), ("RunEvent", "events", ())]
    assert pending_imports(found[MODELS][0].table_rule) == [("CAMEL_TO_SNAKE", "jobs/utilities/naming:CAMEL_TO_SNAKE")]
    named = {m.name: (m.table, m.columns) for m in name_computed_tables(found, lambda stem: [], _texts)}
    assert named == {"JobRun": ("job_run", ("id", "name", "legacy_note"))}
    # Without the other file's text the table stays unknown, never guessed.
    assert name_computed_tables(found, lambda stem: []) == []


def _rule(source: str) -> str | None:
    module = ast.parse(source)
    return table_rule(next(n for n in module.body if type(n) is ast.ClassDef), module, "app/models.py")


BASE = "class Base(DeclarativeBase):\n    @declared_attr.directive\n    def __tablename__(cls):\n        return {}\n"


@pytest.mark.parametrize(("source", "table"), [
    # A module-level compiled regex of the same file, annotated or not.
    ("import re\nSNAKE: re.Pattern[str] = re.compile(r'(?<!^)(?=[A-Z])')\n"
     + BASE.format("SNAKE.sub('_', cls.__name__).lower()"), "h_t_t_p_event_log2_item"),
    ("import re\nSNAKE = re.compile('([a-z0-9])([A-Z])')\n"
     + BASE.format("SNAKE.sub(r'\\1_\\2', cls.__name__).lower()"), "httpevent_log2_item"),
    # A literal constant used by the rule.
    ("PREFIX = 'app_'\n" + BASE.format("PREFIX + cls.__name__.lower()"), "app_httpeventlog2item"),
])
def test_module_level_constants_of_the_same_file_are_read(source: str, table: str) -> None:
    assert table_for(_rule(source), "HTTPEventLog2Item") == table


def test_an_imported_helper_function_is_read_from_its_module() -> None:
    rule = _rule("from app.naming import snake\n" + BASE.format("snake(cls.__name__)"))
    assert pending_imports(rule) == [("snake", "app/naming:snake")]
    assert table_for(rule, "JobRun") is None  # pending: never guessed
    helper = ast.parse("import re\nCAPS = re.compile('(?<!^)(?=[A-Z])')\ndef snake(name):\n"
                       "    return CAPS.sub('_', name).lower()\n")
    assert table_for(with_definitions(rule, "snake", definition_of("snake", helper, "app/naming.py")), "JobRun") == "job_run"


def test_a_constant_computed_by_another_call_is_not_read() -> None:
    # Anything but `re.compile` of a literal: the rule is UNKNOWN, the table unknown.
    assert _rule("import os\nPREFIX = os.environ['PREFIX']\n" + BASE.format("PREFIX + cls.__name__")) == UNKNOWN


@pytest.mark.xfail(strict=True, reason="known limit: a name a package's __init__.py re-exports from one of its "
                   "modules is looked for in that __init__ only, not followed to the module defining it")
def test_a_constant_re_exported_by_a_package_init_is_read() -> None:
    found = {MODELS: models_in(MODELS, (APP / MODELS).read_text().replace("jobs.utilities.naming", "jobs.utilities"))}
    init = "from jobs.utilities.naming import CAMEL_TO_SNAKE\n"
    texts = {"jobs/utilities/__init__.py": init, NAMING: (APP / NAMING).read_text()}
    named = name_computed_tables(found, lambda stem: [], lambda stem: [(r, t) for r, t in texts.items() if stem_matches(r, stem)])
    assert [m.table for m in named] == ["job_run"]


@pytest.mark.xfail(strict=True, reason="known limit: an imported module's attribute (`from jobs.utilities import "
                   "naming`, then `naming.CAMEL_TO_SNAKE`) is not followed: only imported names are")
def test_a_constant_read_as_an_imported_modules_attribute_is_read() -> None:
    source = (APP / MODELS).read_text().replace("from jobs.utilities.naming import CAMEL_TO_SNAKE", "from jobs.utilities import naming")
    found = {MODELS: models_in(MODELS, source.replace("return CAMEL_TO_SNAKE.sub", "return naming.CAMEL_TO_SNAKE.sub"))}
    assert [m.table for m in name_computed_tables(found, lambda stem: [], _texts)] == ["job_run"]
