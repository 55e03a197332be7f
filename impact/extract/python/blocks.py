"""Only the functions that hold some wanted lines, at their own line numbers, for a cheap parse
(and, for the late parses, the file without the functions holding none: `functions_blanked`).

The typed-receiver pass (receivers.py) walks only the functions holding a wanted line; parsing the
whole file for them was most of its cost on a cold scan (saleor: ~165 files, 1.2 s of `ast.parse`).
`functions_holding` keeps the outermost `def` around each wanted line, dedented, and blanks every
other line, so the parse is of a few functions while line numbers stay the file's.

Decision: this is a text cut, not a parse, so it is allowed to fail but never to mislead:
- a wanted line outside any `def` (module or class level) -> None: the caller parses the file;
- a block is ended by the first later line indented no deeper than its `def` (a line opening with
  a closing bracket belongs to the block; comments and blank lines are skipped); a multi-line string whose lines start at
  column 0 may end it early: the wanted line then falls outside (-> None) or the cut text does not
  parse (the caller then parses the file) — either way the whole-file answer;
- `trim`: a block ends before the first statement of its function's body that starts after its
  last wanted line (the walk reads in source order: later statements cannot change what it finds
  up to that line). The text cut there is a prefix of whole statements; should a continuation line
  sit at the body's indent (a string's line, a bracket closed after a dedent), the trimmed text
  does not parse and the caller parses the untrimmed cut.
- `models`: a function whose text names no model class as a whole word is left out (issue 13,
  eighth pass: ~a fifth of the text saleor's pass parsed): every binding of a row starts from one,
  and the cut's functions are read apart (each from an empty scope), so it types nothing. Should
  such a function be one whose cut does not parse, the file was parsed whole for it before; now the
  others are read from their cut, as for any file where no such function sits. With `keys` (what
  each wanted line is looked up for), so is a function where no wanted receiver can be bound from
  a model class (row_flow.may_type, ninth pass: 322 of saleor DROP's 837 such functions kept).
"""
from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Mapping
from functools import lru_cache

from impact.extract.python.relations import parsed
from impact.extract.python.row_flow import followed, may_type
from impact.extract.python.sites import lines_of



def functions_holding(text: str, lines: Collection[int], trim: bool = True, models: Collection[str] | None = None,
                      keys: Mapping[int, Collection[str]] | None = None, related: Mapping | None = None,
                      source: list[str] | None = None) -> str | None:
    """`models`: a function whose text names none of them as a whole word is left out (blank);
    with `keys` (what is looked up on each line), so is one where no wanted line's receiver can
    be bound from one of them (row_flow.may_type; `related`: the relations, receivers.py's).
    `source`: `text.split("\\n")` when the caller has it (not changed here)."""
    source = text.split("\n") if source is None else source
    blocks = _outermost_blocks(text, source)
    chosen: dict[int, tuple[int, int, int]] = {}
    last: dict[int, int] = {}  # a block's last wanted line
    held: dict[int, list[int]] = {}
    firsts = [b[0] for b in blocks]  # the blocks do not overlap: the one holding a line is found by bisection
    for line in lines:
        at = bisect_right(firsts, line) - 1
        if at < 0 or blocks[at][1] < line:
            return None
        block = blocks[at]
        chosen[block[0]] = block
        last[block[0]] = max(line, last.get(block[0], 0))
        held.setdefault(block[0], []).append(line)
    out = [""] * len(source)
    follow = followed(related) if keys is not None else None
    for start, end, indent in chosen.values():
        if models is not None and not names_a_model("\n".join(source[start - 1:end]), models):
            continue
        if models is not None and keys is not None and \
                not may_type(source[start - 1:end], {line - start: keys.get(line, ()) for line in held[start]}, models, follow):
            continue
        if trim:
            end = _statement_end(source, start, end, indent, last[start])
        for number in range(start, end + 1):
            row = source[number - 1]
            out[number - 1] = row[indent:] if row[:indent].strip() == "" else row
    return "\n".join(out)


