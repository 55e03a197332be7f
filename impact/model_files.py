"""Files that may declare the ORM model of a table the code never spells.

Django names a model's table `<app_label>_<model name, lower case>` unless `Meta.db_table` says
otherwise, and the app label defaults to the app's folder name. A migration on `tickets_ticket`
therefore changes a model that `tickets/models.py` (or a module of `tickets/models/`) declares as
`class Ticket`, a file that names neither the table nor, for an ADD COLUMN, the new column: the
pre-filter looks for changed names and would never read it, so no code using `Ticket` would be
looked at. These paths are read as possible model declarations (issue 8).

Known limit: an app whose label is set in its AppConfig (`label = "shop"`) to something other
than its folder name is not found this way (only through a file naming the table or a column).
"""
from __future__ import annotations

import re


def convention_model_paths(tables: list[str]) -> re.Pattern[str] | None:
    """A pattern matching the repo-relative paths of the model modules of every app whose label is a
    `_`-separated prefix of one of `tables` (`tickets_ticket` -> `tickets/models.py`)."""
    apps = {table[:at] for table in tables for at in _underscores(table.lower()) if 0 < at < len(table) - 1}
    if not apps:
        return None
    names = "|".join(sorted(map(re.escape, apps)))
    return re.compile(rf"(?:^|/)(?:{names})/models(?:\.py|/[^/]+\.py)$")


def _underscores(table: str) -> list[int]:
    return [i for i, char in enumerate(table) if char == "_"]
