"""impact verify from the command line: the embedded rehearsal and a real database after apply."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from impact.cli import cli
from impact.errors import EXIT_DATABASE
from tests.conftest import FIXTURES, make_repo
from tests.test_apply import prepared

CHAT = FIXTURES / "apps" / "chat-ts"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_embedded_verify_of_migration_11_passes_every_check_and_says_which() -> None:
    result = run("verify", str(CHAT), "-m", "11")
    assert result.exit_code == 0, result.output
    assert "✓ column conversations.session_id: text, nullable, no default" in result.output
    assert "✓ index idx_conversations_user_session exists and is valid" in result.output
    assert "✓ query components/ConversationList.tsx:26 (update on conversations)" in result.output
    assert "ALL CHECKS PASSED" in result.output and "llm_model_id column" not in result.output


def test_verify_after_a_forced_breaking_apply_names_the_queries_that_break(tmp_path: Path, pg_database: str) -> None:
    app = make_repo(tmp_path / "app", {
        "migrations/0001_init.sql": "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price int);",
        "drop_price.sql": "ALTER TABLE items DROP COLUMN price;",
        "src/shop.py": "def total(cur):\n    cur.execute('SELECT sum(price) FROM items WHERE id = %s', (1,))\n",
        "src/list.ts": "export const list = () => supabase.from('items').select('id, name')\n",
    })
    prepared(pg_database, app, "drop_price.sql")
    applied = run("apply", str(app), "-m", "drop_price.sql", "--database-url", pg_database, "--force", "--yes")
    assert applied.exit_code == 0, applied.output
    result = run("verify", str(app), "-m", "drop_price.sql", "--database-url", pg_database, "--format", "json")
    assert result.exit_code == EXIT_DATABASE
    report = json.loads(result.output)
    failed = [r for r in report["checks"] if r["status"] == "fail"]
    assert any("src/shop.py:2" in r["name"] + r["detail"] and "price" in r["detail"] for r in failed)
    assert not any("src/list.ts" in r["name"] for r in failed)
