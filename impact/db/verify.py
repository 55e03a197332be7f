"""`impact verify`: run the verification plan against a migrated database and report it the way
the manual plan's verification script did: one ✓/✗ line per check, then a summary; JSON too.

Everything runs in one transaction that is rolled back, each check in its own savepoint (one
failing check cannot abort the rest), under short lock and statement timeouts: verifying a live
database must never wait long behind, or hold up, its traffic.

Also home of the compatibility and data probes (the schema probes are in impact.db.checks).
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from impact.db import DatabaseError
from impact.db.checks import Outcome, columns_of, find_column, ident, pg_message, quietly, relation, relname
from impact.db.snapshot import EXACT_COUNT_LIMIT
from impact.judge.verification import Check, verification_plan

SYMBOLS = {"pass": "✓", "fail": "✗", "skip": "–"}
HEADINGS = {"schema": "Schema", "compatibility": "Backward compatibility", "data": "Existing data",
            "application": "Application queries"}
# An INSERT copying an existing row may collide with that row's unique keys: says nothing about
# the new columns, so the test moves to a copy of the table's definition.
INCONCLUSIVE = {"23505", "23P01", "23503"}
READ_ONLY = "25006"
INSERT_COLUMNS = """
SELECT attname, NOT atthasdef AND attidentity = '' AND attgenerated = ''
FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum"""
PROBE_TABLE = "impact_insert_probe"


@dataclass(frozen=True)
class CheckResult:
    name: str
    category: str
    status: str  # pass | fail | skip
    detail: str
    expect: str = ""
    sql: str = ""

    @property
    def line(self) -> str:
        # Passing schema/application checks say it all in their name; the others carry numbers.
        show = self.status != "pass" or self.category in ("compatibility", "data")
        return f"{SYMBOLS[self.status]} {self.name}" + (f" — {self.detail}" if show and self.detail else "")


@dataclass
class VerifyReport:
    results: list[CheckResult] = field(default_factory=list)
    migration: str = ""
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        counts = {status: sum(r.status == status for r in self.results) for status in SYMBOLS}
        return {**counts, "total": len(self.results)}

    @property
    def passed(self) -> bool:
        return not any(r.status == "fail" for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "fail"]

    def to_dict(self) -> dict:
        return {"migration": self.migration, "passed": self.passed, "counts": self.counts,
                "seconds": round(self.seconds, 3), "checks": [asdict(r) for r in self.results]}

    def lines(self) -> list[str]:
        out = [f"Verifying {self.migration}" if self.migration else "Verifying the migration"]
        for category, heading in HEADINGS.items():
            results = [r for r in self.results if r.category == category]
            if results:
                out += ["", heading] + [f"  {r.line}" for r in results]
        c = self.counts
        tally = f"{c['pass']} passed, {c['fail']} failed, {c['skip']} skipped"
        out += ["", "Verification results"]
        if self.passed:
            return out + [f"  ✓ ALL CHECKS PASSED ({tally})", "  Migration verified."]
        return out + [f"  ✗ {c['fail']} CHECK{'S' if c['fail'] != 1 else ''} FAILED ({tally})"] + [f"    {r.line}" for r in self.failures]


def verify(cur, result, before: dict | None = None, *, lock_timeout: str = "5s", statement_timeout: str = "60s",
           absent_extensions: frozenset[str] = frozenset()) -> VerifyReport:
    """Run every check of `result`'s plan (schema, compatibility, data, application queries).

    `before` is `impact.db.snapshot.snapshot()` taken before the migration: row counts are
    compared with it (without it those checks are skipped). Nothing is left behind.
    `absent_extensions`: what a rehearsal skipped (the shadow server lacks them): their checks skip.
    """
    started = time.perf_counter()
    plan = verification_plan(result.contexts, result.queries)
    results = []
    with cur.connection.transaction(force_rollback=True):
        cur.execute("SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)", (lock_timeout, statement_timeout))
        for check in plan:
            if check.probe == "object" and check.params.get("object") == "extension" and check.params.get("name") in absent_extensions:
                results.append(CheckResult(check.name, check.category, "skip", "skipped: the shadow server lacks it, so the rehearsal left it out",
                                           check.expect, check.sql))
                continue
            results.append(run(cur, check, before))
    return VerifyReport(results, result.migration_rel, time.perf_counter() - started)


def run(cur, check: Check, before: dict | None = None) -> CheckResult:
    import psycopg

    passed, detail = None, ""
    try:
        with cur.connection.transaction() as savepoint:
            passed, detail = check.run(cur, before)
            raise psycopg.Rollback(savepoint)  # a check never leaves anything behind
    except psycopg.Error as exc:
        if cur.connection.broken:  # every later check would fail the same way: stop here
            raise DatabaseError(f"lost the connection while checking {check.name!r}: {pg_message(exc)}; verify only reads, so nothing was changed",
                                "check the server and run impact verify again") from None
        passed, detail = False, pg_message(exc)
    status = "skip" if passed is None else "pass" if passed else "fail"
    return CheckResult(check.name, check.category, status, detail, check.expect, check.sql)


# --- compatibility and data probes ------------------------------------------------------------

def _target(p: dict) -> str:
    return f"{p['schema']}.{p['table']}" if p.get("schema") else p["table"]


def _resolve(present: list[str], name: str) -> str | None:
    return name if name in present else name.lower() if name.lower() in present else None


def _snapshot_entry(before: dict | None, p: dict) -> dict | None:
    if not before:
        return None
    schema, name = p.get("schema") or "public", p.get("original") or p["table"]
    return before.get(f"{schema}.{name}") or before.get(f"{schema.lower()}.{name.lower()}")


def _select_list(cur, p, before) -> Outcome:
    oid = relation(cur, p["table"], p["schema"])
    if oid is None:
        return False, f"table {_target(p)} does not exist"
    columns = p.get("columns")
    if columns is None:
        snap = _snapshot_entry(before, p)
        if not snap:
            return None, "skipped: the columns it had before are unknown (no earlier migrations, --schema or snapshot)"
        columns = [c["name"] for c in snap["columns"] if c["name"] not in p.get("removed", [])]
    present = columns_of(cur, oid)
    missing = [c for c in columns if _resolve(present, c) is None]
    if missing:
        return False, f"{', '.join(missing)} no longer exist{'s' if len(missing) == 1 else ''}"
    if columns:
        cur.execute(f"SELECT {', '.join(ident(_resolve(present, c))for c in columns)} FROM {relname(cur, oid)} LIMIT 1")
    return True, f"{len(columns)} columns"


def _select_star(cur, p, before) -> Outcome:
    oid = relation(cur, p["table"], p["schema"])
    if oid is None:
        return False, f"table {_target(p)} does not exist"
    cur.execute(f"SELECT * FROM {relname(cur, oid)} LIMIT 0")
    count, expected = len(cur.description), p.get("expected")
    if expected is None or count == expected:
        return True, f"{count} columns" + (", as the scan predicted" if expected is not None else "")
    return False, f"{count} columns, the scan predicted {expected}"


def _insert(cur, p, before) -> Outcome:
    """An INSERT written before the migration: it names only old columns, and those without a
    default. Tried for real with an existing row's values (rolled back) so triggers and
    constraints run too; without a usable row, on a temp copy of the table's definition."""
    oid = relation(cur, p["table"], p["schema"])
    if oid is None:
        return False, f"table {_target(p)} does not exist"
    rel = relname(cur, oid)
    cur.execute(INSERT_COLUMNS, (oid,))
    rows = cur.fetchall()
    present = [r[0] for r in rows]
    new = {_resolve(present, c) for c in p.get("new_columns", [])}
    supplied = [name for name, needs_value in rows if needs_value and name not in new]
    omitting = f" omitting {', '.join(p['new_columns'])}" if p.get("new_columns") else ""
    listed = ", ".join(ident(c) for c in supplied)
    sql = f"INSERT INTO {rel} ({listed}) SELECT {listed} FROM {rel} LIMIT 1" if supplied else f"INSERT INTO {rel} DEFAULT VALUES"
    count, error = quietly(cur, sql)
    if error is None and count:
        return True, f"INSERT{omitting} succeeded" + (" (values copied from an existing row)" if supplied else "") + ", rolled back"
    if error is not None and getattr(error, "sqlstate", None) == READ_ONLY:
        return None, "skipped: the connection is read-only (a standby?), so no INSERT can be tried"
    if error is not None and getattr(error, "sqlstate", None) not in INCONCLUSIVE:
        return False, pg_message(error)
    why = "no row to copy" if error is None else "the copied row collides with a unique key"
    old = [name for name in present if name not in new]
    alters = ", ".join(f"ALTER COLUMN {ident(c)} DROP NOT NULL, ALTER COLUMN {ident(c)} DROP DEFAULT" for c in old)
    # On the copy only the new columns keep their rules: the old ones get NULLs.
    statements = [f"CREATE TEMP TABLE {PROBE_TABLE} (LIKE {rel} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DROP",
                  *([f"ALTER TABLE {PROBE_TABLE} {alters}"] if alters else []), f"INSERT INTO {PROBE_TABLE} DEFAULT VALUES"]
    _, error = quietly(cur, *statements)
    if error is not None:
        # PostgreSQL quotes the name itself (`relation "impact_insert_probe"`): the table's own name, not regclass's `"Field"`.
        cur.execute("SELECT relname FROM pg_class WHERE oid = %s", (oid,))
        return False, pg_message(error).replace(PROBE_TABLE, cur.fetchone()[0]) + f" ({why}; tried on a copy of the table's definition)"
    return True, f"INSERT{omitting} succeeds on a copy of the table's definition ({why})"


