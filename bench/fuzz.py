"""Fuzz `impact scan`: seeded, bounded in time, and it says what broke.

    python bench/fuzz.py [--cases 10000] [--seconds 1500] [--seed 12] [--workers 2] [--out DIR]

Generates migrations (the repo's own fixture and rule-case migrations, mutated; unusual but valid
PostgreSQL; extremes such as 30,000-term expressions and 800-column ALTERs), scans each against a
copy of fixtures/apps/notes-py in worker processes (in-process `impact scan` through click, so a
run costs milliseconds, not a process start), then scans a generated hostile repository (deep and
slow Python, non-UTF-8 and escape-sequence file names, too-long paths, FIFOs, symlink loops,
binary files) with the real command line. Prints the counts the issue asks to be zero:

  crashes   exit 70 (an uncaught exception) or a worker killed by a signal
  slow      a scan over 30 s (a hang is killed at 60 s and counted here too)
  refused   a statement pglast accepts that impact reports as not understood (OpKind.UNKNOWN
            without a NotAnalysed info), or exit 3 on a migration pglast accepts whole
  errors    an error that is not one line of at most 500 characters without control characters

Every failing case is written to --out with its seed and index, to reproduce with --case N.
Case i is generated from Random(f"{seed}:{i}") alone, so any case can be replayed on its own.
"""
from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from multiprocessing.connection import wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLOW_S, HANG_S = 30.0, 60.0
MAX_ERROR = 500
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Valid PostgreSQL that migrations rarely hold: every statement here must never be refused.
UNUSUAL = [
    "LOCK TABLE notes IN SHARE ROW EXCLUSIVE MODE;", "LOCK notes, tags;",
    "MERGE INTO notes n USING tags t ON n.id = t.id WHEN MATCHED THEN UPDATE SET title = t.name WHEN NOT MATCHED THEN DO NOTHING;",
    "COPY notes FROM '/tmp/notes.csv' WITH (FORMAT csv);", "COPY notes TO STDOUT;", "COPY (SELECT 1) TO STDOUT;",
    "COPY notes (id, title) FROM stdin;\n1\tfirst\n2\tit's (odd; \\N\n\\.\n",
    "EXPLAIN ANALYZE SELECT * FROM notes;", "CALL refresh_all();", "CREATE STATISTICS s1 (dependencies) ON id, title FROM notes;",
    "CREATE SUBSCRIPTION sub CONNECTION 'host=db' PUBLICATION pub WITH (connect = false);",
    "CREATE FOREIGN TABLE remote_notes (id int) SERVER other;", "IMPORT FOREIGN SCHEMA public FROM SERVER other INTO staging;",
    "COMMENT ON TABLE notes IS NULL;", "COMMENT ON COLUMN notes.title IS 'the title';",
    "INSERT INTO notes (id) OVERRIDING SYSTEM VALUE VALUES (1);", "ALTER TABLE notes SET SCHEMA archive;",
    "ALTER TABLE ALL IN TABLESPACE old SET TABLESPACE new;", "ALTER INDEX ALL IN TABLESPACE old SET TABLESPACE new NOWAIT;",
    "SECURITY LABEL FOR selinux ON TABLE notes IS 'system_u:object_r:sepgsql_table_t:s0';", "DROP ROLE IF EXISTS old_role;",
    "CREATE DATABASE scratch;", "CHECKPOINT;", "DISCARD ALL;", "LISTEN notes_changed;", "UNLISTEN *;", "NOTIFY notes_changed, 'x';",
    "SET LOCAL lock_timeout = '2s';", "RESET ALL;", "SET search_path TO public, extensions;", "SET CONSTRAINTS ALL DEFERRED;",
    "CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT a + 1; END;",
    "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO tags VALUES (1); SELECT CASE WHEN true THEN 1 END; END;",
    "CREATE RULE r AS ON INSERT TO notes DO INSTEAD (INSERT INTO tags VALUES (1); NOTIFY x);",
    "ALTER TABLE notes REPLICA IDENTITY FULL;", "CREATE TABLESPACE fast LOCATION '/ssd';", "ALTER SYSTEM SET work_mem = '64MB';",
    "CREATE TYPE floatrange AS RANGE (subtype = float8);", "CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int);",
    "CREATE SERVER other FOREIGN DATA WRAPPER postgres_fdw;", "CREATE USER MAPPING FOR CURRENT_USER SERVER other;",
    "GRANT admin TO alice;", "REASSIGN OWNED BY old TO new;", "DROP OWNED BY old;", "ALTER DATABASE app SET timezone = 'UTC';",
    "PREPARE q AS SELECT 1;", "EXECUTE q;", "DEALLOCATE q;", "DECLARE c CURSOR FOR SELECT 1;", "CLOSE c;",
    "ALTER TABLE notes ALTER COLUMN title SET STATISTICS 500;", "CLUSTER notes USING notes_pkey;", "VACUUM (ANALYZE) notes;",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY note_counts;", "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
    "DO $$ BEGIN RAISE NOTICE 'x; y'; END $$;", "SELECT pg_advisory_xact_lock(42);", "VALUES (1), (2);",
    "-- only a comment\n/* and another */", "\\set ON_ERROR_STOP on\n\\i other.sql\n", "\\if :apply\nSELECT 1;\n\\endif\n",
]
HOSTILE_SNIPPETS = [";", "(", ")", "'", '"', "$$", "$a$", "/*", "*/", "--", "\\", "\\.", "\x1b[31m", "\x1b]0;t\x07", "\u202e",
                    "\r\n", "\t", "\x00", "\ufeff", "E'\\\\'", "ARRAY[", "BEGIN ATOMIC", "END", "CASE", "::", "U&'\\0041'",
                    "\\set x 1\n", "COPY notes FROM stdin;\n1\t2\n", "SET;", "IS NULL", "\u00e9", "\U0001F600", " " * 200]


