"""impact.extract.handed_on's positions in Python: a name that is a variable, a parameter, a positional
argument, a form's or a request's field, or a message's placeholder, not a field (its kinds and the
decisions behind them are in impact.extract.handed_on's docstring).

Python writes a model's field as an attribute (`row.rear_port`), a keyword (`Model(rear_port=...)`,
kept: saleor's keyword arguments were 19 lines the authors changed) or a string (`values("rear_port")`);
a bare name read as a value is a variable (saleor's test `{"amount": captured_value}`, round-4 Django
sample, not-db). `self.cleaned_data['rear_port']`, `request.data.get("x")` and a form error's key
`{'rear_port': _('...')}` are a form's or a request's field ("input"); `"Rear port ({rear_port})"` is a
message's placeholder ("argument"): netbox's object_create.py, not-db in the same sample.

Limits: lines are read one by one: a string holding a bracket spanning lines (a triple-quoted one) can
hide the enclosing call.
"""
from __future__ import annotations

import re

from impact.extract.handed_on import _CONTROL

_PY_STRING = re.compile(r"""(?:[rRbBuUfF]{0,2})("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')""")
_PY_DEF = re.compile(r"(?:^|[\s(])(?:async\s+)?def\s+\w+\s*$")
_PY_LINES = 15  # lines looked back for the parenthesis holding a name
_PY_ATTRIBUTE = re.compile(r"\.\s*[A-Za-z_]")
_PY_ASSIGN = re.compile(r"(?::[^=]+)?=(?!=)")  # `x = `, `x: T = `
_PY_IMPORT = re.compile(r"\s*(?:from|import)\s")
_PY_INPUT = re.compile(r"""(?:\bcleaned_data|\brequest\.(?:data|POST|GET|query_params|FILES))\s*(?:\[|\.get\(|\.pop\()\s*[rbu]?["']$""")
_PY_MESSAGE_KEY = re.compile(r"""["']\s*:\s*(?:_|gettext(?:_lazy)?|ugettext(?:_lazy)?)\s*\(""")
def in_python(lines: list[str], line: int, start: int, end: int) -> str | None:
    """The kind of position of the name at `start:end` of `line` (1-based) in a Python file, or None."""
    kind = _py_position(lines, line, start, end)
    if kind is None and _py_bare_value(lines[line - 1], start, end):
        return "local"  # `{"amount": captured_value}`, `== captured_value`: a variable's value (saleor's tests)
    return kind


def _py_position(lines: list[str], line: int, start: int, end: int) -> str | None:
    text = lines[line - 1]
    before, after = text[:start].rstrip(), text[end:].lstrip()
    if _PY_INPUT.search(before):
        return "input"  # `self.cleaned_data['rear_port']`, `request.data.get("x")`: a form's or a request's field
    if _PY_MESSAGE_KEY.match(text, end):
        return "input"  # `{'rear_port': _('...')}`: a form field's error message (netbox's object_create)
    if text[start - 1:start] == "{" and text[end:end + 1] == "}" and _in_message(text, start):
        return "argument"  # `"Rear port ({rear_port}) must ..."`: a message's placeholder
    if re.search(r"(?:^|[\s(,=])lambda\b[^:]*$", before):
        return "parameter"
    if not before.endswith(".") and _PY_ATTRIBUTE.match(after) and not _PY_IMPORT.match(text):
        return "local"  # `rear_port.pk`: a variable holding an object, not the field (netbox's object_create)
    if not before and _PY_ASSIGN.match(after) and _py_bracket(lines, line, start) is None and _py_in_function(lines, line):
        return "local"  # `rear_port = None` in a function: a variable (not a call's keyword, not a class's attribute)
    if before[-1:] not in ("(", ",", "") or not (after[:1] in (",", ")", ":", "=", "") and after[:2] != "=="):
        return None
    head = _py_holder(lines, line, start)
    if head is None:
        return None
    if _PY_DEF.search(head):
        return "parameter"
    if after[:1] not in (",", ")", ""):
        return None  # a keyword argument (`Model(field=...)`) or an annotation: kept
    callee = re.search(r"([A-Za-z_]\w*)\s*$", head)
    if callee is None or callee.group(1) in _CONTROL or callee.group(1) in ("class", "def"):
        return None  # a tuple, a condition, a class's bases
    return "argument"


def _py_bare_value(text: str, start: int, end: int) -> bool:
    """A bare name read as a value: no attribute (`x.f`), no keyword (`f=`), no call, no string, no
    class attribute's or annotation's name at a line's start. Python writes a field as an attribute, a
    keyword or a string; a bare name is a variable."""
    before, after = text[:start].rstrip(), text[end:].lstrip()
    if not before or before.endswith((".", "'", '"', "@")) or re.search(r"\b(?:def|class|import|from|as|global|nonlocal)$", before):
        return False
    if text[end:end + 1].isalnum() or text[end:end + 1] == "_" or _in_string(text, start) is not None:
        return False  # `rear_port__isnull=`: a lookup's head; `"id, title, body"`: a string's word
    return after[:1] not in ("(", ".", "'", '"', "[") and (after[:1] != "=" or after[:2] == "==")


def _in_message(text: str, start: int) -> bool:
    """Is the position in a string literal of prose (one holding a space)?"""
    literal = _in_string(text, start)
    return literal is not None and " " in literal


def _in_string(text: str, start: int) -> str | None:
    """The string literal (quotes included) of the line holding the position, if any."""
    return next((m.group(1) for m in _PY_STRING.finditer(text) if m.start(1) < start < m.end(1)), None)


def _py_in_function(lines: list[str], line: int) -> bool:
    """Is the line in a function's body, not directly in a class's (warehouse's factory `is_approved = None`)?"""
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip())
    for number in range(line - 1, 0, -1):
        text = lines[number - 1]
        code = text.lstrip()
        if code and not code.startswith("#") and len(text) - len(code) < indent:
            if code.startswith(("def ", "async def ")):
                return True
            if code.startswith("class "):
                return False
            indent = len(text) - len(code)
    return False


def _py_holder(lines: list[str], line: int, start: int) -> str | None:
    """The code before the innermost `(` holding the position, when that bracket is a parenthesis."""
    found = _py_bracket(lines, line, start)
    return found[1] if found and found[0] == "(" else None


def _py_bracket(lines: list[str], line: int, start: int) -> tuple[str, str] | None:
    """The innermost bracket holding the position and the code before it, looked for _PY_LINES back."""
    depth = 0
    for number in range(line, max(0, line - _PY_LINES), -1):
        code = lines[number - 1][:start] if number == line else lines[number - 1]
        code = _PY_STRING.sub('""', code).split("#", 1)[0]
        for index in range(len(code) - 1, -1, -1):
            char = code[index]
            if char in ")]}":
                depth += 1
            elif char in "([{":
                if depth:
                    depth -= 1
                    continue
                return char, code[:index]
        if number != line and not code.strip():
            return None  # a blank line: no bracket spans it here
    return None
