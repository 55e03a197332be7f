"""Columns a Python model inherits from a base class of another file (issue 8).

Django projects keep their abstract bases apart from the models (saleor's `Warehouse(ModelWithMetadata,
ModelWithExternalReference)` takes `metadata`, `private_metadata` and `external_reference` from
saleor/core/models.py), SQLAlchemy ones their mixins (dispatch's `TimeStampMixin(object)` lends
`created_at`). Each file's models are read on their own and cached on the file's text
(impact/extract/python/models.py), so a model lists where its other-file bases come from (`bases`), and
the classes that only lend columns are listed without a table; this repository-level pass follows
the bases and gives each model the columns its ORM maps. Without it, dropping `external_reference`
left saleor's 210 ORM queries on warehouse_warehouse "unaffected" though every one of them selects it.

Semantics followed (Django's and SQLAlchemy's): a base without a table lends its columns (its own
bases' first, then its own; the model's own declarations win); a base with a table is a mapped parent
(Django multi-table or SQLAlchemy joined inheritance): its columns live in its table, not lent. Each
inherited attribute records the base declaring it (`ModelInfo.inherited`); a declaration is reported
on the model's class line, which names the base and is where this table's fix goes (impact.orm.declarations).

Known limit (xfail in tests/test_inherited_columns.py): a Django abstract base's primary key of
another name than `id` does not replace the implicit `id` of the model that inherits it.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from impact.orm.computed_tables import BaseFinder

_DEPTH = 8  # bases of bases across files


def inherit_columns(by_file: dict[str, list], load: Callable[[str], list[tuple[str, list]]]) -> dict[tuple[str, str], object]:
    """(file, class name) -> the model with the columns of its bases of other files, for each model
    of `by_file` (file -> its ModelInfos, models_in) with a table and such a base that lends some."""
    if not any(m.table and m.bases for models in by_file.values() for m in models):
        return {}  # most repositories: no pass, no file loaded
    lender = _Lender(by_file, load)
    out = {}
    for models in list(by_file.values()):
        for model in models:
            if model.table and model.bases:
                lent = lender.lent(model, 0)
                if lent.columns:
                    out[(model.file, model.name)] = _with(model, lent)
    return out


@dataclasses.dataclass(frozen=True)
class _Lent:
    columns: dict[str, tuple[str, str, int]]  # attribute -> (column, declaring file, declaring class line)
    primary_key: tuple[str, ...] = ()
    client_defaults: tuple[str, ...] = ()


_NOTHING = _Lent({})


def _with(model, lent: _Lent):
    """The model with the columns `lent` to it before its own (its own declarations win)."""
    own = dict(model.attributes)
    added = {a: c for a, (c, _f, _l) in lent.columns.items() if a not in own}
    attributes = {**added, **own}
    primary_key = tuple(model.primary_key) or lent.primary_key
    if primary_key and model.framework != "django":  # Django's `pk` is set already (implicit `id` or its own)
        attributes.setdefault("pk", primary_key[0])
    return dataclasses.replace(
        model, attributes=tuple(attributes.items()), columns=tuple(dict.fromkeys(c for a, c in attributes.items() if a != "pk")),
        primary_key=primary_key, client_defaults=tuple(dict.fromkeys(lent.client_defaults + tuple(model.client_defaults))),
        inherited=tuple((a, lent.columns[a][1], lent.columns[a][2]) for a in added))


class _Lender(BaseFinder):
    def __init__(self, by_file: dict[str, list], load) -> None:
        super().__init__(by_file, load)
        self.done: dict[tuple[str, str], _Lent] = {}

    def lent(self, model, depth: int) -> _Lent:
        """What the bases of other files lend `model`: their columns, key and client-side defaults."""
        key = (model.file, model.name)
        if key in self.done:
            return self.done[key]
        self.done[key] = _NOTHING  # a cycle of bases lends nothing
        columns: dict[str, tuple[str, str, int]] = {}
        primary_key: tuple[str, ...] = ()
        defaults: tuple[str, ...] = ()
        for origin in model.bases if depth < _DEPTH else ():
            base = self.find(origin)
            if base is None or base.table:  # unknown, or a mapped parent: its columns are its table's
                continue
            deeper = self.lent(base, depth + 1)
            own = {a: (c, base.file, base.line) for a, c in base.attributes if a != "pk"}
            for attribute, where in {**deeper.columns, **own}.items():
                columns.setdefault(attribute, where)  # the first base declaring it wins, as Python's MRO
            primary_key = primary_key or tuple(base.primary_key) or deeper.primary_key
            defaults += deeper.client_defaults + tuple(base.client_defaults)
        self.done[key] = lent = _Lent(columns, primary_key, defaults)
        return lent