KEYWORDS = ["ALTER TABLE", "DROP", "ADD COLUMN", "RENAME", "TO", "SET", "DEFAULT", "NOT NULL", "CONCURRENTLY", "IF EXISTS",
            "CASCADE", "ONLY", "TYPE", "USING", "CONSTRAINT", "FOREIGN KEY", "REFERENCES", "NOT VALID", "VALIDATE", "INDEX",
            "ON", "POLICY", "GRANT", "ALL", "PUBLIC", "WITH", "PARTITION OF", "ATTACH PARTITION", "DETACH PARTITION", "INHERIT",
            "TABLESPACE", "SCHEMA", "COLLATE", "GENERATED ALWAYS AS IDENTITY", "NULL", "::text", "ARRAY", "[]", "UNIQUE",
            "PRIMARY KEY", "CHECK (true)", "EXCLUDE", "ROW LEVEL SECURITY", "FORCE", "TRIGGER", "VIEW", "MATERIALIZED",
            "FUNCTION", "RETURNS", "LANGUAGE", "AS", "BEGIN", "COMMIT", "ROLLBACK", "LOCK", "IN", "MODE", "COPY", "FROM", "STDIN"]
ACTIONS = ["ADD COLUMN {c} {t}", "ADD COLUMN IF NOT EXISTS {c} {t} NOT NULL DEFAULT {d}", "DROP COLUMN {c}",
           "DROP COLUMN IF EXISTS {c} CASCADE", "ALTER COLUMN {c} TYPE {t} USING {c}::{t}", "ALTER COLUMN {c} SET NOT NULL",
           "ALTER COLUMN {c} DROP NOT NULL", "ALTER COLUMN {c} SET DEFAULT {d}", "ALTER COLUMN {c} DROP DEFAULT",
           "RENAME COLUMN {c} TO {c}2", "RENAME TO {c}_t", "ADD CONSTRAINT k_{c} UNIQUE ({c})",
           "ADD CONSTRAINT f_{c} FOREIGN KEY ({c}) REFERENCES tags (id) NOT VALID", "VALIDATE CONSTRAINT f_{c}",
           "ADD CONSTRAINT c_{c} CHECK ({c} IS NOT NULL) NOT VALID", "DROP CONSTRAINT IF EXISTS k_{c}",
           "ENABLE ROW LEVEL SECURITY", "FORCE ROW LEVEL SECURITY", "ALTER COLUMN {c} ADD GENERATED ALWAYS AS IDENTITY",
           "ALTER COLUMN {c} SET STATISTICS 100", "OWNER TO someone", "SET (fillfactor = 70)", "SET LOGGED", "SET UNLOGGED",
           "ALTER COLUMN {c} SET EXPRESSION AS (1)", "REPLICA IDENTITY FULL", "CLUSTER ON notes_pkey", "INHERIT tags"]


