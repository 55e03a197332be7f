"""A fast, read-only walk over a libcst tree that also tells each expression's lines.

libcst's own visitor rebuilds every node it passes (its traversal is shared with transformers,
so each `visit` constructs and validates a fresh copy of the node), and its PositionProvider
regenerates the code of the whole module to learn positions. Together they cost three times the
parse. This module walks the node fields directly, in source order, and counts the newlines of
the tokens it passes, which yields each expression's first and last line exactly as
`PositionProvider` reports them:

- tokens come out of a libcst tree in the order of its children, and only a few tokens can hold
  a newline: `Newline`, a line continuation in `SimpleWhitespace`, and string text
  (`SimpleString`, f-/t-string text). Counting those along the walk gives the current line.
- an expression's syntactic span starts after its own parentheses and ends before them (libcst's
  `_parenthesize`): its lines are the counter after its `lpar` and before its `rpar`.

Only parenthesizable nodes (every expression, `Name` included) get a span; `lines_of` callers
fall back to PositionProvider for anything else.

The source order of each node class's child fields is read once per class from libcst itself,
by letting the class's own child traversal report the fields it visits, in order.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst
from libcst._nodes.expression import _BaseParenthesizedNode

# Node classes whose `value` text may hold newlines (string literals, line continuations).
_TEXT_CLASSES = frozenset(
    cls for cls in (cst.SimpleString, cst.FormattedStringText, getattr(cst, "TemplatedStringText", None),
                    cst.SimpleWhitespace)
    if cls is not None
)
# (child fields in source order, has text, parenthesized, fields inside the parentheses, fields after them)
_Spec = tuple[tuple[str, ...], bool, bool, tuple[str, ...], tuple[str, ...]]
_SPECS: dict[type, _Spec] = {}
_SEQUENCES = (tuple, list)


class _FieldRecorder(cst.CSTVisitor):
    """Records the child fields a node's traversal visits, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _spec(node: cst.CSTNode) -> _Spec:
    spec = _SPECS.get(type(node))
    if spec is None:
        recorder = _FieldRecorder()
        node._visit_and_replace_children(recorder)  # every field is reported, present or not
        fields = tuple(dict.fromkeys(recorder.fields))
        # `(`s first, then the expression's own tokens, then `)`s (then a StarredElement's comma).
        parenthesized = isinstance(node, _BaseParenthesizedNode) and fields[:1] == ("lpar",) and "rpar" in fields
        rpar = fields.index("rpar") if parenthesized else len(fields)
        spec = _SPECS[type(node)] = (fields, type(node) in _TEXT_CLASSES, parenthesized,
                                     fields[1:rpar], fields[rpar + 1:])
    return spec


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node's children in source order (what `node.children` gives, without rebuilding)."""
    for name in _spec(node)[0]:
        value = getattr(node, name)
        if value.__class__ in _SEQUENCES:
            yield from value
        elif isinstance(value, cst.CSTNode):
            yield value


def iter_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included), in source order."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(list(children(current))))


def newlines(text: str) -> int:
    """Line breaks in a token, counted the way libcst counts them (`\\r\\n`, `\\r`, `\\n`)."""
    count = text.count("\n")
    if "\r" in text:
        count += text.count("\r") - text.count("\r\n")
    return count


Hook = Callable[[cst.CSTNode], object]


def walk(module: cst.Module, visit: dict[type, Hook], leave: dict[type, Hook]) -> dict[int, tuple[int, int]]:
    """Walk the whole tree in source order, calling `visit[type(node)](node)` before a node's
    children and `leave[type(node)](node)` after them; a visit hook returning False keeps the
    hooks away from that node's descendants (they are still walked, for their lines).
    Returns the (first line, last line) of every expression, by node id."""
    spans: dict[int, tuple[int, int]] = {}
    line = 1
    specs = _SPECS
    newline_class = cst.Newline
    sequences = _SEQUENCES
    default = cst.MaybeSentinel.DEFAULT  # an empty optional field holds None or this
    # Nearly half the nodes are SimpleWhitespace leaves: read them in place (unless hooked).
    whitespace = cst.SimpleWhitespace if cst.SimpleWhitespace not in visit and cst.SimpleWhitespace not in leave else None

    def step(node: cst.CSTNode, active: bool) -> None:
        nonlocal line
        cls = node.__class__
        spec = specs.get(cls) or _spec(node)
        fields, has_text, parenthesized, inside, after = spec
        inner = active
        if active:
            hook = visit.get(cls)
            if hook is not None and hook(node) is False:
                inner = False
        if cls is newline_class:
            line += 1
        if parenthesized:
            for paren in node.lpar:
                step(paren, inner)
            start = line
            fields = inside
        if has_text:
            text = node.value
            if "\n" in text or "\r" in text:
                line += newlines(text)
        for name in fields:
            value = getattr(node, name)
            kind = value.__class__
            if kind is whitespace:
                text = value.value
                if "\n" in text or "\r" in text:
                    line += newlines(text)
            elif kind in sequences:
                for child in value:
                    step(child, inner)
            elif value is not None and value is not default:
                step(value, inner)
        if parenthesized:
            spans[id(node)] = (start, line)
            for paren in node.rpar:
                step(paren, inner)
            for name in after:
                value = getattr(node, name)
                if value is not None and value is not default:
                    step(value, inner)
        if active:
            hook = leave.get(cls)
            if hook is not None:
                hook(node)

    step(module, True)
    return spans
