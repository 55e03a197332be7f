"""A Python model's name counts where it is imported from the model's module (impact.orm.python_imports)."""
from __future__ import annotations

import pytest

from impact.pipeline import scan
from tests.conftest import make_repo
from tests.sqlalchemy_source import declarative

MODEL = declarative(("Attestation", "attestation", "    digest = Column(String)\n"))
# Another package's class of the same name (a pydantic model), next to the table's model under an alias.
SERVICES = '''from signing import Attestation
from app.attestations.models import Attestation as DatabaseAttestation


def parse(payload) -> list[Attestation]:
    return [Attestation(**item) for item in payload]


def store(session, attestation: Attestation) -> None:
    session.add(DatabaseAttestation(digest=attestation.digest))
'''
# The model through the package re-exporting it, and through a relative import.
VIEWS = '''from app.attestations import Attestation


def count(session) -> int:
    return len(list(Attestation.all(session)))
'''
RELATIVE = '''from .models import Attestation


def build() -> Attestation:
    return Attestation(digest="x")
'''


def _evidence(result) -> set[str]:
    finding = next((f for f in result.findings if f.rule_id == "dropped-table-still-used"), None)
    return {f"{e.file}:{e.line}" for e in finding.evidence} if finding else set()


@pytest.fixture(scope="module")
def dropped(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("pyimports"), {
        "migrations/001_init.sql": "CREATE TABLE attestation (id int PRIMARY KEY, digest text);\n",
        "migrations/002_drop.sql": "DROP TABLE attestation;\n",
        "server/app/__init__.py": "",
        "server/app/attestations/__init__.py": "from app.attestations.models import Attestation\n",
        "server/app/attestations/models.py": MODEL,
        "server/app/attestations/factory.py": RELATIVE,
        "server/app/services.py": SERVICES,
        "server/app/views.py": VIEWS,
    })
    return scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)


def test_another_packages_class_of_the_same_name_is_not_the_model(dropped) -> None:
    evidence = _evidence(dropped)
    assert not {"server/app/services.py:1", "server/app/services.py:5", "server/app/services.py:6",
                "server/app/services.py:9"} & evidence


def test_the_model_imported_under_an_alias_is_named_by_the_alias(dropped) -> None:
    assert {"server/app/services.py:2", "server/app/services.py:10"} <= _evidence(dropped)


def test_the_model_re_exported_by_its_package_or_imported_relatively_is_the_model(dropped) -> None:
    evidence = _evidence(dropped)
    assert {"server/app/attestations/__init__.py:1", "server/app/views.py:1", "server/app/views.py:5"} <= evidence
    assert {"server/app/attestations/factory.py:1", "server/app/attestations/factory.py:4", "server/app/attestations/factory.py:5"} <= evidence


OTHER_APP = declarative(("Attestation", "signing_attestation", "    digest = Column(String)\n"))


def test_the_model_through_its_imported_module_is_the_model(tmp_path) -> None:
    """wagtail's tests named the dropped `wagtailsearch_query` as `models.Query` only; another app's
    module declaring its own `Attestation` (search_promotions' `Query`) is not the model's."""
    repo = make_repo(tmp_path, {
        "migrations/001_init.sql": "CREATE TABLE attestation (id int PRIMARY KEY, digest text);\n",
        "migrations/002_drop.sql": "DROP TABLE attestation;\n",
        "app/__init__.py": "", "app/attestations/__init__.py": "", "app/attestations/models.py": MODEL,
        "app/signing/__init__.py": "", "app/signing/models.py": OTHER_APP,
        "app/audit.py": "from app.attestations import models\n\n\ndef kinds():\n    return [models.Attestation]\n",
        "app/aliased.py": "import app.attestations.models as m\n\n\ndef kinds():\n    return m.Attestation\n",
        "app/other.py": "from app.signing import models\n\n\ndef kinds():\n    return [models.Attestation]\n",
    })
    result = scan(repo, str(repo / "migrations/002_drop.sql"), use_cache=False)
    evidence = _evidence(result)
    assert {"app/audit.py:5", "app/aliased.py:5"} <= evidence
    assert not any(e.startswith("app/other.py") for e in evidence)


def test_import_statements_are_read_alone_with_the_files_line_numbers() -> None:
    """Only the import statements are parsed (not the whole file, on every scan): their lines are
    the file's, a function's local import included, a parenthesised one spanning its lines."""
    from impact.orm.python_imports import import_statements

    text = ('"""Doc."""\nfrom app.models import (\n    Query,\n    Other as O,\n)\n\n\ndef f():\n'
            '    from search.models import Query\n    import search.models as sm\n    return Query\n')
    found = [(type(n).__name__, n.lineno, n.end_lineno, [(a.name, a.asname) for a in n.names]) for n in import_statements(text)]
    assert found == [("ImportFrom", 2, 5, [("Query", None), ("Other", "O")]),
                     ("ImportFrom", 9, 9, [("Query", None)]),
                     ("Import", 10, 10, [("search.models", "sm")])]
