"""Where a name of a changed column stands in one file, told once per file (impact.extract.handed_on for
a position, impact.extract.handed_on_modules for the module): asked by impact.extract.references for
the names a weak attribution placed."""
from __future__ import annotations

from impact.extract import handed_on, handed_on_modules, handed_on_python
from impact.extract.typescript.scan import scan
from impact.orm import CODE_DECLARATION_SUFFIXES as TS_SUFFIXES
from impact.test_paths import is_test_path


class NamePositions:
    """impact.extract.handed_on for one file: a TypeScript/JavaScript file is scanned once, on the first question."""

    def __init__(self, rel: str, text: str, lines: list[str]) -> None:
        self.rel, self.text, self.lines, self.scanned = rel, text, lines, None
        self.python = rel.endswith((".py", ".pyi"))
        self.script = rel.endswith(TS_SUFFIXES) and len(lines) == text.count("\n") + (not text.endswith("\n"))
        self.test, self.responses = is_test_path(rel), None

    def _scanned(self):
        """The TypeScript/JavaScript file scanned, once, on the first question."""
        if self.scanned is None:
            from impact.extract.typescript.functions import line_starts  # imported when a TS file needs it
            self.scanned, self.starts = scan(self.text), line_starts(self.text)
        return self.scanned

    def bare(self, number: int, start: int, end: int) -> bool:
        """A bare value handed to a call (`f(a)`, `f([a])`), not a key of an object argument (`f({ a })`)."""
        if self.python:
            return handed_on_python.in_python(self.lines, number, start, end) == "argument"
        if not self.script:
            return False
        return handed_on.bare_argument(self._scanned(), self.starts, number, start)

    def kind(self, number: int, start: int, end: int) -> str | None:
        if self.python:
            if self.test and handed_on_modules.python_test_data_key(self.lines, number, start, end):
                return "fixture"
            return handed_on_python.in_python(self.lines, number, start, end)
        if not self.script:
            return None
        kind = handed_on.in_typescript(self._scanned(), self.starts, number, start, end, self.rel.endswith((".tsx", ".jsx")))
        if kind is None and self.test:
            if handed_on_modules.fixture_key_in_test(self.scanned, self.starts, number, start, end):
                return "fixture"
            if self.responses is None:
                self.responses = handed_on_modules.response_variables(self.text)
            if self.responses and handed_on_modules.reads_a_response(self.lines[number - 1][:start], self.responses):
                return "response"
        return kind
