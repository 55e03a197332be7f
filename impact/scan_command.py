"""The `scan` command's work between its parsed options and the exit code: run the pipeline for
each migration, emit the report, exit 1 at or above --fail-on. Without click, so that a plain
command line (impact.scan_argv) runs a scan without importing it (issue 13: ~10-15 ms of a warm
scan); impact.cli's `scan` parses with click and calls the same `run`. click is imported here
only to echo text on stdout, as before."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from impact import collector
from impact.errors import EXIT_VERDICT, ImpactError


def run(repo: Path, ref: str | None, base: str | None, dialect: str | None, fmt: str, output: Path | None, fail_on: str | None,
        schema_file: Path | None, pg_version: str | None, link_base: str | None, no_cache: bool, verbose: bool = False,
        trace: bool = False, trace_rows: int = 0) -> None:
    """One scan command, options as click converts them (exactly one of `ref` and `base`)."""
    from dataclasses import replace

    from impact.config import Config, load_config, parse_pg_version
    from impact.pipeline import scan as run_scan

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


def shown(line: str) -> str:
    """Last line of defence for anything printed as an error: no token, no password in a URL or DSN."""
    from impact.scrub import scrub

    return scrub(line, [os.environ.get("GITHUB_TOKEN")], userinfo=False)


def _changed(repo: Path, base: str, config) -> list[str]:
    from impact.changed import changed_migrations
    from impact.config import Config

    from impact.migration_engine import declared_engine

    refs = []
    for path in changed_migrations(repo.resolve(), base, config or Config()):
        other = declared_engine(path, repo.resolve())
        if other is None:
            refs.append(str(path))
        else:  # a PR may change a MySQL or SQLite database's migrations too: said, not scanned, not fatal
            print(shown(f"impact: not scanned: {path.relative_to(repo.resolve()).as_posix()} is a {other[0]} migration "
                        f"({other[1]} says so); impact reads PostgreSQL migrations only"), file=sys.stderr)
    return refs


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
        import click  # its echo, as the command line always wrote (it strips colour codes off a non-terminal)

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
        import click

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
