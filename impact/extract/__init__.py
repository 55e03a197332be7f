"""Extractors: one subpackage per language behind one registry (issue 8).

Each extractor declares, in an `Extractor` entry here, the files it reads (suffixes) and its own
cheap pre-filter; impact/extraction.py walks every registered suffix and asks the entry, never a
list of its own, so a new language gets its files walked, pre-filtered and parsed by adding one
module and one entry (`register`). The module (`extract(path, text) -> Extraction`) is imported
only when a file of its language must really be parsed (sqlglot and pglast take ~0.15 s to import).

The pre-filter, in order (extraction.py): a file must name an affected table, column or ORM
spelling (all languages); it is parsed when it names a table in query position, or contains one of
the entry's `parse_markers`; otherwise, when `other_query` finds a query on some other table, it is
parsed only to attribute bare column names (a Python one whose queries can only be ORM calls on
other tables' models: later, and only if that can change a name, impact/late_parses.py); otherwise
it is read for references only. An entry with
`model_markers` declares ORM model classes in its files (its module has `models_in(path, text)`):
files using those classes are parsed too, and impact.orm.resolve resolves their ORM queries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from types import ModuleType

# Some query on some table: upper-case SQL keywords (so `from x import y` is not one) or a client call.
# `\b` is written as a look-behind after the keyword's first letter: a pattern that starts with
# literals lets the regex engine skip to those letters instead of trying every position (3x faster
# over saleor's matching files; issue 13).
SQL_QUERY = r"(?:F(?<!\wF)ROM|J(?<!\wJ)OIN|I(?<!\wI)NTO|U(?<!\wU)PDATE)\s+[\"`]?[A-Za-z_]\w*"
CLIENT_CALL = r"\.(?:from|table)\(\s*[\"'`]\w"
PRISMA_CALL = r"\.\w+\.(?:findMany|findFirst|findUnique|create|update|upsert|delete|groupBy)\w*\("


class AnyOf:
    """Patterns searched one by one (as a regex's `search`): one alternation of all of them
    starts with no common literal, and was 2x slower than its parts in turn. A pattern is a regex's
    source, or an object with a `search` of its own (SqlKeywords)."""

    def __init__(self, *patterns, flags: int = 0) -> None:
        self.patterns = tuple(re.compile(p, flags) if isinstance(p, str) else p for p in patterns)

    def search(self, text: str):
        for pattern in self.patterns:
            if match := pattern.search(text):
                return match
        return None


class SqlKeywords:
    """SQL_QUERY's `search` as a truth value (a match of what follows the keyword, or None), faster:
    each upper-case keyword is found as a literal (`str.find`), and the character before it and the
    name after it are checked there. The pattern starts on any `F`, `J`, `I` or `U` and was 2/3 of
    the other-query look over saleor DROP's 7.4 MB of queued files (issue 13, s12speed: 0.039 s
    against 0.004 s; tests/test_extract_registry.py holds it to the pattern)."""

    KEYWORDS = ("FROM", "JOIN", "INTO", "UPDATE")
    _NAMED = re.compile(r"\s+[\"`]?[A-Za-z_]")
    _WORD = re.compile(r"\w")

    def search(self, text: str) -> re.Match | None:
        for keyword in self.KEYWORDS:
            at = text.find(keyword)
            while at >= 0:
                if not (at and self._WORD.match(text, at - 1)) and (named := self._NAMED.match(text, at + len(keyword))):
                    return named
                at = text.find(keyword, at + 1)
        return None


SQL_KEYWORDS = SqlKeywords()
OTHER_QUERY = AnyOf(PRISMA_CALL, SQL_KEYWORDS, CLIENT_CALL)


@dataclass(frozen=True)
class Extractor:
    name: str  # also part of every cache key of its results
    module: str  # imported on first use
    suffixes: tuple[str, ...]  # lower case, with the dot
    other_query: re.Pattern | AnyOf = OTHER_QUERY  # some query on another table: parsed to attribute bare column names
    parse_markers: tuple[str, ...] = ()  # literal text that makes a file worth parsing (Django's `models.Model`)
    model_markers: tuple[str, ...] = ()  # literal text of a file that may declare ORM model classes

    def parses(self, text: str) -> bool:
        return any(marker in text for marker in self.parse_markers)

    def may_declare_models(self, text: str) -> bool:
        return any(marker in text for marker in self.model_markers)


REGISTRY: dict[str, Extractor] = {}


@lru_cache(maxsize=1)
def _by_suffix() -> dict[str, Extractor]:
    return {suffix: extractor for extractor in REGISTRY.values() for suffix in extractor.suffixes}



def register(extractor: Extractor) -> Extractor:
    """Add (or replace) an extractor; its suffixes are walked from the next scan on."""
    REGISTRY[extractor.name] = extractor
    _by_suffix.cache_clear()
    return extractor


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)
    _by_suffix.cache_clear()


# "= models.": a Django field, in a model whose base is the project's own (saleor's ModelWithMetadata).
# ".Model": Flask-SQLAlchemy's `db.Model`, whose classes may name no table (CTFd's `class Keys(db.Model)`).
# "Column(", "mapped_column", "Mapped[": a SQLAlchemy model whose table its base in another file computes.
register(Extractor("python", "impact.extract.python", (".py", ".pyi"), parse_markers=("models.Model",),
                   model_markers=("__tablename__", "db_table", ".Model", "= models.", "Table(", "table=True",
                                  "Column(", "mapped_column", "Mapped[")))
register(Extractor("typescript", "impact.extract.typescript", (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")))
register(Extractor("sqlfiles", "impact.extract.sql", (".sql",)))


def suffixes() -> set[str]:
    """Every suffix some extractor reads: what the walk lists."""
    return set(_by_suffix())


def suffix_of(path: str) -> str:
    """The last dot of the file name on, lower-cased ("" without one): asked for every listed file."""
    dot = path.rfind(".")
    return path[dot:].lower() if dot > path.rfind("/") else ""


def extractor_of(path: str) -> Extractor | None:
    return _by_suffix().get(suffix_of(path))


def extractor_name(path: str) -> str | None:
    extractor = extractor_of(path)
    return extractor.name if extractor else None


@lru_cache(maxsize=None)
def load_extractor(name: str) -> ModuleType:
    return import_module(REGISTRY[name].module)
