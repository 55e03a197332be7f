"""Prisma arguments passed through a function that forwards them to a client call.

```ts
export async function getWebsites(query, options) {
  return prisma.website.findMany({ where: ..., ...(options?.include && { include: options.include }) });
}
const websites = await getWebsites(req.query, { include: { teamWebsite: { include: { team: true } } } });
```
The `include: { teamWebsite: ... }` object is the client's argument, only built at the caller:
the relation field it names goes when its model does (umami's `team_website` drop: three such
callers). impact.orm.model_types reads relation fields inside a Prisma call; this module gives it
the spans of the objects under an `include` or `select` key in a call to a function wrapping a Prisma
query (impact.orm.wrappers) on a model that declares relations.

Decisions: only what opens under an `include:`/`select:` key of the call's arguments (a wrapper's
own option named like a relation, `updateTemplate({ templateMeta: {...} })`, is an API's field:
documenso's `templateMeta` outside calls was 35 of 98 lines right); the wrapper is any named function
whose body holds a Prisma query on one of those models' tables (one level, as impact.orm.wrappers).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from impact.model import Query
from impact.orm.mapping import OrmMap
from impact.orm.wrappers import call_pattern, wrapper_functions

_KEYED = re.compile(r"(?<![\w$.])(?:include|select)\s*:\s*\{")


def forwarding_wrappers(texts: list[tuple[str, str, bool, list[Query]]], orm: OrmMap, related: Iterable[str]) -> dict[str, str]:
    """Functions wrapping a Prisma query on a table whose model declares a relation to one of `related` (model names)."""
    related = set(related)
    owners = {m.table for m in orm.models if m.orm == "prisma" and m.table and any(f.relation in related for f in m.fields)}
    if not owners:
        return {}
    return wrapper_functions(((rel, text, [q for q in queries if q.orm == "prisma"]) for rel, text, _, queries in texts), owners)


def forwarded_spans(text: str, wrappers: dict[str, str]) -> list[tuple[int, int]]:
    """(first, last) lines of the `include: {...}` and `select: {...}` objects in calls of `wrappers` in `text`."""
    pattern = call_pattern(wrappers) if wrappers else None
    if pattern is None or pattern.search(text) is None or _KEYED.search(text) is None:
        return []
    from impact.extract.typescript.scan import scan  # only for a file calling a wrapper with such a key

    scanned = scan(text)
    spans = []
    for call in pattern.finditer(scanned.masked):
        close = scanned.closing(call.end() - 1)
        if close is None or close < call.end():
            continue
        for keyed in _KEYED.finditer(scanned.masked, call.end(), close):
            end = scanned.closing(keyed.end() - 1)
            if end is not None and end > keyed.end():
                spans.append((scanned.masked.count("\n", 0, keyed.start()) + 1, scanned.masked.count("\n", 0, end) + 1))
    return spans
