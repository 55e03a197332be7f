"""Every output format behind one signature: `render(results, options) -> str`.

A reporter gets all the scanned migrations (one for `--migration`, several for `--changed`) and
returns the whole text; the CLI only chooses one and writes it. Adding a format is one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from impact.pipeline import ScanResult


@dataclass(frozen=True)
class Options:
    base: str | None = None  # --changed BASE: a combined report
    links: object | None = None  # SourceLinks for Markdown file:line links
    width: int = 80  # terminal columns
    color: bool = False  # ANSI colour (terminal only, never with NO_COLOR)
    verbose: bool = False  # terminal: list every query, not only those that break or need review


Reporter = Callable[[list[ScanResult], Options], str]


def _json(results: list[ScanResult], options: Options) -> str:
    from impact.report import combined

    return combined.render_json(results, options.base)


def _markdown(results: list[ScanResult], options: Options) -> str:
    from impact.report import combined

    return combined.render_markdown(results, options.base, options.links)


def _sarif(results: list[ScanResult], options: Options) -> str:
    from impact.report import sarif

    return sarif.render(results, results[0].rules, options.base)


def _github(results: list[ScanResult], options: Options) -> str:
    from impact.report import github

    return github.render_all(results)


def _rich(results: list[ScanResult], options: Options) -> str:
    from impact.report import terminal

    return terminal.render_text(results, width=options.width, color=options.color, verbose=options.verbose)


REPORTERS: dict[str, Reporter] = {"rich": _rich, "json": _json, "markdown": _markdown, "github": _github, "sarif": _sarif}


def render(fmt: str, results: list[ScanResult], options: Options | None = None) -> str:
    return REPORTERS[fmt](results, options or Options())
