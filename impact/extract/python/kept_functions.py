"""A model user's extraction from the functions that can matter to the scan (issue 13, eleventh pass).

Files that name an affected model class but no table in query position (extraction.py's model users,
and the attribution-only files that use such a model) were parsed whole for two things: their
queries on the affected models, and the queries around the lines naming a changed column (the
reference finder places those names). On saleor's DROP `checkout_checkoutline.quantity` that was
~80 files, 2.6 MB of the workers' 3.1 MB (tests and helpers of thousands of lines); cut, 1.6 MB
(bench/scan_speed.md "Cold, eleventh pass").

`kept_text` keeps, at the file's own line numbers, the outermost functions holding a line that
names one of `needles` (any case: the tables, columns and their spellings) or spells, as a whole
word, an affected model class or a name that module- or class-level code may bind (`qs =
CheckoutLine.objects`, `model = CheckoutLine`, `import ... as Line`); the module and class level
stay as written, every other function's body is blanked (blocks.functions_blanked). So:
- a query on an affected model spells the class in its own chain or where it starts (a name bound
  in the same function, an enclosing one, or at module or class level: then the function spells
  that name): its function is kept, the query is the same;
- a query covering a named line lies in that line's function, or starts at a module- or class-level
  binding (kept) and continues in a function spelling its name (kept): the same spans;
- the caller (impact.cut_parses) sends only files that cannot hold a query whose table is known
  without the other files (no model declaration, no string starting like SQL, no client call: the
  guard of late_parses.py), so every query of the file is an ORM call on an imported model, table
  unknown, and the reference finder's crediting of bare names to the file's one table
  (references._attributed) is off in both. Should the cut's extraction still hold a query with a
  table, or any issue (the cut does not parse), the whole file is extracted instead;
- an attribution-only file that uses no affected model (its queries and issues leave the run:
  extraction._drop_attribution_only) is read only for its references, and may hold SQL or declare
  models: its cut keeps the functions naming a needle or a binding, and it is extracted whole
  unless the cut holds a query on an unknown table (then `_attributed` is off in both, as
  late_parses.parse_late decides for a deferred file's cut).
Same reports as whole parses (bench/same_results.py) on five saleor migrations and the fixture
cases; tests/test_kept_functions.py holds the cut to the whole parse on texts written for each rule.

Decision: the binding names are found by text, over-approximated (the names before the last `=`
of a module- or class-level line but attributes and names inside a call's parentheses on that row,
`for` targets, `as` names; a value that is a string literal binds nothing worth keeping: a GraphQL
document's name is in every test).
Known limit (xfail in tests/test_kept_functions.py): a syntax error inside a blanked function is not
reported, as for a file the pre-filter never parses (extraction.py's known limit).
"""
from __future__ import annotations

import re
from collections.abc import Collection

from impact.extract.python.blocks import functions_blanked, outermost_blocks, whole_word_in
from impact.extract.python.sites import lines_of
from impact.model import Extraction

_ASSIGNED = re.compile(r"(?<![=!<>])=(?!=)")
# A value that is a string: one closed on its line, or a triple-quoted one opening there.
_STRING = re.compile(r"[ \t]*[rRbBuUfF]{0,2}(?:\"{3}|'{3}|\"[^\"\\\n]*\"[ \t]*(?:#.*)?$|'[^'\\\n]*'[ \t]*(?:#.*)?$)")
_FOR = re.compile(r"^[ \t]*(?:async[ \t]+)?for[ \t](.*?)[ \t]in\b")
_AS = re.compile(r"\bas[ \t]+([A-Za-z_]\w*)")
_NAME = re.compile(r"[^\W\d]\w*")


def extract_kept(path: str, text: str, needles: Collection[str], names: Collection[str]) -> Extraction:
    """The file's extraction from `kept_text`, or from the whole text when no cut is made or the
    cut's extraction could differ where it matters (see the module's decisions). No `names`: an
    attribution-only file using no affected model, read only for its references."""
    from impact.extract.python.extractor import extract

    kept = kept_text(text, needles, names)
    if kept is None or kept == text:
        return extract(path, text)
    extraction = extract(path, text, kept)
    unknown = any(q.table is None for q in extraction.queries)
    if extraction.issues or (any(q.table is not None for q in extraction.queries) if names else not unknown):
        return extract(path, text)
    return extraction


def kept_text(text: str, needles: Collection[str], names: Collection[str]) -> str | None:
    """The text with the body of every outermost function blanked that holds no line naming a
    needle (any case) and spells none of `names` nor a module- or class-level binding as a whole
    word; None: parse it whole. Each function is looked at once, for each needle and name with
    `str.find` (a file binds a few names at module level: saleor's median 2; listing each
    function's identifiers instead cost a third of what the cut saved)."""
    source = lines_of(text)
    if source is None:
        return None
    blocks = outermost_blocks(text, source)
    if not blocks:
        return None
    words = sorted(set(names) | _bound_outside(source, blocks))
    lowered = {n.lower() for n in needles if n}
    held = []
    for first, last, _ in blocks:
        block = "\n".join(source[first - 1:last])
        low = block.lower()
        if any(needle in low for needle in lowered) or any(whole_word_in(block, word) for word in words):
            held.append(first)
    return functions_blanked(text, held, source)


def _targets(prefix: str) -> list[str]:
    """The names before an `=` that it may bind: not an attribute (`.name`) nor a name inside a
    call's parentheses on the row (`f(key=...)` on a continued line binds no `key`)."""
    found, calls = [], []  # calls: for each open bracket, whether it opens a call
    at, end = 0, len(prefix)
    while at < end:
        ch = prefix[at]
        if ch in "([{":
            before = prefix[:at].rstrip()
            calls.append(ch == "(" and bool(before) and (before[-1].isalnum() or before[-1] in "_)]"))
        elif ch in ")]}":
            if calls:
                calls.pop()
        elif (match := _NAME.match(prefix, at)) is not None:
            if not any(calls) and not prefix[:at].rstrip().endswith("."):
                found.append(match.group())
            at = match.end()
            continue
        at += 1
    return found


def _bound_outside(source: list[str], blocks: list[tuple[int, int, int]]) -> set[str]:
    """Every name a module- or class-level line may bind (over-approximated: see the module's decisions)."""
    names: set[str] = set()
    line = 1
    for first, last, _ in [*blocks, (len(source) + 1, len(source), 0)]:
        for row in source[line - 1:first - 1]:
            if "=" in row:  # `a = b = x`: the names before the last `=` (a string's `=` only adds names)
                last_sign = None
                for last_sign in _ASSIGNED.finditer(row):
                    pass
                if last_sign is not None and not _STRING.match(row, last_sign.end()):
                    names.update(_targets(row[:last_sign.start()]))
            if "for" in row and (match := _FOR.match(row)) is not None:
                names.update(_NAME.findall(match.group(1)))
            if "as" in row:
                names.update(_AS.findall(row))
        line = last + 1
    return names
