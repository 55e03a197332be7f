"""impact/regex_cache.py: patterns made from the stored programs are the ones `re` makes without them."""
from __future__ import annotations

import re
from pathlib import Path

from impact.regex_cache import compiled_regexes
from tests.test_code_cache import cache  # noqa: F401 - the fixture: a fresh cache directory

PATTERNS = [
    (r"\b(?:FROM|JOIN)\s+(?P<table>[\"`\w]+)", re.IGNORECASE),
    (r"(?x) ^ \s* (\w+) \s* = \s* (?P<value>.+?) $", re.MULTILINE),
    (r"[ſıİ]+|(?-i:Model)\.objects", re.IGNORECASE),
    (r"(a)(b)?(?(2)c|d)", 0),
    (rb"\x00[^\n]{2,5}", 0),
    (r"\w+", re.ASCII),
]
TEXTS = ["select * from Users join `orders` x", "  key = the value\nname=x", "ſıİ Model.objects ıi", "abc ad", "é_1"]


def _behaviour(patterns: list[re.Pattern]) -> list:
    out = []
    for p in patterns:
        texts = [t.encode("utf-8") for t in TEXTS] + [b"\x00abc\n\x00a"] if isinstance(p.pattern, bytes) else TEXTS
        out.append((p.pattern, p.flags, p.groups, dict(p.groupindex), [[m.span() + m.groups() for m in p.finditer(t)] for t in texts]))
    return out


def _compiled() -> list[re.Pattern]:
    re.purge()  # past re's own per-process cache, to the compiler
    return [re.compile(p, f) for p, f in PATTERNS]


def test_patterns_from_the_stored_programs_are_the_ones_compiled_without_them(cache: Path) -> None:
    plain = _compiled()
    with compiled_regexes() as table:
        first = _compiled()
    assert len(table) >= len(PATTERNS)
    (written,) = (cache / "code").glob("regex-*.marshal")
    stamp = written.stat().st_mtime_ns
    with compiled_regexes() as table:
        known = len(table)
        second = _compiled()
        assert len(table) == known  # every pattern came from the table
    assert plain == first == second  # equal: same pattern, flags and program
    assert _behaviour(plain) == _behaviour(first) == _behaviour(second)
    assert written.stat().st_mtime_ns == stamp  # nothing new: not rewritten
    re.purge()
    assert not hasattr(re._compiler.compile, "impact_table")  # `re` is as it was after the block


def test_a_damaged_table_or_entry_is_compiled_again(cache: Path) -> None:
    with compiled_regexes():
        _compiled()
    (written,) = (cache / "code").glob("regex-*.marshal")
    written.write_bytes(b"\x00not marshal")
    with compiled_regexes() as table:
        assert _behaviour(_compiled()) == _behaviour([re.compile(p, f) for p, f in PATTERNS])
        assert table
        key = (PATTERNS[0][0], int(PATTERNS[0][1]))
        table[key] = ("not", "a program")  # an entry the engine refuses
        re.purge()
        assert re.compile(*PATTERNS[0]).findall(TEXTS[0]) == ["Users", "`orders`"]
        assert table[key] != ("not", "a program")


def test_debug_patterns_and_no_cache_are_left_to_re(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IMPACT_NO_CACHE", "1")
    with compiled_regexes() as table:
        _compiled()
    assert table == {} and not (tmp_path / "cache").exists()
    monkeypatch.delenv("IMPACT_NO_CACHE")
    with compiled_regexes() as table:
        re.purge()
        re.compile("x+y", re.DEBUG)
    assert "x+y" not in {p for p, _ in table} and "LITERAL" in capsys.readouterr().out