def grammar(rng: random.Random) -> str:
    """ALTER TABLEs on the fixture's tables built from ACTIONS: every judge path, with odd mixes."""
    statements = []
    for _ in range(rng.randint(1, 6)):
        table = rng.choice(["notes", "tags", "public.notes", '"Notes"', "missing", "note_tags"])
        fill = lambda a: a.format(c=rng.choice(["title", "body", "id", "pinned", "x", '"Title"', "tag_id"]),
                                  t=rng.choice(["text", "int", "bigint", "varchar(10)", "uuid", "jsonb", "timestamptz", "int[]"]),
                                  d=rng.choice(["0", "now()", "gen_random_uuid()", "'x'", "random()", "NULL", "clock_timestamp()"]))
        actions = ", ".join(fill(rng.choice(ACTIONS)) for _ in range(rng.randint(1, 4)))
        statements.append(f"ALTER TABLE {rng.choice(['', 'IF EXISTS ', 'ONLY '])}{table} {actions};")
        if rng.random() < 0.3:
            statements.append(rng.choice(UNUSUAL))
        if rng.random() < 0.2:
            statements.append(f"CREATE {rng.choice(['', 'UNIQUE '])}INDEX {rng.choice(['', 'CONCURRENTLY '])}i_{len(statements)} ON {table} (title);")
    return "\n".join(statements)


def corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures").rglob("*.sql"))]
    for case_file in sorted((ROOT / "tests" / "rule_cases").glob("*.toml")):
        for case in tomllib.loads(case_file.read_text(encoding="utf-8")).get("case", []):
            texts += [case[k] for k in ("migration", "schema") if isinstance(case.get(k), str)]
    return texts + UNUSUAL


def extreme(rng: random.Random) -> str:
    n = rng.choice([100, 1000, 5000, 30000])
    return rng.choice([
        lambda: "SELECT " + " + ".join(["1"] * n) + ";",
        lambda: "SELECT " + "(" * n + "1" + ")" * n + ";",
        lambda: "ALTER TABLE notes ADD COLUMN a int[] DEFAULT " + "ARRAY[" * min(n, 400) + "1" + "]" * min(n, 400) + ";",
        lambda: "ALTER TABLE notes " + ", ".join(f"ADD COLUMN c{i} int" for i in range(min(n, 800))) + ";",
        lambda: "SELECT " + "CASE WHEN true THEN " * min(n, 2000) + "1" + " END" * min(n, 2000) + ";",
        lambda: "ALTER TABLE notes ADD COLUMN x int;\n/* " + "x\n" * n,
        lambda: "INSERT INTO tags VALUES " + ", ".join(f"({i}, 'x''{i}')" for i in range(n)) + ";",
        lambda: "SELECT " + " || ".join(["'a'"] * n) + ";",
    ])()


def mutate(rng: random.Random, text: str, pool: list[str]) -> str:
    for _ in range(rng.randint(1, 3)):
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        choice = rng.randrange(9)
        if choice == 0:
            text = text + "\n" + rng.choice(pool)
        elif choice == 1:
            text = text[:i] + text[j:]
        elif choice == 2:
            text = text[:j] + text[i:j] + text[j:]
        elif choice in (3, 4):
            text = text[:i] + rng.choice(HOSTILE_SNIPPETS) + text[i:]
        elif choice == 5:
            text = text[:i]  # cut anywhere: unclosed strings, comments, bodies
        elif choice == 8:  # a keyword where a word boundary is
            spaces = [m.start() for m in re.finditer(r"\s", text)] or [0]
            at = rng.choice(spaces)
            text = text[:at] + " " + rng.choice(KEYWORDS) + text[at:]
        elif choice == 6:
            text = text.replace("notes", '"' + rng.choice(["n" * 100, "nötes", "no\x1btes", "no\"\"tes"]) + '"', 1)
        else:
            text = rng.choice(["\ufeff", "", "BEGIN;\n"]) + text.replace("\n", rng.choice(["\n", "\r\n", "\r"]))
    return text


def generate(seed: int, index: int, pool: list[str]) -> str:
    rng = random.Random(f"{seed}:{index}")
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(pool)
    if roll < 0.4:
        return grammar(rng) if rng.random() < 0.6 else mutate(rng, grammar(rng), pool)
    if roll < 0.96:
        return mutate(rng, rng.choice(pool), pool)
    return extreme(rng)


# --- one worker: scans cases in-process, reports a dict per case ------------------------------

