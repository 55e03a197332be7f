"""The parsed migration, cached by its text (issue 13).

A warm scan of an unchanged migration spent ~0.2 s importing sqlglot and pglast only to parse the
one migration it was asked about. The ParsedMigration is kept under a key made of the text, the
dialect, and the code that parses it (impact/sql, model.py, op_details.py, errors.py): any change
to the text or that code is a new key. A hit imports neither parser (impact.sql.parse is imported
only on a miss; ParsedMigration lives in impact/sql/parsed.py for that). The entry also holds what
the judge reads from each statement through pglast (tokens, calls, features: impact/sql/facts.py),
or judging the same statements would import it again.

Used for the scanned SQL migration (formats/sql.py); earlier migrations are covered by the replayed
schema's cache (impact/schema_cache.py), and framework migrations (Django, Alembic, TypeORM) are
read by their own readers, uncached. Entries are pickles in `<cache>/parsed/`, as the schema cache's
are, with the same caveat: pickle runs code when loaded, so the file must come from this user's
own cache directory (IMPACT_CACHE_DIR); a file that cannot be loaded is a miss. IMPACT_NO_CACHE=1
and `scan --no-cache` (`caching(False)`) turn it off.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar

from impact import pickle_cache
from impact.cache import _source_hash
from impact.sql import facts
from impact.sql.parsed import ParsedMigration

SUBDIR = "parsed"
# The code whose output a ParsedMigration is.
CODE = ("sql/*.py", "model.py", "op_details.py", "errors.py", "migration_cache.py")
MAX_ENTRIES = 64
_ENABLED: ContextVar[bool] = ContextVar("impact_parse_cache", default=True)


@contextmanager
def caching(enabled: bool):
    """Turn the cache off (or on) for the block: `scan(use_cache=False)` reads and writes no entry."""
    token = _ENABLED.set(enabled)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def parsed(text: str, dialect: str = "postgres") -> ParsedMigration:
    """parse_migration(text, dialect), from the cache when this text was parsed by the same code."""
    where = pickle_cache.folder(SUBDIR, _ENABLED.get())
    key = _key(text, dialect) if where is not None else None
    cached = pickle_cache.load(where, key, tuple)
    if cached is not None and len(cached) == 2 and isinstance(cached[0], ParsedMigration) and isinstance(cached[1], dict):
        facts.remember(cached[1])
        return cached[0]
    from impact.sql.parse import parse_migration  # the parsers load only on a miss

    result = parse_migration(text, dialect)
    if where is not None:
        pickle_cache.store(where, key, (result, facts.of_migration(result.statements)), keep=MAX_ENTRIES)
    return result


def _key(text: str, dialect: str) -> str:
    digest = hashlib.sha256("\0".join(("parsed", dialect, _source_hash(CODE))).encode())
    digest.update(text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()
