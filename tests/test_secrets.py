"""The GitHub token and URL credentials never print: scrubbed before truncation, in any case, in
pieces, and in every error path of `impact comment` (against the real local fake GitHub server)."""
from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner

from impact.cli import _shown, cli
from impact.github import EXIT_GITHUB
from impact.scrub import scrub
from tests.test_github_comment import PR, TOKEN, FakeGitHub, assert_one_line_error, gh, run  # noqa: F401  (gh is a fixture)


def leaks(line: str, secret: str = TOKEN, piece: int = 8) -> list[str]:
    """Every `piece`-long part of `secret` found in `line`, case-insensitively."""
    lowered = line.lower()
    return [secret[i:i + piece] for i in range(len(secret) - piece + 1) if secret[i:i + piece].lower() in lowered]


@pytest.mark.parametrize("message", [
    "x" * 290 + f" token {TOKEN} was rejected",  # near the 300-character cut: redact first, then cut
    f"bad credentials: {TOKEN.upper()}",  # echoed in another case
    f"bad credentials: {TOKEN.lower()}",
    f"bad credentials: {TOKEN[:13]} {TOKEN[13:]}",  # split by a space
    f"bad credentials: {TOKEN[:5]}\n{TOKEN[5:20]}\t{TOKEN[20:]}",  # split across lines (joined back with spaces)
    f"bad credentials: {TOKEN[:-4]}",  # cut short by the server itself
])
def test_the_token_echoed_by_the_api_never_prints(gh: FakeGitHub, message: str) -> None:
    gh.fail = (500, {}, {"message": message})
    line = assert_one_line_error(run(gh, "--pr", str(PR)), EXIT_GITHUB, "500", "**")
    assert leaks(line) == [], line
    assert len(line) < 600


def test_an_api_url_with_credentials_is_refused_without_printing_them(gh: FakeGitHub) -> None:
    for url in (f"{gh.api.replace('http://', f'http://x-access-token:{TOKEN}@')}",
                f"{gh.api.replace('http://', 'http://deploy:0therS3cretValue@')}",
                f"{gh.api.replace('http://', f'http://{TOKEN}@')}"):
        line = assert_one_line_error(run(gh, "--pr", str(PR), GITHUB_API_URL=url), 3, "carries credentials", "GITHUB_TOKEN")
        assert leaks(line) == [] and "0therS3cret" not in line and "x-access-token" not in line, line
    assert gh.requests == []  # refused before anything was sent


def test_an_invalid_api_url_is_shown_without_its_credentials(gh: FakeGitHub) -> None:
    for url in (f"ftp://x-access-token:{TOKEN}@example.test/api", f"http://x-access-token:{TOKEN}@host:notaport/api"):
        line = assert_one_line_error(run(gh, "--pr", str(PR), GITHUB_API_URL=url), 3, "invalid GitHub API URL")
        assert leaks(line) == [] and "***" in line, line


def test_cannot_reach_shows_the_url_without_the_token(gh: FakeGitHub) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    line = assert_one_line_error(run(gh, "--pr", str(PR), GITHUB_API_URL=f"http://127.0.0.1:{closed}/{TOKEN.upper()}/api"), EXIT_GITHUB, "cannot reach")
    assert leaks(line) == [] and f"127.0.0.1:{closed}/***/api" in line, line


def test_scrub_redacts_before_it_truncates() -> None:
    text = "a" * 280 + TOKEN
    assert scrub(text, [TOKEN], limit=300) == "a" * 280 + "***"
    cut = scrub("b" * 290 + " " + TOKEN + " and more", [TOKEN], limit=300)  # cut first, 9 of its characters would show
    assert cut == "b" * 290 + " *** and …"


def test_scrub_hides_url_credentials_and_dsn_passwords_but_keeps_the_rest() -> None:
    assert scrub("cannot reach https://x-access-token:abc123secret@ghe.test/api/v3: refused") == "cannot reach https://***@ghe.test/api/v3: refused"
    assert scrub("at postgresql://app:pw-value@db/x", userinfo=False) == "at postgresql://app:***@db/x"
    assert scrub("host=db password='a b' user=x") == "host=db password=*** user=x"
    assert scrub("nothing   secret\nhere", [TOKEN]) == "nothing secret here"
    assert scrub("short tok and TOK", ["tok"]) == "short *** and ***"  # short secrets: whole, any case


def test_every_printed_error_line_is_scrubbed_of_the_token(monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert leaks(_shown(f"boom {TOKEN[:10]} {TOKEN[10:]} at https://u:p4ssw0rd@h/x")) == []
    assert "p4ssw0rd" not in _shown("boom at https://u:p4ssw0rd@h/x")
    result = CliRunner().invoke(cli, ["apply", ".", "-m", "1", "--lock-timeout", TOKEN])  # an error that quotes the input
    assert result.exit_code == 2 and "is not a duration" in result.output and leaks(result.output) == [], result.output


def test_a_redirect_to_another_host_is_not_followed_with_the_token(gh: FakeGitHub) -> None:
    other = FakeGitHub()  # a second server: it must never see a request
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        gh.fail = (302, {"Location": f"http://localhost:{other.server_address[1]}/steal"}, {})
        line = assert_one_line_error(run(gh, "--pr", str(PR)), EXIT_GITHUB, "redirected to another host", "not followed")
        assert other.requests == [] and leaks(line) == []
    finally:
        other.shutdown()
        other.server_close()
