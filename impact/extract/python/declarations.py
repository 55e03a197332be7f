"""The facts `models.find_models` reads, and only those, from a walk of the statements (issue 13).

A model file's classes and its module-level `name = Table(...)` are statements, so `models_in`
(extractor.py) need not visit every expression as `facts.collect` does for the query finders:
on a cold scan of saleor ~50 model files are read for their models. tests/test_cold_prechecks.py
holds `find_models` on these facts to its answer on the full ones.
"""
from __future__ import annotations

import ast

from impact.extract.python.facts import Binding, ClassFacts, Facts, Scope


def declarations(path: str, text: str, module: ast.Module) -> Facts:
    """The facts `models.find_models` reads, and only those: every class (`classes`, in the order
    `collect` finds them) and the module scope's bindings (`name = value` outside any function or
    class, in branches too). A class and an assignment are statements, so only statement lists are
    walked, not the expressions `collect` visits too (the model files of a cold scan: issue 13).
    The classes' scopes are the module's (find_models reads neither); nothing else is collected."""
    facts = Facts(path, text, None, module, Scope("module", "<module>"))
    facts.scopes.append(facts.module_scope)
    _declared(module.body, facts, True)
    return facts


def _declared(statements: list[ast.stmt], facts: Facts, module_level: bool) -> None:
    scope = facts.module_scope
    for statement in statements:
        kind = type(statement)
        if kind is ast.ClassDef:
            facts.classes.append(ClassFacts(statement, scope, scope))
            _declared(statement.body, facts, False)
            continue
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            _declared(statement.body, facts, False)
            continue
        if module_level and kind is ast.Assign:
            for target in statement.targets:
                if type(target) is ast.Name:
                    _bind_in(facts, target.id, statement.value)
        elif module_level and kind is ast.AnnAssign and statement.value is not None and type(statement.target) is ast.Name:
            _bind_in(facts, statement.target.id, statement.value)
        # In source order: a `try`'s handlers come before its `else` and `finally`.
        if kind is ast.Try or kind is ast.TryStar:
            lists = [statement.body, *(h.body for h in statement.handlers), statement.orelse, statement.finalbody]
        elif kind is ast.Match:
            lists = [case.body for case in statement.cases]
        else:
            lists = [inner for name in ("body", "orelse") if type(inner := getattr(statement, name, None)) is list]
        for inner in lists:
            _declared(inner, facts, module_level)


def _bind_in(facts: Facts, name: str, value: ast.expr) -> None:
    binding = Binding(name, value, facts.module_scope, value.lineno)
    facts.module_scope.bindings.setdefault(name, []).append(binding)
    facts.binding_of_value[id(value)] = binding
