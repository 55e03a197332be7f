"""Run impact's translation of every Django migration of a project on a real PostgreSQL, in order,
and count the statements PostgreSQL refuses (a check that the generated DDL is valid SQL with the
right names, beyond parsing it).

    python bench/django_apply_check.py REPO DATABASE_URL

Each migration runs in a savepoint; a refused statement is reported (first 10) and skipped.
RunPython placeholders run as the empty DO blocks they are. Nothing of the project is imported.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from impact.formats.django.discover import all_in_order, load_project  # noqa: E402
from impact.formats.django.reader import translate  # noqa: E402
from impact.formats.django.state import CONTRIB_MODELS, ProjectState  # noqa: E402
from impact.model import OpKind  # noqa: E402


def main(repo: Path, url: str) -> None:
    project = load_project(repo.resolve())
    state = ProjectState(user_model=project.user_model, field_aliases=project.field_aliases)
    ran = refused = 0
    shown = []
    with psycopg.connect(url, autocommit=True) as conn:
        for ext in ("hstore", "pg_trgm", "btree_gin", "citext", "unaccent"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        for label, table in CONTRIB_MODELS.items():  # django.contrib's tables, unless the repo has that app's migrations
            if label.split(".")[0] not in project.folders and (label != "auth.user" or project.user_model == "auth.User"):
                conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (id integer PRIMARY KEY)")
        for node in all_in_order(project):
            parsed, _ = translate(node, state, project.repo)
            unknown = {op.statement.index for op in parsed.operations if op.kind is OpKind.UNKNOWN}
            for st in parsed.statements:
                if st.index in unknown:
                    continue
                try:
                    conn.execute(st.sql)
                    ran += 1
                except psycopg.Error as exc:
                    refused += 1
                    if len(shown) < 10:
                        shown.append(f"{node.app}.{node.name}: {str(exc).splitlines()[0][:150]}")
    print(f"{repo.name}: {ran} statements ran, {refused} refused")
    for line in shown:
        print("  " + line)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
