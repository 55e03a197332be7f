"""Where apply keeps the before/after snapshots that verify and rollback compare against.

In the user's state directory (never the scanned repository), per database and migration."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from platformdirs import user_state_dir

from impact.db.urls import redact


def snapshot_dir(database_url: str, migration: str) -> Path:
    base = Path(os.environ.get("IMPACT_STATE_DIR") or user_state_dir("impact"))
    target = hashlib.sha256(redact(database_url).encode()).hexdigest()[:12]
    return base / "snapshots" / target / migration


def save(database_url: str, migration: str, before: dict, after: dict) -> Path:
    folder = snapshot_dir(database_url, migration)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("before.json", before), ("after.json", after)):
        (folder / name).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    return folder


def load_before(database_url: str, migration: str) -> dict | None:
    path = snapshot_dir(database_url, migration) / "before.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
