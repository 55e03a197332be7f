"""Where impact's cache lives, by the environment: its own module so that the command line can
find it before importing anything that creates dataclasses (impact.code_cache)."""
from __future__ import annotations

import os
from pathlib import Path

TRUTHY = {"1", "true", "yes", "on"}


def default_cache_dir() -> Path | None:
    """Where the cache lives according to the environment, None when it is turned off."""
    if os.environ.get("IMPACT_NO_CACHE", "").strip().lower() in TRUTHY:
        return None
    override = os.environ.get("IMPACT_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs  # only here: with IMPACT_CACHE_DIR set it is not needed (it imports tempfile, shutil...)

    return Path(platformdirs.user_cache_dir("impact", appauthor=False))
