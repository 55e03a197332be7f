"""Textual looks at one file's text that several passes of one extraction ask: answered once.

Decision (issue 13, s12speed): on a cold saleor DROP, whether a file may declare models (the
extractor's nine `model_markers`, each a search of the whole text) was asked 735 times, ~0.07 s,
and whether it names an affected model class (`mentions_any`, which lower-cases the whole text)
up to four times for the same ~150 attribution-only test files (6 MB): by `_queue_model_users`,
late_parses.defer, idle_parses, cut_parses and `_drop_attribution_only`. Each answer is kept per
file with the text it was given (a re-read text, or other model names, is looked at again), for
one extraction only (`clear`): the texts are the scan's own, kept by the run anyway.
"""
from __future__ import annotations

from collections.abc import Mapping

from impact.extract import extractor_of
from impact.source_text import mentions_any


class TextLooks:
    def __init__(self) -> None:
        self._declares: dict[str, tuple[str, bool]] = {}
        self._uses: dict[str, tuple[str, tuple[str, ...], bool]] = {}

    def may_declare_models(self, rel: str, text: str) -> bool:
        """`extractor_of(rel).may_declare_models(text)` (False for a file no extractor reads)."""
        held = self._declares.get(rel)
        if held is None or held[0] is not text:
            extractor = extractor_of(rel)
            held = self._declares[rel] = (text, bool(extractor and extractor.may_declare_models(text)))
        return held[1]

    def uses_models(self, rel: str, text: str, models: Mapping[str, object]) -> bool:
        """`mentions_any(text, models)`: the text names one of the model classes, in any case."""
        names = tuple(models)
        held = self._uses.get(rel)
        if held is None or held[0] is not text or held[1] != names:
            held = self._uses[rel] = (text, names, mentions_any(text, names))
        return held[2]

    def clear(self) -> None:
        self._declares.clear()
        self._uses.clear()
