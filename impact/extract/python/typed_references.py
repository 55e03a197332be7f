"""Typed receivers as references: `x.quantity` where `x` holds a row of a model is that model's
(via "typed-receiver"), found by impact.extract.python.receivers on the files that need it.

Decision: only lines that name a changed column outside any query, and whose table is not already
told by a query or a declaration, are looked at; their files are parsed again here (the extraction
keeps no tree). On saleor's `DROP COLUMN quantity` (2,500 wanted lines) that is ~225 files, of
which the extraction parsed only ~60 (the others are read for references only, so handing the
pass to the extraction's workers would save little: 45 of saleor's ~185, a quarter of the text cut): a
cold scan pays ~0.35 s for it (parsing the functions that hold those lines and can type them:
blocks.py, row_flow.py; bench/scan_speed.md "Cold, fourth" to "ninth pass"), a warm one does not — the pass's result is kept (impact.pickle_cache) under a
key made of every input: the wanted lines and names, the texts of the files read, the models and
this code.
"""
from __future__ import annotations

import hashlib
import re
from functools import partial
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from impact import pickle_cache
from impact.cache import _source_hash
from impact.extract.python.blocks import alternation
from impact.extract.python.models import ModelInfo
from impact.extract.python.receivers import Found, Kind, typed_attributes
from impact.extract.python.relations import relations
from impact.extract.python.row_producers import Producer, made, row_producers
from impact.extract.python.sites import lines_of, may_hold
from impact.model import ColumnReference

# References that a query or a declaration already places: a typed receiver never overrides them.
PLACED = frozenset({"sql", "orm-call", "model-declaration", "generated-type"})
CODE = ("extract/python/receivers.py", "extract/python/relations.py", "extract/python/typed_references.py",
        "extract/python/models.py", "extract/python/class_readers.py", "extract/python/blocks.py", "extract/python/sites.py", "extract/python/row_flow.py",
        "extract/python/row_producers.py", "extract/python/factory_calls.py", "extract/python/model_argument_calls.py",
        "extract/python/class_factories.py", "extract/python/sqlalchemy.py")


def attribute_receivers(references: list[ColumnReference], texts: Iterable[tuple[str, str]],
                        models: Mapping[str, ModelInfo], use_cache: bool = False) -> list[ColumnReference]:
    """`x.quantity` where `x` holds a row of model M: the reference is M's (via "typed-receiver"),
    whether M maps the changed table (evidence) or another one (then never evidence for it).
    A name M does not map to a column (a property, a method) is left as it was.

    `models`: class name -> ModelInfo, for the affected tables and the other models the scan saw."""
    opened = [r for r in references if _open(r)]  # asked once per reference (a pattern per keyword)
    wanted = {(r.file, r.line) for r in opened}
    if not wanted or not models:
        return references
    files = {file for file, _ in wanted}
    model_files = {m.file for m in models.values()}
    texts = dict(texts)
    producers = row_producers(texts.items(), models)  # factories: read wherever they are declared
    texts = {rel: text for rel, text in texts.items() if rel in files or rel in model_files}
    names = {(r.file, r.line): (r.spelling or r.column) for r in opened}
    keys: dict[tuple[str, int], set[str]] = {}  # what is looked up on each line
    for ref in opened:
        keys.setdefault((ref.file, ref.line), set()).add(_key_of(ref))
    opened_ids = {id(r) for r in opened}
    where = pickle_cache.folder("receivers", use_cache)
    key = _key(names, keys, texts, models, producers) if where is not None else None
    typed = pickle_cache.load(where, key, dict)
    if typed is None:
        typed = _typed(wanted, names, keys, texts, models, files, model_files, producers)
        pickle_cache.store(where, key, typed)
    out = []
    for ref in references:
        classes = typed.get(ref.file, {}).get((ref.line, _key_of(ref))) if id(ref) in opened_ids else None
        owners = [models[c] for c in sorted(classes or ()) if c in models]
        mapping = [m for m in owners if (m.column_for(ref.spelling or ref.column) or "").lower() == ref.column.lower()]
        if mapping and mapping[0].table:
            ref = replace(ref, table=mapping[0].table, via="typed-receiver", inferred=False, context="property")
        out.append(ref)
    return out


