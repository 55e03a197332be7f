"""A tiny GitHub REST client for pull-request (issue) comments: list, create, update, upsert.

Stdlib only (urllib). The token goes into the Authorization header and nowhere else: it is never
part of a URL, a log line or an exception message, and it is only ever sent to the configured API host.
Every error text passes through `impact.scrub.scrub` (the token, in any case or split by spaces,
and URL credentials, removed *before* a message is cut short); a GITHUB_API_URL carrying
credentials is refused, and shown without them; pagination links and redirects that leave the
API's origin are not followed.
"""
from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import HTTPException

from impact import __version__
from impact.errors import ImpactError, InputError
from impact.scrub import scrub

EXIT_GITHUB = 5  # the GitHub API refused or could not be reached (errors.py is not ours to edit)
DEFAULT_API_URL = "https://api.github.com"
MARKER = "impact-report"
MAX_BODY = 65536  # GitHub's limit on a comment body, in characters
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 comments: a bound, not a limit anyone should reach

_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(ImpactError):
    """The GitHub API refused the request or could not be reached."""

    exit_code = EXIT_GITHUB

    def __init__(self, problem: str, fix: str = "", status: int | None = None):
        super().__init__(problem, fix)
        self.status = status


def marker(key: str | None = None) -> str:
    """The hidden HTML comment that identifies our comment; a key lets several reports coexist on one PR."""
    if key is None:
        return f"<!-- {MARKER} -->"
    if not _KEY.match(key):
        raise InputError(f"invalid comment key {key!r}", "use 1-64 letters, digits, '.', '_' or '-'")
    return f"<!-- {MARKER}:{key} -->"


def with_marker(body: str, key: str | None = None) -> str:
    return f"{marker(key)}\n{body}"


def valid_repository(repository: str) -> bool:
    return bool(_REPOSITORY.match(repository)) and ".." not in repository


@dataclass
class Comment:
    id: int
    body: str
    url: str