def functions_blanked(text: str, lines: Collection[int] = (), source: list[str] | None = None) -> str | None:
    """The text with the body of every outermost function that holds none of `lines` blanked, at
    the file's own line numbers: its `def` line becomes `def _():`, its last line `pass`, the lines
    between are empty, so the function keeps its first and last line (a class holding it keeps its
    extent). Module and class level code is kept as written. Readers that need no function body
    parse this instead of the file (issue 13): a late parse (impact/late_parses.py) needs the
    queries around a deferred file's names, which lie inside the functions holding them; the model
    readers (`parsed_skeleton`) need the classes, their bodies and the module's bindings.

    None (parse the file whole) when a line lies outside every function, or when the text's lines
    are not those `str.splitlines` numbers (sites.lines_of). A function is kept as written when it
    holds a `class` statement (the readers find classes at any depth), a line ending with a
    backslash, or an odd number of triple quotes (its block may have ended early, inside a string
    or a continued line at column 0, and blanking half of it could change what follows); a cut
    that does not parse is the caller's to detect and answer with the whole file. `source`:
    `sites.lines_of(text)` when the caller has it (not None)."""
    if source is None:
        if lines_of(text) is None:
            return None
        source = text.split("\n")
    blocks = _outermost_blocks(text, source)
    wanted = sorted(lines)
    out = list(source)
    inside = 0  # how many wanted lines lie in some block
    for start, end, indent in blocks:
        at = bisect_left(wanted, start)
        held = bisect_right(wanted, end) - at
        if held:
            inside += held
            continue
        if end == start:
            continue  # one line: nothing to blank
        body = "\n".join(source[start - 1:end])
        if (body.count('"""') + body.count("\'\'\'")) % 2 or _keeps(body):
            continue
        margin = source[start - 1][:indent]
        out[start - 1] = margin + "def _():"
        out[start:end - 1] = [""] * (end - 1 - start)
        out[end - 1] = margin + " pass"
    return "\n".join(out) if inside == len(wanted) else None


_KEEP = re.compile(r"^[ \t]*class\b|\\$", re.M)  # a class statement, a backslash-continued line
_CLASS_LINE = re.compile(r"\n[ \t]*class\b")


def _keeps(body: str) -> bool:
    """`_KEEP.search(body)`, faster: its `^` and `\\$` branches were tried at every offset (issue 13,
    s12speed: 1,849 function bodies of a cold saleor DROP's parent, 17 ms); each is found from a literal."""
    return "\\\n" in body or body.endswith("\\") or ("class" in body and _CLASS_LINE.search("\n" + body) is not None)


def parsed_skeleton(text: str) -> ast.Module | None:
    """The module with its functions' bodies blanked (functions_blanked), else the whole file,
    parsed; None when the file does not parse. For readers of classes and module-level bindings
    only: saleor's model files are about half methods (issue 13)."""
    skeleton = functions_blanked(text)
    return (parsed(skeleton) if skeleton is not None and skeleton != text else None) or parsed(text)


def _statement_end(source: list[str], start: int, end: int, indent: int, wanted: int) -> int:
    """The last line before the first statement of the function's body that starts after `wanted`
    (`end` when none does): what follows cannot change what the walk finds up to `wanted`."""
    body = None  # the body's indent: the least of the block's lines after the `def` line
    for number in range(start + 1, end + 1):
        row = source[number - 1]
        stripped = row.strip()
        if stripped and not stripped.startswith(("#", ")", "]", "}")):
            depth = len(row) - len(row.lstrip(" \t"))
            body = depth if body is None else min(body, depth)
    if body is None or body <= indent:
        return end
    for number in range(wanted + 1, end + 1):
        row = source[number - 1]
        stripped = row.strip()
        if stripped and not stripped.startswith(("#", ")", "]", "}")) and len(row) - len(row.lstrip(" \t")) <= body:
            return number - 1
    return end


def outermost_blocks(text: str, source: list[str]) -> list[tuple[int, int, int]]:
    """(first line, last line, indent) of every `def` not inside another one (`_outermost_blocks`)."""
    return _outermost_blocks(text, source)


