"""ORM queries (SQLAlchemy, Django) as Query records, and their resolution through models.

The ORM finders (python.sqlalchemy, python.django) describe each query as `OrmUse`s in terms of the
model class and its Python attribute names. Turning those into tables and columns needs the
model: when it is defined in the same file it is resolved here; otherwise the query keeps
`table=None` (and `model_file=None`) with its `model`, and `resolve_model_queries` finishes the job
once the pipeline has indexed every file's models (called by impact.orm.resolve, the one resolver).
The note says the same for people ("model=Note; ORM loads all mapped columns"), written from the
query's fields by `_note`; nothing reads it back (issue 8 §5).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from impact.extract.python.facts import Facts
from impact.extract.python.models import ModelInfo
from impact.model import Confidence, Query, QueryKind

LOADS_ALL = "ORM loads all mapped columns"
WRITES_ALL = "ORM writes all mapped columns"
ELSEWHERE = "model defined in another file"
UNKNOWN_WRITES = "written columns unknown"


@dataclass
class OrmUse:
    """How one ORM statement uses one model, in the model's own (Python attribute) names."""

    model: str
    kind: QueryKind
    line: int
    end_line: int
    extractor: str
    attributes: list[str] = field(default_factory=list)  # the columns of its kind
    filters: list[str] = field(default_factory=list)
    columns_known: bool = True
    all_columns: bool = False  # SELECT_STAR / Django save(): every mapped column is involved
    method: str = ""  # the call deciding its kind (Query.method)

    def add(self, bucket: str, *names: str) -> None:
        values = getattr(self, bucket)
        for name in names:
            if name and name not in values:
                values.append(name)


def orm_queries(facts: Facts, models: list[ModelInfo]) -> list[Query]:
    # Imported here: both finders import OrmUse from this module.
    from impact.extract.python.django import django_uses
    from impact.extract.python.sqlalchemy import sqlalchemy_uses

    registry = {model.name: model for model in models}
    uses = sqlalchemy_uses(facts, registry) + django_uses(facts, registry)
    return [_query(facts, use, registry.get(use.model)) for use in uses]


def _query(facts: Facts, use: OrmUse, model: ModelInfo | None) -> Query:
    unresolved = Query(
        file=facts.path,
        line=use.line,
        end_line=max(use.end_line, use.line),
        language="python",
        extractor=use.extractor,
        kind=use.kind,
        table=None,
        columns=tuple(use.attributes),
        filter_columns=tuple(use.filters),
        confidence=Confidence.LOW,
        columns_known=use.columns_known,
        snippet=facts.snippet(use.line),
        note=_note(use.model, use.kind, use.all_columns, use.columns_known, resolved=False),
        model=use.model, orm=use.extractor, all_columns=use.all_columns, method=use.method or None,
    )
    return _resolved(unresolved, model) if model is not None else unresolved


def _note(model: str, kind: QueryKind, all_columns: bool, columns_known: bool, resolved: bool) -> str:
    """The sentence for people: the model, what the ORM adds, what is not known yet."""
    notes = [f"model={model}"]
    if all_columns:
        notes.append(WRITES_ALL if kind in (QueryKind.UPDATE, QueryKind.INSERT) else LOADS_ALL)
    if not columns_known:
        notes.append(UNKNOWN_WRITES)
    return "; ".join(notes if resolved else notes + [ELSEWHERE])


def resolve_model_queries(queries: Iterable[Query], models: Mapping[str, ModelInfo], *,
                          drop_unknown: bool = True) -> list[Query]:
    """Give ORM queries whose model lives in another file their table and columns.

    `models`: class name -> ModelInfo over the whole project (from `models_in`). A query naming
    a class that is no model anywhere was a guess (a capitalised class that only looked like a
    model): dropped when `drop_unknown`, kept as is otherwise. Other queries pass through.
    """
    resolved = []
    for query in queries:
        waiting = query.table is None and query.model is not None and query.language == "python"
        if not waiting:
            resolved.append(query)
        elif query.model in models:
            resolved.append(_resolved(query, models[query.model]))
        elif not drop_unknown:
            resolved.append(query)
    return resolved


def _resolved(query: Query, model: ModelInfo) -> Query:
    """Attribute names -> column names (dropping relationships and properties, which are no
    columns), and every mapped column for the queries that involve them all: those the code did
    not name are `implicit_columns`."""
    columns = _columns(model, query.columns)
    filters = _columns(model, query.filter_columns)
    named = set(columns + filters)
    known = query.columns_known
    if query.all_columns:
        columns, known = model.columns, True
    elif query.kind is QueryKind.INSERT and model.client_defaults:
        # SQLAlchemy fills a Python-side `default=` into every INSERT that does not give the column.
        columns = tuple(dict.fromkeys(columns + model.client_defaults))
    return dataclasses.replace(
        query, columns_known=known,
        table=model.table,
        schema=model.schema,
        columns=columns,
        filter_columns=filters,
        implicit_columns=tuple(c for c in columns if c not in named),
        confidence=Confidence.MEDIUM if model.table else Confidence.LOW,
        note=_note(query.model or model.name, query.kind, query.all_columns, known, resolved=True),
        model_file=model.file,
    )


def _columns(model: ModelInfo, attributes: Iterable[str]) -> tuple[str, ...]:
    mapped = (model.column_for(attribute) for attribute in attributes)
    return tuple(dict.fromkeys(column for column in mapped if column))
