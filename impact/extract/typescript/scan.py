"""A one-pass lexical scan of TS/JS source: where the comments and string literals are.

Not a parser (the project deliberately has none for JavaScript). It only knows enough of the
lexical grammar to tell code from comments, quoted strings, template literals (with `${...}`
holes, nested to any depth) and regular-expression literals, so the regexes run afterwards on
`masked` text never see a `.from(` inside a comment or a string, and never lose their way on a
quote inside a string.

Everything here is linear in the size of the input: each character is visited a bounded number
of times and no regex used can backtrack across more than one token.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# Characters at which the scanner's state can change while in code.
_CODE_EVENT = re.compile(r"[\"'`/{}]")
_QUOTED_EVENT = {'"': re.compile(r'[\\"\n]'), "'": re.compile(r"[\\'\n]")}
_TEMPLATE_EVENT = re.compile(r"[\\`$]")
_REGEX_EVENT = re.compile(r"[\\/\[\]\n]")
# A `/` after one of these words starts a regex literal, not a division.
_KEYWORDS_BEFORE_EXPRESSION = frozenset(
    "return typeof instanceof in of new delete void throw case do else yield await".split()
)
_WORD_BEFORE = re.compile(r"[\w$]+$")
_ESCAPE = re.compile(r"\\(\r\n|[\s\S])")
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LINE_CONTINUATIONS = ("\n", "\r\n", "\r", "\u2028", "\u2029")
_SNIPPET_MAX = 240


@dataclass
class StringLiteral:
    """A '...', "..." or `...` literal. For templates, `chunks` are the text between holes."""

    start: int  # offset of the opening quote
    end: int  # offset just past the closing quote
    quote: str
    chunks: list[str] = field(default_factory=list)  # raw source text, escapes not decoded
    holes: list[tuple[int, int]] = field(default_factory=list)  # `${` .. `}` spans (inclusive)
    terminated: bool = True

    @property
    def has_holes(self) -> bool:
        return bool(self.holes)

    def value(self, hole_name=None) -> str:
        """The decoded string; each hole becomes `hole_name(i)` (default: an empty string)."""
        pieces = []
        for index, chunk in enumerate(self.chunks):
            pieces.append(decode_escapes(chunk))
            if index < len(self.holes):
                pieces.append(hole_name(index) if hole_name else "")
        return "".join(pieces)

    @property
    def body_start(self) -> int:
        return self.start + 1


@dataclass
class Scanned:
    """The source with comments and literal contents blanked out, plus the literals found."""

    text: str
    masked: str  # same length as text; comments and string contents replaced by spaces
    literals: dict[int, StringLiteral]  # by start offset
    unterminated: list[str]  # descriptions of unterminated comments/templates, for FileIssues
    _line_starts: list[int]
    _pairs: dict[int, int] | None = None
    _literal_starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return bisect.bisect_right(self._line_starts, offset)

    def snippet(self, offset: int) -> str:
        """The trimmed source line around `offset`; a window of it when the line is huge (minified)."""
        line = self.line_of(offset)
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        if end - start > _SNIPPET_MAX:
            start = max(start, offset - _SNIPPET_MAX // 2)
            end = min(end, start + _SNIPPET_MAX)
        return self.text[start:end].strip()

    def closing(self, opening: int) -> int | None:
        """Offset of the bracket closing the one at `opening` (or of the opener, given a closer)."""
        if self._pairs is None:
            self._pairs = _bracket_pairs(self.masked)
        return self._pairs.get(opening)

    def literal_at(self, offset: int) -> StringLiteral | None:
        return self.literals.get(offset)

    def literal_holding(self, offset: int) -> StringLiteral | None:
        """The literal whose text (between its quotes) holds `offset`, if any."""
        if self._literal_starts is None:
            self._literal_starts = sorted(self.literals)
        index = bisect.bisect_right(self._literal_starts, offset) - 1
        literal = self.literals[self._literal_starts[index]] if index >= 0 else None
        return literal if literal is not None and literal.start < offset < literal.end - 1 else None


def decode_escapes(raw: str) -> str:
    """JS escapes that matter for SQL text: \\n, \\', \\`, \\\\, line continuations."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(_decode_one, raw)


def _decode_one(match: re.Match) -> str:
    char = match.group(1)
    if char in _LINE_CONTINUATIONS:
        return ""
    return _ESCAPED.get(char, char)


