"""The schema before a migration, cached by the earlier migrations' content (issue 13).

Replaying a repo's earlier SQL migrations means parsing every one with sqlglot and pglast: with 300
of them that was most of a warm scan, done again on every run. The replayed Catalog is kept under
a key made of the earlier migrations' paths and texts (in run order), the dialect, and the code that
parses and replays them (impact/sql, judge/catalog.py, model.py, formats/sql.py): any change to a
migration, its order, or that code is a new key. The earlier migrations are then never parsed
(formats/sql.py reads them lazily: `LazyEarlier`).

Only SQL migrations are cached this way (a framework's earlier migrations are read by its own
reader). The entry is a pickle in `<cache>/schemas/`: the Catalog holds sets and tuples that JSON
would not give back as they were. Pickle runs code when loaded, so the file must come from this
user's own cache directory, as the rest of the cache does (IMPACT_CACHE_DIR); a file that cannot
be loaded is a miss. IMPACT_NO_CACHE=1 turns this off with the rest.
"""
from __future__ import annotations

import hashlib

from impact import pickle_cache
from impact.cache import _source_hash
from impact.judge.catalog import Catalog, replay

SUBDIR = "schemas"
# The code whose output the cached Catalog is: parsing, operations, the replay itself.
CODE = ("sql/*.py", "judge/catalog.py", "model.py", "formats/sql.py", "formats/base.py", "schema_cache.py")


def replayed(earlier: tuple, dialect: str, use_cache: bool = True) -> Catalog:
    """The schema `earlier` (EarlierMigration-like, in run order) leaves behind."""
    where = pickle_cache.folder(SUBDIR, use_cache)
    key = _key(earlier, dialect) if where is not None else None
    catalog = pickle_cache.load(where, key, Catalog)
    if catalog is None:
        catalog = replay([(e.display, list(e.parsed.operations)) for e in earlier])
        pickle_cache.store(where, key, catalog)
    return catalog


def _key(earlier: tuple, dialect: str) -> str | None:
    """None when some earlier migration's text is not known without parsing it (not SQL)."""
    if not earlier or not all(isinstance(getattr(e, "text", None), str) for e in earlier):
        return None
    digest = hashlib.sha256("\0".join(("schema", dialect, _source_hash(CODE))).encode())
    for e in earlier:
        digest.update(b"\1" + e.display.encode("utf-8", errors="surrogateescape") + b"\0")
        digest.update(e.text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()
