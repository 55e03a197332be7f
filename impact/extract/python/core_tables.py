"""SQLAlchemy Core tables: `notes = Table("notes", metadata, Column("id", ...), ..., schema="s")`,
read as models of the `sqlalchemy-core` framework (their columns are the Column names)."""
from __future__ import annotations

import ast

from impact.extract.python.facts import Facts
from impact.extract.python.literals import literal_text
from impact.extract.python.class_readers import _keyword_is_true, _sqlalchemy_column
from impact.extract.python.models import ModelInfo
from impact.extract.python.tree import keyword, last_name


def core_tables(facts: Facts) -> list[ModelInfo]:
    """`notes = Table("notes", metadata, Column("id", ...), ..., schema="s")`."""
    tables = []
    for name, bindings in facts.module_scope.bindings.items():
        for binding in bindings:
            call = binding.value
            if type(call) is not ast.Call or last_name(call.func) != "Table":
                continue
            table = literal_text(call.args[0]) if call.args else None
            if table is None:
                continue
            attributes, primary_key = {}, []
            for arg in call.args[1:]:
                column = _sqlalchemy_column(arg)
                column_name = literal_text(column.args[0]) if column is not None and column.args else None
                if column_name:
                    attributes[column_name] = column_name
                    if _keyword_is_true(column, "primary_key"):
                        primary_key.append(column_name)
            if primary_key:
                attributes.setdefault("pk", primary_key[0])
            schema = literal_text(keyword(call, "schema"))
            columns = tuple(dict.fromkeys(attributes.values()))
            tables.append(ModelInfo(name, table, facts.path, binding.line, "sqlalchemy-core",
                                    columns, tuple(attributes.items()), tuple(primary_key), schema))
    return tables
