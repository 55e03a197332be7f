"""Extractors: one module per language, each exposing SUFFIXES and extract(path, text)."""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

EXTRACTOR_MODULES = ("python", "typescript", "sqlfiles")


def extractors() -> dict[str, ModuleType]:
    """Map a file suffix to the extractor module that reads it."""
    by_suffix: dict[str, ModuleType] = {}
    for name in EXTRACTOR_MODULES:
        module = import_module(f"impact.extract.{name}")
        for suffix in module.SUFFIXES:
            by_suffix[suffix] = module
    return by_suffix


def extractor_for(path: str) -> ModuleType | None:
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return extractors().get(suffix)
