"""Command line: options in, one library call, one reporter out. No analysis here."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from impact.command_line import main  # noqa: F401 - the entry point (`impact.cli:main` before it moved)

from impact import __version__, collector
from impact.errors import ImpactError, bounded_line
from impact.scan_command import _JsonSafe, shown as _shown, use_color  # noqa: F401 - also imported from here


class ImpactGroup(click.Group):
    """Every command's ImpactError becomes one line on stderr and its own exit code. The database
    and comment commands are imported when asked for (a scan skipped ~3.5 ms of their imports)."""

    LAZY = {"apply": "impact.cli_db", "verify": "impact.cli_db", "rollback": "impact.cli_db", "comment": "impact.cli_comment"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.LAZY})

    def get_command(self, ctx: click.Context, name: str):
        if name != "scan":  # only a scan reads caches that tell when parsing starts
            collector.resume()
        if name not in self.commands and name in self.LAZY:
            from importlib import import_module

            self.add_command(getattr(import_module(self.LAZY[name]), name), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ImpactError as error:
            click.echo(f"impact: error: {_shown(error.one_line())}", err=True)
            ctx.exit(error.exit_code)
        except click.UsageError as error:  # exit 2 as click prints it, but what it quotes is scrubbed too
            error.message = _shown(error.message)
            raise


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
@click.option("--dialect", default=None, callback=lambda ctx, param, value: checked_dialect(value),
              help="SQL dialect of the migration (default: postgres, or the repo's config).")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "github", "sarif"]), default="rich", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option("--fail-on", type=click.Choice(["breaking", "caution", "never"]), default=None,
              help="Exit 1 when the verdict is at or above this level (default: breaking).")
@click.option("--schema", "schema_file", type=click.Path(path_type=Path, dir_okay=False), help="A pg_dump --schema-only file to use instead of replaying earlier migrations.")
@click.option("--pg-version", default=None, metavar="MAJOR", help="Target PostgreSQL version, e.g. 14 (default: the config's pg_version, else a current release).")
@click.option("--link-base", default=None, metavar="URL", help="Markdown: link file:line to URL/<path>#L<line>, e.g. https://github.com/o/r/blob/<sha> (default in GitHub Actions: the PR's head commit).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the extraction cache.")
@click.option("--verbose", "-v", is_flag=True, help="Terminal report: list every query and the verification plan.")
@click.option("--trace", is_flag=True, help="Also run the migration on a throwaway PostgreSQL (rolled back) and show the locks, rewrites and failures it really had.")
@click.option("--trace-rows", type=click.IntRange(0, 100_000_000), default=0, metavar="N", help="With --trace: first fill each table the migration names with N generated rows (measured durations).")
def scan(repo: Path, ref: str | None, base: str | None, dialect: str | None, fmt: str, output: Path | None, fail_on: str | None,
         schema_file: Path | None, pg_version: str | None, link_base: str | None, no_cache: bool, verbose: bool = False,
         trace: bool = False, trace_rows: int = 0) -> None:
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
    if (ref is None) == (base is None):
        raise click.UsageError("give --migration REF or --changed BASE (exactly one)")
    from impact.scan_command import run

    run(repo, ref, base, dialect, fmt, output, fail_on, schema_file, pg_version, link_base, no_cache, verbose, trace, trace_rows)


def checked_dialect(value: str | None) -> str | None:
    """A usage error (exit 2) naming the valid dialects, not a parse error later."""
    if value is None:
        return None
    from sqlglot.dialects.dialect import Dialects

    valid = sorted(d.value for d in Dialects if d.value)
    if value.strip().lower() not in valid:
        raise click.BadParameter(f"{value!r} is not a SQL dialect; valid: {', '.join(valid)}", param_hint="--dialect")
    return value.strip().lower()


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
    from impact.judge.ignores import SQUAWK_ALIASES
    from impact.judge.rules import find_rule
    from impact.report.sarif import _generic

    # squawk's rule names work here as they do in ignore comments.
    rule = find_rule(SQUAWK_ALIASES.get(rule_id.strip().lower(), rule_id))
    if rule is None:
        click.echo(f"impact: error: no rule {bounded_line(repr(rule_id), 80)} — run `impact rules` to list them", err=True)
        sys.exit(2)
    # Outside a finding there is no table or column: `{table}` reads as `<table>`.
    click.echo(f"{rule.code} {rule.id} [{rule.severity}, {rule.category}]\n{_generic(rule.title)}\n")
    click.echo(f"Applies to: {', '.join(rule.on)}" + (f" when {', '.join(rule.when)}" if rule.when else ""))
    click.echo(f"\nWhy:\n{_generic(rule.why)}\n\nSolution:\n{_generic(rule.solution)}")
    if rule.safe_sql:
        click.echo(f"\nSafe SQL:\n{_generic(rule.safe_sql)}")
    if rule.example_bad:
        click.echo(f"\nBad:\n  {rule.example_bad}\nGood:\n  {rule.example_good}")
