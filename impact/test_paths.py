"""Whether a repository path holds tests: used to order evidence (the code a deploy runs first).

The same folders and file names the accuracy bench counts as tests (bench/accuracy/measure.py):
`tests/`, `__tests__/`, `e2e/`, `cypress/`, `spec/`, `*.test.ts`, `*_test.py`, `test_*.py`, `*.spec.ts`;
and Django's `tests.py` module and pytest's `conftest.py` (babybuddy's api/tests.py: its REST payloads are
a test's data, impact.extract.handed_on_modules).
"""
from __future__ import annotations

import re

TEST_PATH = re.compile(r"(^|/)(tests?|__tests__|e2e|cypress|spec|app-tests)(/|$)|[._](test|spec)\.|(^|/)test_|_test\.py$|(^|/)(tests|conftest)\.py$")


def is_test_path(rel: str) -> bool:
    return TEST_PATH.search(rel) is not None
