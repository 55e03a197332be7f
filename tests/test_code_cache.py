"""impact/code_cache.py: dataclasses made with the stored compiled code are the ones made without it."""
from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from impact.code_cache import compiled_dataclasses, table_path


def _make() -> list[type]:
    """The same classes each call, newly created (a frozen one, defaults, factories, kw_only, slots)."""

    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: int = 2
        tags: tuple[str, ...] = ()

    @dataclasses.dataclass(order=True)
    class Row:
        name: str
        items: list = dataclasses.field(default_factory=list)
        hidden: int = dataclasses.field(default=0, repr=False, compare=False)

    @dataclasses.dataclass(kw_only=True, slots=True)
    class Options:
        fast: bool = True
        label: str | None = None

    return [Point, Row, Options]


def _behaviour(classes: list[type]) -> list:
    point, row, options = classes
    p, r, o = point(1), row("a", [1], 5), options(label="x")
    try:
        p.x = 3
        frozen = "no error"
    except dataclasses.FrozenInstanceError as error:
        frozen = type(error).__name__
    return [repr(p), p == point(1), hash(p) == hash(point(1, 2, ())), frozen, repr(r), r == row("a", [1], 6), r < row("b"),
            repr(o), o == options(label="x"), [str(inspect.signature(c)) for c in classes],
            [c.__init__.__annotations__ for c in classes], [c.__init__.__qualname__ for c in classes]]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("IMPACT_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_classes_made_from_the_stored_code_behave_as_without_it(cache: Path) -> None:
    plain = _behaviour(_make())
    with compiled_dataclasses() as table:
        first = _behaviour(_make())
    assert table and Path(table_path()).is_file()
    written = os.stat(table_path()).st_mtime_ns
    with compiled_dataclasses() as table:
        known = len(table)
        second = _behaviour(_make())
        assert len(table) == known  # nothing compiled again
    assert plain == first == second
    assert os.stat(table_path()).st_mtime_ns == written  # nothing new: not rewritten
    assert "exec" not in vars(dataclasses)  # the module is as it was after the block


def test_a_damaged_table_is_compiled_again(cache: Path) -> None:
    with compiled_dataclasses():
        _make()
    Path(table_path()).write_bytes(b"\x00not marshal")
    with compiled_dataclasses() as table:
        assert _behaviour(_make()) == _behaviour(_make())
        assert table
    with compiled_dataclasses() as table:
        assert table  # written again, readable


def test_no_table_without_a_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IMPACT_NO_CACHE", "1")
    with compiled_dataclasses() as table:
        _make()
    assert table == {} and not (tmp_path / "cache").exists()


def test_the_command_line_keeps_the_tables(cache: Path) -> None:
    # this one and impact.regex_cache's
    env = {**os.environ, "IMPACT_CACHE_DIR": str(cache)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "impact", "rules"], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    assert list((cache / "code").glob("dataclasses-*.marshal")) and list((cache / "code").glob("regex-*.marshal"))
