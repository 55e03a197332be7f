"""The `impact` command's entry point (`impact`, `python -m impact`): a plain `impact scan` command
line (impact.scan_argv) runs without importing click, the rest of impact.cli and their modules
(~10-15 ms of a ~0.3 s warm scan, issue 13); every other command line goes to click (impact.cli),
so help, errors in the options and every other command are click's as before.

The fast path ends as click's standalone mode would: an ImpactError is one line on stderr and its
exit code (impact.cli's ImpactGroup), an interrupt prints "Aborted!" and exits 1, a reader that went
away exits 1 quietly; a bug of ours is one line (`_guarded`) on either path.

Decision (h16warm): the program (`run`, not `main`, which tests and library callers call) ends with
`os._exit` once its output is flushed, when nothing was registered to run at exit (no atexit
callback, no thread, as on a warm scan): the interpreter's teardown freed every object of the scan
one by one, and collected garbage over all of them, ~20 ms of a ~0.3 s warm scan. A cold scan (its
process pool and logging register exit work) ends as before.
"""
from __future__ import annotations

import gc
import os
import sys

# For the command line (set when this module is imported, before its own imports): a scan keeps
# many small objects alive (module tables, cached results, the report) and the collector's default
# young-generation threshold of 700 allocations ran ~100 collections over them on a warm scan,
# 3-5 % of its CPU (issue 13). Cycles still get collected, 14x less often. In `main` it does not
# run at all until the first cache miss (impact.collector).
gc.set_threshold(10_000, *gc.get_threshold()[1:])

from impact import collector  # noqa: E402
from impact.errors import EXIT_INTERNAL  # noqa: E402


def main() -> None:
    collector.pause()  # the command line only: a library caller's collector is left alone
    from impact.code_cache import compiled_dataclasses
    from impact.regex_cache import compiled_regexes
    from impact.scan_argv import scan_options

    # ~40 ms and ~10 ms of compiling per run saved (impact/code_cache.py, impact/regex_cache.py)
    with compiled_dataclasses(), compiled_regexes():
        options = scan_options(sys.argv[1:], os.environ)
        if options is None:
            from impact.cli import cli

            _guarded(lambda: cli(standalone_mode=True))
        else:
            _guarded(lambda: _scan(options))


def run() -> None:
    """The program's entry point (the `impact` script, `python -m impact`): `main`, then the exit
    code, without the interpreter's teardown when nothing waits for it (module doc)."""
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if (code is None or type(code) is int) and _nothing_left_at_exit():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - e.g. a reader gone: the interpreter's own exit handles it as before
            pass
        else:
            os._exit(code or 0)
    sys.exit(code)


def _nothing_left_at_exit() -> bool:
    import atexit

    ncallbacks = getattr(atexit, "_ncallbacks", None)
    threading = sys.modules.get("threading")
    if ncallbacks is None or ncallbacks():
        return False
    return threading is None or (threading.active_count() == 1 and not getattr(threading, "_threading_atexits", True))


def _scan(options: dict) -> None:
    """impact.scan_command.run with the ending click's standalone mode gives the `scan` command."""
    from impact.errors import ImpactError
    from impact.scan_command import _reader_gone, run, shown

    try:
        run(**options)
    except ImpactError as error:
        _echo_error(f"impact: error: {shown(error.one_line())}")
        sys.exit(error.exit_code)
    except (EOFError, KeyboardInterrupt):
        _echo_error("")  # closes the terminal's ^C echo
        _echo_error("Aborted!")
        sys.exit(1)
    except OSError as error:
        if error.errno != 32:  # EPIPE: the reader went away, as click ends it (no message, exit 1)
            raise
        _reader_gone()
        sys.exit(1)


def _guarded(job) -> None:
    try:
        job()
    except KeyboardInterrupt:
        _echo_error("impact: interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug of ours: one line, not a traceback (IMPACT_DEBUG=1 shows it)
        if os.environ.get("IMPACT_DEBUG"):
            raise
        from impact.errors import bounded_line
        from impact.scan_command import shown

        _echo_error(f"impact: internal error: {type(exc).__name__}: {bounded_line(shown(str(exc)), 240)} — please report it; rerun with IMPACT_DEBUG=1 for details")
        sys.exit(EXIT_INTERNAL)


def _echo_error(line: str) -> None:
    import click  # an error path: its echo, as everywhere else on the command line

    click.echo(line, err=True)
