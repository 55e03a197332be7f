"""Django and Alembic migrations -> the DROP/RENAME events mine.py records (bench/accuracy).

Django: `RemoveField`/`RenameField`/`DeleteModel`/`RenameModel` in `migrations/NNNN_*.py`, read
with impact's own migration reader (`formats/django/pyread.py`): `SeparateDatabaseAndState`'s
state-only removals are not events, a name computed at run time is skipped. A Django foreign key
is spelled both `author` and `author_id`. Alembic: `op.drop_column`/`op.alter_column(...,
new_column_name=)`/`op.drop_table`/`op.rename_table` (and `batch_op.*`) in `upgrade()`, read with
regular expressions (a name built at run time is taken as written). Each event carries its
equivalent SQL (`django_sql`), which measure.py scans with --synthesized-sql.
"""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from impact.formats.django.pyread import Call, read_tree


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True,
                          errors="replace").stdout


# --- Django: RemoveField / RenameField / DeleteModel / RenameModel -------------------------------

def django_operations(text: str, path: str = "migration.py") -> list[dict]:
    """RemoveField/RenameField/DeleteModel/RenameModel calls of a migration, read with impact's own
    Django reader (pyread). A `SeparateDatabaseAndState` contributes its `database_operations` only:
    its `state_operations` remove a field from the model state and leave the column in place."""
    try:
        module = read_tree(ast.parse(text), text, Path(path))
    except SyntaxError:
        return []
    ops: list[dict] = []
    for op in module.operations:
        _django_collect(op.value, ops)
    return ops


def _django_collect(call, ops: list[dict]) -> None:
    if not isinstance(call, Call):
        return
    if call.short == "SeparateDatabaseAndState":
        database_ops = call.arg(0, "database_operations", []) or []
        for inner in database_ops if isinstance(database_ops, (list, tuple)) else []:
            _django_collect(inner, ops)
        return
    if call.short in ("RemoveField", "RenameField"):
        names = {"model_name": call.arg(0, "model_name"), "name": call.arg(1, "name") if call.short == "RemoveField" else None,
                 "old_name": call.arg(1, "old_name") if call.short == "RenameField" else None,
                 "new_name": call.arg(2, "new_name") if call.short == "RenameField" else None}
    elif call.short in ("DeleteModel", "RenameModel"):
        names = {"name": call.arg(0, "name") if call.short == "DeleteModel" else None,
                 "old_name": call.arg(0, "old_name") if call.short == "RenameModel" else None,
                 "new_name": call.arg(1, "new_name") if call.short == "RenameModel" else None}
    else:
        return
    # A name computed at run time (a Ref, a Dynamic) is not a string: that operation is skipped.
    ops.append({"kind": call.short, **{k: v for k, v in names.items() if isinstance(v, str)}})


def django_events(git_dir: str, base: str, path: str, text: str) -> list[dict]:
    app_dir = path.split("/migrations/")[0]
    app = _django_app_label(git_dir, base, app_dir)
    models_src = _django_models_source(git_dir, base, app_dir)
    events = []
    for op in django_operations(text, path):
        kind = op["kind"]
        if kind in ("RemoveField", "RenameField"):
            model, name = op.get("model_name"), op.get("name") or op.get("old_name")
            if not model or not name:
                continue
            table = _django_table(models_src, model) or f"{app}_{model.lower()}"
            column, spellings = name, {name}
            if _django_is_fk(models_src, model, name):
                column = f"{name}_id"
                spellings.add(column)
            if kind == "RemoveField":
                events.append({"kind": "drop_column", "table": table, "column": column, "new_name": None,
                               "spellings": sorted(spellings)})
            elif op.get("new_name"):
                new = op["new_name"] + ("_id" if column.endswith("_id") and column != name else "")
                events.append({"kind": "rename_column", "table": table, "column": column, "new_name": new,
                               "spellings": sorted(spellings)})
        elif kind in ("DeleteModel", "RenameModel"):
            model = op.get("name") or op.get("old_name")
            if not model:
                continue
            explicit = _django_table(models_src, model)
            if kind == "RenameModel" and explicit:
                continue  # a model with its own db_table keeps its table: no database change
            table = explicit or f"{app}_{model.lower()}"
            new = f"{app}_{op['new_name'].lower()}" if op.get("new_name") else None
            events.append({"kind": "drop_table" if kind == "DeleteModel" else "rename_table", "table": table,
                           "column": None, "new_name": new, "spellings": sorted({table, model})})
    return events


def _django_models_source(git_dir: str, base: str, app_dir: str) -> str:
    paths = [p for p in git(git_dir, "ls-tree", "-r", "--name-only", base, "--", app_dir).splitlines()
             if p.endswith(".py") and ("models" in p.rsplit("/", 1)[-1] or "/models/" in p)]
    return "\n".join(git(git_dir, "show", f"{base}:{p}") for p in paths)


