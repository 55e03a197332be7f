"""Where a TypeScript/JavaScript class's body is, found on the scanner's masked text."""
from __future__ import annotations

import re

from impact.extract.typescript.scan import Scanned


def class_body(scanned: Scanned, name: str) -> tuple[int, int] | None:
    """Where the body of `class <name> extends ...` opens and closes, its heritage's type arguments
    skipped (`extends Model<InferAttributes<Collective, { omit: "info" }>> {`)."""
    head = re.search(rf"\bclass\s+{re.escape(name)}\b", scanned.masked)
    if head is None:
        return None
    at, angles, masked = head.end(), 0, scanned.masked
    while at < len(masked):
        char = masked[at]
        if char == "<":
            angles += 1
        elif char == ">" and masked[at - 1] != "=":
            angles -= 1
        elif char in ";}":
            return None
        elif char == "{":
            closing = scanned.closing(at)
            if closing is None:
                return None
            if angles <= 0:
                return at, closing
            at = closing  # a type literal among the type arguments
        at += 1
    return None


def class_bodies(scanned: Scanned) -> list[tuple[int, int, str]]:
    """(body start, body end, name) of every class, the innermost (last opened) first."""
    found = []
    for name in dict.fromkeys(re.findall(r"\bclass\s+([A-Za-z_$][\w$]*)", scanned.masked)):
        body = class_body(scanned, name)
        if body is not None:
            found.append((*body, name))
    return sorted(found, key=lambda c: -c[0])
