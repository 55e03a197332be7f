"""Issue 12: hostile or unusual input never crashes, hangs or floods the terminal.

Real parsers and real files throughout; the inputs are the fuzzing run's findings, shrunk.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.errors import ImpactError, bounded_line
from impact.op_details import NotAnalysed
from impact.sql.guard import MAX_DEPTH, estimate_depth, too_complex
from impact.sql.parse import parse_migration
from tests.conftest import ROOT, make_repo, report_of


def scan_json(repo: Path, ref: str, *extra: str):
    result = CliRunner().invoke(cli, ["scan", str(repo), "-m", ref, "--format", "json", "--no-cache", *extra])
    return result, (report_of(result.output) if result.exit_code in (0, 1) else None)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "migrations/0001_init.sql": "CREATE TABLE t (id int, a text);",
        "app.py": "cur.execute('SELECT id, a FROM t')\n",
    })


def test_a_30000_term_expression_is_not_analysed_instead_of_crashing_the_parser() -> None:
    # pglast segfaults on this (C stack): the guard must stop it before the parser sees it.
    parsed = parse_migration("ALTER TABLE t ADD COLUMN q int;\nSELECT " + " + ".join(["1"] * 30000) + ";")
    op = parsed.operations[1]
    assert op.kind.value == "unknown" and op.info == NotAnalysed() and "too deep" in op.statement.error


def test_a_400_deep_array_default_is_not_analysed_instead_of_recursion_error() -> None:
    sql = "ALTER TABLE t ADD COLUMN a int[] DEFAULT " + "ARRAY[" * 400 + "1" + "]" * 400 + ";"
    op = parse_migration(sql).operations[0]
    assert op.kind.value == "unknown" and op.info == NotAnalysed()


def test_depth_estimate_counts_chains_and_levels_not_lists() -> None:
    assert estimate_depth(["ASCII_40"] * 10 + ["ASCII_41"] * 10) == 10
    assert estimate_depth(["ICONST", "ASCII_43"] * 50) == 50
    assert estimate_depth(["ICONST", "ASCII_44"] * 10_000) == 0  # a long VALUES list is flat
    assert not too_complex("INSERT INTO t VALUES " + ", ".join(["(1, -2, 'a' || 'b')"] * 20_000))
    assert too_complex("SELECT " + "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))


def test_a_migration_of_only_unanalysable_statements_is_reported_not_refused(repo: Path) -> None:
    (repo / "migrations/0002_deep.sql").write_text("SELECT " + " + ".join(["1"] * 30000) + ";")
    result, report = scan_json(repo, "2")
    assert result.exit_code == 0, result.output
    assert report["migration"]["not_understood"] == [1]


@pytest.mark.parametrize("sql", [
    "LOCK TABLE t IN ACCESS EXCLUSIVE MODE;",
    "COPY t FROM stdin;\n1\tx\n\\.\n",
    "\\set ON_ERROR_STOP on\n",
    "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO t VALUES (1); INSERT INTO t VALUES (2));",
    "ALTER TABLE t ADD COLUMN x int; SET;",
], ids=["lock", "copy-stdin", "meta-only", "rule", "bare-set"])
def test_valid_postgresql_is_never_refused(repo: Path, sql: str) -> None:
    (repo / "migrations/0002_x.sql").write_text(sql)
    result, report = scan_json(repo, "2")
    assert result.exit_code in (0, 1), result.output
    assert report["verdict"] in ("safe", "caution", "breaking")


def test_lock_statement_shows_in_the_lock_assessment(repo: Path) -> None:
    (repo / "migrations/0002_lock.sql").write_text("LOCK TABLE t IN ACCESS EXCLUSIVE MODE;")
    _, report = scan_json(repo, "2")
    assert "ACCESS EXCLUSIVE on `t`" in json.dumps(report["assessment"])


def test_unclosed_comment_error_is_one_bounded_line() -> None:
    op = parse_migration("/* " + "x\n" * 100_000).operations[0]
    assert "\n" not in op.statement.error and len(op.statement.error) <= 300


def test_bounded_line_escapes_controls_and_cuts_the_middle() -> None:
    line = bounded_line("bad\x1b[31m name\r\nnext\tcol \u202e\udce9", 400)
    assert line == "bad\\x1b[31m name next col \\u202e\\udce9"
    long = bounded_line("a" * 1_000_000 + "END", 100)
    assert len(long) <= 100 and long.endswith("END") and " […] " in long


def test_error_message_with_hostile_file_name_is_one_line(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(repo), "-m", "no\x1b]0;pwned\x07\nsuch" + "x" * 5000])
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert result.exit_code == 3 and len(lines) == 1 and "\x1b" not in lines[0] and len(lines[0]) < 450


def test_one_line_keeps_the_fix_when_the_problem_is_huge() -> None:
    error = ImpactError("p" * 10_000, "do this")
    assert error.one_line().endswith(" — do this") and len(error.one_line()) < 300


def _deep_folder(root: Path, levels: int = 20) -> str:
    """Folders nested past PATH_MAX: unreadable by path even for root (chmod would not stop root)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d" * 250, dir_fd=fd)
            new = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.close(os.open("q.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    finally:
        os.close(fd)
    return "d" * 250


def test_unreadable_folders_are_named_and_lower_the_confidence(repo: Path) -> None:
    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    _, clean = scan_json(repo, "2")
    _deep_folder(repo)
    result, report = scan_json(repo, "2")
    assert result.exit_code == 0, result.output
    assert any(i["reason"] == "unreadable directory" and i["file"].startswith("d" * 250) for i in report["file_issues"])
    rank = ["low", "medium", "high"]
    assert rank.index(report["confidence"]) < rank.index(clean["confidence"])


def test_a_file_name_that_is_not_utf8_is_scanned_and_shown_escaped(repo: Path) -> None:
    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    with open(os.path.join(os.fsencode(repo / "lib"), b"caf\xe9.ts") if (repo / "lib").mkdir() is None else "", "w") as f:
        f.write("await db.from('t').select('id, b')\n")
    for extra in ((), ("--no-cache",)):
        result = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        files = {q["file"] for q in report_of(result.output)["queries"]}
        assert "lib/caf\\xe9.ts" in files


HOSTILE_PYTHON = {
    "plus-chain": " + ".join(["a"] * 10_000),  # segfaulted libcst; ast: RecursionError during ast construction
    "attribute-chain": "a" + ".b" * 10_000,  # a 20 KB attribute chain: minutes in libcst
    "nested-calls": "f(" * 600 + "1" + ")" * 600,  # ast: "too many nested parentheses"
    "call-chain": "a" + ".b()" * 900,  # parsed by ast, too deep for the finders' recursion
    "orm-chain": "M.objects" + ".filter(x=1)" * 900,
    "string-concatenation": " + ".join(["'SELECT b FROM t'"] * 1_500),
}


def _refused(reason: str) -> bool:
    """Not analysed, said plainly: ast's own syntax error for 200+ brackets is one too."""
    return "not analysed" in reason or reason.endswith("syntax error at line 2: too many nested parentheses")


@pytest.mark.parametrize("expression", HOSTILE_PYTHON.values(), ids=HOSTILE_PYTHON.keys())
def test_python_too_deep_to_parse_is_reported_not_analysed(repo: Path, expression: str) -> None:
    """No depth estimate runs before `ast` (issue 13): its own refusal, or the finders'
    RecursionError, is the file's FileIssue, and the scan goes on (the serial path)."""
    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    (repo / "deep.py").write_text("cur.execute('SELECT id, b FROM t')\nx = " + expression + "\n"
                                  "class M(models.Model):\n    y = " + expression + "\n")
    result, report = scan_json(repo, "2")
    assert result.exit_code == 0, result.output
    assert [i["file"] for i in report["file_issues"] if _refused(i["reason"])] == ["deep.py"]
    assert {q["file"] for q in report["queries"]} == {"app.py"}


def test_python_too_deep_in_worker_processes_is_reported_not_analysed(repo: Path) -> None:
    """The same refusals in the worker pool (enough files to be parsed in parallel): each hostile
    file is one FileIssue, no worker dies, and the ordinary files' queries are all found."""
    from impact.extraction_jobs import PARALLEL_THRESHOLD, WORKER_DIED

    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    for name, expression in HOSTILE_PYTHON.items():
        (repo / f"deep_{name.replace('-', '_')}.py").write_text(
            "cur.execute('SELECT id, b FROM t')\nx = " + expression + "\n")
    for index in range(PARALLEL_THRESHOLD):
        (repo / f"ok{index}.py").write_text("cur.execute('SELECT id, b FROM t')\n")
    result, report = scan_json(repo, "2")
    assert result.exit_code == 0, result.output
    refused = {i["file"] for i in report["file_issues"] if _refused(i["reason"])}
    assert refused == {f"deep_{name.replace('-', '_')}.py" for name in HOSTILE_PYTHON}
    assert not any(WORKER_DIED in i["reason"] for i in report["file_issues"])
    assert {q["file"] for q in report["queries"]} == {"app.py"} | {f"ok{i}.py" for i in range(PARALLEL_THRESHOLD)}


def test_a_file_over_its_time_budget_is_reported_and_the_scan_goes_on(repo: Path, monkeypatch) -> None:
    import impact.extraction_jobs as extraction

    monkeypatch.setattr(extraction, "FILE_SECONDS", 0.01)
    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    # 20,000 call statements: well over 100 ms of parsing and fact collection, far over 10 ms.
    (repo / "slow.py").write_text("cur.execute('SELECT id, b FROM t')\n" + "x = f(a).g(b)\n" * 20_000)
    result = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json"])
    report = report_of(result.output)
    assert any(i["file"] == "slow.py" and i["reason"].startswith(extraction.TIMED_OUT) for i in report["file_issues"])
    monkeypatch.setattr(extraction, "FILE_SECONDS", 0)  # no budget: the timeout was not cached
    again = report_of(CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", "json"]).output)
    assert not any(i["file"] == "slow.py" and i["reason"].startswith(extraction.TIMED_OUT) for i in again["file_issues"])


def test_terminal_report_shows_control_characters_instead_of_sending_them(repo: Path) -> None:
    import io

    from rich.text import Text

    from impact.report.safe_text import json_safe, visible
    from impact.report.terminal import SafeConsole

    console = SafeConsole(file=io.StringIO(), force_terminal=True, color_system="standard")
    console.print(Text("col b\x1b]0;pwned\x07 caf\udce9", style="red"))
    out = console.file.getvalue()
    assert "\x1b]0;" not in out and "\x07" not in out and "␛]0;pwned caf\ufffd" in out  # rich drops BEL itself
    assert "\x1b[31m" in out  # rich's own colour codes still work
    assert visible("a\tb\nc\x1bd") == "a\tb\nc␛d"
    assert json.loads(json_safe(json.dumps({"f": "caf\udce9"}, ensure_ascii=False)))["f"] == "caf\udce9"


@pytest.mark.parametrize("fmt", ["markdown", "github", "json", "sarif"])
def test_reports_carry_no_escape_sequences_from_the_repo(repo: Path, fmt: str) -> None:
    (repo / "migrations/0002_x.sql").write_text('ALTER TABLE t ADD COLUMN "b\x1b[31mX" text;\nALTER TABLE t DROP COLUMN a;')
    (repo / "app.py").write_text("cur.execute('SELECT id, a FROM t')  # \x1b]0;pwned\x07\n")
    result = CliRunner().invoke(cli, ["scan", str(repo), "-m", "2", "--format", fmt, "--no-cache"])
    assert result.exit_code == 1 and "\x1b" not in result.output and "\x07" not in result.output


def test_file_issue_of_an_unclosed_comment_in_a_sql_file_is_one_bounded_line(repo: Path) -> None:
    (repo / "migrations/0002_add.sql").write_text("ALTER TABLE t ADD COLUMN b text;")
    (repo / "queries.sql").write_text("SELECT b FROM t;\n/* " + "x\n" * 50_000)
    _, report = scan_json(repo, "2")
    reasons = [i["reason"] for i in report["file_issues"] if i["file"] == "queries.sql"]
    assert reasons and all("\n" not in r and len(r) <= 300 for r in reasons)
