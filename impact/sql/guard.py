"""A cheap check, before any parser sees a statement, that parsing it cannot crash the scan.

PostgreSQL's parser (through pglast) segfaults on a 25,000-term `1 + 1 + …` (a C stack overflow,
which no `except` can catch), and both pglast's deparser and sqlglot recurse in Python per nesting
level. Real migrations nest a few dozen levels; this estimates the depth of the parse tree from the
lexer's tokens (the lexer is a flat loop, safe on any input) and refuses beyond MAX_DEPTH: the
statement is reported as not analysed instead.

The estimate: per parenthesis/bracket level, the operators chained since the last comma (a chain
of n binary operators is a tree n deep), plus the number of open levels. AND/OR chains are
flattened by PostgreSQL and are not counted.
"""
from __future__ import annotations

from pglast import scan
from pglast.parser import ParseError

MAX_DEPTH = 1500  # pglast crashed between 20,000 and 25,000 chained terms on an 8 MB stack
MAX_CHARS = 8_000_000
OPENERS = {"ASCII_40", "ASCII_91"}
CLOSERS = {"ASCII_41", "ASCII_93"}
SEPARATORS = {"ASCII_44", "ASCII_59"}
OPERATORS = {"Op", "ASCII_43", "ASCII_45", "ASCII_42", "ASCII_47", "ASCII_37", "ASCII_94", "ASCII_60", "ASCII_62",
             "ASCII_61", "LESS_EQUALS", "GREATER_EQUALS", "NOT_EQUALS", "TYPECAST", "ASCII_46", "COLLATE", "IS", "LIKE",
             "ILIKE", "SIMILAR", "BETWEEN", "IN_P", "NOT", "ARRAY"}


def too_complex(sql: str) -> str:
    """Why `sql` must not be handed to a parser, or "" when it is safe."""
    if len(sql) > MAX_CHARS:
        return f"statement of {len(sql):,} characters is too long to analyse"
    try:
        tokens = scan(sql)
    except ParseError:
        return ""  # the parser will reject it too, without recursing
    depth = estimate_depth(t.name for t in tokens)
    if depth > MAX_DEPTH:
        return f"expression nested about {depth:,} levels deep is too deep to analyse safely (limit {MAX_DEPTH:,})"
    return ""


def estimate_depth(names) -> int:
    chain = [0]  # operators chained at each open level
    total = deepest = 0
    for name in names:
        if name in OPERATORS:
            chain[-1] += 1
            total += 1
        elif name in OPENERS:
            chain.append(0)
            total += 1
        elif name in CLOSERS:
            if len(chain) > 1:
                total -= chain.pop() + 1
        elif name in SEPARATORS:
            total -= chain[-1]
            chain[-1] = 0
        else:
            continue
        deepest = max(deepest, total)
    return deepest
