"""`impact comment`: scan, render the Markdown report, and create or update one pull-request comment."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from impact.errors import ImpactError, InputError
from impact.scrub import scrub

TRUNCATED = "\n\n_…report truncated to fit a GitHub comment; run `impact scan` locally for all of it._\n"


@click.command()
@click.argument("repo", type=click.Path(path_type=Path), default=".")
@click.option("--migration", "-m", "ref", default=None, help="Migration to scan: a path, number (11), timestamp prefix or name fragment.")
@click.option("--body-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Post this already-rendered Markdown report (e.g. from `impact scan --format markdown -o FILE`) instead of scanning.")
@click.option("--pr", type=click.IntRange(min=1), default=None, help="Pull-request number (default: from the GITHUB_EVENT_PATH event).")
@click.option("--key", default=None, help="Tell several reports on one pull request apart (e.g. one per migration directory).")
@click.option("--dry-run", is_flag=True, help="Print the comment body instead of posting it; needs no token.")
def comment(repo: Path, ref: str | None, body_file: Path | None, pr: int | None, key: str | None, dry_run: bool) -> None:
    """Post the scan's Markdown report as a pull-request comment, updating it on later runs.

    One comment per pull request (per --key): it carries a hidden marker, so each run
    updates it in place instead of adding another. Nothing is ever deleted.

    \b
    Settings (as set by GitHub Actions):
      GITHUB_TOKEN       token with pull-requests: write (not needed for --dry-run)
      GITHUB_REPOSITORY  owner/name
      GITHUB_API_URL     API base for GitHub Enterprise (default https://api.github.com)
      GITHUB_EVENT_PATH  event JSON the PR number is read from when --pr is absent

    \b
    Example:
      GITHUB_TOKEN=... GITHUB_REPOSITORY=octo-org/app impact comment . --migration 11 --pr 42
      impact comment . --migration 11 --dry-run
    Exit codes: 0 posted, 2 usage error, 3 missing setting or unusable input, 5 GitHub API error.
    """
    try:
        _comment(repo, ref, body_file, pr, key, dry_run)
    except ImpactError as error:  # every error path: the token (in any form) and URL credentials never print
        error.problem, error.fix = (scrub(text, [os.environ.get("GITHUB_TOKEN")]) for text in (error.problem, error.fix))
        raise


def _comment(repo: Path, ref: str | None, body_file: Path | None, pr: int | None, key: str | None, dry_run: bool) -> None:
    from impact.github import DEFAULT_API_URL, GitHubClient, marker

    if (ref is None) == (body_file is None):
        raise click.UsageError("pass exactly one of --migration and --body-file")
    tag = marker(key)  # validates --key before any work
    if not dry_run:
        token = _setting("GITHUB_TOKEN", "pass the workflow's token: `env: GITHUB_TOKEN: ${{ github.token }}` (or use --dry-run)")
        repository = _setting("GITHUB_REPOSITORY", "set it to owner/name")
        api_url = os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
        client = GitHubClient(token=token, repository=repository, api_url=api_url)
        pr = pr or _pr_from_event()
    body = _fit(f"{tag}\n{_report(repo, ref, body_file)}")
    if dry_run:
        click.echo(body, nl=False)
        return
    action, posted = client.upsert_comment(pr, body, key)
    click.echo(f"{action} comment {posted.url}")


def _report(repo: Path, ref: str | None, body_file: Path | None) -> str:
    if body_file is not None:
        try:
            return body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read --body-file {body_file}: {getattr(exc, 'strerror', None) or exc}",
                             "pass the report written by `impact scan --format markdown -o FILE`") from None
    from impact.config import load_config
    from impact.pipeline import scan
    from impact.report import markdown
    from impact.report.links import for_repo

    config = load_config(repo.resolve()) if repo.is_dir() else None
    return markdown.render(scan(repo, ref, config=config), links=for_repo(repo))


def _setting(name: str, fix: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise InputError(f"{name} is not set", fix)
    return value


def _pr_from_event() -> int:
    path = os.environ.get("GITHUB_EVENT_PATH", "").strip()
    if not path:
        raise InputError("no pull-request number: --pr is absent and GITHUB_EVENT_PATH is not set",
                         "pass --pr N, or run in a pull_request workflow")
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the event JSON in GITHUB_EVENT_PATH ({path}): {getattr(exc, 'strerror', None) or exc}",
                         "pass --pr N") from None
    number = None
    if isinstance(event, dict):
        for holder in (event.get("pull_request"), event, event.get("issue")):
            if isinstance(holder, dict) and isinstance(holder.get("number"), int) and holder["number"] > 0:
                number = holder["number"]
                break
    if number is None:
        raise InputError("no pull-request number in the GITHUB_EVENT_PATH event (not a pull_request event?)",
                         "pass --pr N, or run on `pull_request` events")
    return number


def _fit(body: str) -> str:
    from impact.github import MAX_BODY

    if len(body) <= MAX_BODY:
        return body
    room = MAX_BODY - len(TRUNCATED)
    cut = body.rfind("\n", 0, room)
    return body[: cut if cut > 0 else room] + TRUNCATED