def _typed(wanted: set[tuple[str, int]], names: Mapping[tuple[str, int], str], keys: Mapping[tuple[str, int], set[str]],
           texts: Mapping[str, str], models: Mapping[str, ModelInfo], files: set[str], model_files: set[str],
           producers: Mapping[str, Producer] | None = None) -> dict[str, Found]:
    related: dict[tuple[str, str], Kind] = {}
    for rel in sorted(model_files & set(texts)):
        related.update(relations(texts[rel], models))
    classes = set(models) | {owner for owner, _ in related}  # a relation's owner types its rows too
    produced = partial(made, producers=producers) if producers else None
    seeds = classes | set(producers or ())
    lines: dict[str, set[int]] = {}
    for file, line in wanted:
        lines.setdefault(file, set()).add(line)
    found = {}
    for rel in files:
        if rel not in texts:
            continue
        source = lines_of(texts[rel])
        if not _may_type(texts[rel], rel, lines[rel], names, source):
            continue
        # Only the lines that can hold what is looked up there (sites.py) are read.
        held = lines[rel] if source is None else \
            {line for line in lines[rel] if any(may_hold(source, line, k) for k in keys[(rel, line)])}
        found[rel] = typed_attributes(texts[rel], classes if _names_any(texts[rel], seeds) else (), related, held,
                                      {line: keys[(rel, line)] for line in held}, produced, producers or (), source) if held else {}
    return found


def _key(names: Mapping[tuple[str, int], str], keys: Mapping[tuple[str, int], set[str]], texts: Mapping[str, str],
         models: Mapping[str, ModelInfo], producers: Mapping[str, Producer]) -> str:
    digest = hashlib.sha256(("receivers\0" + _source_hash(CODE)).encode())
    digest.update(repr(sorted(names.items())).encode())
    digest.update(repr(sorted((at, sorted(k)) for at, k in keys.items())).encode())
    digest.update(repr(sorted(models.items())).encode())
    digest.update(repr(sorted(producers.items())).encode())
    for rel in sorted(texts):
        digest.update(b"\1" + rel.encode("utf-8", "surrogateescape") + b"\0" + texts[rel].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _open(ref: ColumnReference) -> bool:
    """A Python attribute read (`x.user`) or keyword argument (`Check(user=u)`) no query places."""
    if not ref.file.endswith((".py", ".pyi")) or ref.via in PLACED:
        return False
    return ref.context == "property" or (ref.context == "identifier" and _keyword(ref) is not None)


def _keyword(ref: ColumnReference) -> re.Match | None:
    return re.search(rf"(?:^|[(,])\s*{re.escape(ref.spelling or ref.column)}\s*=(?!=)", ref.snippet)


def _key_of(ref: ColumnReference) -> str:
    name = ref.spelling or ref.column
    return "=" + name if ref.context == "identifier" else name


def _may_type(text: str, rel: str, lines: set[int], names: Mapping[tuple[str, int], str],
              split: list[str] | None = None) -> bool:
    """A cheap look before parsing: False when every wanted line reads the name only on `self` or
    `cls` (never typed: see the module's decisions), so the file need not be parsed.
    `split`: sites.lines_of(text) when known; without other line breaks than "\\n" its lines are
    those of `str.splitlines` (plus a last empty one after a final break, read as no receiver)."""
    source = split if split is not None else text.splitlines()
    for line in lines:
        name = names.get((rel, line), "")
        receivers = {m.group(1) for m in re.finditer(rf"(\w+)\s*\.\s*{re.escape(name)}(?!\w)", source[line - 1])} \
            if name and line <= len(source) else set()
        if not receivers or receivers - {"self", "cls"}:
            return True  # a typed receiver is possible (or the line is split: parsed to be sure)
    return False


def _names_any(text: str, classes: Collection[str]) -> bool:
    """Whether the text spells a model class: a file spelling none has no typed receiver. The walk
    itself is given every class (only names the parsed text holds are looked up in it), so this is
    one search of all the names (blocks.alternation), not one per class (a scan knows ~100-2,000)."""
    return bool(classes) and alternation(frozenset(classes)).search(text) is not None
