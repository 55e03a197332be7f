"""Which PostgreSQL release a statement needs: syntax and built-ins newer than some servers.

Read from pglast's tree (PostgreSQL's own grammar), one detector per feature, so a migration written
against a newer server is caught before it fails on the target (`pg_version` in the config).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from impact.sql.facts import known

if TYPE_CHECKING:  # pglast loads on the first question: a warm scan may ask none (issue 13)
    from pglast import ast


@dataclass(frozen=True)
class Feature:
    name: str
    since: int  # the first PostgreSQL major version that has it


GEN_RANDOM_UUID = Feature("gen_random_uuid() without the pgcrypto extension", 13)


@lru_cache(maxsize=1)
def _detectors() -> tuple[tuple[Feature, Callable[[ast.Node], bool]], ...]:
    from pglast import ast
    from pglast.enums import ConstrType

    def _func(name: str) -> Callable[[ast.Node], bool]:
        return lambda n: isinstance(n, ast.FuncCall) and n.funcname[-1].sval == name

    def _constraint(test: Callable[[ast.Constraint], bool]) -> Callable[[ast.Node], bool]:
        return lambda n: isinstance(n, ast.Constraint) and test(n)

    def _concurrent_reindex(n: ast.Node) -> bool:
        return isinstance(n, ast.ReindexStmt) and any(p.defname == "concurrently" for p in n.params or ())

    def _view_option(name: str) -> Callable[[ast.Node], bool]:
        return lambda n: isinstance(n, ast.ViewStmt) and any(o.defname == name for o in n.options or ())

    return (
        (Feature("CREATE PROCEDURE", 11), lambda n: isinstance(n, ast.CreateFunctionStmt) and bool(n.is_procedure)),
        (Feature("CALL", 11), lambda n: isinstance(n, ast.CallStmt)),
        (Feature("a covering index (INCLUDE)", 11), lambda n: isinstance(n, ast.IndexStmt) and bool(n.indexIncludingParams)),
        (Feature("REINDEX CONCURRENTLY", 12), _concurrent_reindex),
        (Feature("a stored generated column", 12), _constraint(lambda c: c.contype == ConstrType.CONSTR_GENERATED and c.generated_kind == "s")),
        (GEN_RANDOM_UUID, _func("gen_random_uuid")),
        (Feature("DETACH PARTITION CONCURRENTLY", 14), lambda n: isinstance(n, ast.PartitionCmd) and bool(n.concurrent)),
        (Feature("CREATE OR REPLACE TRIGGER", 14), lambda n: isinstance(n, ast.CreateTrigStmt) and bool(n.replace)),
        (Feature("NULLS NOT DISTINCT", 15), lambda n: isinstance(n, (ast.IndexStmt, ast.Constraint)) and bool(n.nulls_not_distinct)),
        (Feature("MERGE", 15), lambda n: isinstance(n, ast.MergeStmt)),
        (Feature("a security_invoker view", 15), _view_option("security_invoker")),
        (Feature("MERGE ... RETURNING", 17), lambda n: isinstance(n, ast.MergeStmt) and bool(getattr(n, "returningClause", None) or getattr(n, "returningList", None))),
        (Feature("JSON_TABLE", 17), lambda n: isinstance(n, ast.JsonTable)),
        (Feature("a virtual generated column (no STORED)", 18), _constraint(lambda c: c.contype == ConstrType.CONSTR_GENERATED and c.generated_kind == "v")),
        (Feature("a NOT ENFORCED constraint", 18), _constraint(lambda c: c.contype in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN) and not c.is_enforced)),
        (Feature("NOT NULL ... NOT VALID", 18), _constraint(lambda c: c.contype == ConstrType.CONSTR_NOTNULL and bool(c.skip_validation))),
        (Feature("uuidv7()", 18), _func("uuidv7")),
    )


def __getattr__(name: str):
    if name == "DETECTORS":  # (feature, detector) pairs, built when first asked for
        return _detectors()
    raise AttributeError(name)


def features(sql: str) -> tuple[Feature, ...]:
    """The version-bound features one statement uses; () when PostgreSQL's grammar rejects it."""
    return known("features", sql, _features)  # stored with a cached parse (impact/sql/facts.py)


@lru_cache(maxsize=4096)
def _features(sql: str) -> tuple[Feature, ...]:
    from pglast import parse_sql, visitors

    class Collector(visitors.Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.found: dict[str, Feature] = {}

        def visit(self, ancestors, node) -> None:
            for feature, detect in _detectors():
                if feature.name not in self.found and detect(node):
                    self.found[feature.name] = feature

    try:
        tree = parse_sql(sql)
    except Exception:  # pglast raises ParseError, and sometimes others on odd input: no features known
        return ()
    collector = Collector()
    collector(tree)
    return tuple(sorted(collector.found.values(), key=lambda f: (f.since, f.name)))


def newer_than(sql: str, pg_version: int) -> list[Feature]:
    """Features of `sql` that `pg_version` lacks."""
    return [f for f in features(sql) if f.since > pg_version]
