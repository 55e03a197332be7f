"""The database commands: apply, verify, rollback. Options in, one library call each, text out."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from impact.errors import EXIT_DATABASE, EXIT_VERDICT, Refused

DEFAULT_LOCK_TIMEOUT = "5s"
DEFAULT_STATEMENT_TIMEOUT = "15min"
JSON_SCHEMA_VERSION = 1  # apply and verify --format json: impact/report/schemas/{apply,verify}.schema.json


def migration_name(result) -> str:
    """The ledger's name for it (impact.db.apply), imported late like every db module here: a scan loads none."""
    from impact.db.apply import migration_name as name

    return name(result)


@dataclass
class Target:
    url: str
    shadow: bool
    label: str
    notes: list[str]
    skip: frozenset[int] = frozenset()  # statements the shadow does not run (extensions it lacks)
    lacking: frozenset[str] = frozenset()  # those extensions


def database_options(fn):
    """Options every database command shares."""
    fn = click.option("--statement-timeout", default=DEFAULT_STATEMENT_TIMEOUT, show_default=True, callback=_duration,
                      help="statement_timeout for each statement.")(fn)
    fn = click.option("--lock-timeout", default=DEFAULT_LOCK_TIMEOUT, show_default=True, callback=_duration,
                      help="lock_timeout: give up instead of queueing behind a long query.")(fn)
    fn = click.option("--database-url", envvar="DATABASE_URL", default=None,
                      help="Target database (or DATABASE_URL). Without it: a throwaway embedded PostgreSQL (a dry run).")(fn)
    fn = click.option("--schema", "schema_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                      help="A pg_dump --schema-only file to build the dry run's database from, instead of replaying the earlier migrations.")(fn)
    fn = click.option("--migration", "-m", "ref", required=True, help="Migration: a path, number, timestamp prefix or name fragment.")(fn)
    fn = click.argument("repo", type=click.Path(path_type=Path), default=".")(fn)
    return fn


def _duration(ctx, param, value: str) -> str:
    """A malformed duration is a usage error (exit 2), not a database error."""
    from impact.db.execute import DURATION

    if not DURATION.match(value.strip()):
        raise click.BadParameter(f"{value!r} is not a duration; use e.g. 5s, 500ms, 2min or 1h", param_hint=f"--{param.name.replace('_', '-')}")
    return value.strip()


def _scan(repo: Path, ref: str, schema_file: Path | None = None, database_url: str | None = None):
    from impact.pipeline import scan

    if schema_file is not None and database_url:
        raise click.UsageError("--schema builds the dry run's throwaway database; with --database-url the database is already there: pass one of them")
    return scan(repo, ref, schema_file=schema_file)


@contextmanager
def _target(result, database_url: str | None, schema_file: Path | None = None):
    """The real database, or a shadow one with the earlier migrations replayed (or the schema file loaded)."""
    from impact.db.urls import redact

    if database_url:
        yield Target(database_url, False, redact(database_url), [])
        return
    from impact.db import DatabaseError
    from impact.db.execute import StatementFailed
    from impact.db.shadow import rehearsal_skips, shadow_database

    current_sql = "\n".join(st.sql for st in result.parsed.statements)
    with shadow_database(result.repo, result.read.earlier, current_sql, schema_file) as shadow:
        skip = rehearsal_skips(shadow, result.migration_rel, result.parsed.statements)
        built = "its schema file loaded" if schema_file else f"{len(shadow.replayed)} earlier migration{'s' if len(shadow.replayed) != 1 else ''} replayed"
        notes = [f"dry run on a throwaway embedded PostgreSQL with {built}: nothing real is changed"] + shadow.notes
        try:
            yield Target(shadow.url, True, "shadow database", notes, skip, frozenset(shadow.lacking))
        except StatementFailed as failure:  # the rehearsed migration needs what the shadow skipped
            fix = shadow.needs_extension(failure)
            if fix is None:
                raise
            raise DatabaseError(failure.problem, fix) from None


def ledger_note(cur, name: str) -> list[str]:
    """Why a verify may fail everywhere: impact apply did not run the migration on this database."""
    from impact.db import ledger

    entry = ledger.find(cur, name)
    if entry is None:
        return [f"{name} is not recorded in impact_migrations here: checked as if applied (by another tool, or not at all)"]
    if entry.status != "applied":
        return [f"{name} was rolled back here: its checks expect it applied"]
    return []


def version_note(server: int, configured: int | None, shadow: bool) -> str | None:
    """Say so when the server is not the release the scan judged for (pg_version)."""
    if configured is None or server == configured:
        return None
    if server < configured:
        return f"the server is PostgreSQL {server}, older than pg_version {configured}: the scan assumed features this server may lack"
    if shadow:
        return (f"the shadow server is PostgreSQL {server}, newer than pg_version {configured}: statements that need a newer "
                f"release succeed here but not in production (the scan's IMP623 checks for them)")
    return f"the database is PostgreSQL {server} but pg_version is {configured}: set pg_version = {server} for accurate rules"


def _gate(result, force: bool, yes: bool, shadow: bool, target_label: str = "the database") -> None:
    verdict = result.assessment.verdict
    if verdict == "breaking" and not force:
        reasons = "; ".join(f"{f.code} {f.message}" for f in result.findings if f.severity == "breaking")
        raise Refused(f"the scan's verdict is BREAKING: {reasons}", "fix the migration, or pass --force to apply it anyway")
    if verdict == "caution" and not shadow and not yes:
        if sys.stdin.isatty():
            findings = len(result.findings)
            question = (f"Verdict CAUTION ({findings} finding{'s' if findings != 1 else ''}). "
                        f"Apply {migration_name(result)} to {target_label}?")  # the database named before the question
            if not click.confirm(question, default=False):
                raise Refused("not applied: confirmation declined", "")
        else:
            raise Refused("the scan's verdict is CAUTION and there is no terminal to confirm on", "pass --yes to apply non-interactively")


@click.command()
@database_options
@click.option("--force", is_flag=True, help="Apply even when the scan's verdict is breaking.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation on a caution verdict.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def apply(repo: Path, ref: str, schema_file: Path | None, database_url: str | None, lock_timeout: str, statement_timeout: str, force: bool, yes: bool,
          fmt: str) -> None:
    """Scan, then run the migration atomically and record it in the ledger.

    \b
    Examples:
      impact apply . --migration 11                       # dry run on an embedded PostgreSQL
      impact apply . -m 11 --database-url "$DATABASE_URL" --yes
    Exit codes: 0 applied (or already applied), 1 refused by the verdict, 3 bad input, 4 database error.
    """
    from impact.db import DatabaseError
    from impact.db.apply import apply_migration
    from impact.db.execute import checked_duration
    from impact.db.session import open_session
    from impact.db.state import save

    lock_timeout, statement_timeout = checked_duration(lock_timeout, "--lock-timeout"), checked_duration(statement_timeout, "--statement-timeout")
    result = _scan(repo, ref, schema_file, database_url)
    with _target(result, database_url, schema_file) as target:
        _gate(result, force, yes, target.shadow, target.label)
        if fmt == "text":  # said up front: what runs where, before anything runs
            from impact.db.plan import plan_apply

            for line in target.notes + [f"Target: {target.label} · lock_timeout={lock_timeout} statement_timeout={statement_timeout}"] + plan_apply(result.parsed).describe():
                click.echo(f"• {line}")
        text = result.migration.path.read_text(encoding="utf-8-sig")
        with open_session(target.url, lock_timeout, statement_timeout) as conn:
            note = version_note(conn.info.server_version // 10000, result.config.pg_version, target.shadow)
            if note:
                target.notes.append(note)
                if fmt == "text":
                    click.echo(f"• {note}")
            try:
                outcome = apply_migration(conn, result, text, lock_timeout, statement_timeout, target.skip)
            except DatabaseError as error:
                # Applied, but something after COMMIT failed: keep the before-snapshot for verify/rollback.
                if getattr(error, "outcome", None) is not None and not target.shadow:
                    save(target.url, error.outcome.name, error.outcome.before, error.outcome.after)
                raise
        # Only a real apply has a meaningful before-snapshot (an "already applied" one would overwrite it).
        folder = None if target.shadow or outcome.status != "applied" else save(target.url, outcome.name, outcome.before, outcome.after)
    _print_apply(result, outcome, target, folder, lock_timeout, statement_timeout, fmt)


def _print_apply(result, outcome, target: Target, folder, lock_timeout: str, statement_timeout: str, fmt: str) -> None:
    from impact.db.ledger import framework_step

    step = None if target.shadow or outcome.status != "applied" else framework_step(result)
    recorded = [f"record it in the project's own migration table too, or its next deploy runs it again: {step}"] if step else []
    if fmt == "json":
        click.echo(json.dumps({"schema_version": JSON_SCHEMA_VERSION, "status": outcome.status, "migration": outcome.name, "target": target.label, "dry_run": target.shadow,
                               "verdict": result.assessment.verdict, "duration_ms": outcome.duration_ms, "plan": outcome.plan.describe(),
                               "notes": target.notes + outcome.notes + recorded, "before": outcome.before, "after": outcome.after,
                               "snapshots": str(folder) if folder else None}, indent=2, default=str))
        return
    click.echo(_live_facts(result, outcome.before))
    if outcome.status == "already applied":
        click.echo(f"✓ {outcome.name} is already applied (same checksum): nothing to do")
        return
    click.echo(f"✓ {outcome.name} applied in {outcome.duration_ms} ms and recorded in impact_migrations (verdict {result.assessment.verdict})")
    if folder:
        click.echo(f"  snapshots: {folder}")
    for line in recorded:
        click.echo(f"• {line}")


def _live_facts(result, before: dict) -> str:
    """Table sizes turn 'a plain CREATE INDEX blocks writes' into an estimate."""
    parts = []
    for key, snap in before.items():
        if snap is None:
            continue
        rows = snap["rows"]
        blocking = [f for f in result.findings if f.category == "lock" and f.severity == "caution" and f.operation.table and key.endswith("." + f.operation.table)]
        cost = "seconds at most" if rows < 1_000_000 else "minutes" if rows < 50_000_000 else "a long time"
        estimate = "" if not blocking else f": expect {cost} of blocked writes per blocking statement"
        parts.append(f"{key} has {'~' if not snap['rows_exact'] else ''}{rows:,} rows{estimate}")
    return "• " + "; ".join(parts) if parts else "• no affected table exists yet"


@click.command()
@database_options
@click.option("--force", is_flag=True, help="Roll back even when some data cannot be restored (a dropped column comes back empty).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before rolling back (needed without a terminal).")
def rollback(repo: Path, ref: str, schema_file: Path | None, database_url: str | None, lock_timeout: str, statement_timeout: str, force: bool,
             yes: bool) -> None:
    """Undo an applied migration with the generated rollback plan, in one transaction.

    \b
    Shows the target and every step, counts the values each dropped column holds, then asks.
    \b
    Examples:
      impact rollback . --migration 11                      # rehearse on an embedded PostgreSQL
      impact rollback . -m 11 --database-url "$DATABASE_URL"
      impact rollback . -m 11 --database-url "$DATABASE_URL" --yes   # in a script: no terminal to ask on
    Exit codes: 0 rolled back, 1 refused (irreversible steps, or not confirmed), 3 bad input, 4 database error.
    """
    from impact.db.apply import apply_migration
    from impact.db.execute import checked_duration
    from impact.db.faults import Progress
    from impact.db.rollback import check_reversible, data_at_risk, require_applied, rollback_migration
    from impact.db.session import open_session
    from impact.db.state import load_before

    lock_timeout, statement_timeout = checked_duration(lock_timeout, "--lock-timeout"), checked_duration(statement_timeout, "--statement-timeout")
    result = _scan(repo, ref, schema_file, database_url)
    check_reversible(result, force)
    with _target(result, database_url, schema_file) as target:
        with open_session(target.url, lock_timeout, statement_timeout) as conn:
            before = None
            if target.shadow:  # rehearsal: apply first, then roll back and compare
                before = apply_migration(conn, result, result.migration.path.read_text(encoding="utf-8-sig"), lock_timeout, statement_timeout, target.skip).before
            else:
                require_applied(conn, migration_name(result), Progress(migration_name(result), conn, lock_timeout, statement_timeout))
                before = load_before(target.url, migration_name(result))
            for note in target.notes:
                click.echo(f"• {note}")
            _confirm_rollback(result, target, data_at_risk(conn, result, lock_timeout, statement_timeout), yes)
            outcome = rollback_migration(conn, result, force, lock_timeout, statement_timeout, before)
    for sql in outcome.ran:
        click.echo(f"✓ {sql}")
    for note in outcome.without_data:
        click.echo(f"! {note}")
    for sql in outcome.skipped:
        click.echo(f"✗ skipped (manual): {sql}")
    if outcome.matches_before is True:
        click.echo(f"✓ {outcome.name} rolled back: the schema equals the before-apply snapshot")
    elif outcome.matches_before is False:
        click.echo(f"! {outcome.name} rolled back, but the schema differs from the before-apply snapshot")
        sys.exit(EXIT_VERDICT)
    else:
        click.echo(f"✓ {outcome.name} rolled back (no before-apply snapshot to compare with)")


def _confirm_rollback(result, target: Target, losses: list, yes: bool) -> None:
    """Say where and what, with what each step deletes; ask on a terminal, or require --yes."""
    from impact.db.rollback import runnable

    click.echo(f"Target: {target.label}")
    click.echo(f"Rollback of {migration_name(result)}, in one transaction:")
    lost = {loss.step: loss for loss in losses}
    for n, step in enumerate(result.rollback, 1):
        sql = runnable(step)
        first, *rest = (sql or step.sql).splitlines()
        click.echo(f"  {n}. {first}" + ("   (skipped: manual)" if sql is None else "   (without its data)" if step.irreversible else ""))
        for line in rest:
            click.echo(f"     {line}")
        if step.sql in lost:
            click.echo(f"     ! {lost[step.sql].describe()}")
    if target.shadow or yes:
        return
    deleting = sum(loss.values or 0 for loss in losses)
    warning = f" {deleting:,} value{'s' if deleting != 1 else ''} will be deleted." if deleting else ""
    if not sys.stdin.isatty():
        raise Refused(f"not rolled back: rolling back {migration_name(result)} changes {target.label} and there is no terminal to confirm on",
                      "pass --yes to roll back non-interactively")
    if not click.confirm(f"Roll back {migration_name(result)} on {target.label}?{warning}", default=False):
        raise Refused("not rolled back: confirmation declined", "")


@click.command()
@database_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(repo: Path, ref: str, schema_file: Path | None, database_url: str | None, lock_timeout: str, statement_timeout: str, fmt: str) -> None:
    """Prove the migration did what it says, and that the code's own queries still work.

    \b
    Checks: every added/changed column, index (valid), constraint, comment, policy and RLS setting
    as declared; dropped things gone; old SELECT lists, SELECT * (column count), INSERTs without the
    new columns, filters on new columns (EXPLAIN); row counts against the before-apply snapshot; and
    every query extracted from the code PREPAREd against the migrated schema.
    \b
    Examples:
      impact verify . --migration 11                       # rehearse: apply on an embedded PostgreSQL, then verify
      impact verify . -m 11 --database-url "$DATABASE_URL"  # after impact apply on that database
    Exit codes: 0 every check passed, 3 bad input, 4 a check failed or the database is unreachable.
    """
    from impact.db.apply import apply_migration
    from impact.db.execute import checked_duration
    from impact.db.faults import READ_ONLY, Progress, guarded
    from impact.db.session import open_session
    from impact.db.state import load_before
    from impact.db.verify import verify as run_verify

    lock_timeout, statement_timeout = checked_duration(lock_timeout, "--lock-timeout"), checked_duration(statement_timeout, "--statement-timeout")
    result = _scan(repo, ref, schema_file, database_url)
    with _target(result, database_url, schema_file) as target:
        with open_session(target.url, lock_timeout, statement_timeout) as conn:
            if target.shadow:
                before = apply_migration(conn, result, result.migration.path.read_text(encoding="utf-8-sig"), lock_timeout, statement_timeout, target.skip).before
            else:
                before = load_before(target.url, migration_name(result))
            progress = Progress(migration_name(result), conn, lock_timeout, statement_timeout)
            progress.at("running the checks", READ_ONLY)
            with guarded(progress), conn.cursor() as cur:
                if not target.shadow:  # checks failing because it never ran here should say so
                    target.notes += ledger_note(cur, migration_name(result))
                report = run_verify(cur, result, before, lock_timeout=lock_timeout, statement_timeout=statement_timeout, absent_extensions=target.lacking)
    if fmt == "json":
        click.echo(json.dumps({"schema_version": JSON_SCHEMA_VERSION, "target": target.label, "dry_run": target.shadow, "notes": target.notes, **report.to_dict()}, indent=2, default=str))
    else:
        for note in target.notes:
            click.echo(f"• {note}")
        click.echo("\n".join(report.lines()))
    if not report.passed:
        sys.exit(EXIT_DATABASE)
