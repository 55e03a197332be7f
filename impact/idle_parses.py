"""Which files the pre-filter queued need no parse after all (issue 13, the cold scan).

A file parsed only so that its queries place the changed columns it names changes the report only
where the reference finder sees such a column: where it sees none, the file stays among the scan's
texts unparsed (its ignore comments still count). For attribution-only files this is exact on the
report but for `files_parsed` (bench/same_results.py); model users (extraction._queue_model_users)
use `column_finder` too, with the known limit stated in extraction.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from impact.extract import extractor_name

if TYPE_CHECKING:
    from impact.extraction import ExtractionRun


def column_finder(run: "ExtractionRun", tables: list[str], columns: set[str]) -> Callable[[str, str], bool]:
    """Whether the reference finder, run as the report runs it (pipeline._references), finds a
    changed column in a file: where it finds none, no query of the file can place one."""
    from impact.extract.references import find_references
    from impact.orm.declarations import with_python_models

    spellings = []  # computed on first use: the models are final by then

    def places(rel: str, text: str) -> bool:
        if not spellings:
            spellings.append(with_python_models(run).spelled_columns(tables, columns))
        return bool(find_references(rel, text, columns, [], False, spellings[0]))
    return places


def skip_idle_attribution(run: "ExtractionRun", pending: list, tables: list[str], columns: set[str]) -> None:
    """Do not parse a Python file queued only for attribution whose parse cannot show: one that
    uses no model class of an affected table (so extraction._drop_attribution_only drops its
    queries and issues) and where the reference finder, run as the report runs it, finds no column name at all
    (a changed column only inside longer names, other cases, comments), so its queries could place
    nothing. It stays among the texts unparsed, as a reference-only file does (issue 13). Python
    only: its extractor never marks a file generated, which would show in the report."""
    names = list(run.models)
    places = column_finder(run, tables, columns)
    for index, (rel, text, key) in enumerate(pending):
        if key is None or rel not in run.attribution_only or extractor_name(rel) != "python":
            continue
        if not (names and run.looks.uses_models(rel, text, run.models)) and not places(rel, text):
            pending[index] = (rel, text, None)
