"""The ORM and query-builder call readers of TypeScript/JavaScript: one module per ORM.

Each module `<orm>.py` here exposes `extract_<orm>(scanned, path, language) -> list[Query]`, reading
the calls in the output of the TypeScript scanner (impact/extract/typescript/scan.py); READERS
finds them by that name, so adding an ORM is this one module plus one fixture app (and, if the ORM
declares models in its own files, a declaration reader in impact/orm/).

Why here and not in an `impact/extract/orm/` shared by every language: a call reader depends on its
language's scanner and call helpers (typescript/calls.py), not on the other languages' ORMs, and
the Python ORMs (SQLAlchemy, Django) are read inside the Python extractor's own tree walk. The
layer every language shares — the ORM's declarations, naming conventions and the resolution of
model names to tables — is impact/orm/.
"""
from __future__ import annotations

import pkgutil
from functools import lru_cache
from importlib import import_module
from typing import Callable


# The order queries on one line are listed in (the reports' order before the registry); an ORM
# added later comes after these, by name.
FIRST = ("prisma", "typeorm", "drizzle", "kysely", "knex", "sequelize")


@lru_cache(maxsize=1)
def readers() -> tuple[Callable, ...]:
    """`extract_<orm>` of every module of this package."""
    found = []
    names = sorted((info.name for info in pkgutil.iter_modules(__path__)), key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))
    for name in names:
        module = import_module(f"{__name__}.{name}")
        reader = getattr(module, f"extract_{name}", None)
        if reader is None:  # a programming error: the module breaks the convention above
            raise ImportError(f"{module.__name__} has no extract_{name}(scanned, path, language)")
        found.append(reader)
    return tuple(found)
