"""End to end on the shipped fixture apps: the seed's migration 11 and three breaking changes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from impact.cli import cli
from impact.pipeline import scan
from tests.conftest import FIXTURES, snapshot, report_of

CHAT = FIXTURES / "apps" / "chat-ts"
SCENARIOS = FIXTURES / "scenarios"


@pytest.fixture(scope="module")
def seed_scan():
    return scan(CHAT, "11", use_cache=False)


def test_seed_migration_is_caution_because_of_plain_indexes(seed_scan) -> None:
    a = seed_scan.assessment
    assert a.verdict == "caution"
    lock_findings = [f for f in seed_scan.findings if f.rule_id == "require-concurrent-index-creation"]
    assert sorted(f.operation.name for f in lock_findings) == [
        "idx_conversations_experiment_name", "idx_conversations_session_id", "idx_conversations_user_session"]
    assert not [f for f in seed_scan.findings if f.severity == "breaking"]


def test_seed_migration_risk_table_matches_the_manual_plan(seed_scan) -> None:
    d = seed_scan.assessment.dimensions
    assert d["breaking_changes"].status == "none"
    assert d["backward_compatibility"].status == "none"
    assert d["data_loss"].status == "none"
    assert d["rls_impact"].status == "none"
    assert d["lock_risk"].status == "risk" and len(d["lock_risk"].items) == 3


def test_a_backfill_of_every_row_is_caution_and_says_the_old_values_are_not_kept(tmp_path: Path) -> None:
    """wiki.js 2.5.128 lower-cases every e-mail: nothing breaks, no row is lost, the old values are."""
    from tests.conftest import make_repo

    repo = make_repo(tmp_path, {"migrations/0001.sql": "CREATE TABLE users (id int PRIMARY KEY, email text);",
                                "migrations/0002.sql": "UPDATE users SET email = lower(email);"})
    result = scan(repo, "2", use_cache=False)
    assert result.assessment.verdict == "caution"
    assert [f.rule_id for f in result.findings if f.severity != "advice"] == ["update-without-where"]
    loss = result.assessment.dimensions["data_loss"]
    assert loss.status == "review" and loss.summary.startswith("rows kept, values rewritten: 1 UPDATE overwrites")
    assert loss.items == ["update_rows users (statement 1, line 1): the values it overwrites are not kept"]


def test_a_statement_not_understood_leaves_no_risk_row_saying_none(tmp_path: Path) -> None:
    """hedgedoc names its tables through imported constants: a statement read as unknown could be any
    change, so no row of the risk table may say "none" as if it had been read."""
    from tests.conftest import make_repo

    repo = make_repo(tmp_path, {
        "migrations/20250101_init.js": "exports.up = (knex) => knex.schema.createTable('users', (t) => { t.text('photo_url'); });\n",
        "migrations/20250102_drop.js": "const { TableUser } = require('./names');\n"
                                       "exports.up = (knex) => knex.schema.alterTable(TableUser, (t) => { t.dropColumn('photo_url'); });\n",
    })
    result = scan(repo, "migrations/20250102_drop.js", use_cache=False)
    assert result.assessment.confidence.value == "low"
    rows = result.assessment.dimensions
    assert {d.status for d in rows.values()} == {"review"}
    assert rows["data_loss"].summary == "not known: 1 statement not understood; none found in the rest"
    [unread] = [f for f in result.findings if f.code == "IMP901"]
    assert unread.message == ("statement 1 could not be analysed (`TableUser` is not a string literal (a name computed "
                              "at run time)); review it by hand")


def test_seed_query_patterns_are_all_safe_with_reasons(seed_scan) -> None:
    patterns = {p.label: p for p in seed_scan.assessment.patterns}
    for label in ("SELECT with specific columns", "SELECT *", "INSERT", "UPDATE"):
        assert patterns[label].status == "unaffected", label
    assert "nullable" in patterns["SELECT *"].reason
    assert "nullable" in patterns["INSERT"].reason
    assert "not selected" in patterns["SELECT with specific columns"].reason


def test_seed_lists_every_query_on_conversations_with_its_kind(seed_scan) -> None:
    found = {(q.file, q.line, q.kind.value) for q in seed_scan.queries if q.table == "conversations"}
    # A few hand-checked sites of different kinds and extractors.
    assert ("app/api/conversations/route.ts", 16, "select_columns") in found
    assert ("lib/hooks/useConversation.ts", 9, "select_star") in found
    assert ("app/actions/conversations.ts", 21, "insert") in found
    assert ("components/ConversationList.tsx", 26, "update") in found
    assert ("scripts/backfill-message-counts.ts", 13, "update") in found  # raw SQL through pg
    assert not any("node_modules" in q.file for q in seed_scan.queries)
    files = {q.file for q in seed_scan.queries if q.table == "conversations"}
    assert len(files) >= 16  # the seed's "18 files checked", minus types and non-query files


def test_seed_rollback_plan_undoes_the_migration(seed_scan) -> None:
    sql = [s.sql for s in seed_scan.rollback]
    assert sql[:3] == [
        "DROP INDEX IF EXISTS idx_conversations_user_session;",
        "DROP INDEX IF EXISTS idx_conversations_experiment_name;",
        "DROP INDEX IF EXISTS idx_conversations_session_id;",
    ]
    drops = [s for s in sql if "DROP COLUMN" in s]
    assert drops == ["ALTER TABLE conversations DROP COLUMN IF EXISTS experiment_name;",
                     "ALTER TABLE conversations DROP COLUMN IF EXISTS session_id;"]
    assert not any(s.irreversible for s in seed_scan.rollback)


def test_seed_verification_does_not_expect_a_column_the_migration_never_adds(seed_scan) -> None:
    names = " ".join(c.name for c in seed_scan.verification)
    assert "session_id" in names and "experiment_name" in names
    assert "llm_model_id" not in names  # the manual plan's verification expected it by mistake


def _breaking(path: Path):
    result = scan(CHAT, str(path), use_cache=False)
    assert result.assessment.verdict == "breaking"
    return result


def test_drop_column_names_every_query_that_breaks() -> None:
    result = _breaking(SCENARIOS / "drop_is_pinned.sql")
    still_used = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    assert sorted(f"{e.file}:{e.line}" for e in still_used.evidence) == [
        "app/actions/conversations.ts:40",
        "app/api/conversations/route.ts:16",
        "components/ConversationList.tsx:26",
        "lib/hooks/useConversations.ts:21",
        "scripts/seed-demo-data.ts:37",
    ]
    refs = next(f for f in result.findings if f.rule_id == "changed-column-referenced")
    ref_lines = {f"{e.file}:{e.line}" for e in refs.evidence}
    assert {"components/ConversationList.tsx:24", "components/ConversationList.tsx:30"} <= ref_lines
    assert not any("database.types" in e.file for e in refs.evidence)


def test_rename_column_breaks_queries_on_the_old_name() -> None:
    result = _breaking(SCENARIOS / "rename_title.sql")
    finding = next(f for f in result.findings if f.rule_id == "renamed-column-still-used")
    lines = {f"{e.file}:{e.line}" for e in finding.evidence}
    assert "app/history/page.tsx:8" in lines
    assert "app/api/conversations/route.ts:40" in lines  # insert({ user_id, title, ... })
    assert all("title" in (e.detail + e.snippet) or e.kind == "query" for e in finding.evidence)


def test_required_column_breaks_every_insert() -> None:
    result = _breaking(SCENARIOS / "require_tenant.sql")
    finding = next(f for f in result.findings if f.rule_id == "insert-omits-required-column")
    lines = {f"{e.file}:{e.line}" for e in finding.evidence}
    inserts = {f"{q.file}:{q.line}" for q in result.queries if q.kind.value in ("insert", "upsert") and q.table == "conversations"}
    assert lines == inserts and len(inserts) >= 5


@pytest.mark.parametrize("fmt", ["json", "markdown", "rich"])
def test_cli_formats_and_exit_codes(fmt: str, tmp_path: Path) -> None:
    before = snapshot(CHAT)
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["scan", str(CHAT), "--migration", "11", "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output  # caution < default --fail-on breaking
    text = out.read_text()
    assert "idx_conversations_session_id" in text
    if fmt == "json":
        envelope = json.loads(text)
        assert envelope["schema_version"] == 2 and envelope["changed_since"] is None and envelope["verdict"] == "caution"
        data = report_of(text)
        assert data["verdict"] == "caution"
        assert {"migration", "operations", "findings", "queries", "references", "assessment", "rollback", "verification", "stats"} <= set(data)
        assert data["migration"]["statements"] == 6
        q = data["queries"][0]
        assert {"file", "line", "kind", "table", "columns"} <= set(q)
    assert snapshot(CHAT) == before, "a scan must never write into the scanned repo"


def test_cli_fail_on_caution_exits_1() -> None:
    result = CliRunner().invoke(cli, ["scan", str(CHAT), "-m", "session_tracking", "--format", "json", "--fail-on", "caution"])
    assert result.exit_code == 1
    assert report_of(result.output)["verdict"] == "caution"


def test_cli_breaking_exits_1_by_default() -> None:
    result = CliRunner().invoke(cli, ["scan", str(CHAT), "-m", str(SCENARIOS / "rename_title.sql"), "--format", "json"])
    assert result.exit_code == 1
    assert report_of(result.output)["verdict"] == "breaking"


def test_markdown_reads_like_a_review(seed_scan) -> None:
    from impact.report import markdown

    text = markdown.render(seed_scan)
    first = text.splitlines()[0]
    assert "CAUTION" in first and "11_session_tracking.sql" in first and "confidence" in first
    assert "| SELECT * | 4 | ✅ SAFE |" in text
    assert "| Breaking changes | ✅ |" in text and "| Lock risk | ❌ |" in text
    assert text.count("<details>") == text.count("</details>") >= 3
    assert "```sql\nDROP INDEX IF EXISTS idx_conversations_user_session;" in text
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_conversations_session_id" in text  # safer alternative


def test_markdown_of_a_breaking_change_links_file_and_line() -> None:
    from impact.report import markdown

    text = markdown.render(scan(CHAT, str(SCENARIOS / "drop_is_pinned.sql"), use_cache=False))
    assert "BREAKING" in text.splitlines()[0]
    assert "`components/ConversationList.tsx:26` update conversations(is_pinned)" in text
    assert "❌ BREAKS" in text and "⚠️ REVIEW" in text
    assert "IRREVERSIBLE" in text  # the rollback cannot bring the dropped data back


NOTES = FIXTURES / "apps" / "notes-py"


def test_python_app_drop_column_names_raw_sql_asyncpg_supabase_and_orm_sites() -> None:
    result = scan(NOTES, str(SCENARIOS / "notes-py" / "drop_body.sql"), use_cache=False)
    assert result.assessment.verdict == "breaking"
    finding = next(f for f in result.findings if f.rule_id == "dropped-column-still-used")
    sites = {f"{e.file}:{e.line}" for e in finding.evidence}
    assert {
        "notes_app/async_api.py:31",   # asyncpg INSERT ... RETURNING
        "notes_app/search.py:8",       # psycopg, triple-quoted, body inside function calls
        "notes_app/sync_supabase.py:26",  # supabase-py upsert payload
        "notes_app/repository.py:34",  # SQLAlchemy Note(...) built in another file than the model
        "notes_app/repository.py:18",  # select(Note) loads every mapped column
    } <= sites


def test_orm_queries_in_files_that_never_name_the_table_are_resolved() -> None:
    result = scan(NOTES, str(SCENARIOS / "notes-py" / "require_workspace.sql"), use_cache=False)
    finding = next(f for f in result.findings if f.rule_id == "insert-omits-required-column")
    sites = {f"{e.file}:{e.line}" for e in finding.evidence}
    assert "notes_app/repository.py:34" in sites and "notes_app/async_api.py:31" in sites
    orm = [q for q in result.queries if q.extractor == "sqlalchemy"]
    assert orm and all(q.table == "notes" for q in orm)
