"""What each file yields, cached by content hash in the user's cache directory.

A re-scan of an unchanged repo then parses nothing. Entries are small pickles, each a row of one
SQLite file (`extractions/entries.sqlite`, impact.cache_store: a file per entry cost a cold scan an
inode each), committed as they are put. The cache is an optimisation only: a
corrupt or unreadable entry is a miss, and an unwritable directory silently turns caching off.

A warm scan of a large repo would still open thousands of entries, so each scan also leaves a
pack (`packs/<name>.pickle`) of exactly the entries it read or wrote; the next scan with the same
pack name reads that one file and falls back to single entries for keys it lacks (not for those its
scan found nowhere: MISSES). Packs hold
copies keyed by the same content hashes, so a stale pack costs a miss, never a wrong answer; only
the MAX_PACKS most recently written are kept.

Decision (issue 13): a pack holds each value pickled, not its JSON form. Loading the JSON pack and
rebuilding its dataclasses was 35 ms of a 0.5 s warm scan of a 5k-file repo; unpickling the same
values takes 11 ms. Each value is pickled on its own when it is put or read (so a caller changing
an object it got cannot change the pack) and unpickled on each get (a fresh object every time).
Pickled objects are bound to their classes' code: every key covers the code defining the value
(cache_key: model.py and the extractors; content_key: the `code` given), and the pack name adds
_code_fingerprint, so a pack made by other code is never read as this one's. Pickle runs code
when loaded: packs live only in this user's cache directory, as impact.pickle_cache's entries do.
The single entries are the same pickles since h17cold: a cold scan of saleor spent ~0.17 s CPU
encoding 188 extractions to JSON (`encode`, pure Python) on top of the pickling the pack needs
anyway. JSON (`<key>.json`, a file) is still written for a value pickle cannot hold, and read when
the database has no entry, as are the entry files of the layout before h22cold
(`extractions/a/<key>.pickle`; entries of earlier versions whose key did not change).

Environment: `IMPACT_CACHE_DIR` moves the cache, `IMPACT_NO_CACHE=1` turns it off; otherwise it is
`platformdirs.user_cache_dir("impact")`, which honours `XDG_CACHE_HOME`.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
import re
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any, Callable

import impact
from impact import source_digest
from impact.cache_dir import default_cache_dir
from impact.cache_store import EntryStore
from impact.cache_files import prune_oldest, write_atomically as _write_atomically  # noqa: F401 - used by the other caches too
from impact.model import Extraction, FileIssue, Query

# Bump when an extractor's output changes for the same input (a bug fix, a new field filled in)
# without a release: the package version is in every key too, so releases invalidate on their own,
# and the extractors' own source is hashed into every key (see _code_fingerprint) for checkouts.
EXTRACTOR_SCHEMA = 1

ENTRIES_SUBDIR = "extractions"
PACKS_SUBDIR = "packs"
PACK_SUFFIX = ".pickle"
ENTRY_SUFFIX = ".pickle"
JSON_SUFFIX = ".json"  # the entries' earlier form, and that of a value pickle cannot hold
MAX_PACKS = 32  # one per (repo, migration's names) scanned lately; the oldest go first
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# A pack's entry listing the keys its scan found nowhere (never a key: not 64 hex digits). The next
# scan with that pack does not look for them in the entries' database: a warm scan's misses (the
# files late_parses.py defers) then open no database. Stale when another scan has put one since:
# a parse more, never a wrong answer.
MISSES = "misses"


def _model_fingerprint() -> str:
    """The shape of the cached classes: adding or retyping a field makes older entries misses."""
    shapes = []
    for cls in (Extraction, Query, FileIssue):
        shapes.append(cls.__name__ + ":" + ",".join(f"{f.name}={f.type}" for f in dataclasses.fields(cls)))
    return ";".join(shapes)


MODEL_FINGERPRINT = _model_fingerprint()


# What the cached extractions depend on, besides model.py's shapes: `extract/**`, as extractors are
# packages too (extract/python/); names relative to the package, as two modules may share one.
CODE_PATTERNS = ("extract/**/*.py", "sql/*.py", "model.py", "extraction.py")


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """A hash of the code that produces extractions: in a working checkout, editing an extractor
    must not leave results of the old code in the cache (a stale cache once hid real queries).
    Hashed by content, remembered by size and mtime (impact.source_digest)."""
    listed = sorted(source_digest.files(_package(), CODE_PATTERNS), key=lambda item: item[0].split("/"))
    return source_digest.digest("code", listed, [rel.encode() for rel, _ in listed])


def _package() -> str:
    return os.path.dirname(os.path.realpath(impact.__file__))


def cache_key(text: str, extractor_name: str, file: str) -> str:
    """The key of what `extractor_name` yields for `text` at repo-relative path `file`.

    `file` is part of the key because every Query and FileIssue records its file: two files with
    identical content must not share an entry, or the second would report the first one's path.
    """
    digest = hashlib.sha256()
    header = "\0".join((str(EXTRACTOR_SCHEMA), impact.__version__, MODEL_FINGERPRINT, _code_fingerprint(), extractor_name, file))
    digest.update(header.encode("utf-8", errors="surrogateescape"))  # a file name need not be UTF-8
    digest.update(b"\0")
    digest.update(text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def content_key(kind: str, parts: list[tuple[str, str]], code: tuple[str, ...] = ()) -> str:
    """The key of a value computed from several files ((path, text) pairs) by the modules `code`
    (paths relative to the package): any change to a file or to that code is a new key."""
    digest = hashlib.sha256()
    digest.update("\0".join((str(EXTRACTOR_SCHEMA), impact.__version__, kind, _source_hash(code))).encode())
    for rel, text in sorted(parts):
        digest.update(b"\1" + rel.encode("utf-8", errors="surrogateescape") + b"\0")
        digest.update(text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _source_hash(code: tuple[str, ...]) -> str:
    """A hash of the modules `code` names (globs relative to the package), by their file names and
    content; remembered by size and mtime (impact.source_digest)."""
    listed = source_digest.files(_package(), code)
    return source_digest.digest("source", listed, [os.path.basename(rel).encode() for rel, _ in listed])


class ExtractionCache:
    """get/put of Extractions by `cache_key`. Never raises for anything the file system does."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True, pack: str | None = None):
        """`directory` None: from the environment (see module doc). `enabled=False`: a no-op cache.
        `pack`: the name of this run's pack (see module doc), None for none."""
        root = directory if directory is not None else default_cache_dir()
        self.directory: Path | None = root / ENTRIES_SUBDIR if (enabled and root is not None) else None
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._pack_path = root / PACKS_SUBDIR / f"{_pack_file_name(pack)}{PACK_SUFFIX}" if (pack and self.directory) else None
        self._packed: dict[str, bytes] | None = None  # the pack as read, loaded on the first get
        self._used: dict[str, bytes] = {}  # pickled entries this run read or wrote, for the next pack
        self._written = False  # an entry was put: the pack is rewritten even if its keys are the same
        self._store = EntryStore(self.directory) if self.directory is not None else None  # impact.cache_store
        self._missed: set[str] = set()  # keys this run found nowhere and did not put, for the next pack
        self._known_misses: frozenset[str] = frozenset()  # those of the run that wrote the pack

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def get(self, key: str, hint: Any = Extraction) -> Any:
        """The entry of `key` decoded as `hint` (an Extraction unless said otherwise), None on a miss."""
        value = None
        if self.directory is not None:
            packed = self._pack().get(key) if self._pack_path else None
            value = _unpickled(hint, packed) if packed is not None else None
            if value is None and key in self._known_misses:  # missed by the last scan too: no lookup
                self._missed.add(key)
            elif value is None:
                value, packed = self._load(key, hint)
                if value is None:
                    self._missed.add(key)
                if packed is None and value is not None and self._pack_path:
                    packed = _pickled(value)  # an entry of the JSON form
            if packed is not None:
                self._used[key] = packed
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        if self.directory is None:
            return
        packed = _pickled(value)
        self._missed.discard(key)
        if packed is not None and self._pack_path:
            self._used[key] = packed
            self._written = True
        try:
            if packed is not None:  # one row of the entries' database (impact.cache_store), not a file
                self._store.put(self._checked(key), packed)
            else:  # a value pickle cannot hold: its JSON form, a file
                data = json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
                _write_atomically(self._entry_path(key, JSON_SUFFIX), data)
            self.writes += 1
        except OSError:
            # Read-only, full, or not a directory: caching is off for the rest of this run rather
            # than failing once per file.
            self.directory = None
            self._store.close()

    def save_pack(self) -> None:
        """Write this run's pack, unless it holds exactly what the last one did (a warm rescan)."""
        if self._pack_path is None or self.directory is None or not self._used:
            return
        if not self._written and self._packed is not None and self._packed.keys() == self._used.keys() \
                and self._missed == self._known_misses:
            return
        entries = {**self._used, MISSES: "".join(sorted(self._missed)).encode()} if self._missed else self._used
        data = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_atomically(self._pack_path, data)
            # *.json: packs of the earlier format, pruned with the rest
            packs = sorted([*self._pack_path.parent.glob(f"*{PACK_SUFFIX}"), *self._pack_path.parent.glob("*.json")],
                           key=lambda p: p.stat().st_mtime, reverse=True)
            for old in packs[MAX_PACKS:]:
                old.unlink()
        except OSError:
            pass  # a pack is an optimisation: the single entries are still there

    def _pack(self) -> dict[str, bytes]:
        if self._packed is None:
            try:
                loaded = pickle.loads(self._pack_path.read_bytes())
            except Exception:  # noqa: BLE001 - missing, truncated, from other code: no pack
                loaded = {}
            self._packed = loaded if isinstance(loaded, dict) else {}
            misses = self._packed.pop(MISSES, b"")
            if isinstance(misses, bytes) and misses.isascii():
                text = misses.decode()
                self._known_misses = frozenset(text[i:i + 64] for i in range(0, len(text), 64))
        return self._packed

    def _load(self, key: str, hint: Any) -> tuple[Any, bytes | None]:
        """The entry's value and, for a pickled one, its bytes (the pack's form); (None, None) on a miss.
        The entries' database first, then an entry file of the earlier layout (pickle, then JSON)."""
        raw = self._store.get(self._checked(key))
        if raw is None:
            try:
                raw = self._entry_path(key).read_bytes()
            except OSError:
                raw = None
        if raw is not None:  # a pickle that does not load is a miss, with no look at the JSON form
            value = _unpickled(hint, raw)
            return (value, raw) if value is not None else (None, None)
        try:
            encoded = json.loads(self._entry_path(key, JSON_SUFFIX).read_bytes())
        except (OSError, ValueError):
            return None, None
        return _decoded(hint, encoded), None

    def _entry_path(self, key: str, suffix: str = ENTRY_SUFFIX) -> Path:
        """An entry file: a JSON one, or a pickle of the layout before impact.cache_store (read only)."""
        assert self.directory is not None
        # One hex digit of fan-out for the pickles, the two of the JSON entries' layout for those.
        return self.directory / self._checked(key)[:2 if suffix == JSON_SUFFIX else 1] / f"{key}{suffix}"

    @staticmethod
    def _checked(key: str) -> str:
        if not KEY_PATTERN.match(key):
            raise ValueError(f"not a cache key: {key!r}")  # a programming error, never the file system's
        return key


