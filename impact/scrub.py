"""Remove secrets from text before it is printed: the one function every error path uses.

`scrub(text, secrets, limit)`:

1. every URL's userinfo is replaced whole (`https://***@host`): a GITHUB_API_URL like
   `https://x-access-token:TOKEN@host` carries the token as its password, and some carry it as the
   user name, so neither part is kept; passwords in DSNs and query strings go too
   (`impact.db.urls.redact`);
2. each secret is removed case-insensitively, also when whitespace splits it (a message wrapped
   across lines, or joined back with spaces), and so is any run of `FRAGMENT` or more of its
   characters (a server that echoes part of the token, or cut it off itself);
3. whitespace is collapsed to one line, and only then is the text cut to `limit` characters —
   cutting first could leave the start of a token that no longer matches whole.

Decision: over-hiding is harmless, a leak is not; so fragments are matched without regard to what
surrounds them. Secrets shorter than `FRAGMENT` are matched whole only.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.db.urls import MASK, redact

FRAGMENT = 8
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#'\"<>]*)@")


def scrub(text: str, secrets: Iterable[str | None] = (), limit: int | None = None, userinfo: bool = True) -> str:
    """`text` on one line, without `secrets`, URL credentials or DSN passwords, then cut to `limit`.

    `userinfo=False` keeps a URL's user name (hiding only its password): for database URLs, where
    the user name helps and is not a secret."""
    text = str(text)
    for secret in sorted({s.strip() for s in secrets if s and s.strip()}, key=len, reverse=True):
        text = _without(text, secret)
    if userinfo:
        text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    text = " ".join(redact(text).split())
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def _without(text: str, secret: str) -> str:
    # Whole, in any case, with any whitespace between its characters.
    chars = [re.escape(c) for c in secret if not c.isspace()]
    text = re.sub(r"\s*".join(chars), MASK, text, flags=re.IGNORECASE)
    if len(secret) < FRAGMENT:
        return text
    # Fragments: mark every position covered by a FRAGMENT-long window that occurs in the secret.
    pieces = {secret.lower()[i : i + FRAGMENT] for i in range(len(secret) - FRAGMENT + 1)}
    lowered = text.lower()
    hidden = [False] * len(text)
    for i in range(len(text) - FRAGMENT + 1):
        if lowered[i : i + FRAGMENT] in pieces:
            hidden[i : i + FRAGMENT] = [True] * FRAGMENT
    if not any(hidden):
        return text
    out, i = [], 0
    while i < len(text):
        if hidden[i]:
            while i < len(text) and hidden[i]:
                i += 1
            out.append(MASK)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
