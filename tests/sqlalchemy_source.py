"""SQLAlchemy declarative model modules for tests that scan a small repository."""
from __future__ import annotations


def declarative(*models: tuple[str, str, str], names: str = "Column, Integer, String") -> str:
    """A module declaring each (class, table, its column lines) model with an `id` primary key,
    `from sqlalchemy import <names>` first."""
    head = f"from sqlalchemy import {names}\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
    classes = "".join(f'\n\nclass {name}(Base):\n    __tablename__ = "{table}"\n    id = Column(Integer, primary_key=True)\n{body}'
                      for name, table, body in models)
    return head + classes
