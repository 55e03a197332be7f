"""`impact scan`'s options read without click, for the plain command lines a script or CI writes
(impact.command_line; issue 13: importing click was ~10-15 ms of a ~0.3 s warm scan).

`scan_options` returns the keyword arguments click would hand the `scan` command
(impact.scan_command.run), or None whenever click has anything to decide: help, `--version`, an
option it does not know here or in another spelling (`-m2`, `-vm`, `--`), a repeated option, a value
that starts with "-" or is not one of its choices, exactly one of --migration and --changed not
given, a path click would refuse (an existing --output that is a folder or not readable, a REPO
that is not readable), shell completion, and every option whose value click converts or checks with
more than that (--dialect, --schema, --trace, --trace-rows). Anything None goes to click, which
parses it as before: a command line is never read two ways.
"""
from __future__ import annotations

import os
from pathlib import Path

# option spelling -> `run`'s parameter; every one takes a value
VALUED = {"--migration": "ref", "-m": "ref", "--changed": "base", "--format": "fmt", "--output": "output", "-o": "output",
          "--fail-on": "fail_on", "--pg-version": "pg_version", "--link-base": "link_base"}
FLAGS = {"--no-cache": "no_cache", "--verbose": "verbose", "-v": "verbose"}
CHOICES = {"fmt": ("rich", "json", "markdown", "github", "sarif"), "fail_on": ("breaking", "caution", "never")}
COMPLETION = "_IMPACT_COMPLETE"  # click's shell completion variable for the `impact` program


def scan_options(argv: list[str], environ) -> dict | None:
    """`run`'s keyword arguments for `impact scan ARGV...`, or None for click to decide (module doc)."""
    if not argv or argv[0] != "scan" or COMPLETION in environ:
        return None
    values: dict = {}
    repo = None
    args = iter(argv[1:])
    for token in args:
        if not token.startswith("-"):
            if repo is not None:
                return None  # a second argument: click's usage error
            repo = token
            continue
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if name in FLAGS and not equals:
            values[FLAGS[name]] = True
            continue
        dest = VALUED.get(name)
        if dest is None or dest in values:
            return None
        if not equals:
            value = next(args, None)
            if value is None:
                return None
        if value.startswith("-") or (dest in CHOICES and value not in CHOICES[dest]):
            return None
        values[dest] = value
    if ("ref" in values) == ("base" in values):
        return None
    repo = repo if repo is not None else "."
    if not _readable_or_missing(repo):
        return None
    output = values.get("output")
    if output is not None and (os.path.isdir(output) or not _readable_or_missing(output)):
        return None
    return {"repo": Path(repo), "ref": values.get("ref"), "base": values.get("base"), "dialect": None,
            "fmt": values.get("fmt", "rich"), "output": Path(output) if output is not None else None,
            "fail_on": values.get("fail_on"), "schema_file": None, "pg_version": values.get("pg_version"),
            "link_base": values.get("link_base"), "no_cache": values.get("no_cache", False),
            "verbose": values.get("verbose", False), "trace": False, "trace_rows": 0}


def _readable_or_missing(path: str) -> bool:
    """What click.Path accepts (exists=False, readable=True): a path that does not exist, or a readable one."""
    return not os.path.exists(path) or os.access(path, os.R_OK)