def _filter(cur, p, before) -> Outcome:
    oid = relation(cur, p["table"], p["schema"])
    row = find_column(cur, oid, p["column"]) if oid is not None else None
    if row is None:
        return False, f"column {_target(p)}.{p['column']} does not exist"
    cur.execute(f"EXPLAIN SELECT 1 FROM {relname(cur, oid)} WHERE {ident(row[0])} IS NOT NULL")
    return True, "plans: " + re.sub(r"\s+\(cost=.*$", "", cur.fetchone()[0]).strip()


def _count(cur, oid: int, exact: bool) -> tuple[int, bool]:
    cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s", (oid,))
    estimate = cur.fetchone()[0]
    if not exact and estimate is not None and estimate > EXACT_COUNT_LIMIT:
        return int(estimate), False
    cur.execute(f"SELECT count(*) FROM {relname(cur, oid)}")
    return int(cur.fetchone()[0]), True


def _row_count(cur, p, before) -> Outcome:
    oid = relation(cur, p["table"], p["schema"])
    if oid is None:
        return False, f"table {_target(p)} does not exist"
    snap = _snapshot_entry(before, p)
    now, exact = _count(cur, oid, bool(snap and snap.get("rows_exact")))
    if before is None:
        return None, f"{now} rows now; no snapshot from before the migration to compare with"
    if snap is None:
        return None, f"{now} rows now; the table is not in the snapshot taken before the migration"
    if not (snap.get("rows_exact") and exact):
        return None, f"about {snap['rows']} rows before, {now} now (estimates: exact counts skipped above {EXACT_COUNT_LIMIT:,} rows)"
    if now == snap["rows"]:
        return True, f"{now} rows before and after"
    if p.get("changed_by"):
        return True, f"{snap['rows']} → {now} rows, changed by the migration's own {', '.join(p['changed_by'])}"
    return False, f"{snap['rows']} rows before the migration, {now} now"


PROBES = {"select_list": _select_list, "select_star": _select_star, "insert": _insert, "filter": _filter, "row_count": _row_count}
