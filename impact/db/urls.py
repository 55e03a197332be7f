"""Hide secrets in database URLs and DSNs before anything is printed or logged.

Every message, log line and exception that may carry a connection string goes through `redact`.
It errs on the side of hiding too much: a mangled display is harmless, a leaked password is not.
Handles libpq URLs (`postgresql://user:secret@host/db?password=x`), key=value DSNs
(`host=x password='a b'`) and free text that embeds either.
"""
from __future__ import annotations

import re
from urllib.parse import quote, unquote

MASK = "***"

# Parameter names whose values are secrets: password, sslpassword, PGPASSWORD, passwd, api_token,
# access_token, client_secret, ... Matched anywhere in the name, case-insensitively.
_SECRET_KEY = r"[\w.-]*(?:password|passwd|secret|token)[\w.-]*|pwd|pass"

# A URL inside free text: scheme://... up to the next whitespace or quote.
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")

# key = value in a DSN; the value is 'quoted' (with \' escapes) or runs to the next whitespace.
_KV_RE = re.compile(rf"(?P<key>\b(?:{_SECRET_KEY}))(?P<eq>\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)

# A secret query parameter of a URL: ?password=x or &sslpassword=y (value ends at & or #).
_QUERY_RE = re.compile(rf"(?P<lead>[?&;](?:{_SECRET_KEY})=)(?P<value>[^&#;]*)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every password/token in it replaced by ***; everything else kept."""
    if not text:
        return text
    if _starts_with_url(text):
        return _redact_url(text)  # a whole URL, possibly with (invalid) spaces in its password
    pieces = []
    last = 0
    for match in _URL_RE.finditer(text):
        pieces.append(_redact_kv(text[last : match.start()]))
        pieces.append(_redact_url(match.group(0)))
        last = match.end()
    pieces.append(_redact_kv(text[last:]))
    return "".join(pieces)


def secrets_in(conninfo: str) -> set[str]:
    """The literal secret values in a URL or DSN (raw and %-decoded), to scrub from messages that
    quote parts of it back. Values under 3 characters are left out: replacing them would mangle
    the message more than it protects."""
    found = set()
    urls = [conninfo] if _starts_with_url(conninfo) else [m.group(0) for m in _URL_RE.finditer(conninfo)]
    for url in urls:
        userinfo = _userinfo(url.partition("://")[2])[0]
        if userinfo and ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        found.update(m.group("value") for m in _QUERY_RE.finditer(url))
    if not urls:
        found.update(m.group("value").strip("'") for m in _KV_RE.finditer(conninfo))
    found |= {unquote(value) for value in found}
    return {value for value in found if len(value) >= 3}


def _starts_with_url(text: str) -> bool:
    return "\n" not in text and _URL_RE.match(text.strip()) is not None


def _redact_kv(text: str) -> str:
    return _KV_RE.sub(lambda m: f"{m.group('key')}{m.group('eq')}{MASK}", text)


def _userinfo(rest: str) -> tuple[str | None, str]:
    """Split what follows '://' into (userinfo or None, host and the rest).

    The split is at the *last* '@': a password may (wrongly, unencoded) contain '@', '/' or '?',
    and must then still be hidden whole. An '@' inside the query makes this hide the host too:
    too much, never too little.
    """
    at = rest.rfind("@")
    return (None, rest) if at < 0 else (rest[:at], rest[at + 1 :])


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    userinfo, host_and_rest = _userinfo(rest)
    if userinfo is not None and ":" in userinfo:
        rest = f"{userinfo.split(':', 1)[0]}:{MASK}@{host_and_rest}"
    rest = _QUERY_RE.sub(lambda m: m.group("lead") + MASK, rest)
    return f"{scheme}{sep}{rest}"


def with_database(url: str, database: str) -> str:
    """The libpq URL `url` pointed at another database (path replaced, query kept)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("not a URL")
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
        query = "?" + query
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{quote(database, safe='')}{query}"
