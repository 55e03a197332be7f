"""Command line: options in, one library call, one reporter out. No analysis here."""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

# For the command line (set when the CLI module is imported, before its own imports): a scan keeps
# many small objects alive (module tables, cached results, the report) and the collector's default
# young-generation threshold of 700 allocations ran ~100 collections over them on a warm scan,
# 3-5 % of its CPU (issue 13). Cycles still get collected, 14x less often. In `main` it does not
# run at all until the first cache miss (impact.collector).
gc.set_threshold(10_000, *gc.get_threshold()[1:])

import click  # noqa: E402

from impact import __version__, collector
from impact.errors import EXIT_INTERNAL, EXIT_VERDICT, ImpactError, bounded_line


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
    if schema_file is not None:
        collector.resume()  # the schema file is parsed on every run, not cached
    if not refs:
        _emit_nothing_changed(fmt, output, base)
        return
    # In PR mode the release still running (the code at BASE) is judged too (impact.deploy_window).
    results = [_with_progress(lambda progress, r=r: run_scan(repo, r, dialect=dialect, schema_file=schema_file, config=config,
                                                                progress=progress, use_cache=not no_cache, release_base=base), fmt, output) for r in refs]
    if trace or trace_rows:
        collector.resume()  # a database session, not cached work
        from impact.db.trace import run_trace

        for result in results:
            result.trace = run_trace(result, trace_rows)
    _emit(results, fmt, output, base, _links(repo, fmt, link_base), verbose)
    threshold = fail_on or (config.fail_on if config else None) or "breaking"
    from impact.report.view import Verdict  # the one ranking of verdicts

    worst = Verdict.worst(r.assessment.verdict for r in results)
    if threshold != "never" and worst.rank >= Verdict(threshold).rank:
        sys.exit(EXIT_VERDICT)


def checked_dialect(value: str | None) -> str | None:
    """A usage error (exit 2) naming the valid dialects, not a parse error later."""
    if value is None:
        return None
    from sqlglot.dialects.dialect import Dialects

    valid = sorted(d.value for d in Dialects if d.value)
    if value.strip().lower() not in valid:
        raise click.BadParameter(f"{value!r} is not a SQL dialect; valid: {', '.join(valid)}", param_hint="--dialect")
    return value.strip().lower()


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
    # No "0/None": the count shows once the number of files is known.
    with Progress(TextColumn("parsing files"), BarColumn(), TextColumn("{task.fields[count]}"), console=console, transient=True) as bar:
        task = bar.add_task("parse", total=None, count="")
        return job(lambda done, total: bar.update(task, completed=done, total=total, count=f"{done}/{total}" if total else ""))


def _emit(results: list, fmt: str, output: Path | None, base: str | None, links=None, verbose: bool = False) -> None:
    from impact.report.safe_text import json_safe, visible

    if fmt == "json":  # written piece by piece: at 80k files one string of it cost 459 MiB (issue 13)
        from impact.report.combined import write_json

        _stream(output, lambda stream: write_json(results, base, _JsonSafe(stream)))
        return
    from impact.report.registry import Options, render

    terminal = output is None and sys.stdout.isatty()
    import shutil  # not at the top: it imports bz2 and lzma, which a JSON scan never needs

    width = shutil.get_terminal_size((80, 24)).columns if terminal else 80
    color = output is None and use_color(sys.stdout, os.environ)
    text = render(fmt, results, Options(base=base, links=links, width=width, color=color, verbose=verbose))
    # The repo's own text (SQL, names, snippets) goes out with its control characters made visible;
    # the terminal report does that itself (SafeConsole), keeping its own colour codes.
    if fmt != "rich":
        text = json_safe(text) if fmt == "sarif" else visible(text)
    if output is None:
        _out(text)
    else:
        _write(output, text)


def _out(text: str) -> None:
    """stdout, where a reader that went away (`| head`) ends the output quietly: the verdict, not
    SIGPIPE, still decides the exit code."""
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_gone()


def _reader_gone() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's last flush does not fail again
    os.close(devnull)


def use_color(stream, env) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set to anything (no-color.org)."""
    return bool(getattr(stream, "isatty", lambda: False)()) and not env.get("NO_COLOR")


def _emit_nothing_changed(fmt: str, output: Path | None, base: str) -> None:
    """Still a well-formed report in the asked format, so CI steps that read the file keep working."""
    from impact.report.combined import render_nothing_changed

    text = render_nothing_changed(fmt, base)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)


class _JsonSafe:
    """A text stream that writes lone surrogates (undecodable file names) as the JSON escape."""

    def __init__(self, stream) -> None:
        from impact.report.safe_text import json_safe

        self.stream, self.safe = stream, json_safe

    def write(self, text: str) -> int:
        return self.stream.write(self.safe(text))


def _stream(output: Path | None, write) -> None:
    """Hand `write` a text stream: stdout (a reader that went away ends it quietly, as _out), or the --output file."""
    if output is None:
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            _reader_gone()
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


def main() -> None:
    collector.pause()  # the command line only: a library caller's collector is left alone
    from impact.code_cache import compiled_dataclasses

    with compiled_dataclasses():  # ~40 ms of compiling per run saved (impact/code_cache.py)
        _main()


def _main() -> None:
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
