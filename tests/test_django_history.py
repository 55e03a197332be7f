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


def test_migration_files_keep_their_order_and_follow_symlinks(tmp_path: Path) -> None:
    """migration_files lists with os.scandir (h17cold): regular files and symlinks to files
    count, in name order; a dangling symlink, a folder named like a module, a private module and
    a module without `class Migration` do not."""
    import os

    from impact.formats.django.discover import migration_files

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real_0003.py").write_text("class Migration(migrations.Migration):\n    pass\n")
    folder = tmp_path / "app" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0002_b.py").write_text("class Migration(migrations.Migration):\n    pass\n")
    (folder / "0001_a.py").write_text("from django.db import migrations\nclass Migration(migrations.Migration):\n    pass\n")
    (folder / "0004_helpers.py").write_text("def forwards(apps, schema_editor):\n    pass\n")
    (folder / "_0005_private.py").write_text("class Migration:\n    pass\n")
    (folder / "0006_folder.py").mkdir()
    os.symlink(elsewhere / "real_0003.py", folder / "0003_linked.py")
    os.symlink(tmp_path / "missing.py", folder / "0007_dangling.py")
    assert migration_files(folder) == [folder.resolve() / "0001_a.py", folder.resolve() / "0002_b.py",
                                       (elsewhere / "real_0003.py").resolve()]


def test_the_history_read_on_demand_is_the_history_paths(tmp_path: Path) -> None:
    """history_files.History (s12speed) reads a migration folder's module only when the walk asks:
    for every file below the repository it answers as history_paths' set, a folder holding a
    symlinked module (its target anywhere: read up front) and a module named like no step included."""
    import os

    from impact.history_files import History

    repo = tmp_path / "shop"
    shutil.copytree(FIXTURES / "apps" / "shop-django", repo)
    folders = sorted({p.parent for p in DjangoFormat().history_paths(repo, Config())})
    (folders[0] / "data_fix.py").write_text("class Migration(migrations.Migration):\n    pass\n")  # no number
    (folders[0] / "helpers.py").write_text("def forwards(apps, schema_editor):\n    pass\n")
    elsewhere = repo / "lib" / "moved.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text("class Migration(migrations.Migration):\n    pass\n")
    os.symlink(elsewhere, folders[-1] / "0998_linked.py")
    django = DjangoFormat()
    eager = {os.fspath(p) for p in django.history_paths(repo, Config())}
    lazy = History(*django.lazy_history(repo, Config()))
    walked = [os.fspath(Path(root, name)) for root, _, names in os.walk(repo.resolve()) for name in names]
    assert os.fspath(elsewhere.resolve()) in eager and any(w.endswith("data_fix.py") for w in eager)
    assert [w for w in walked if w in lazy] == [w for w in walked if w in eager]