@dataclass
class GitHubClient:
    token: str = field(repr=False)
    repository: str  # "owner/name"
    api_url: str = DEFAULT_API_URL
    timeout: float = 30.0

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        if not valid_repository(self.repository):
            raise InputError(f"invalid repository {self.repository!r}", "use owner/name, e.g. octo-org/app")
        self._shown_url = scrub(self.api_url, [self.token])  # for messages: never its credentials
        try:
            parts = urllib.parse.urlsplit(self.api_url)
            parts.port  # noqa: B018  (raises ValueError on a malformed port)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"invalid GitHub API URL '{self._shown_url}'", "use e.g. https://api.github.com or https://HOST/api/v3")
        if "@" in parts.netloc:
            raise InputError(f"invalid GitHub API URL '{self._shown_url}': it carries credentials",
                             "remove them from GITHUB_API_URL: the token is read from GITHUB_TOKEN")
        self._origin = (parts.scheme, parts.netloc)
        self._opener = urllib.request.build_opener(_SameOriginRedirects(self._origin))

    # -- the three endpoints ------------------------------------------------------------------

    def list_comments(self, pr: int) -> list[Comment]:
        url = f"{self._repo_url()}/issues/{int(pr)}/comments?per_page={PER_PAGE}"
        comments: list[Comment] = []
        for _ in range(MAX_PAGES):
            data, headers = self._request("GET", url, what=f"list the comments of pull request #{pr}")
            if not isinstance(data, list):
                raise GitHubError(f"unexpected answer from GitHub listing comments of #{pr}", "check GITHUB_API_URL")
            comments += [self._comment(item) for item in data]
            url = self._next_link(headers.get("Link", ""))
            if url is None:
                return comments
        raise GitHubError(f"pull request #{pr} has more than {MAX_PAGES * PER_PAGE} comments", "")

    def create_comment(self, pr: int, body: str) -> Comment:
        data, _ = self._request("POST", f"{self._repo_url()}/issues/{int(pr)}/comments", {"body": body},
                                what=f"comment on pull request #{pr}")
        return self._comment(data)

    def update_comment(self, comment_id: int, body: str) -> Comment:
        data, _ = self._request("PATCH", f"{self._repo_url()}/issues/comments/{int(comment_id)}", {"body": body},
                                what=f"update comment {comment_id}")
        return self._comment(data)

    def upsert_comment(self, pr: int, body: str, key: str | None = None) -> tuple[str, Comment]:
        """Update the comment carrying our marker (on any page), else create one. Deletes nothing.

        Returns ("created" | "updated", the comment)."""
        tag = marker(key)
        full = body if body.startswith(tag) else with_marker(body, key)
        for comment in self.list_comments(pr):
            if tag in comment.body:
                return "updated", self.update_comment(comment.id, full)
        return "created", self.create_comment(pr, full)

    # -- plumbing ------------------------------------------------------------------------------

    def _repo_url(self) -> str:
        return f"{self.api_url}/repos/{self.repository}"

    def _next_link(self, link: str) -> str | None:
        match = _NEXT.search(link)
        if not match:
            return None
        url = match.group(1)
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:  # never send the token to another host
            raise GitHubError(f"GitHub's pagination link points to another host ({self._clean(parts.hostname or '?')})", "check GITHUB_API_URL")
        return url

    @staticmethod
    def _comment(item) -> Comment:
        if not isinstance(item, dict) or "id" not in item:
            raise GitHubError("unexpected answer from GitHub: not a comment", "check GITHUB_API_URL")
        return Comment(int(item["id"]), item.get("body") or "", item.get("html_url") or item.get("url") or "")

    def _request(self, method: str, url: str, payload: dict | None = None, *, what: str):
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"migration-impact/{__version__}",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
                headers = response.headers
        except urllib.error.HTTPError as exc:
            raise self._status_error(exc.code, exc.headers, _read(exc), what) from None
        except (TimeoutError, socket.timeout):
            raise GitHubError(f"GitHub API at {self._shown_url} timed out after {self.timeout:g}s while trying to {what}",
                              "retry later; check GITHUB_API_URL and the network") from None
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(f"cannot reach the GitHub API at {self._shown_url}: {self._clean(str(reason))}",
                              "check GITHUB_API_URL and the network") from None
        try:
            return (json.loads(raw) if raw.strip() else None), headers
        except ValueError:
            raise GitHubError(f"GitHub API at {self._shown_url} answered with something that is not JSON", "check GITHUB_API_URL") from None

    def _status_error(self, status: int, headers, raw: bytes, what: str) -> GitHubError:
        message = self._clean(_api_message(raw))
        detail = f" ({status}: {message})" if message else f" ({status})"
        headers = headers or {}
        if status == 401:
            return GitHubError(f"GitHub rejected the token{detail}",
                               "check GITHUB_TOKEN: it is missing, mistyped, expired or revoked", status)
        if status in (403, 429) and (headers.get("X-RateLimit-Remaining") == "0" or headers.get("Retry-After")):
            return GitHubError(f"GitHub API rate limit exceeded{detail}; {_reset_text(headers)}",
                               "wait, then rerun", status)
        if status == 403:
            return GitHubError(f"GitHub refused to let the token {what}{detail}",
                               "grant the workflow `permissions: pull-requests: write` (or `issues: write`); "
                               "tokens of pull requests from forks are read-only", status)
        if status == 404:
            return GitHubError(f"GitHub found no repository {self.repository} or pull request while trying to {what}{detail}",
                               "check GITHUB_REPOSITORY and the PR number, and that the token can see the repository", status)
        if status == 422:
            return GitHubError(f"GitHub rejected the comment{detail}",
                               f"the body may be too long (at most {MAX_BODY} characters) or malformed", status)
        return GitHubError(f"GitHub API error while trying to {what}{detail}", "retry later, or check GITHUB_API_URL", status)

    def _clean(self, text: str) -> str:
        """One line, bounded, and never the token (scrubbed before it is cut: see impact.scrub)."""
        return scrub(text, [self.token], limit=300)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only within the API's origin: urllib copies the Authorization header onto
    any redirect, so a redirect to another host would hand it the token."""

    def __init__(self, origin: tuple[str, str]):
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        parts = urllib.parse.urlsplit(newurl)
        if (parts.scheme, parts.netloc) != self.origin:
            raise GitHubError(f"GitHub's answer redirected to another host ({scrub(parts.hostname or '?')}): not followed, the token stays here",
                              "check GITHUB_API_URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read() or b""
    except Exception:  # noqa: BLE001  (an unreadable error body is just an absent detail)
        return b""


def _api_message(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    message = str(data.get("message") or "")
    errors = data.get("errors")
    if isinstance(errors, list):
        extra = [str(e.get("message") or e.get("code") or "") if isinstance(e, dict) else str(e) for e in errors]
        extra = [e for e in extra if e]
        if extra:
            message = f"{message}: {'; '.join(extra)}" if message else "; ".join(extra)
    return message


def _reset_text(headers) -> str:
    retry_after = headers.get("Retry-After")
    if retry_after and retry_after.isdigit():
        return f"retry in {int(retry_after)}s"
    reset = headers.get("X-RateLimit-Reset")
    if reset and reset.isdigit():
        when = datetime.fromtimestamp(int(reset), tz=timezone.utc)
        minutes = max(0, round((int(reset) - time.time()) / 60))
        return f"it resets at {when:%Y-%m-%d %H:%M:%S} UTC (in about {minutes} min)"
    return "the reset time is unknown"
