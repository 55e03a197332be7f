"""Extractors: one module per language, each exposing SUFFIXES and extract(path, text).

Suffixes are declared here so the walk and the cache need no import: an extractor module (libcst
alone takes ~1 s to import) is loaded only when a file of its language must really be parsed.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from types import ModuleType

EXTRACTOR_BY_SUFFIX = {
    ".py": "python", ".pyi": "python",
    ".ts": "typescript", ".tsx": "typescript", ".js": "typescript", ".jsx": "typescript",
    ".mjs": "typescript", ".cjs": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".sql": "sqlfiles",
}


def suffix_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def extractor_name(path: str) -> str | None:
    return EXTRACTOR_BY_SUFFIX.get(suffix_of(path))


@lru_cache(maxsize=None)
def load_extractor(name: str) -> ModuleType:
    return import_module(f"impact.extract.{name}")
