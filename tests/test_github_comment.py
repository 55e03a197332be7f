"""`impact comment` against a real local HTTP server that speaks the three GitHub comment endpoints."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.github import EXIT_GITHUB, GitHubClient, GitHubError
from tests.conftest import FIXTURES

TOKEN = "ghs_s3cretT0kenValue1234567890"
REPO = "acme/chat"
PR = 7
PREFIX = "/api/v3"  # a GitHub Enterprise style base path: proves GITHUB_API_URL is used
PAGE = 2
APP = str(FIXTURES / "apps" / "chat-ts")


class FakeGitHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.comments: dict[int, list[dict]] = {PR: []}
        self.next_id = 100
        self.fail: tuple[int, dict, dict] | None = None
        self.delay = 0.0
        self.requests: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{PREFIX}"

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # the timeout test hangs up on purpose
            super().handle_error(request, client_address)

    def add(self, pr: int, body: str) -> dict:
        self.next_id += 1
        item = {"id": self.next_id, "body": body, "html_url": f"https://github.test/{REPO}/pull/{pr}#issuecomment-{self.next_id}"}
        self.comments.setdefault(pr, []).append(item)
        return item


class Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, data, headers: dict | None = None) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length)) if length else None
        srv.requests.append((method, self.path, dict(self.headers)))
        if srv.delay:
            time.sleep(srv.delay)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"message": "Bad credentials"})
        assert self.headers.get("Accept") == "application/vnd.github+json"
        assert self.headers.get("X-GitHub-Api-Version") == "2022-11-28"
        assert self.headers.get("User-Agent")
        if srv.fail:
            status, headers, data = srv.fail
            return self._send(status, data, headers)
        url = urlsplit(self.path)
        listing = re.fullmatch(rf"{PREFIX}/repos/{REPO}/issues/(\d+)/comments", url.path)
        single = re.fullmatch(rf"{PREFIX}/repos/{REPO}/issues/comments/(\d+)", url.path)
        with srv.lock:
            if listing and int(listing.group(1)) in srv.comments:
                items = srv.comments[int(listing.group(1))]
                if method == "GET":
                    page = int(parse_qs(url.query).get("page", ["1"])[0])
                    assert parse_qs(url.query).get("per_page") == ["100"]
                    chunk = items[(page - 1) * PAGE: page * PAGE]
                    headers = {}
                    if page * PAGE < len(items):
                        headers["Link"] = f'<{srv.api}/repos/{REPO}/issues/{listing.group(1)}/comments?per_page=100&page={page + 1}>; rel="next"'
                    return self._send(200, chunk, headers)
                if method == "POST":
                    return self._send(201, srv.add(int(listing.group(1)), payload["body"]))
            if single and method == "PATCH":
                for items in srv.comments.values():
                    for item in items:
                        if item["id"] == int(single.group(1)):
                            item["body"] = payload["body"]
                            return self._send(200, item)
        return self._send(404, {"message": "Not Found"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")


@pytest.fixture
def gh():
    server = FakeGitHub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def env(gh: FakeGitHub, **extra) -> dict:
    base = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": gh.api, "GITHUB_EVENT_PATH": ""}
    base.update(extra)
    return base


def run(gh: FakeGitHub | None, *args: str, **extra):
    environment = env(gh, **extra) if gh else extra
    return CliRunner().invoke(cli, ["comment", APP, "--migration", "11", *args], env=environment)


def assert_one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("impact: error:")
    assert "Traceback" not in result.output
    assert TOKEN not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_first_run_creates_second_run_updates_the_same_comment(gh: FakeGitHub) -> None:
    first = run(gh, "--pr", str(PR))
    assert first.exit_code == 0, first.output
    assert len(gh.comments[PR]) == 1
    created = gh.comments[PR][0]
    assert first.output.strip() == f"created comment {created['html_url']}"
    assert created["body"].startswith("<!-- impact-report -->\n## ")
    assert "11_session_tracking.sql" in created["body"]

    created["body"] = created["body"].replace("impact:", "OLD impact:")  # so the update is visible
    second = run(gh, "--pr", str(PR))
    assert second.exit_code == 0, second.output
    assert second.output.strip() == f"updated comment {created['html_url']}"
    assert len(gh.comments[PR]) == 1
    assert "OLD impact:" not in gh.comments[PR][0]["body"]
    assert TOKEN not in first.output + second.output
    assert [m for m, _, _ in gh.requests] == ["GET", "POST", "GET", "PATCH"]


def test_marker_on_page_two_is_found_and_others_are_untouched(gh: FakeGitHub) -> None:
    others = [gh.add(PR, f"human comment {i}") for i in range(3)]
    ours = gh.add(PR, "<!-- impact-report -->\nstale report")
    others.append(gh.add(PR, "another human comment mentioning impact-report"))
    before = [dict(c) for c in others]
    result = run(gh, "--pr", str(PR))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("updated comment ")
    assert len(gh.comments[PR]) == 5  # nothing created, nothing deleted
    assert ours["body"] != "<!-- impact-report -->\nstale report"
    assert [c for c in gh.comments[PR] if c["id"] != ours["id"]] == before
    pages = [urlsplit(path).query for method, path, _ in gh.requests if method == "GET"]
    assert any("page=2" in q for q in pages)
    assert [m for m, _, _ in gh.requests if m != "GET"] == ["PATCH"]


def test_keys_let_several_reports_coexist(gh: FakeGitHub) -> None:
    assert run(gh, "--pr", str(PR)).exit_code == 0
    keyed = run(gh, "--pr", str(PR), "--key", "api")
    assert keyed.exit_code == 0 and keyed.output.startswith("created comment ")
    again = run(gh, "--pr", str(PR), "--key", "api")
    assert again.output.startswith("updated comment ")
    bodies = [c["body"].splitlines()[0] for c in gh.comments[PR]]
    assert bodies == ["<!-- impact-report -->", "<!-- impact-report:api -->"]
    assert_one_line_error(run(gh, "--pr", str(PR), "--key", "no spaces"), 3, "invalid comment key")


def test_pr_number_from_the_event_file(gh: FakeGitHub, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 99, "pull_request": {"number": PR}}))
    result = run(gh, GITHUB_EVENT_PATH=str(event))
    assert result.exit_code == 0, result.output
    assert len(gh.comments[PR]) == 1
    event.write_text(json.dumps({"number": PR}))
    assert run(gh, GITHUB_EVENT_PATH=str(event)).output.startswith("updated comment ")
    event.write_text(json.dumps({"ref": "refs/heads/main"}))  # a push event
    assert_one_line_error(run(gh, GITHUB_EVENT_PATH=str(event)), 3, "GITHUB_EVENT_PATH", "--pr")
    assert_one_line_error(run(gh, GITHUB_EVENT_PATH=str(tmp_path / "missing.json")), 3, "GITHUB_EVENT_PATH")


def test_the_enterprise_base_url_is_used(gh: FakeGitHub) -> None:
    assert run(gh, "--pr", str(PR), GITHUB_API_URL=gh.api + "/").exit_code == 0
    assert gh.requests and all(path.startswith(f"{PREFIX}/repos/{REPO}/") for _, path, _ in gh.requests)


@pytest.mark.parametrize(("variable", "needle"), [("GITHUB_TOKEN", "GITHUB_TOKEN is not set"),
                                                  ("GITHUB_REPOSITORY", "GITHUB_REPOSITORY is not set")])
def test_missing_settings_name_the_variable(gh: FakeGitHub, variable: str, needle: str) -> None:
    assert_one_line_error(run(gh, "--pr", str(PR), **{variable: ""}), 3, needle)
    assert gh.requests == []


def test_missing_pr_names_the_option(gh: FakeGitHub) -> None:
    assert_one_line_error(run(gh), 3, "GITHUB_EVENT_PATH", "--pr")


def test_dry_run_needs_no_token_and_posts_nothing(gh: FakeGitHub) -> None:
    result = CliRunner().invoke(cli, ["comment", APP, "--migration", "11", "--dry-run"],
                                env={"GITHUB_TOKEN": "", "GITHUB_REPOSITORY": "", "GITHUB_EVENT_PATH": ""})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!-- impact-report -->\n## ")
    assert gh.requests == []


def test_body_file_is_posted_as_is(gh: FakeGitHub, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("## a pre-rendered report\n")
    result = CliRunner().invoke(cli, ["comment", ".", "--body-file", str(report), "--pr", str(PR)], env=env(gh))
    assert result.exit_code == 0, result.output
    assert gh.comments[PR][0]["body"] == "<!-- impact-report -->\n## a pre-rendered report\n"
    both = CliRunner().invoke(cli, ["comment", ".", "--body-file", str(report), "-m", "11"], env=env(gh))
    assert both.exit_code == 2


@pytest.mark.parametrize(("status", "headers", "data", "needles"), [
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 600)},
     {"message": "API rate limit exceeded"}, ["rate limit", "resets at", "UTC"]),
    (403, {}, {"message": "Resource not accessible by integration"}, ["403", "pull-requests: write"]),
    (404, {}, {"message": "Not Found"}, ["404", REPO, "GITHUB_REPOSITORY"]),
    (422, {}, {"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is 65536 characters)"}]},
     ["422", "body is too long", "65536"]),
])
def test_each_error_status_is_one_line_with_exit_5(gh: FakeGitHub, status, headers, data, needles) -> None:
    gh.fail = (status, headers, data)
    assert_one_line_error(run(gh, "--pr", str(PR)), EXIT_GITHUB, *needles)
    assert gh.comments[PR] == []


def test_wrong_token_is_401_and_never_printed(gh: FakeGitHub) -> None:
    wrong = "ghp_wrongTokenValue0987654321"
    result = run(gh, "--pr", str(PR), GITHUB_TOKEN=wrong)
    line = assert_one_line_error(result, EXIT_GITHUB, "rejected the token", "GITHUB_TOKEN")
    assert wrong not in line


def test_unknown_pull_request_is_404(gh: FakeGitHub) -> None:
    assert_one_line_error(run(gh, "--pr", "12345"), EXIT_GITHUB, "404")


def test_the_token_never_appears_even_when_the_server_echoes_it(gh: FakeGitHub) -> None:
    gh.fail = (500, {}, {"message": f"boom, your token was {TOKEN}"})
    line = assert_one_line_error(run(gh, "--pr", str(PR)), EXIT_GITHUB, "500", "***")
    assert TOKEN not in line
    client = GitHubClient(token=TOKEN, repository=REPO, api_url=gh.api)
    assert TOKEN not in repr(client)
    with pytest.raises(GitHubError) as caught:
        client.list_comments(PR)
    assert TOKEN not in str(caught.value) + caught.value.one_line()


def test_unreachable_server_and_timeout(gh: FakeGitHub) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    line = assert_one_line_error(run(gh, "--pr", str(PR), GITHUB_API_URL=f"http://127.0.0.1:{closed}"), EXIT_GITHUB, "cannot reach")
    assert str(closed) in line
    gh.delay = 1.0
    with pytest.raises(GitHubError) as caught:
        GitHubClient(token=TOKEN, repository=REPO, api_url=gh.api, timeout=0.2).list_comments(PR)
    assert "timed out" in caught.value.one_line() and caught.value.exit_code == EXIT_GITHUB


def test_pagination_never_follows_another_host(gh: FakeGitHub) -> None:
    client = GitHubClient(token=TOKEN, repository=REPO, api_url=gh.api)
    with pytest.raises(GitHubError, match="another host"):
        client._next_link('<https://evil.example/steal?page=2>; rel="next"')
    assert client._next_link('<https://x>; rel="prev"') is None


def test_an_oversized_report_is_cut_to_fit() -> None:
    from impact.cli_comment import _fit
    from impact.github import MAX_BODY

    fitted = _fit("line\n" * 20000)
    assert len(fitted) <= MAX_BODY and fitted.endswith("run `impact scan` locally for all of it._\n")
