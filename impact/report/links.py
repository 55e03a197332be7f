"""Links from a report's file:line to the code at the commit under review.

In a GitHub Actions run the pull request's head commit is read from the event (GITHUB_SHA is the
merge commit there, whose lines may differ); elsewhere `--link-base` gives any forge's blob URL.
Paths in a report are relative to the scanned folder, which may sit below the git root.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SHA = re.compile(r"[0-9a-f]{7,64}")


@dataclass(frozen=True)
class SourceLinks:
    base: str  # e.g. https://github.com/acme/app/blob/3f2c…
    prefix: str = ""  # the scanned folder inside the repository, "" or "services/api/"

    def url(self, file: str, line: int | None = None) -> str:
        anchor = f"#L{max(line, 1)}" if line is not None else ""
        return f"{self.base.rstrip('/')}/{quote(self.prefix + file)}{anchor}"


def markdown_location(links: SourceLinks | None, file: str, line: int | None = None) -> str:
    text = f"`{file}:{line}`" if line is not None else f"`{file}`"
    return f"[{text}]({links.url(file, line)})" if links else text


def for_repo(repo: Path, link_base: str | None = None, env: dict | None = None) -> SourceLinks | None:
    """Explicit `--link-base`, else the GitHub Actions pull request's head commit, else no links."""
    env = os.environ if env is None else env
    base = link_base or _github_base(env)
    return SourceLinks(base, _git_prefix(repo)) if base else None


def _github_base(env) -> str | None:
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    sha = _head_sha(env.get("GITHUB_EVENT_PATH", "")) or env.get("GITHUB_SHA", "").strip()
    if not repository or not SHA.fullmatch(sha):
        return None
    server = env.get("GITHUB_SERVER_URL", "").strip() or "https://github.com"
    return f"{server.rstrip('/')}/{repository}/blob/{sha}"


def _head_sha(event_path: str) -> str:
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8")) if event_path.strip() else {}
    except (OSError, ValueError):
        return ""  # links are a nicety: without the event we fall back to GITHUB_SHA
    head = (event.get("pull_request") or {}).get("head") if isinstance(event, dict) else None
    sha = head.get("sha", "") if isinstance(head, dict) else ""
    return sha if isinstance(sha, str) else ""


def _git_prefix(repo: Path) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-prefix"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