def _worker(conn, seed: int, base_repo: str) -> None:
    os.environ["IMPACT_CACHE_DIR"] = os.path.join(base_repo, "..", "cache")
    from click.testing import CliRunner

    from impact.cli import cli

    pool = corpus()
    runner = CliRunner()
    migration = Path(base_repo) / "migrations" / "9999_fuzz.sql"
    while True:
        index = conn.recv()
        if index is None:
            return
        text = generate(seed, index, pool)
        migration.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        started = time.perf_counter()
        result = runner.invoke(cli, ["scan", base_repo, "-m", str(migration), "--format", "json"])
        seconds = time.perf_counter() - started
        crash = result.exception is not None and not isinstance(result.exception, SystemExit)
        conn.send({"index": index, "code": 70 if crash else result.exit_code, "seconds": seconds,
                   "crash": f"{type(result.exception).__name__}: {result.exception}"[:300] if crash else "",
                   "stderr": result.stderr, "refused": refused_statements(text, result.exit_code)})


def refused_statements(text: str, exit_code: int) -> list[str]:
    """Statements pglast accepts that impact did not understand (see module doc)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    from impact.op_details import NotAnalysed
    from impact.sql.guard import too_complex
    from impact.sql.parse import parse_migration

    parsed = parse_migration(text)
    refused = []
    for op in parsed.unknown:
        sql = op.statement.sql
        if isinstance(op.info, NotAnalysed) or too_complex(sql):
            continue  # reported as not analysed: allowed (and unsafe to give pglast)
        try:
            parse_sql(sql)
        except ParseError:
            continue
        refused.append(f"statement {op.statement.index}: {sql[:120]!r} ({op.statement.error[:120]})")
    if exit_code == 3 and not too_complex(text):
        try:
            parse_sql(text)
            refused.append("exit 3 on a migration pglast accepts")
        except ParseError:
            pass
    return refused


def error_problem(code: int, stderr: str) -> str:
    if code in (0, 1):
        return ""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if len(lines) != 1:
        return f"{len(lines)} lines"
    if len(lines[0]) > MAX_ERROR or CONTROL.search(lines[0]):
        return f"line of {len(lines[0])} characters" + (" with control characters" if CONTROL.search(lines[0]) else "")
    return ""


# --- the supervisor: workers in processes, so a segfault is counted, not fatal -----------------

class Worker:
    def __init__(self, seed: int, base_repo: str):
        self.conn, child = mp.Pipe()
        self.process = mp.get_context("fork").Process(target=_worker, args=(child, seed, base_repo), daemon=True)
        self.process.start()
        self.case: int | None = None
        self.started = 0.0

    def give(self, index: int) -> None:
        self.case, self.started = index, time.monotonic()
        self.conn.send(index)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def run_cases(seed: int, cases: list[int], seconds: float, workers: int, work: Path, out: Path) -> tuple[collections.Counter, list[float]]:
    counts: collections.Counter = collections.Counter()
    times: list[float] = []
    deadline = time.monotonic() + seconds
    todo = collections.deque(cases)
    repos = []
    for n in range(workers):
        repo = work / f"repo{n}"
        shutil.copytree(ROOT / "fixtures" / "apps" / "notes-py", repo)
        repos.append(str(repo))
    pool = [Worker(seed, repo) for repo in repos]
    for worker in pool:
        if todo:
            worker.give(todo.popleft())
    while any(w.case is not None for w in pool):
        busy = [w for w in pool if w.case is not None]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
        for slot, worker in enumerate(pool):
            if worker.case is None:
                continue
            index = worker.case
            if worker.conn in ready and worker.conn.poll():
                outcome = worker.conn.recv()
                _judge(outcome, counts, times, seed, out)
            elif worker.process.sentinel in ready or time.monotonic() - worker.started > HANG_S:
                hung = worker.process.is_alive()
                worker.stop()
                counts["slow" if hung else "crashes"] += 1
                counts["cases"] += 1
                _save(out, seed, index, "hang" if hung else f"signal {-(worker.process.exitcode or 0)}")
                pool[slot] = worker = Worker(seed, repos[slot])
            else:
                continue
            worker.case = None
            if todo and time.monotonic() < deadline:
                worker.give(todo.popleft())
    for worker in pool:
        if worker.process.is_alive():
            worker.conn.send(None)
        worker.stop()
    return counts, times


def _judge(outcome: dict, counts: collections.Counter, times: list[float], seed: int, out: Path) -> None:
    counts["cases"] += 1
    counts[f"exit {outcome['code']}"] += 1
    times.append(outcome["seconds"])
    if outcome["seconds"] > counts.get("slowest seconds", 0):
        counts["slowest seconds"], counts["slowest case"] = outcome["seconds"], outcome["index"]
    problems = []
    if outcome["code"] == 70:
        counts["crashes"] += 1
        problems.append(f"crash: {outcome['crash'] or outcome['stderr'][:300]}")
    if outcome["seconds"] > SLOW_S:
        counts["slow"] += 1
        problems.append(f"slow: {outcome['seconds']:.1f} s")
    if outcome["refused"]:
        counts["refused"] += 1
        problems += [f"refused {r}" for r in outcome["refused"]]
    if (problem := error_problem(outcome["code"], outcome["stderr"])):
        counts["errors not one line"] += 1
        problems.append(f"error: {problem}")
    if problems:
        _save(out, seed, outcome["index"], "; ".join(problems))


def _save(out: Path, seed: int, index: int, why: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = generate(seed, index, corpus())
    (out / f"case-{seed}-{index}.sql").write_bytes(text.encode("utf-8", errors="surrogatepass"))
    with open(out / "failures.txt", "a", encoding="utf-8") as log:
        log.write(f"seed {seed} case {index}: {why!r}\n")


# --- the hostile repository -----------------------------------------------------------------

def hostile_repo(root: Path, rng: random.Random) -> int:
    """About 120 files a scan must survive. Returns how many were written."""
    shutil.copytree(ROOT / "fixtures" / "apps" / "notes-py", root)
    head = "cur.execute('SELECT id, title FROM notes')\n"
    files: dict[bytes, bytes] = {}
    for n in (600, 2000, 10000):
        files[f"deep/plus_{n}.py".encode()] = (head + "x = " + " + ".join(["a"] * n) + "\n").encode()
        files[f"deep/attr_{n}.py".encode()] = (head + "x = a" + ".b" * n + "\n").encode()
        files[f"deep/call_{n}.py".encode()] = (head + "x = " + "f(" * n + "1" + ")" * n + "\n").encode()
        files[f"deep/list_{n}.py".encode()] = (head + "x = " + "[" * n + "]" * n + "\n").encode()
        files[f"deep/ts_{n}.ts".encode()] = (f"db.from('notes').select('id')\nconst x = " + "(" * n + "1" + ")" * n + ";\n").encode()
        files[f"deep/tsplus_{n}.ts".encode()] = (f"db.from('notes').select('id')\nconst x = " + " + ".join(["a"] * n) + ";\n").encode()
        files[f"deep/sql_{n}.py".encode()] = (head + "cur.execute('SELECT " + " + ".join(["1"] * n) + " FROM notes')\n").encode()
        files[f"sql/deep_{n}.sql".encode()] = ("SELECT title FROM notes WHERE " + " + ".join(["1"] * n) + " = 1;\n").encode()
    files[b"lib/caf\xe9.ts"] = b"db.from('notes').select('id, title')\n"
    files[b"lib/esc\x1b[31m.py"] = head.encode()
    files[b"lib/nl\nname.py"] = head.encode()
    files[b"lib/bidi\xe2\x80\xaename.py"] = head.encode()
    files[b"lib/latin1.py"] = ("# caf\xe9\n" + head).encode("latin-1")
    files[b"lib/utf16.py"] = head.encode("utf-16")
    files[b"lib/binary.py"] = b"\0\1\2" + head.encode()
    files[b"lib/bom.py"] = b"\xef\xbb\xbf" + head.encode()
    files[b"lib/crlf.ts"] = b"db.from('notes')\r\n  .select('id, title')\r\n"
    files[b"lib/huge_line.ts"] = ("db.from('notes').select('" + ",".join(["title"] * 50000) + "')\n").encode()
    files[b"lib/unclosed.sql"] = ("SELECT title FROM notes;\n/* " + "x\n" * 50000).encode()
    files[b"lib/escapes.sql"] = "SELECT '\x1b]0;pwned\x07' FROM notes;\n".encode()
    files[b"lib/bad.py"] = ("def f(:\n" + head).encode()
    files[b"lib/nul.sql"] = b"SELECT title FROM notes WHERE x = '\0';\n"
    for i in range(120 - len(files)):
        body = rng.choice([head, "db.from('notes').select('id, title')\n", "SELECT title FROM notes;\n"])
        files[f"mixed/f{i}.{rng.choice(['py', 'ts', 'sql'])}".encode()] = mutate(rng, body, UNUSUAL).encode("utf-8", "surrogatepass")
    for rel, data in files.items():
        path = os.path.join(os.fsencode(root), rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    os.mkfifo(root / "lib" / "fifo.py")
    os.symlink("loop_b.py", root / "lib" / "loop_a.py")
    os.symlink("loop_a.py", root / "lib" / "loop_b.py")
    os.symlink("/etc/passwd", root / "lib" / "outside.py")
    os.symlink(".", root / "lib" / "self")
    deep = root / "toolong"
    fd = os.open(root, os.O_RDONLY)
    for _ in range(20):  # past PATH_MAX: unreadable by path, even for root
        os.mkdir("d" * 250, dir_fd=fd)
        fd, old = os.open("d" * 250, os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    os.close(fd)
    # Only an added column: the verdict is not `breaking`, so what could not be read lowers the confidence.
    (root / "migrations" / "0099_hostile.sql").write_text("ALTER TABLE notes ADD COLUMN title_draft text;\n")
    return len(files) + 4


def scan_hostile(work: Path, seed: int) -> list[str]:
    repo = work / "hostile"
    written = hostile_repo(repo, random.Random(seed))
    lines = [f"hostile repository: {written} files"]
    impact = [sys.executable, "-m", "impact", "scan", str(repo), "-m", "0099", "--format", "json"]
    env = dict(os.environ, IMPACT_CACHE_DIR=str(work / "hostile-cache"))
    runs = [("cold, --no-cache", ["--no-cache"]), ("cold cache", []), ("warm cache", [])]
    runs += [(fmt, ["--format", fmt]) for fmt in ("rich", "markdown", "sarif", "github")]
    for label, extra in runs:
        started = time.perf_counter()
        try:
            proc = subprocess.run(impact + extra, capture_output=True, env=env, timeout=HANG_S, cwd=ROOT)
            code, stderr = proc.returncode, proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, stderr = "hang", ""
        seconds = time.perf_counter() - started
        verdict = "ok" if code in (0, 1) and seconds <= SLOW_S and (code not in (0, 1) or b"\x1b" not in proc.stdout) else "FAIL"
        issues = ""
        if code in (0, 1) and "--format" not in extra:
            report = json.loads(proc.stdout)["migrations"][0]  # schema_version 2: one envelope
            issues = f", {len(report['file_issues'])} files named as not read/analysed, confidence {report['confidence']}"
        lines.append(f"  {label}: exit {code}, {seconds:.1f} s{issues} [{verdict}] {error_problem(code, stderr) if isinstance(code, int) else ''}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=1500.0, help="stop starting new cases after this long")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--case", type=int, default=None, help="replay one case: print it and its outcome")
    parser.add_argument("--out", type=Path, default=None, help="where failing cases go (default: a temp folder)")
    parser.add_argument("--no-hostile", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="impact-fuzz-"))
    out = args.out or work / "failures"
    try:
        cases = [args.case] if args.case is not None else list(range(args.cases))
        if args.case is not None:
            print(repr(generate(args.seed, args.case, corpus())[:2000]))
        started = time.perf_counter()
        counts, times = run_cases(args.seed, cases, args.seconds, args.workers, work, out)
        elapsed = time.perf_counter() - started
        times.sort()
        p = (lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else 0.0)
        print(f"seed {args.seed}: {counts['cases']} migrations in {elapsed:.0f} s ({args.workers} workers); "
              f"scan time median {p(0.5):.2f} s, p99 {p(0.99):.2f} s, max {p(1.0):.2f} s (case {counts.get('slowest case')})")
        print("exit codes: " + ", ".join(f"{k.split()[1]}: {v}" for k, v in sorted(counts.items()) if k.startswith("exit ")))
        for key in ("crashes", "slow", "refused", "errors not one line"):
            print(f"{key}: {counts[key]}")
        if not args.no_hostile and args.case is None:
            print("\n".join(scan_hostile(work, args.seed)))
        if (out / "failures.txt").exists():
            print(f"failing cases: {out}")
            return 1
        return 0
    finally:
        if args.out is not None or not (out / "failures.txt").exists():
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
