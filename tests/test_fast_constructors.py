"""The builders of objects made in bulk (impact.judge.engine.unaffected_pair, impact.files.listed_file): the same objects as their constructors make."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from impact.judge.engine import unaffected_pair
from impact.judge.findings import PairJudgement


def test_it_is_the_constructors_object() -> None:
    fast, made = unaffected_pair(2, 7, "reads other columns"), PairJudgement(2, 7, "unaffected", "reads other columns")
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    assert list(vars(fast).items()) == list(vars(made).items())  # the same members, in the same order
    assert dataclasses.asdict(fast) == dataclasses.asdict(made)
    assert pickle.loads(pickle.dumps(fast)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.status = "breaks"


def test_it_fills_every_field() -> None:
    # A field added to PairJudgement must be filled here too (or this fails).
    assert [f.name for f in dataclasses.fields(PairJudgement)] == list(vars(unaffected_pair(0, 0, "")))


def test_a_listed_file_is_the_constructors_object(tmp_path) -> None:
    from impact.files import SourceFile, listed_file

    (tmp_path / "a.py").write_text("x = 1\n")
    fast, made = listed_file(str(tmp_path / "a.py"), "a.py", 6, 123), SourceFile(str(tmp_path / "a.py"), "a.py", 6, 123)
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    assert list(vars(fast).items()) == list(vars(made).items())
    assert [f.name for f in dataclasses.fields(SourceFile)] == list(vars(fast))
    assert fast.path == tmp_path / "a.py"  # the cached property still works
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.size = 7
