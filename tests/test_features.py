"""Version-bound features, read from PostgreSQL's own grammar (pglast): each detector and its near miss."""
from __future__ import annotations

import pytest

from impact.sql.features import DETECTORS, features, newer_than

CASES = [
    ("CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$", {("CREATE PROCEDURE", 11)}),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", set()),
    ("CALL p()", {("CALL", 11)}),
    ("CREATE INDEX i ON t (a) INCLUDE (b)", {("a covering index (INCLUDE)", 11)}),
    ("REINDEX INDEX CONCURRENTLY i", {("REINDEX CONCURRENTLY", 12)}),
    ("REINDEX INDEX i", set()),
    ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED", {("a stored generated column", 12)}),
    ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2)", {("a virtual generated column (no STORED)", 18)}),
    ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS IDENTITY", set()),
    ("CREATE TABLE x (id uuid DEFAULT gen_random_uuid())", {("gen_random_uuid() without the pgcrypto extension", 13)}),
    ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", {("DETACH PARTITION CONCURRENTLY", 14)}),
    ("ALTER TABLE p DETACH PARTITION c", set()),
    ("CREATE OR REPLACE TRIGGER x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", {("CREATE OR REPLACE TRIGGER", 14)}),
    ("CREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", set()),
    ("CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT", {("NULLS NOT DISTINCT", 15)}),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (a)", {("NULLS NOT DISTINCT", 15)}),
    ("CREATE UNIQUE INDEX i ON t (a)", set()),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", {("MERGE", 15)}),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *", {("MERGE", 15), ("MERGE ... RETURNING", 17)}),
    ("CREATE VIEW v WITH (security_invoker = true) AS SELECT 1", {("a security_invoker view", 15)}),
    ("CREATE VIEW v WITH (security_barrier = true) AS SELECT 1", set()),
    ("SELECT * FROM JSON_TABLE(jsonb '[]', '$[*]' COLUMNS (a int PATH '$.a')) jt", {("JSON_TABLE", 17)}),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED", {("a NOT ENFORCED constraint", 18)}),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", set()),
    ("CREATE TABLE x (a int NOT NULL REFERENCES y)", set()),
    ("ALTER TABLE t ADD CONSTRAINT c NOT NULL a NOT VALID", {("NOT NULL ... NOT VALID", 18)}),
    ("ALTER TABLE t ADD COLUMN id uuid DEFAULT uuidv7()", {("uuidv7()", 18)}),
    ("this is not sql", set()),
]


@pytest.mark.parametrize("sql, expected", CASES, ids=[c[0][:48] for c in CASES])
def test_features(sql: str, expected: set) -> None:
    assert {(f.name, f.since) for f in features(sql)} == expected


def test_every_detector_has_a_case() -> None:
    named = {name for _, found in CASES for name, _ in found}
    assert named == {feature.name for feature, _ in DETECTORS}


def test_newer_than_respects_the_target() -> None:
    sql = "ALTER TABLE t ADD COLUMN id uuid DEFAULT gen_random_uuid()"
    assert [f.since for f in newer_than(sql, 12)] == [13]
    assert newer_than(sql, 13) == []  # pgcrypto in the migration is judged by the rule (rule case)
