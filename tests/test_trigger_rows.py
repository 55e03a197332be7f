"""`NEW.amount` in a trigger function kept in code is a column of the table its trigger fires on
(impact.extract.trigger_rows)."""
from __future__ import annotations

from impact.pipeline import scan
from tests.conftest import make_repo

FUNCTION = '''from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_trigger import PGTrigger

sync = PGFunction(
    schema="public",
    signature="payments_sync()",
    definition="""
    RETURNS trigger AS $$
    BEGIN
        IF NEW.amount_v2 IS NULL THEN
            NEW.amount_v2 := NEW.amount;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
)
'''
TRIGGER = '''
sync_trigger = PGTrigger(
    schema="public",
    signature="payments_sync_trigger",
    on_entity="public.{table}",
    definition="BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION payments_sync();",
)
'''


def _scan(tmp_path, code: str):
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE payments (id bigserial PRIMARY KEY, amount integer, amount_v2 bigint);\n"
                                    "CREATE TABLE refunds (id bigserial PRIMARY KEY, amount integer);",
        "migrations/0002_drop.sql": "ALTER TABLE payments DROP COLUMN amount;",
        "app/payment_sync.py": code,
    })
    return scan(repo, "2", use_cache=False)


def test_new_column_in_a_trigger_function_on_the_table_is_evidence(tmp_path) -> None:
    result = _scan(tmp_path, FUNCTION + TRIGGER.format(table="payments"))
    found = {(r.line, r.via, r.table) for r in result.references if r.file == "app/payment_sync.py" and r.column == "amount"}
    assert (11, "trigger-row", "payments") in found
    evidence = {(e.file, e.line) for f in result.findings if f.rule_id == "changed-column-referenced" for e in f.evidence}
    assert ("app/payment_sync.py", 11) in evidence


def test_a_file_whose_triggers_fire_on_several_tables_tells_none(tmp_path) -> None:
    result = _scan(tmp_path, FUNCTION + TRIGGER.format(table="payments") + TRIGGER.format(table="refunds").replace("sync_trigger", "other"))
    refs = [r for r in result.references if r.file == "app/payment_sync.py" and r.line == 11 and r.column == "amount"]
    assert refs and all((r.via, r.table) == ("name-only", None) for r in refs)
