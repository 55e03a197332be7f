"""Run inside a Django project (cwd) with SHOP_DB_* set: for every migration of the project, in
Django's own plan order, print what `manage.py sqlmigrate` says, then apply it (later migrations
introspect the database when they alter a field). Prints one JSON object {"app.name": sql}.

The test suite runs this as a subprocess so Django's settings never enter the pytest process.
"""
import io
import json
import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

apps = sys.argv[1:]
executor = MigrationExecutor(connection)
targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] in apps]
plan = [m for m, _ in executor.migration_plan(targets, clean_start=True)]
out = {}
for migration in plan:
    if migration.app_label in apps:
        buffer = io.StringIO()
        call_command("sqlmigrate", migration.app_label, migration.name, stdout=buffer)
        out[f"{migration.app_label}.{migration.name}"] = buffer.getvalue()
    call_command("migrate", migration.app_label, migration.name, verbosity=0)
print(json.dumps(out))