def scan(text: str) -> Scanned:
    return _Scanner(text).run()


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.blank_spans: list[tuple[int, int]] = []
        self.literals: dict[int, StringLiteral] = {}
        self.unterminated: list[str] = []
        # One entry per open template hole: [literal, depth of `{` opened inside the hole].
        self.holes: list[list] = []

    def run(self) -> Scanned:
        pos = self._line_comment(0) if self.text.startswith("#!") else 0  # shebang line
        while True:
            event = _CODE_EVENT.search(self.text, pos)
            if event is None:
                break
            pos = self._code_event(event.start(), event.group())
        for literal, _depth in self.holes:
            literal.terminated = False
            self.unterminated.append(f"template literal at offset {literal.start} never closed")
        line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return Scanned(self.text, self._masked(), self.literals, self.unterminated, line_starts)

    def _code_event(self, at: int, char: str) -> int:
        if char in "\"'":
            return self._quoted(at, char)
        if char == "`":
            literal = StringLiteral(at, at, "`")
            self.literals[at] = literal
            return self._template_body(literal, at + 1)
        if char == "{":
            if self.holes:
                self.holes[-1][1] += 1
            return at + 1
        if char == "}":
            return self._close_brace(at)
        return self._slash(at)

    def _close_brace(self, at: int) -> int:
        if not self.holes:
            return at + 1
        if self.holes[-1][1] > 0:
            self.holes[-1][1] -= 1
            return at + 1
        literal, _depth = self.holes.pop()
        hole_start = literal.holes[-1][0]
        literal.holes[-1] = (hole_start, at)
        return self._template_body(literal, at + 1)

    def _quoted(self, at: int, quote: str) -> int:
        pattern = _QUOTED_EVENT[quote]
        pos = at + 1
        while True:
            event = pattern.search(self.text, pos)
            if event is None or event.group() == "\n":
                # JS strings cannot span lines: stop at the line end so a stray quote (say, an
                # apostrophe in JSX text) costs at most the rest of its line.
                end = event.start() if event else len(self.text)
                self._record_quoted(at, end, quote, terminated=False)
                return end
            if event.group() == "\\":
                pos = event.start() + 2
                continue
            self._record_quoted(at, event.end(), quote, terminated=True)
            return event.end()

    def _record_quoted(self, at: int, end: int, quote: str, terminated: bool) -> None:
        body_end = end - 1 if terminated else end
        self.literals[at] = StringLiteral(
            at, end, quote, [self.text[at + 1 : body_end]], terminated=terminated
        )
        self.blank_spans.append((at + 1, body_end))

    def _template_body(self, literal: StringLiteral, pos: int) -> int:
        """Scan template text from `pos` to the closing backtick or the next `${`."""
        chunk_start = pos
        while True:
            event = _TEMPLATE_EVENT.search(self.text, pos)
            if event is None:
                literal.chunks.append(self.text[chunk_start:])
                self.blank_spans.append((chunk_start, len(self.text)))
                literal.end = len(self.text)
                literal.terminated = False
                self.unterminated.append(f"template literal at offset {literal.start} never closed")
                return len(self.text)
            char, at = event.group(), event.start()
            if char == "\\":
                pos = at + 2
            elif char == "`":
                literal.chunks.append(self.text[chunk_start:at])
                self.blank_spans.append((chunk_start, at))
                literal.end = at + 1
                return at + 1
            elif self.text.startswith("${", at):
                literal.chunks.append(self.text[chunk_start:at])
                self.blank_spans.append((chunk_start, at))
                literal.holes.append((at, at))
                self.holes.append([literal, 0])
                return at + 2
            else:
                pos = at + 1

    def _slash(self, at: int) -> int:
        following = self.text[at + 1 : at + 2]
        if following == "/":
            return self._line_comment(at)
        if following == "*":
            end = self.text.find("*/", at + 2)
            if end == -1:
                self.unterminated.append(f"block comment at offset {at} never closed")
                end = len(self.text) - 2
            self.blank_spans.append((at, end + 2))
            return end + 2
        if self._regex_may_start(at):
            return self._regex(at)
        return at + 1

    def _line_comment(self, at: int) -> int:
        end = self.text.find("\n", at)
        end = len(self.text) if end == -1 else end
        self.blank_spans.append((at, end))
        return end

    def _regex_may_start(self, at: int) -> bool:
        """A `/` starts a regex unless it follows an operand (identifier, number, `)`, `]`)."""
        pos = at - 1
        while pos >= 0 and self.text[pos] in " \t\r\n":
            pos -= 1
        if pos < 0:
            return True
        previous = self.text[pos]
        if previous in ")]}\"'`":
            return False
        if previous.isalnum() or previous in "_$":
            word = _WORD_BEFORE.search(self.text, max(0, pos - 20), pos + 1)
            return bool(word) and word.group() in _KEYWORDS_BEFORE_EXPRESSION
        return True

    def _regex(self, at: int) -> int:
        """Skip a regex literal; if the line ends first, it was not one (e.g. JSX `</div>`)."""
        pos, in_class = at + 1, False
        while True:
            event = _REGEX_EVENT.search(self.text, pos)
            if event is None or event.group() == "\n":
                return at + 1
            char = event.group()
            if char == "\\":
                pos = event.start() + 2
                continue
            pos = event.end()
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class:  # the closing `/`
                self.blank_spans.append((at + 1, event.start()))
                return pos

    def _masked(self) -> str:
        pieces, pos = [], 0
        for start, end in sorted(self.blank_spans):
            if start < pos:
                start = pos
            if end <= start:
                continue
            pieces.append(self.text[pos:start])
            pieces.append(_blank(self.text[start:end]))
            pos = end
        pieces.append(self.text[pos:])
        return "".join(pieces)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(segment: str) -> str:
    return _NOT_NEWLINE.sub(" ", segment)


_BRACKET = re.compile(r"[()\[\]{}]")
_OPENER_OF = {")": "(", "]": "[", "}": "{"}


def _bracket_pairs(masked: str) -> dict[int, int]:
    """Opening offset <-> closing offset for every balanced bracket (one linear pass)."""
    pairs: dict[int, int] = {}
    stack: list[tuple[str, int]] = []
    for match in _BRACKET.finditer(masked):
        char, at = match.group(), match.start()
        if char in "([{":
            stack.append((char, at))
            continue
        opener = _OPENER_OF[char]
        # Drop unmatched openers (e.g. a `(` in JSX text) until the right kind is found, but do
        # not let a stray closer empty the whole stack.
        depth = len(stack) - 1
        while depth >= 0 and stack[depth][0] != opener and len(stack) - depth < 8:
            depth -= 1
        if depth < 0 or stack[depth][0] != opener:
            continue
        del stack[depth + 1 :]
        _char, open_at = stack.pop()
        pairs[open_at] = at
        pairs[at] = open_at
    return pairs
