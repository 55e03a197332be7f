"""Which queued files the workers parse cut to the functions that can matter (issue 13, eleventh pass).

A Python file queued for no table in query position (an attribution-only file using an affected
model class, a model user: extraction.py) is read for its queries on the affected models and the
queries around its changed-column names; impact.extract.python.kept_functions says why the
functions holding neither can be left unparsed, and for which files: no model declaration (the
extractor's model markers), no string starting like SQL and no client call (late_parses'
`_knows_a_table`). An attribution-only file using no affected model is read for its references
only: cut whatever it holds (kept_functions decides when its cut is enough). A file queued because
it names an affected table in query position, or holds the extractor's parse markers, is parsed
whole as before.

The cut's extraction is cached under its own key (the whole file's key, the names looked for and
the affected models): a whole file's entry is looked up first (`_queue`), as good. `files_parsed`
counts such a file as parsed, as before.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Callable

from impact.extract import extractor_name
from impact.extract.python import kept_functions  # noqa: F401 - imported before the workers fork
from impact.late_parses import _knows_a_table
from impact.model import Extraction

if TYPE_CHECKING:
    from impact.extraction import ExtractionRun

Spec = tuple[tuple[str, ...], tuple[str, ...]]  # (needles, affected model classes)


def plan(run: "ExtractionRun", cache, pending: list, positioned: set[str], needles: list[str], tables: list[str],
         columns: set[str], collect: Callable[[str, str, Extraction], None]) -> dict[str, Spec]:
    """The cut to make of each pending file that can be cut (file -> what `extract_kept` is given);
    a cut already in the cache is collected and leaves `pending`."""
    names = tuple(sorted(run.models))
    if not names:  # no model user; an attribution-only file using no model was deferred (late_parses.py)
        return {}
    found: tuple[str, ...] | None = None
    plans, kept = {}, []
    for rel, text, key in pending:
        if key is None or rel in positioned or extractor_name(rel) != "python":
            kept.append((rel, text, key))
            continue
        # Read for its references only (extraction._drop_attribution_only), or a model user.
        users = () if rel in run.attribution_only and not run.looks.uses_models(rel, text, run.models) else names
        if found is None:
            found = _needles(run, needles, tables, columns)
        spec = (found, users)
        cut = _cut_key(key, spec)
        cached = cache.get(cut)  # before the text is looked at: a warm scan reads it only here
        if cached is not None:
            run.cache_hits += 1
            collect(rel, text, cached)
            continue
        if users and (run.looks.may_declare_models(rel, text) or _knows_a_table(text)):
            kept.append((rel, text, key))  # parsed whole, under the whole file's key
            continue
        plans[rel] = spec
        kept.append((rel, text, cut))
    pending[:] = kept
    return plans


def _cut_key(whole: str, spec: Spec) -> str:
    """The cut's cache key: the whole file's (its text, path, the extractor's code: impact.cache.cache_key)
    and what the cut is made of; not the text hashed again (~2.6 MB on saleor DROP, cold and warm)."""
    return hashlib.sha256("\0".join(("python-kept", whole, *spec[0], "\1", *spec[1])).encode("utf-8", "surrogatepass")).hexdigest()


def _needles(run: "ExtractionRun", needles: list[str], tables: list[str], columns: set[str]) -> tuple[str, ...]:
    """What the reference finder may find in a file (its columns and their spellings, Python models'
    too), and the tables: a line holding one of them in any case keeps its function."""
    from impact.orm.declarations import with_python_models

    spelled = with_python_models(run).spelled_columns(tables, columns)
    return tuple(sorted({n for n in (*needles, *tables, *columns, *spelled) if n}))
