"""The fixed cost of a scan: the JSON report streamed, rich and the process pool not imported for
a JSON scan that parses little. (Timings are in bench/, never here.)"""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from impact.pipeline import scan
from impact.report.combined import render_text, write_json
from tests.conftest import ROOT, make_repo

SCHEMA = "CREATE TABLE items (id int PRIMARY KEY, name text, price int);"


def _repo(root: Path) -> Path:
    return make_repo(root, {"migrations/0001_init.sql": SCHEMA, "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;",
                            "src/a.ts": "export const q = () => supabase.from('items').select('id, price')\n",
                            "src/b.py": 'def f(cur):\n    cur.execute("SELECT price FROM items — é")\n'})


def test_the_streamed_json_report_is_the_rendered_one(tmp_path: Path) -> None:
    result = scan(_repo(tmp_path), "2", use_cache=False)
    for base in (None, "main"):
        stream = io.StringIO()
        write_json([result], base, stream)
        assert stream.getvalue() == render_text([result], "json", base)
    assert json.loads(stream.getvalue())["verdict"] == "breaking"


def test_a_json_scan_imports_neither_rich_nor_the_process_pool_nor_other_commands_and_reports(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    probe = ("import sys\nfrom impact.cli import main\nsys.argv = ['impact', 'scan', sys.argv[1], '-m', '2', '--format', 'json', '-o', sys.argv[2]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich' or m.startswith('concurrent.futures.process')\n"
             "             or m in ('impact.report.markdown', 'impact.cli_db', 'impact.cli_comment')), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(repo), str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["verdict"] == "breaking"


def test_a_ts_file_naming_only_orm_spellings_is_read_again_and_judged(tmp_path: Path) -> None:
    # _read_declarations keeps no text that names no table or column; the ORM's spellings
    # (`userAccounts.displayName`) must still bring this file in.
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE user_accounts (id serial PRIMARY KEY, display_name text);",
        "migrations/0002_drop.sql": "ALTER TABLE user_accounts DROP COLUMN display_name;",
        "src/schema.ts": 'import { pgTable, serial, text } from "drizzle-orm/pg-core";\n'
                         'export const userAccounts = pgTable("user_accounts", { id: serial("id"), displayName: text("display_name") });\n',
        "src/q.ts": 'import { userAccounts } from "./schema";\n'
                    "export const names = () => db.select({ n: userAccounts.displayName }).from(userAccounts);\n",
    })
    result = scan(repo, "2", use_cache=False)
    assert any(q.file == "src/q.ts" for q in result.queries)
    assert result.assessment.verdict == "breaking"


def test_a_report_of_many_batches_is_the_rendered_one(tmp_path: Path) -> None:
    # More encoder pieces than one write batch (combined.WRITE_BATCH), and a file name that is
    # not UTF-8 (a lone surrogate): written as its JSON escape, as the one-string rendering does.
    files = {f"src/m{i}.py": f'def f{i}(cur):\n    cur.execute("SELECT id, price FROM items WHERE id = {i}")\n' for i in range(150)}
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": SCHEMA, "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;", **files})
    result = scan(repo, "2", use_cache=False)
    import impact.report.combined as combined
    from impact.cli import _JsonSafe

    from dataclasses import replace

    result.queries[0] = replace(result.queries[0], file="src/\udce9.py")
    stream = io.StringIO()
    write_json([result], None, _JsonSafe(stream))
    text = stream.getvalue()
    pieces = sum(1 for _ in json.JSONEncoder(indent=2).iterencode(json.loads(text)))
    assert pieces > 2 * combined.WRITE_BATCH
    assert "src/\\udce9.py" in text
    from impact.report.safe_text import json_safe

    assert text == json_safe(render_text([result], "json", None))


def test_a_scan_of_a_git_work_tree_does_not_import_pathspec(tmp_path: Path) -> None:
    # git lists the files there (impact/git_files.py); pathspec is for trees outside git.
    repo = _repo(tmp_path / "repo")
    (repo / ".gitignore").write_text("build/\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    probe = ("import sys\nfrom impact.pipeline import scan\nresult = scan(sys.argv[1], '2', use_cache=False)\n"
             "print(result.assessment.verdict, 'pathspec' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(repo)], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.split() == ["breaking", "False"], proc.stderr


def test_the_commands_imported_when_asked_for_are_listed_and_run() -> None:
    from click.testing import CliRunner

    from impact.cli import cli

    listed = CliRunner().invoke(cli, ["--help"])
    assert listed.exit_code == 0
    commands = listed.output.split("Commands:")[1].split()
    for name in ("apply", "comment", "explain", "rollback", "rules", "scan", "verify"):
        assert name in commands
    for name in ("apply", "verify", "rollback", "comment"):
        shown = CliRunner().invoke(cli, [name, "--help"])
        assert shown.exit_code == 0 and f"Usage: cli {name}" in shown.output, shown.output