def _pickled(value: Any) -> bytes | None:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a value pickle cannot hold stays out of the pack (its entry is there)
        return None


def _unpickled(hint: Any, data: Any) -> Any:
    """A pack's value, if it is one of `hint`'s type (a list[...] hint: a list); None otherwise."""
    try:
        value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - corrupt, or a class that is gone: a miss
        return None
    expected = _expected_types(hint)
    return value if expected is not None and isinstance(value, expected) else None


@functools.cache
def _expected_types(hint: Any) -> tuple[type, ...] | None:
    """The classes a value of `hint` is an instance of (list[X]: list; X | None: X and NoneType),
    None when isinstance cannot tell (a value of such a hint is never read from a pickle)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [_expected_types(arg) for arg in typing.get_args(hint)]
        return None if None in members else tuple(t for m in members for t in m)
    expected = typing.get_origin(hint) or hint
    return (expected,) if isinstance(expected, type) else None


def _decoded(hint: Any, encoded: Any) -> Any:
    try:
        return decode(hint, encoded)
    except Exception:  # any corruption at all (truncated JSON, wrong shapes): a miss, not a crash
        return None


def _pack_file_name(name: str) -> str:
    # The code fingerprint too: pickled values are read back only by the code that made them.
    return hashlib.sha256(f"{_code_fingerprint()}\0{name}".encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


# --- JSON form of the model -------------------------------------------------------------------
# Generic over dataclasses, so a field added to Query needs no change here. Fields at their default
# value are left out: most queries leave most fields at their default, and entries stay small.


def encode(value: Any) -> Any:
    """A JSON-ready form of a model value (dataclass, enum, tuple, list, dict or scalar)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _is_default(f, getattr(value, f.name))
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def _is_default(f: dataclasses.Field, value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return value == f.default and type(value) is type(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return value == f.default_factory()
    return False


def decode(hint: Any, data: Any) -> Any:
    """Rebuild a value of type `hint` from its `encode`d form; raises on anything that does not fit."""
    return _decoder(hint)(data)


def _identity(data: Any) -> Any:
    return data


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """The decoding function of one type, built once: a warm scan decodes tens of thousands of
    values, and working the type out again for each (typing.get_origin, get_type_hints) was most
    of its cost."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) != 1:
            return _identity
        inner = _decoder(members[0])
        return _identity if inner is _identity else (lambda data: None if data is None else inner(data))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        members = hint._value2member_map_  # a dict lookup: calling the Enum class is ten times slower
        return lambda data: members[data] if isinstance(data, (str, int)) and data in members else hint(data)
    if origin in (tuple, list):
        item = _decoder(_item_type(hint))
        if item is _identity:
            return tuple if origin is tuple else list
        return (lambda data: tuple([item(x) for x in data])) if origin is tuple else (lambda data: [item(x) for x in data])
    return _identity


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = _field_types(cls)
    fields: dict[str, Callable | None] = {}

    def decode_instance(data: Any) -> Any:
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__} entry is not an object")
        if not fields:  # filled on first use: a recursive dataclass refers to its own decoder
            fields.update({name: (None if (d := _decoder(t)) is _identity else d) for name, t in hints.items()})
        values = {}
        for name, value in data.items():
            d = fields[name]  # KeyError: a field this model does not have (another version's entry)
            values[name] = value if d is None else d(value)
        return cls(**values)

    return decode_instance


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _item_type(hint: Any) -> Any:
    args = [arg for arg in typing.get_args(hint) if arg is not Ellipsis]
    return args[0] if args else Any
