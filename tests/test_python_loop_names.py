"""A loop's variable named after a field is not the field (impact.extract.python.local_names)."""
from __future__ import annotations

import pytest

from impact.extract.python.local_names import local_name_lines
from impact.pipeline import scan
from tests.conftest import make_repo

MODEL = '''from django.db import models


class Grant(models.Model):
    grant_kind = models.CharField(max_length=20)
'''
USES = '''def grant_all(group, page, make):
    for grant_kind in ["add", "change", "publish"]:
        make(group=group, page=page, grant_kind=grant_kind)
    return [describe(grant_kind) for grant_kind in ("a", "b")]


def describe(grant_kind):
    return grant_kind.upper()


def read(grant):
    grant_kind = grant.grant_kind
    return grant_kind
'''


def test_loop_variables_are_told_from_parameters_and_assignments() -> None:
    # line 3 names `grant_kind` as a keyword too; parameters (7, 8) and assignments (12, 13) are left alone
    assert local_name_lines(USES, "grant_kind") == frozenset({2, 4})


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("loopnames"), {
        "migrations/001_init.sql": "CREATE TABLE perms_grant (id serial PRIMARY KEY, grant_kind text);\n",
        "migrations/002_drop.sql": "ALTER TABLE perms_grant DROP COLUMN grant_kind;\n",
        "perms/__init__.py": "",
        "perms/models.py": MODEL,
        "perms/uses.py": USES,
    })
    return scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)


def test_a_loop_variable_is_no_evidence_for_the_field(dropped) -> None:
    told = {r.line for r in dropped.references if r.file == "perms/uses.py" and r.table}
    assert not {2, 4} & told
    assert 3 in told  # the keyword `grant_kind=` is still the field's
