"""Textual looks at one file's text that several passes of one extraction ask: answered once.

Decision (issue 13, s12speed): on a cold saleor DROP, whether a file may declare models (the
extractor's nine `model_markers`, each a search of the whole text) was asked 735 times, ~0.07 s,
and whether it names an affected model class (`mentions_any`, which lower-cases the whole text)
up to four times for the same ~150 attribution-only test files (6 MB): by `_queue_model_users`,
late_parses.defer, idle_parses, cut_parses and `_drop_attribution_only`. Each answer is kept per
file with the text it was given (a re-read text, or other model names, is looked at again), for
one extraction only (`clear`): the texts are the scan's own, kept by the run anyway.

The same for the ~2,450 Python files of saleor that name no needle: whether one names an affected
model class was told by reading and lower-casing each again once the models were known (~0.05 s).
The walk, which lower-cases each text anyway, notes which likely model names (`model_words`) it
holds; a model whose name is not among them still has the files read again.
"""
from __future__ import annotations

from collections.abc import Mapping

from impact.extract import extractor_of
from impact.source_text import mentions_any


_NONE: frozenset[str] = frozenset()


class TextLooks:
    def __init__(self) -> None:
        self._declares: dict[str, tuple[str, bool]] = {}
        self._uses: dict[str, tuple[str, tuple[str, ...], bool]] = {}
        self.words: frozenset[str] = frozenset()  # model_words(tables): looked for in the texts `note_words` sees
        self._words: dict[str, frozenset[str]] = {}

    def note_words(self, rel: str, lowered: str) -> None:
        """Which of `words` the lower-cased text of a file naming no needle holds: asked again by
        `names_none` once the affected models are known, without reading the file a second time."""
        held = [word for word in self.words if word in lowered]
        self._words[rel] = frozenset(held) if held else _NONE  # one shared empty set: most files hold none

    def names_none(self, rel: str, models: Mapping[str, object]) -> bool | None:
        """`not mentions_any(text, models)` for a file `note_words` saw, told from the words it
        held; None when it cannot be told so (a file it did not see, a model name not among `words`)."""
        held = self._words.get(rel)
        names = {name.lower() for name in models}
        if held is None or not names <= self.words:
            return None
        return held.isdisjoint(names)

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
        self._words.clear()


def model_words(tables: list[str]) -> frozenset[str]:
    """What the affected tables' model class names may be, lower-cased: each table and what follows
    each `_` of it, with a final `s` or without (Django's `checkout_checkoutline` is CheckoutLine's,
    SQLAlchemy's `orders` Order's). A name among them is told for a file from its first reading."""
    words = set()
    for table in tables:
        table = table.lower()
        for at in [0, *(i + 1 for i, c in enumerate(table) if c == "_")]:
            word = table[at:]
            if word:
                words.update((word, word.removesuffix("s")) if len(word) > 1 else (word,))
    return frozenset(words)
