"""The code walk leaves out Django's migration history without parsing it (issue 13)."""
from __future__ import annotations

import shutil
from pathlib import Path

from impact.config import Config
from impact.formats.django import DjangoFormat
from tests.conftest import FIXTURES


def test_history_paths_are_the_migrations_and_the_unparsable_ones(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    shutil.copytree(FIXTURES / "apps" / "shop-django", repo)
    django = DjangoFormat()
    parsed = set(django.all_migrations(repo, Config()))
    assert parsed and set(django.history_paths(repo, Config())) == parsed
    # A migration that does not parse is still history, never code evidence.
    folder = next(iter(parsed)).parent
    broken = folder / "0999_broken.py"
    broken.write_text("class Migration(migrations.Migration:\n", encoding="utf-8")
    assert broken.resolve() in set(django.history_paths(repo, Config()))
    assert broken.resolve() not in set(django.all_migrations(repo, Config()))
