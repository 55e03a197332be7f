"""Command line: options in, one library call, one reporter out. No analysis here."""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import click

from impact import __version__
from impact.errors import EXIT_INTERNAL, EXIT_VERDICT, ImpactError, bounded_line

LEVELS = {"safe": 0, "caution": 1, "breaking": 2}


class ImpactGroup(click.Group):
    """Every command's ImpactError becomes one line on stderr and its own exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ImpactError as error:
            click.echo(f"impact: error: {_shown(error.one_line())}", err=True)
            ctx.exit(error.exit_code)


def _shown(line: str) -> str:
    """Last line of defence for anything printed as an error: no token, no password in a URL or DSN."""
    from impact.scrub import scrub

    return scrub(line, [os.environ.get("GITHUB_TOKEN")], userinfo=False)


@click.group(cls=ImpactGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="impact")
def cli() -> None:
    """What in your code does a SQL migration touch, break and risk?

    \b
    Example:
      impact scan ./my-app --migration 11
    """


@cli.command()
@click.argument("repo", type=click.Path(path_type=Path), default=".")
@click.option("--migration", "-m", "ref", default=None, help="Migration: a path, number (11), timestamp prefix or name fragment.")
@click.option("--changed", "base", default=None, metavar="BASE", help="Instead: every migration added or modified since git revision BASE (one combined report).")
@click.option("--dialect", default=None, help="SQL dialect of the migration (default: postgres, or the repo's config).")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "github", "sarif"]), default="rich", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option("--fail-on", type=click.Choice(["breaking", "caution", "never"]), default=None,
              help="Exit 1 when the verdict is at or above this level (default: breaking).")
@click.option("--schema", "schema_file", type=click.Path(path_type=Path, dir_okay=False), help="A pg_dump --schema-only file to use instead of replaying earlier migrations.")
@click.option("--pg-version", default=None, metavar="MAJOR", help="Target PostgreSQL version, e.g. 14 (default: the config's pg_version, else a current release).")
@click.option("--link-base", default=None, metavar="URL", help="Markdown: link file:line to URL/<path>#L<line>, e.g. https://github.com/o/r/blob/<sha> (default in GitHub Actions: the PR's head commit).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the extraction cache.")
def scan(repo: Path, ref: str | None, base: str | None, dialect: str | None, fmt: str, output: Path | None, fail_on: str | None,
         schema_file: Path | None, pg_version: str | None, link_base: str | None, no_cache: bool) -> None:
    """Scan REPO's code for everything the migration touches and judge the risk.

    \b
    Examples:
      impact scan . --migration 11
      impact scan ./app -m session_tracking --format markdown -o report.md
      impact scan ./app -m db/migrations/0042_drop_title.sql --format json --fail-on caution
      impact scan . --changed origin/main --format github      # in CI, on a pull request
      impact scan . --changed origin/main --format sarif -o impact.sarif   # for code scanning
    Exit codes: 0 below --fail-on, 1 at or above it, 2 usage error, 3 unusable input.
    """
    from dataclasses import replace

    from impact.config import Config, load_config, parse_pg_version
    from impact.pipeline import scan as run_scan

    if (ref is None) == (base is None):
        raise click.UsageError("give --migration REF or --changed BASE (exactly one)")
    config = load_config(repo.resolve()) if repo.is_dir() else None
    if pg_version is not None:
        source = f"{config.source} + --pg-version" if config and config.source else "--pg-version"
        config = replace(config or Config(), pg_version=parse_pg_version(pg_version, "--pg-version"), source=source)
    refs = [ref] if ref else _changed(repo, base, config)
    if not refs:
        _emit_nothing_changed(fmt, output, base)
        return
    # In PR mode the release still running (the code at BASE) is judged too (impact.deploy_window).
    results = [_with_progress(lambda progress, r=r: run_scan(repo, r, dialect=dialect, schema_file=schema_file, config=config,
                                                                progress=progress, use_cache=not no_cache, release_base=base), fmt, output) for r in refs]
    _emit(results, fmt, output, base, _links(repo, fmt, link_base))
    threshold = fail_on or (config.fail_on if config else None) or "breaking"
    worst = max((r.assessment.verdict for r in results), key=LEVELS.__getitem__)
    if threshold != "never" and LEVELS[worst] >= LEVELS[threshold]:
        sys.exit(EXIT_VERDICT)


def _changed(repo: Path, base: str, config) -> list[str]:
    from impact.changed import changed_migrations
    from impact.config import Config

    return [str(path) for path in changed_migrations(repo.resolve(), base, config or Config())]


def _links(repo: Path, fmt: str, link_base: str | None):
    if fmt != "markdown":
        return None
    from impact.report.links import for_repo

    return for_repo(repo, link_base)


def _with_progress(job, fmt: str, output: Path | None):
    if fmt != "rich":
        return job(None)
    # rich is imported only for the rich format: 30 ms of a warm JSON scan's fixed cost.
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return job(None)
    with Progress(TextColumn("parsing files"), BarColumn(), TextColumn("{task.completed}/{task.total}"), console=console, transient=True) as bar:
        task = bar.add_task("parse", total=None)
        return job(lambda done, total: bar.update(task, completed=done, total=total))


def _emit(results: list, fmt: str, output: Path | None, base: str | None, links=None) -> None:
    if fmt == "rich":
        from rich.console import Console

        from impact.report.terminal import render as render_rich

        console = Console() if output is None else Console(record=True, width=120, file=io.StringIO())
        for result in results:
            render_rich(result, console)
        if output is not None:
            _write(output, console.export_text())
        return
    if fmt == "json":
        from impact.report.combined import write_json

        _stream(output, lambda stream: write_json(results, base, stream))
        return
    from impact.report.combined import render_text

    text = render_text(results, fmt, base, links)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)


def _emit_nothing_changed(fmt: str, output: Path | None, base: str) -> None:
    """Still a well-formed report in the asked format, so CI steps that read the file keep working."""
    from impact.report.combined import render_nothing_changed

    text = render_nothing_changed(fmt, base)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)


def _stream(output: Path | None, write) -> None:
    """Hand `write` a text stream: stdout, or the --output file."""
    if output is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8", buffering=1 << 20) as stream:
            write(stream)
    except OSError as exc:
        raise ImpactError(f"cannot write report to {output}: {exc.strerror}", "choose a writable --output path") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ImpactError(f"cannot write report to {path}: {exc.strerror}", "choose a writable --output path") from None


@cli.command("rules")
def list_rules() -> None:
    """List every rule: code, id, severity and title.

    \b
    Example:
      impact rules
    """
    from impact.judge.rules import load_rules

    rules = load_rules()
    width = max(len(r.id) for r in rules)
    # Plain aligned lines: readable at any width, and easy to grep or copy an id from.
    for rule in rules:
        click.echo(f"{rule.code}  {rule.severity:<8}  {rule.id:<{width}}  {rule.title}")


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain one rule: the problem, why it matters, and the safe way to do it.

    \b
    Example:
      impact explain require-concurrent-index-creation
      impact explain IMP101
    """
    from impact.judge.rules import find_rule

    rule = find_rule(rule_id)
    if rule is None:
        click.echo(f"impact: error: no rule {bounded_line(repr(rule_id), 80)} — run `impact rules` to list them", err=True)
        sys.exit(2)
    click.echo(f"{rule.code} {rule.id} [{rule.severity}, {rule.category}]\n{rule.title}\n")
    click.echo(f"Applies to: {', '.join(rule.on)}" + (f" when {', '.join(rule.when)}" if rule.when else ""))
    click.echo(f"\nWhy:\n{rule.why}\n\nSolution:\n{rule.solution}")
    if rule.safe_sql:
        click.echo(f"\nSafe SQL:\n{rule.safe_sql}")
    if rule.example_bad:
        click.echo(f"\nBad:\n  {rule.example_bad}\nGood:\n  {rule.example_good}")


from impact.cli_db import register  # noqa: E402  (the database commands)

register(cli)
from impact.cli_comment import comment as _comment; cli.add_command(_comment)  # noqa: E402,E702


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("impact: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours: one line, not a traceback (IMPACT_DEBUG=1 shows it)
        if os.environ.get("IMPACT_DEBUG"):
            raise
        click.echo(f"impact: internal error: {type(exc).__name__}: {bounded_line(_shown(str(exc)), 240)} — please report it; rerun with IMPACT_DEBUG=1 for details", err=True)
        sys.exit(EXIT_INTERNAL)
