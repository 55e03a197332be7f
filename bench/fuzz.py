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
from multiprocessing.connection import wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuzz_cases import UNUSUAL, corpus, generate, mutate  # noqa: E402  (bench/ is the script's folder)

SLOW_S, HANG_S = 30.0, 60.0
MAX_ERROR = 500
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
        files[f"deep/ts_{n}.ts".encode()] = ("db.from('notes').select('id')\nconst x = " + "(" * n + "1" + ")" * n + ";\n").encode()
        files[f"deep/tsplus_{n}.ts".encode()] = ("db.from('notes').select('id')\nconst x = " + " + ".join(["a"] * n) + ";\n").encode()
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
