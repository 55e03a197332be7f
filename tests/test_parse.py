"""Contract: what each migration statement becomes, and which parser understood it.

Pins sqlglot's behaviour (incl. its traps) so an upgrade that changes it fails loudly here.
"""
from __future__ import annotations

import pytest

from impact.sql.parse import parse_migration
from impact.sql.split import split_statements

CASES = [
    # sql, expected [(kind, target, extra)], parser
    ("ALTER TABLE c ADD COLUMN IF NOT EXISTS s TEXT, ADD COLUMN e TEXT", [("add_column", "c.s"), ("add_column", "c.e")], "sqlglot"),
    ("ALTER TABLE c ADD COLUMN t uuid NOT NULL DEFAULT gen_random_uuid()", [("add_column", "c.t")], "sqlglot"),
    ("ALTER TABLE c DROP COLUMN IF EXISTS x CASCADE", [("drop_column", "c.x")], "sqlglot"),
    ("ALTER TABLE c DROP x", [("drop_column", "c.x")], "sqlglot"),
    ("ALTER TABLE c RENAME COLUMN a TO b", [("rename_column", "c.a")], "sqlglot"),
    # sqlglot 30 reads this as a table rename with a stray option: we must not believe it.
    ("ALTER TABLE c RENAME a TO b", [("rename_column", "c.a")], "pglast"),
    ("ALTER TABLE c RENAME TO d", [("rename_table", "c")], "sqlglot"),
    ("ALTER TABLE c ALTER COLUMN a TYPE bigint USING a::bigint", [("alter_column_type", "c.a")], "sqlglot"),
    ("ALTER TABLE c ALTER COLUMN a SET NOT NULL", [("set_not_null", "c.a")], "sqlglot"),
    ("ALTER TABLE c ALTER COLUMN a DROP NOT NULL", [("drop_not_null", "c.a")], "sqlglot"),
    ("ALTER TABLE c ALTER COLUMN a SET DEFAULT 0", [("set_default", "c.a")], "sqlglot"),
    ("ALTER TABLE c ALTER COLUMN a DROP DEFAULT", [("drop_default", "c.a")], "sqlglot"),
    ("ALTER TABLE c ADD COLUMN a int, ALTER COLUMN b TYPE text, DROP COLUMN d", [("add_column", "c.a"), ("alter_column_type", "c.b"), ("drop_column", "c.d")], None),
    ("ALTER TABLE c ENABLE ROW LEVEL SECURITY", [("enable_rls", "c")], "pglast"),
    ("ALTER TABLE c FORCE ROW LEVEL SECURITY", [("force_rls", "c")], "pglast"),
    ("ALTER TABLE c VALIDATE CONSTRAINT fk", [("validate_constraint", "c")], "pglast"),
    ("CREATE POLICY p ON c FOR SELECT TO authenticated USING (auth.uid() = user_id)", [("create_policy", "c")], "pglast"),
    ("ALTER POLICY p ON c USING (true)", [("alter_policy", "c")], "pglast"),
    ("DROP POLICY IF EXISTS p ON c", [("drop_policy", "c")], "pglast"),
    ("CREATE UNIQUE INDEX CONCURRENTLY i ON c (a) WHERE a IS NOT NULL", [("create_index", "c")], "sqlglot"),
    ("DROP INDEX CONCURRENTLY IF EXISTS i", [("drop_index", "?")], "sqlglot"),
    ("COMMENT ON COLUMN c.a IS 'x'", [("comment", "c.a")], "sqlglot"),
    ("ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID", [("add_constraint", "c")], "sqlglot"),
    ("ALTER TABLE c ADD CONSTRAINT ck CHECK (a > 0)", [("add_constraint", "c")], None),
    ("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n text NOT NULL)", [("create_table", "t")], "sqlglot"),
    ("DROP TABLE IF EXISTS t CASCADE", [("drop_table", "t")], "sqlglot"),
    ("TRUNCATE t", [("truncate", "t")], "sqlglot"),
    ("UPDATE t SET a = 1 WHERE b", [("update_rows", "t")], "sqlglot"),
    ("GRANT SELECT ON t TO anon", [("grant", "t")], "sqlglot"),
    ("REVOKE INSERT ON t FROM anon", [("revoke", "t")], "sqlglot"),
    ("SET lock_timeout = '5s'", [("set_setting", "?")], "sqlglot"),
    ("BEGIN", [("begin", "?")], "sqlglot"),
    ("DO $$ BEGIN PERFORM 1; END $$", [("do_block", "?")], "pglast"),
    ("CREATE EXTENSION IF NOT EXISTS pg_trgm", [("create_extension", "?")], "pglast"),
    ("REINDEX TABLE c", [("reindex", "c")], "pglast"),
    ("ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'", [("alter_enum_add_value", "?")], "pglast"),
    ('SET CONSTRAINTS "c_a_fk" IMMEDIATE', [("other", "?")], "pglast"),  # Django, around every foreign key change
    ("CREATE COLLATION natural_sort (provider = icu, locale = 'und-u-kn-true')", [("other", "?")], "pglast"),
]


@pytest.mark.parametrize("sql, expected, parser", CASES, ids=[c[0][:50] for c in CASES])
def test_statement_becomes_operations(sql: str, expected: list, parser: str | None) -> None:
    parsed = parse_migration(sql + ";")
    assert [(op.kind.value, op.target) for op in parsed.operations] == expected
    if parser:
        assert parsed.operations[0].statement.parser == parser


def test_details_of_an_added_column() -> None:
    op = parse_migration("ALTER TABLE c ADD COLUMN t uuid NOT NULL DEFAULT gen_random_uuid() REFERENCES u(id);").operations[0]
    assert op.column.nullable is False and op.column.default_volatile is True and op.column.references
    fast = parse_migration("ALTER TABLE c ADD COLUMN t timestamptz DEFAULT now();").operations[0]
    assert fast.column.default_volatile is False


def test_index_details() -> None:
    op = parse_migration("CREATE INDEX IF NOT EXISTS i ON c (user_id, session_id) WHERE session_id IS NOT NULL;").operations[0]
    assert op.name == "i" and op.if_exists
    assert op.details["columns"] == ["user_id", "session_id"] and op.details["concurrently"] is False
    assert "session_id IS NOT NULL" in op.details["where"]


def test_nothing_is_skipped_and_lines_are_right() -> None:
    text = "-- header\nALTER TABLE c ADD COLUMN a int;\n\nGARBAGE (( here;\nCREATE INDEX i\n  ON c (a);\n"
    parsed = parse_migration(text)
    assert [(s.index, s.line, s.end_line) for s in parsed.statements] == [(1, 2, 2), (2, 4, 4), (3, 5, 6)]
    unknown = parsed.unknown
    assert len(unknown) == 1 and unknown[0].statement.line == 4 and "syntax error" in unknown[0].statement.error


def test_split_keeps_semicolons_inside_strings_bodies_and_comments() -> None:
    text = "SELECT ';';\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; /* a; b */ SELECT 2"
    chunks = split_statements(text)
    assert [c.sql for c in chunks] == ["SELECT ';'", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT 2"]
    assert chunks[2].comments == ("/* a; b */",)


def test_unterminated_string_keeps_earlier_statements() -> None:
    chunks = split_statements("ALTER TABLE c ADD COLUMN a int;\nSELECT 'oops;\n")
    assert chunks[0].sql == "ALTER TABLE c ADD COLUMN a int"
    assert chunks[-1].error and chunks[-1].line == 2