def _outermost_blocks(text: str, source: list[str]) -> list[tuple[int, int, int]]:
    """(first line, last line, indent) of every `def` not inside another one, 1-based: a `def` line
    opens a block, the first later line indented no deeper that is neither blank, a comment nor a
    closing bracket ends it, and its last line is the last one before that which is neither blank
    nor a comment. Found by regex searches, not a loop over every line (issue 13: that loop was
    ~0.1 s of a cold saleor DROP); tests/test_python_blocks.py holds it to the line loop it replaces."""
    if _last_blocks[0] is text:
        return _last_blocks[1]
    blocks: list[tuple[int, int, int]] = []
    at = anchor = 0  # where to search on; `anchor` is the start of line number `line`
    line = 1
    while (found := _DEF_WORD.search(text, at)) is not None:
        head = text.rfind("\n", 0, found.start()) + 1
        if _DEF_PREFIX.fullmatch(text, head, found.start()) is None:  # `def` inside a line
            at = found.end()
            continue
        number = line + text.count("\n", anchor, head)
        row = source[number - 1]
        indent = len(row) - len(row.lstrip(" \t"))
        end = _block_end(indent).search(text, found.end())
        closing = len(source) + 1 if end is None else number + text.count("\n", head, end.start() + 1)
        last = closing - 1
        while last > number and _blank_or_comment(source[last - 1]):
            last -= 1
        blocks.append((number, last, indent))
        if end is None:
            break
        at = anchor = end.start() + 1
        line = closing
    _last_blocks[:] = [text, blocks]  # parsed_cut asks again for the untrimmed cut of the same text
    return blocks


# `def` is searched as a literal (the regex engine skips to it), then its line's start is checked:
# a pattern led by the line break tried every line (issue 13).
_DEF_WORD = re.compile(r"def[ \t]")
_DEF_PREFIX = re.compile(r"[ \t]*(?:async[ \t]+)?")
_last_blocks: list = [None, []]


@lru_cache(maxsize=64)
def _block_end(indent: int) -> re.Pattern:
    """A line ending a block opened at `indent`: its run of spaces and tabs at most that long, its
    first character that `str.strip` keeps opening neither a comment nor a closing bracket."""
    return re.compile(rf"\n[ \t]{{0,{indent}}}(?![ \t])[^\S\n]*[^\s#)\]}}]")


def _blank_or_comment(row: str) -> bool:
    stripped = row.strip()
    return not stripped or stripped.startswith("#")


def parsed_cut(text: str, lines: Collection[int], models: Collection[str],
               keys: Mapping[int, Collection[str]] | None = None, related: Mapping | None = None,
               source: list[str] | None = None) -> ast.Module | None:
    """The functions holding `lines` that name a model class as a whole word, trimmed after the
    last of them, else untrimmed, parsed. Every binding of a row starts from a model class (the
    cut holds no module-level statement), so a function naming none types nothing. `source`: as
    functions_holding's (the text split once, for both cuts)."""
    source = text.split("\n") if source is None else source
    for trim in (True, False):
        cut = functions_holding(text, lines, trim, models, keys, related, source)
        if cut is None:
            return None
        if not cut.strip():
            return ast.Module(body=[], type_ignores=[])
        module = parsed(cut)
        if module is not None:
            return module
    return None


def names_a_model(text: str, models: Collection[str]) -> bool:
    """Whether `text` spells a model class as a whole word (`Order`, not in `OrderLine`).
    One search of all the names (`alternation`, longest first), each hit checked for word
    boundaries; a hit that fails them fails for every shorter name found there too (the names are
    made of word characters), so the search goes on from the next character. ~10x faster than one
    `str.find` loop per class (issue 13); names holding another character take that loop."""
    names = frozenset(models)
    if not names:
        return False
    if not _word_names(names):
        return any(whole_word_in(text, name) for name in models)
    search = alternation(names).search
    at = 0
    while (match := search(text, at)) is not None:
        start, end = match.span()
        if _bounded(text, start, end):
            return True
        at = start + 1
    return False


@lru_cache(maxsize=16)
def alternation(names: frozenset[str]) -> re.Pattern:
    """One pattern finding any of the names as a substring: `re` skips ahead on their first
    characters, where `any(name in text ...)` scanned the text once per name (115 on saleor)."""
    return re.compile("|".join(map(re.escape, sorted(names, key=lambda name: (-len(name), name)))))


@lru_cache(maxsize=16)
def _word_names(names: frozenset[str]) -> bool:
    return all(name and all(c.isalnum() or c == "_" for c in name) for name in names)


def _bounded(text: str, at: int, end: int) -> bool:
    return not (at and (text[at - 1].isalnum() or text[at - 1] == "_")) \
        and not (end < len(text) and (text[end].isalnum() or text[end] == "_"))


def whole_word_in(text: str, name: str) -> bool:
    at = text.find(name)
    while at >= 0:
        if _bounded(text, at, at + len(name)):
            return True
        at = text.find(name, at + 1)
    return False
