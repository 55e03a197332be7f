"""Attribution-only Python files parsed late, only when their parse can change a reference (issue 13).

Django's `Stock.objects.create(` matches the Prisma arm of the shared other-query pattern
(impact/extract/__init__.py), so on saleor ~150 test files were parsed only so that their queries
place a changed column they name. In such a file every query is an ORM call on a model of another
table, whose table the reference finder is not told (`_resolved` resolves through `run.orm` only):
a name inside one is (context "sql", no table, "name-only"), and outside one it is what it is
unparsed. The parse can change the report only where the unparsed name gets a table some other way
(a typed receiver, an ORM field, a wrapper call). So such a file is not parsed up front (`defer`);
once the references are known, the files where one of its names got a table are parsed, and each
name their queries cover takes the value the parsed file gives it (`settle`).

Decision (the one change in the report, bench/scan_speed.md "Cold, third pass"): a name inside an
ORM query of an unparsed file is counted among the names without a table (`unattributed`, context
"property"/"identifier") instead of as part of a query on an unknown table (context "sql"). Neither
is evidence; every finding, evidence line and reference with a table stays the same.

Deferred only when the file cannot hold a query whose table is known without the other files: no
model declaration (the extractor's `model_markers`), no string starting like SQL in any case
(`looks_like_sql` is case-insensitive), no client call (`.table(`, `.from(`, `.from_(`), no use
of a model class of an affected table (those files' queries are kept: extraction._drop_attribution_only).
A late parse reads only the functions holding the file's names where it can (`parse_late`,
bench/scan_speed.md "Cold, eighth pass"): the same answer from about half the text on saleor.

Known limit: the guard is textual; a query whose SQL the extractor assembles from a string that
does not start like SQL (a variable holding "select", then concatenated) would be missed (xfail in
tests/test_late_parses.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from impact.cache import cache_key
from impact.extract import CLIENT_CALL, SQL_KEYWORDS, SQL_QUERY, AnyOf, extractor_name
from impact.model import ColumnReference, Extraction

if TYPE_CHECKING:
    from impact.extraction import ExtractionRun

# A query whose table the parse would know: SQL in a string (any case: a string starting with a verb),
# a client call, a supabase `.from_(`. Searched one by one (AnyOf): as one alternation, 2x slower.
# `_knows_a_table` answers as its `search` does, faster (tests/test_cold_prechecks.py).
_STRING_VERB = r"""["'][ \t\n\r\f\v(]*(?i:select|insert|update|delete|with|merge|copy)\b"""
_KNOWN_TABLE = AnyOf(CLIENT_CALL, r"\.from_\(", SQL_QUERY, _STRING_VERB)
_CALLS = AnyOf(CLIENT_CALL, r"\.from_\(")
_VERBS = tuple((verb, re.compile(re.escape(verb) + r"\b")) for verb in ("select", "insert", "update", "delete", "with", "merge", "copy"))
_STRING_VERB_PATTERN = re.compile(_STRING_VERB)


def _knows_a_table(text: str) -> bool:
    """`_KNOWN_TABLE.search(text) is not None`, without its two patterns that start at every quote
    or capital letter (~0.1 s over saleor DROP's ~150 attribution-only test files, 6 MB; issue 13):
    each verb is found as a literal, and what must precede or follow it is checked there."""
    if _CALLS.search(text):
        return True
    if SQL_KEYWORDS.search(text):  # SQL_QUERY: an upper-case keyword after no word character, then a name
        return True
    if not text.isascii():  # lower-casing may move offsets, and `re` folds `ſ` with `s`: the pattern itself
        return _STRING_VERB_PATTERN.search(text) is not None
    lowered = text.lower()
    for verb, pattern in _VERBS:
        at = lowered.find(verb)
        while at >= 0:
            if pattern.match(lowered, at) and _after_quote(lowered, at):
                return True
            at = lowered.find(verb, at + 1)
    return False


def _after_quote(text: str, at: int) -> bool:
    """Whether a quote opens the run of blanks and `(` that ends at `at`."""
    at -= 1
    while at >= 0 and text[at] in " \t\n\r\f\v(":
        at -= 1
    return at >= 0 and text[at] in "\"'"


def defer(run: "ExtractionRun", pending: list) -> None:
    """Queue no parse for an attribution-only Python file whose queries can only be ORM calls on
    other tables' models; remember it in `run.deferred` (see the module's decisions). A file whose
    extraction the cache holds is deferred too: a warm scan then places the names as the cold one
    did, and the typed-receiver pass finds its kept result (its key holds those names)."""
    for index, (rel, text, key) in enumerate(pending):
        if key is not None and _deferrable(run, rel, text):
            pending[index] = (rel, text, None)
            run.deferred.add(rel)
    for index, (rel, text, extraction) in enumerate(run.texts):  # cache hits, collected already
        if _deferrable(run, rel, text):
            run.texts[index] = (rel, text, Extraction())  # its queries and issues: dropped with the attribution-only files'
            run.deferred.add(rel)


def _deferrable(run: "ExtractionRun", rel: str, text: str) -> bool:
    if rel not in run.attribution_only or extractor_name(rel) != "python":
        return False
    return not (run.looks.may_declare_models(rel, text) or (run.models and run.looks.uses_models(rel, text, run.models))
                or _knows_a_table(text))


def settle(run: "ExtractionRun", found: list[ColumnReference], columns: set[str],
           spellings: Mapping[str, tuple[str, str | None]], wrappers: Mapping[str, str],
           unparsed_names: Mapping[str, list[ColumnReference]] | None = None) -> list[ColumnReference]:
    """Parse the deferred files where a name got a table unparsed, and give each of their names
    the reference the parsed file gives it; the names a query does not change keep theirs.
    `unparsed_names`: a deferred file's references as find_references gave them without its
    queries (pipeline._references found them so, with the same arguments): not looked for again
    (issue 13, s12speed: ~33 of saleor DROP's test files, 1.3 MB)."""
    late = sorted({r.file for r in found if r.file in run.deferred and (r.table is not None or r.via != "name-only")})
    if not late:
        return found
    from impact.extract.python.typed_references import attribute_receivers
    from impact.extract.references import find_references
    from impact.orm import resolve_orm_queries
    from impact.orm.resolve import attribute_declarations

    texts = {rel: text for rel, text, _ in run.texts}
    have: dict[str, list[ColumnReference]] = {rel: [] for rel in late}
    for ref in found:
        if ref.file in have:
            have[ref.file].append(ref)
    unparsed, parsed = [], []  # each file's names without and with its queries, in find_references' order
    known = unparsed_names or {}
    named = {rel: known[rel] if rel in known else find_references(rel, texts[rel], columns, [], False, spellings, wrappers)
             for rel in late}
    extractions = parse_late(run, {rel: {r.line for r in named[rel]} for rel in late})
    for rel in late:
        queries = resolve_orm_queries(extractions[rel].queries, run.orm)
        unparsed += named[rel]
        parsed += find_references(rel, texts[rel], columns, queries, False, spellings, wrappers)
    unparsed, parsed = attribute_declarations(unparsed, run.orm), attribute_declarations(parsed, run.orm)
    if len(unparsed) != sum(map(len, have.values())):  # never expected (find_references is deterministic): keep what was found
        return found
    # The names a query changes take the parsed file's reference (typed as the full pass would,
    # should one still be open); the others keep what the full pass gave them.
    changed = [i for i, (u, p) in enumerate(zip(unparsed, parsed)) if u != p]
    typed = attribute_receivers([parsed[i] for i in changed], ((r, t) for r, t, _ in run.texts),
                                {**run.other_models, **run.models}, False) if changed else []
    settled = [ref for rel in late for ref in have[rel]]  # the same order as `unparsed`
    for i, ref in zip(changed, typed):
        settled[i] = ref
    cursor, at = {}, 0
    for rel in late:
        cursor[rel], at = iter(settled[at:at + len(have[rel])]), at + len(have[rel])
    return [next(cursor[r.file]) if r.file in cursor else r for r in found]


def parse_late(run: "ExtractionRun", lines: Mapping[str, set[int]]) -> dict[str, Extraction]:
    """The extraction of deferred files (moved from impact/extraction.py), in this process, cached
    like any other; each replaces the empty one among `run.texts` (a cut's, when read: nothing
    reads those extractions after `settle` but `settle` itself). Their queries and issues stay
    out of the run's, as those of every attribution-only file using no affected model
    (extraction._drop_attribution_only). `lines`: each file's lines naming a changed column.

    Decision (issue 13, bench/scan_speed.md "Cold, eighth pass"): what `settle` reads of the parse
    is which query covers each of those lines, and whether the file's queries all have a table
    (references._attributed credits bare names to the one table they use; one query on an unknown
    table turns that off). So the text parsed is the file with the functions holding none of the
    lines blanked (blocks.functions_blanked): the queries of the functions kept are the same (a
    function sees its own names, its enclosing functions' and the module's, all kept), and a query
    lies inside one statement. The whole file is parsed instead when a line lies outside every
    function (a module-level query may depend on the functions blanked), when the cut does not
    parse, or when none of its queries is on an unknown table (then the queries blanked could
    change what `_attributed` does). The cut's extraction is cached under the file's text and the
    lines (the cut is a function of both and of blocks.py, which the key's code fingerprint covers)."""
    from impact.extract.python.blocks import functions_blanked
    from impact.orm import resolve_orm_queries

    done = {}
    for index, (rel, text, _) in enumerate(run.texts):
        if rel not in lines:
            continue
        whole = cache_key(text, extractor_name(rel), rel)
        extraction = run.cache.get(whole) if run.cache else None  # a whole file's, as good
        parsed = False
        if extraction is None:
            # The cut's extraction is kept under the file's text and these lines (what the cut is
            # made of), so a warm scan need not cut the file again to find it.
            key = cache_key(text, f"{extractor_name(rel)}-late {','.join(map(str, sorted(lines[rel])))}", rel)
            extraction = run.cache.get(key) if run.cache else None
            if extraction is None and (cut := functions_blanked(text, lines[rel])) is not None:
                extraction, parsed = _parsed(run, rel, cut, key), True
            if extraction is not None and (extraction.issues or
                                           not any(q.table is None for q in resolve_orm_queries(extraction.queries, run.orm))):
                extraction = None
        if extraction is None:
            extraction, parsed = _parsed(run, rel, text, whole), True
        run.files_parsed += parsed  # once per file, cut or whole, as before the cut
        run.texts[index] = (rel, text, extraction)
        done[rel] = extraction
    run.deferred -= set(lines)
    return done


def _parsed(run: "ExtractionRun", rel: str, text: str, key: str) -> Extraction:
    """The extraction of `text`, cached under `key` (unless a slow machine or a failed extractor made it)."""
    from impact.extraction_jobs import _extract, cacheable

    extraction = _extract((rel, text))
    if run.cache and cacheable(extraction):
        run.cache.put(key, extraction)
    return extraction
