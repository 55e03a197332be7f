"""Old migrations written in Python 2, read as the Python 3 they mean.

A project's early Alembic or Django revisions are sometimes still Python 2 (redash's
969126bd800f_.py prints its progress with `print "..."` and then drops two columns). They are valid
migrations; only a handful of statements stop Python 3's parser, and none of them is an operation.
So when the parse fails on a Python 2 construct, that one line is rewritten to its Python 3
spelling and the parse is tried again:

- `print x, y` / `print x,` -> `print(x, y)` / `print(x, end=" ")` (and `exec "code"` -> `exec("code")`;
  `print >>f, x` and a bare `print` are valid Python 3 expressions already, of no effect here);
- `except E, e:` -> `except E as e:`;
- `0755` -> `0o755`; `a <> b` -> `a != b`.

Every rewrite keeps the line where it was, so every operation keeps its line, and the reader says
which lines it rewrote. Anything else (a print statement continued over lines, backticks,
`raise E, "msg"`) is not guessed at: the first error stands and the migration is told to be
Python 2 (impact.formats.python_syntax). Known limit (an xfail test): a print statement after a
colon on its line (`if x: print "a"`).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

from impact.formats.python_syntax import is_python2

_STATEMENT = re.compile(r"^(\s*)(print|exec)(?:\s+|(?=[\"'])|$)(.*)$")
_EXCEPT = re.compile(r"^(\s*except\s+)(.+?)\s*,\s*([A-Za-z_]\w*)\s*:")
_OCTAL = re.compile(r"(?<![\w.])0([0-7]+)(?![\w.])")


def parse_python(source: str | bytes, filename: str) -> tuple[ast.Module, list[int]]:
    """The module's tree and the lines rewritten from Python 2 (none for Python 3 code).
    Raises the first SyntaxError when a line cannot be rewritten."""
    try:
        return ast.parse(source, filename=filename), []
    except SyntaxError as exc:
        if not is_python2(exc) and "invalid syntax" not in (exc.msg or ""):
            raise
        first = error = exc  # `exc` is unbound once the handler ends
    text = source.decode("utf-8-sig") if isinstance(source, bytes) else source
    lines = text.splitlines(keepends=True)
    rewritten = _statements_respelled(lines)  # every print statement at once: one parse, not one per line
    if rewritten:
        try:
            return ast.parse("".join(lines), filename=filename), sorted(rewritten)
        except SyntaxError as exc:
            error = exc
    for _ in range(MAX_ROUNDS):
        number = error.lineno or 0
        line = lines[number - 1] if 0 < number <= len(lines) else ""
        fixed = _rewrite(line)
        if fixed is None:
            raise first from None
        lines[number - 1] = fixed
        rewritten.add(number)
        try:
            return ast.parse("".join(lines), filename=filename), sorted(rewritten)
        except SyntaxError as exc:
            error = exc
    raise first from None


MAX_ROUNDS = 100  # a parse per round: what remains after the print statements is a handful of lines
_STARTS = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def _statements_respelled(lines: list[str]) -> set[int]:
    """Respell, in place, every line that is a Python 2 print/exec statement (told by the tokenizer:
    a docstring's "print the rows" is a string); their numbers. `print >>f, x` and `print (x)` parse
    as Python 3 and are left alone."""
    found, previous = [], tokenize.NEWLINE
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    for token, following in zip(tokens, tokens[1:]):
        if (token.type == tokenize.NAME and token.string in ("print", "exec") and previous in _STARTS
                and following.start[0] == token.start[0]
                and (following.type in (tokenize.STRING, tokenize.NAME, tokenize.NUMBER) or following.string == "-")):
            found.append(token.start[0])
        if token.type not in (tokenize.COMMENT,):
            previous = token.type
    done = set()
    for number in found:
        fixed = _rewrite(lines[number - 1])
        if fixed is not None:
            lines[number - 1] = fixed
            done.add(number)
    return done


def _rewrite(line: str) -> str | None:
    """`line` in Python 3, or None when it holds no Python 2 construct read here."""
    body, comment, ending = _split_comment(line)
    if body is None:
        return None
    fixed = _statement(body) or _except(body) or _operators(body)
    return None if fixed is None or fixed == body else fixed + comment + ending


def _split_comment(line: str) -> tuple[str | None, str, str]:
    """(code, comment, line ending) of one line; code None when the line does not tokenize alone
    (a string or bracket continued on the next line)."""
    ending = line[len(line.rstrip("\r\n")):]
    stripped = line[:len(line) - len(ending)]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(stripped + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None, "", ending
    at = next((t.start[1] for t in tokens if t.type == tokenize.COMMENT), len(stripped))
    code = stripped[:at]
    if code.rstrip().endswith("\\"):
        return None, "", ending
    return code.rstrip(), stripped[len(code.rstrip()):], ending


def _statement(code: str) -> str | None:
    match = _STATEMENT.match(code)
    if match is None or match.group(3).lstrip().startswith(("(", "=", ".", "[")):
        return None  # a call already, or a name `print` used as one
    indent, word, rest = match.groups()
    rest = rest.strip()
    if word == "exec":
        return f"{indent}exec({rest})"
    if rest.endswith(","):  # no newline after it
        return f'{indent}print({rest[:-1].rstrip()}, end=" ")'
    return f"{indent}print({rest})"


def _except(code: str) -> str | None:
    match = _EXCEPT.match(code)
    if match is None:
        return None
    head, types, name = match.groups()
    return f"{head}{types} as {name}:{code[match.end():]}"


def _operators(code: str) -> str | None:
    fixed = _OCTAL.sub(r"0o\1", code).replace("<>", "!=")
    return fixed if fixed != code else None
