"""Whether one function could type a wanted line, told from its text before parsing it: the typed-
receiver pass (receivers.py) parses and walks only the functions where this says "maybe" (issue 13,
bench/scan_speed.md "Cold, ninth pass": on saleor's DROP, 837 cut functions name a model class, 235
type a wanted line and 322 are kept; the pass parses 0.66 MB of cuts instead of 1.5 MB).

The walker records `x.attr` only where the receiver is a name, or a chain of attributes on one,
bound to a row, and `M(attr=...)` only in a call of a model class M. A name holds a row only when
bound (an assignment, `:=`, a `for` target, an annotated name or parameter) from a value that spells
a model class, or whose first name holds something typed and is followed by nothing, a subscript, a
call, or a relation or row method (`line = checkout.lines.first()`; `follow`), or that hands a typed
value to `list`/`sorted`/`reversed`/`enumerate`/`select` or to a session's `scalars`/`execute`.
So a function where no wanted attribute's receiver can be reached from a model class that way types
none of them, and need not be parsed. This over-approximates, never the other way round:
- every `=`, `:=`, `for ... in` and `name:` of the text is a binding (keywords, defaults, dict keys,
  slices and strings too), and every name before an `=` on its line is bound by it;
- the order of statements, scopes and rebindings are ignored (a name once possibly typed stays so);
- a binding's value is the rest of its line and the lines after it that are indented deeper, blank,
  comments, start with a closing bracket, or follow while its brackets are open, up to a header's
  `:` at depth 0; a value ending in a backslash or holding an odd number of triple quotes counts as
  spelling every model class;
- a wanted name whose receiver is not a plain dotted chain on its own line (`(x).attr`, a call or
  subscript before the dot, `.attr` or `attr` opening the line after one ending in `.`, `\\` or
  holding a `#`, as sites.may_hold reads it) is a "maybe", and so is a keyword wanted in a function
  that calls a model class anywhere.
Same answers as the parse on saleor's DROP (every looked-up line) and on this repository's functions
(tests/test_row_flow.py). Cost: ~0.075 s for saleor's 837 functions, found with `str.find` and
literal-led patterns (a pattern compiled per name cost more than the search it saved).
Known limit (xfail test in tests/test_row_flow.py): a value continued on a line indented no deeper
than the binding, after a closing bracket inside a string on the binding's line, is cut short.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Mapping
from functools import lru_cache
from itertools import accumulate

_IDENT = re.compile(r"[^\W\d]\w*")
# An `=` that binds (not `==`, `<=`, `+=`...); with `:=` and `for`, the bindings `_sites` reads (a name
# before a `:` is found apart). Each led by a literal, so that `re` skips ahead to it (a lookbehind
# first made it try every position).
_ASSIGN = re.compile(r"=(?<![=!<>:+\-*/%&|^@~]=)(?!=)")
_SITE = re.compile(_ASSIGN.pattern + r"|:=|for(?<![\w.]for)(?!\w)")
_ANNOTATED = re.compile(r"([^\W\d]\w*)[ \t]*$")
_IN = re.compile(r"(?<!\w)in(?!\w)")
_ROOT = re.compile(r"[\s(]*(?:await(?!\w)[\s(]*)?([^\W\d]\w*)(?:\s*\.\s*([^\W\d]\w*))?")
# The receiver of `.attr` at the end of a line's prefix: a dotted chain of names, not after a `.`.
_CHAIN = re.compile(r"(?<![\w.])([^\W\d]\w*)(?:[ \t]*\.[ \t]*[^\W\d]\w*)*[ \t]*\.[ \t]*$")
# Functions through which a typed value still types a bound name (receivers.py `_call`, `element`).
_PASSING = frozenset({"list", "sorted", "reversed", "enumerate", "select"})
_SESSION_CALLS = frozenset({"scalars", "execute"})
_ANY = object()  # a value whose extent is unknown: it may spell any name
_USED = frozenset(".([")  # what follows a name that is read there, not bound


def may_type(rows: list[str], keys: Mapping[int, Collection[str]], seeds: Collection[str],
             follow: Collection[str] | None = None) -> bool:
    """`rows`: one outermost function's lines (its `def` line first); `keys`: the wanted lines, as
    indices in `rows`, each with what is looked up there (an attribute, or `=name` for a keyword);
    `seeds`: the model classes (relation owners, names making rows: row_producers.py) the function spells as whole words; `follow`
    (`followed`): the attributes that keep a typed value typed (None: every one does)."""
    if not seeds:
        return False
    receivers = set()
    keyword = False  # some keyword is wanted: asked last (whether the function calls a model class)
    for index, wanted in keys.items():
        row = rows[index]
        for key in wanted:
            if key.startswith("="):
                keyword = True
                continue
            for match in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", row):
                before = row[:match.start()]
                if not before.strip():  # `.attr` may close the line before (as sites.may_hold reads it)
                    previous = next((rows[n].rstrip() for n in range(index - 1, -1, -1) if rows[n].strip()), None)
                    if previous is None or "#" in previous or previous.endswith((".", "\\")):
                        return True
                    continue
                if not before.rstrip().endswith("."):
                    continue  # not an attribute read
                chain = _CHAIN.search(before)
                if chain is None:
                    return True  # `(x).attr`, `f().attr`, `x[0].attr`: the parse tells
                receivers.add(chain.group(1))
    text = "\n".join(rows)
    if receivers and receivers & _typed_names(rows, text, frozenset(seeds), receivers, follow):
        return True
    return keyword and _calls_a_model(text, frozenset(seeds))


def _calls_a_model(text: str, seeds: frozenset[str]) -> bool:
    """Whether `text` calls one of `seeds` (`M(`, `x.M (`), the name a whole word."""
    for match in _call_pattern(seeds).finditer(text):
        at = match.start()
        if not (at and (text[at - 1].isalnum() or text[at - 1] == "_")):
            return True
    return False


@lru_cache(maxsize=16)
def _call_pattern(seeds: frozenset[str]) -> re.Pattern:
    """Led by the names (`re` skips ahead on their first characters), longest first."""
    names = "|".join(map(re.escape, sorted(seeds, key=lambda name: (-len(name), name))))
    return re.compile(rf"(?:{names})(?!\w)[\s\\]*\(")


def _typed_names(rows: list[str], text: str, seeds: frozenset[str], wanted: set[str], follow: Collection[str] | None = None) -> set[str]:
    """Of `wanted`, the names some binding of the function could give a row (or rows, a select...):
    the least fixpoint over the bindings of the names the wanted ones can be bound from, found
    backwards from them (a function has hundreds of bindings; a receiver's chain, a few). `text`:
    the rows joined."""
    starts = list(accumulate(map((1).__add__, map(len, rows)), initial=0))  # each row's offset in `text`
    sites: list = []  # (names bound, the value's first name, the names the value spells or _ANY, annotation?)
    seen_rows: set[int] = set()
    pending = list(wanted)
    asked = set(wanted)
    while pending:
        name = pending.pop()
        for index in _binding_rows(rows, text, starts, name):
            if index in seen_rows:
                continue
            seen_rows.add(index)
            for site in _sites(rows, index, follow):
                sites.append(site)
                bound, root, value, annotation = site
                if value is _ANY or not seeds.isdisjoint(value):
                    if not wanted.isdisjoint(bound):
                        return bound & wanted  # spelled from a model class: no need to look further
                    continue
                if annotation:
                    continue
                needs = set(value) if root in _PASSING or not _SESSION_CALLS.isdisjoint(value) else {root}
                for more in needs - asked - seeds:
                    if more is not None:
                        asked.add(more)
                        pending.append(more)
    typed: set[str] = set()
    changed = True
    while changed:
        changed = False
        for bound, root, value, annotation in sites:
            if bound <= typed:
                continue
            if value is _ANY or not seeds.isdisjoint(value) or (not annotation and (
                    root in typed or (not typed.isdisjoint(value) and (root in _PASSING or not _SESSION_CALLS.isdisjoint(value))))):
                typed |= bound
                changed = True
    return typed


def _binding_rows(rows: list[str], text: str, starts: list[int], name: str) -> set[int]:
    """The indices of the rows that may bind `name`: where it is spelled as a whole word before an
    `=` or right before a `:`, or after a `for` (or on the row after a `for`: its targets may go on). Found with
    `str.find`: a pattern per name cost more to compile than it saved (hundreds of names on saleor)."""
    found = set()
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        following = text[end:end + 1]
        # `name.x`, `name(`, `name[`: a use, never the name bound (most of a name's occurrences).
        if following not in _USED and not following.isalnum() and following != "_" and \
                not (at and (text[at - 1].isalnum() or text[at - 1] == "_")):
            index = bisect_right(starts, at) - 1
            row, column = rows[index], at - starts[index]
            # (`name:` and `name :=` bind it, `(name): T` too; a `:` further on ends a header or a key.)
            if _ASSIGN.search(row, column) or row[column + len(name):].lstrip(" \t)").startswith(":") or "for" in row[:column]:
                found.add(index)
            if index and "for" in rows[index - 1]:
                found.add(index - 1)
        at = text.find(name, end)
    return found


def _sites(rows: list[str], index: int, follow: Collection[str] | None = None) -> list[tuple]:
    """The bindings on rows[index], each as (names bound, value's first name, value's names, annotation?)."""
    row = rows[index]
    sites = []
    at = row.find(":")
    while at >= 0:  # `name:`: an annotation types it only by spelling a model class
        if not row.startswith("=", at + 1):
            named = _ANNOTATED.search(row, 0, at)
            if named is not None:
                sites.append(({named.group(1)}, *_value(rows, index, at + 1, follow), True))
        at = row.find(":", at + 1)
    for match in _SITE.finditer(row):
        operator = match.group()
        after = match.end()
        if operator == "for":
            found = _IN.search(row, after)
            if found is None:  # the targets may go on: this row's and the next one's names
                bound = set(_IDENT.findall(row, after)) | set(_IDENT.findall(rows[index + 1] if index + 1 < len(rows) else ""))
                sites.append((bound, None, _ANY, False))
                continue
            bound = set(_IDENT.findall(row, after, found.start()))
            after = found.end()
        elif operator == ":=":
            bound = set(_IDENT.findall(row, 0, match.start())[-1:])
        else:
            bound = set(_IDENT.findall(row, 0, match.start()))
        sites.append((bound, *_value(rows, index, after, follow), False))
    return sites


def _value(rows: list[str], index: int, start: int, follow: Collection[str] | None = None) -> tuple[str | None, set[str] | object]:
    """A binding's value, from `start` of rows[index] on, and the next rows while its brackets are
    open or they are indented deeper (or blank, comments, led by a closing bracket), up to the `:`
    ending a header (a `for`'s, a `def`'s: not its body): its first name
    (after brackets and `await`) and the names it spells (_ANY when its extent is unsure)."""
    row = rows[index]
    indent = len(row) - len(row.lstrip(" \t"))
    parts = [row[start:]]
    depth = _depth(parts[0])
    last = index
    for following in rows[index + 1:]:
        if depth <= 0 and parts[-1].rstrip().endswith(":"):
            break  # a compound statement's header ends here (a `:` ends no value at depth 0)
        stripped = following.strip()
        if depth > 0 or not stripped or stripped[0] in "#)]}" or len(following) - len(following.lstrip(" \t")) > indent:
            parts.append(following)
            depth += _depth(following)
            last += 1
            continue
        break
    text = "\n".join(parts)
    if rows[last].rstrip().endswith("\\") or (text.count('"""') + text.count("'''")) % 2:
        return None, _ANY
    root = _ROOT.match(text)
    if root is None or (follow is not None and root.group(2) is not None and root.group(2) not in follow):
        return None, set(_IDENT.findall(text))  # `x.attr` where no typed x's `attr` is typed
    return root.group(1), set(_IDENT.findall(text))


def followed(related: Mapping[tuple[str, str], object] | None) -> frozenset[str]:
    """`follow` for `may_type`: what a typed value's attribute can hold that is still typed
    (receivers.py `kind`): a relation, or a queryset's, query's or result's method. The last
    answer is kept for the same mapping (the pass asks once per file, its relations built before)."""
    if _FOLLOWED[0] is related and related is not None:
        return _FOLLOWED[1]
    from impact.extract.python.receivers import ONE_ROW, PAIRS, ROWS_KEPT  # (receivers imports blocks, which imports this)

    answer = ROWS_KEPT | ONE_ROW | PAIRS | {"scalars", "unique"} | {attribute for _, attribute in related or ()}
    _FOLLOWED[:] = [related, answer]
    return answer


_FOLLOWED: list = [None, frozenset()]


def _depth(text: str) -> int:
    return text.count("(") + text.count("[") + text.count("{") - text.count(")") - text.count("]") - text.count("}")
