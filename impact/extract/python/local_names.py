"""Lines where a Python name is a loop variable of a function: the loop's target, or a read of it,
and nothing else on the line.

A bare name a single model maps (`orm-field`, impact.extract.references) is credited to that model's
table: a keyword argument `permission_type="add"` given to some helper mostly is the field. A loop's
variable of that name is not: it walks whatever the loop is given (wagtail's `for permission_type in
cleaned_data["permission_types"]:` and `for permission_type in ["add", "edit", "publish"]:`, 4 lines
of its `GroupPagePermission.permission_type` drop, none changed by the authors).

Decisions: only names a `for` (or a comprehension) binds in a function, and that the function binds
no other way. A parameter named after the field is left to the field: wagtail's
`save_revision(…, submitted_for_moderation=False)` went with its column (3 lines changed) as often
as `users_with_page_permission(page, permission_type)` stayed (2 lines); so is an assignment
(`permission_type = kwargs.get("permission_type")` was changed with the drop). A line naming the
name as a keyword argument or an attribute too keeps it.
"""
from __future__ import annotations

import ast

from impact.extract.python.relations import parsed

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def local_name_lines(text: str, name: str) -> frozenset[int]:
    """The lines of `text` naming `name` only as some function's loop variable (empty when the
    file does not parse)."""
    module = parsed(text) if name in text else None
    if module is None:
        return frozenset()
    local: set[int] = set()
    other: set[int] = set()
    for function in (n for n in ast.walk(module) if isinstance(n, _FUNCTIONS)):
        if not _binds(function, name):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name:
                local.add(node.lineno)
    for node in ast.walk(module):
        if isinstance(node, ast.keyword) and node.arg == name or isinstance(node, ast.Attribute) and node.attr == name:
            other.update(range(node.lineno, (node.end_lineno or node.lineno) + 1) if isinstance(node, ast.keyword) else (node.end_lineno or node.lineno,))
    return frozenset(local - other)


def _binds(function: ast.AST, name: str) -> bool:
    """`name` is a loop target of `function` (or of a function inside it), and no parameter or
    other assignment binds it there."""
    arguments = function.args
    if any(a.arg == name for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                   *(x for x in (arguments.vararg, arguments.kwarg) if x))):
        return False
    looped = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            looped.update(id(n) for n in ast.walk(node.target) if isinstance(n, ast.Name))
    stored = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)]
    return bool(stored) and all(id(n) in looped for n in stored)
