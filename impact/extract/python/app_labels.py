"""Django models' default tables under their app's label, as apps.py sets it.

A Django model without `db_table` maps `<app label>_<model>`, and the label is the app folder's name
unless the app's AppConfig sets `label` (wagtail's core app lives in `wagtail/` with
`label = "wagtailcore"`: its TaskState is `wagtailcore_taskstate`, not `wagtail_taskstate`). A
models module is read alone (its models and queries are cached by its own text), so it names such a
table after its folder; the scan corrects the models and the queries they resolved from apps.py,
read once per app (impact.formats.django.discover.app_label, the migration reader's own rule).
A models module is never one of the files parsed late (impact.late_parses): every query resolved
in-file is in the extraction's results this corrects.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from impact.extract.python.models import ModelInfo
from impact.model import Extraction, Query


class AppLabels:
    """The apps.py labels of one repository, and the tables they renamed."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.labels: dict[str, str] = {}
        self.renamed: dict[str, str] = {}  # folder-named table -> the label's

    def models(self, models: Iterable[ModelInfo]) -> list[ModelInfo]:
        return [self._model(m) for m in models]

    def _model(self, model: ModelInfo) -> ModelInfo:
        if model.framework != "django" or not model.app_folder or not model.table:
            return model
        folder = model.app_folder
        if folder not in self.labels:
            from impact.formats.django.discover import app_label

            self.labels[folder] = app_label(self.repo / folder)
        label, name = self.labels[folder], PurePosixPath(folder).name
        if label == name or model.table.lower() != f"{name}_{model.name.lower()}":
            return model
        table = f"{label}_{model.name.lower()}"
        self.renamed[model.table] = table
        return dataclasses.replace(model, table=table)

    def queries(self, queries: list[Query]) -> list[Query]:
        """Django queries a models module resolved in-file to a folder-named table."""
        if not self.renamed:
            return queries
        return [dataclasses.replace(q, table=self.renamed[q.table]) if q.orm == "django" and q.table in self.renamed else q
                for q in queries]

    def extraction(self, extraction: Extraction) -> Extraction:
        queries = self.queries(extraction.queries)
        return extraction if all(a is b for a, b in zip(queries, extraction.queries)) else dataclasses.replace(extraction, queries=queries)