def _django_table(source: str, model: str) -> str | None:
    m = re.search(rf"^class {model}\(.*?(?=^class |\Z)", source, re.MULTILINE | re.DOTALL | re.IGNORECASE)
    table = m and re.search(r"db_table\s*=\s*['\"](\w+)['\"]", m.group(0))
    return table.group(1) if table else None


def _django_app_label(git_dir: str, base: str, app_dir: str) -> str:
    """The app's label: its apps.py AppConfig's `label` (wagtail's `wagtail/` is `wagtailcore`), else the folder's name."""
    try:
        apps = git(git_dir, "show", f"{base}:{app_dir}/apps.py")
    except subprocess.CalledProcessError:
        apps = ""
    label = re.search(r"^\s+label\s*=\s*['\"](\w+)['\"]", apps, re.MULTILINE)
    return label.group(1) if label else app_dir.rsplit("/", 1)[-1]


def _django_is_fk(source: str, model: str, name: str) -> bool:
    """`name` is a ForeignKey/OneToOneField of `model` (not of any model of the app: plane's
    `description` is a JSONField of Issue, and some other model's relation)."""
    body = re.search(rf"^class {model}\(.*?(?=^class |\Z)", source, re.MULTILINE | re.DOTALL | re.IGNORECASE)
    return bool(body and re.search(rf"^\s+{name}\s*=\s*(?:models\.)?(ForeignKey|OneToOneField)\(", body.group(0), re.MULTILINE))


def django_sql(event: dict) -> str:
    if event["kind"] == "drop_column":
        return f'ALTER TABLE "{event["table"]}" DROP COLUMN "{event["column"]}";\n'
    if event["kind"] == "rename_column":
        return f'ALTER TABLE "{event["table"]}" RENAME COLUMN "{event["column"]}" TO "{event["new_name"]}";\n'
    if event["kind"] == "drop_table":
        return f'DROP TABLE "{event["table"]}";\n'
    return f'ALTER TABLE "{event["table"]}" RENAME TO "{event["new_name"]}";\n'


# --- Alembic: op.drop_column / op.alter_column(new_column_name=) / op.drop_table / op.rename_table ----

ALEMBIC_CALL = re.compile(r"\b(op|batch_op)\.(drop_column|alter_column|drop_table|rename_table)\(\s*([^)]*)\)", re.DOTALL)
BATCH = re.compile(r"batch_alter_table\(\s*['\"](\w+)['\"]")
STRING = re.compile(r"['\"](\w+)['\"]")
KEYWORD = re.compile(r"\b(\w+)\s*=\s*['\"](\w+)['\"]")


def alembic_events(text: str) -> list[dict]:
    """Events of an Alembic revision's `upgrade()` only (downgrade undoes them). A revision that is
    not Python 3 (CTFd's 2017 ones `print "..."`) has none: impact refuses it, and the code of its
    tree is Python 2, which impact does not read either."""
    try:
        ast.parse(text)
    except SyntaxError:
        return []
    upgrade = text.split("def downgrade", 1)[0]
    events = []
    for m in ALEMBIC_CALL.finditer(upgrade):
        owner, verb, args = m.group(1), m.group(2), m.group(3)
        # Keyword arguments (`op.alter_column('keys', new_column_name='type', column_name='key_type')`)
        # are read by name; the positional ones come first.
        keywords = dict(KEYWORD.findall(args))
        names = STRING.findall(KEYWORD.sub("", args))
        table = keywords.get("table_name") or keywords.get("old_table_name")
        if owner == "batch_op":
            table = _batch_table(upgrade, m.start())
        elif not table:
            table = names.pop(0) if names else None
        if keywords.get("column_name"):
            names.insert(0, keywords["column_name"])
        if keywords.get("new_table_name"):
            names.insert(0, keywords["new_table_name"])
        if not table:
            continue
        if verb == "drop_column" and names:
            events.append({"kind": "drop_column", "table": table, "column": names[0], "new_name": None, "spellings": [names[0]]})
        elif verb == "alter_column" and names:
            new = keywords.get("new_column_name")
            if new:
                events.append({"kind": "rename_column", "table": table, "column": names[0], "new_name": new,
                               "spellings": [names[0]]})
        elif verb == "drop_table" and owner == "op":
            events.append({"kind": "drop_table", "table": table, "column": None, "new_name": None, "spellings": [table]})
        elif verb == "rename_table" and owner == "op" and names:
            events.append({"kind": "rename_table", "table": table, "column": None, "new_name": names[0], "spellings": [table]})
    return events


def _batch_table(text: str, position: int) -> str | None:
    tables = BATCH.findall(text[:position])
    return tables[-1] if tables else None
