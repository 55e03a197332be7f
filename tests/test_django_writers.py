"""Django writers of a model no file names by its table: an ADD NOT NULL finds them through the models module."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo

MODELS = "from django.db import models\n\n\nclass Ticket(models.Model):\n    title = models.CharField(max_length=200)\n"
WRITES = "from tickets.models import Ticket\n\n\ndef open_ticket(title):\n    return Ticket.objects.create(title=title)\n"
ADD = "ALTER TABLE tickets_ticket ADD COLUMN channel text NOT NULL;\n"


def test_an_add_not_null_finds_the_writers_of_a_model_no_file_names_by_table(tmp_path) -> None:
    repo = make_repo(tmp_path, {"tickets/models.py": MODELS, "tickets/writes.py": WRITES,
                                "migrations/0001_init.sql": "CREATE TABLE tickets_ticket (id serial PRIMARY KEY, title text NOT NULL);\n",
                                "migrations/0002_channel.sql": ADD})
    result = scan(repo, "2", use_cache=False)
    finding, = [f for f in result.findings if f.rule_id == "insert-omits-required-column"]
    assert [(e.file, e.line) for e in finding.evidence] == [("tickets/writes.py", 5)]


def test_an_app_labelled_in_its_config_is_found(tmp_path) -> None:
    repo = make_repo(tmp_path, {"helpdesk/models.py": MODELS, "helpdesk/writes.py": WRITES.replace("tickets.models", "helpdesk.models"),
                                "helpdesk/apps.py": "from django.apps import AppConfig\n\n\nclass Config(AppConfig):\n    name = 'helpdesk'\n    label = 'tickets'\n",
                                "migrations/0001_init.sql": "CREATE TABLE tickets_ticket (id serial PRIMARY KEY, title text NOT NULL);\n",
                                "migrations/0002_channel.sql": ADD})
    result = scan(repo, "2", use_cache=False)
    assert any(f.rule_id == "insert-omits-required-column" for f in result.findings)
