"""The scan pipeline's own behaviour: parallel extraction, the cache, --schema, unresolved tables."""
from __future__ import annotations

from pathlib import Path


import impact.extraction_jobs as extraction
from impact.pipeline import scan
from tests.conftest import make_repo

SCHEMA = "CREATE TABLE items (id int PRIMARY KEY, name text, price int);"


def _many_files(root: Path, count: int) -> Path:
    files = {"migrations/0001_init.sql": SCHEMA, "migrations/0002_drop.sql": "ALTER TABLE items DROP COLUMN price;"}
    for i in range(count):
        files[f"src/m{i:03}.ts"] = f"export const q{i} = () => supabase.from('items').select('id, price').eq('id', {i})\n"
    files["src/other.ts"] = "export const x = 1\n"
    return make_repo(root, files)


def _sites(result) -> list[tuple]:
    return sorted((q.file, q.line, q.kind.value, q.columns) for q in result.queries)


def test_parallel_and_serial_extraction_agree(tmp_path: Path, monkeypatch) -> None:
    count = extraction.PARALLEL_THRESHOLD + 12
    repo = _many_files(tmp_path, count)
    parallel = scan(repo, "2", use_cache=False)
    monkeypatch.setattr(extraction, "PARALLEL_THRESHOLD", 10**9)
    serial = scan(repo, "2", use_cache=False)
    assert _sites(parallel) == _sites(serial)
    assert len(parallel.queries) == count
    breaking = next(f for f in parallel.findings if f.rule_id == "dropped-column-still-used")
    assert len(breaking.evidence) == count


def test_rescan_reads_the_cache_and_gives_the_same_answer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    repo = _many_files(tmp_path / "repo", 5)
    first = scan(repo, "2")
    second = scan(repo, "2")
    assert first.run.files_parsed == 5 and first.run.cache_hits == 0
    assert second.run.files_parsed == 0 and second.run.cache_hits == 5
    assert _sites(first) == _sites(second)
    (repo / "src/m000.ts").write_text("export const q = () => supabase.from('items').select('name')\n")
    third = scan(repo, "2")
    assert third.run.files_parsed == 1 and third.run.cache_hits == 4


def test_files_not_mentioning_the_tables_are_not_parsed(tmp_path: Path) -> None:
    repo = _many_files(tmp_path, 3)
    result = scan(repo, "2", use_cache=False)
    assert result.run.files_matched == 3  # src/other.ts is skipped before any parse


def test_schema_file_replaces_replay(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"change.sql": "ALTER TABLE items DROP COLUMN price;"})
    dump = tmp_path / "dump.sql"
    dump.write_text(SCHEMA)
    without = scan(repo, str(repo / "change.sql"), use_cache=False)
    loss = next(f for f in without.findings if f.rule_id == "drop-column-loses-data")
    assert loss.confidence.value == "medium"  # is items a live table? nothing says so
    with_schema = scan(repo, str(repo / "change.sql"), schema_file=dump, use_cache=False)
    assert with_schema.schema_source == "schema file dump.sql"
    assert not any(f.rule_id == "unknown-column" for f in with_schema.findings)
    assert next(f for f in with_schema.findings if f.rule_id == "drop-column-loses-data").confidence.value == "high"
    typo = make_repo(tmp_path / "r2", {"change.sql": "ALTER TABLE items DROP COLUMN prise;"})
    result = scan(typo, str(typo / "change.sql"), schema_file=dump, use_cache=False)
    assert any(f.rule_id == "unknown-column" for f in result.findings)


def test_unresolved_table_lowers_confidence_of_a_clean_result(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": SCHEMA,
        "migrations/0002_idx.sql": "ALTER TABLE items ADD COLUMN note text;",
        "src/a.ts": "const t = pick()\nexport const r = supabase.from(t).select('id')  // items\n",
    })
    result = scan(repo, "2", use_cache=False)
    assert result.assessment.verdict == "caution" or result.assessment.verdict == "safe"
    assert any(q.table is None for q in result.queries)
    assert result.assessment.confidence.value == "medium"


def test_unknown_statement_lowers_confidence_and_is_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "migrations/0001_init.sql": SCHEMA,
        "migrations/0002_x.sql": "SET lock_timeout = '2s';\nALTER TABLE items ADD COLUMN note text;\nALTR TABLE items;",
    })
    result = scan(repo, "2", use_cache=False)
    assert result.assessment.confidence.value == "low"
    assert [op.statement.line for op in result.parsed.unknown] == [3]
    assert any(f.rule_id == "statement-not-understood" and f.statement_line == 3 for f in result.findings)


def test_pg_dump_schema_is_understood(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    dump = FIXTURES / "schemas" / "chat_pg_dump.sql"
    repo = make_repo(tmp_path / "r", {
        "change.sql": "ALTER TABLE conversations DROP COLUMN archived;\nALTER TABLE conversations DROP COLUMN nope;",
        "src/a.ts": "export const r = supabase.from('conversations').select('id, archived')\n",
    })
    result = scan(repo, str(repo / "change.sql"), schema_file=dump, use_cache=False)
    assert not result.parsed.unknown
    base = result.contexts[0].base
    info = base.get("conversations")
    assert list(info.columns) == ["id", "user_id", "title", "archived", "created_at"]
    assert info.columns["id"].nullable is False and info.rls and "conversations_owner" in info.policies
    assert "idx_conversations_user" in info.indexes
    unknown = [f for f in result.findings if f.rule_id == "unknown-column"]
    assert [f.operation.column_name for f in unknown] == ["nope"]
    assert any(f.rule_id == "dropped-column-still-used" for f in result.findings)


def test_migration_history_of_other_runners_is_never_code_evidence(tmp_path) -> None:
    """ClickHouse migrations, data-migration scripts: numbered files below a migrations folder."""
    from tests.conftest import make_repo

    repo = make_repo(tmp_path, {
        "db/migrations/0001_init.sql": "CREATE TABLE traces (id int PRIMARY KEY, name text);",
        "db/migrations/0002_drop.sql": "ALTER TABLE traces DROP COLUMN name;",
        "packages/shared/clickhouse/migrations/clustered/0009_add.up.sql": "INSERT INTO traces (id, name) SELECT id, name FROM traces_old;",
        "packages/database/migration/20241209104738_backfill/migration.ts": "await tx.$executeRaw`UPDATE traces SET name = 'x'`\n",
        "src/migrations/runner.ts": "export const names = () => pool.query('SELECT name FROM traces')\n",
    })
    result = scan(repo, "2", use_cache=False)
    files = {q.file for q in result.queries}
    assert files == {"src/migrations/runner.ts"}  # a runner is code; numbered steps below it are history


def test_a_partly_cached_scan_reports_in_the_same_order_as_a_cold_one(tmp_path, monkeypatch):
    """Cached results come back before freshly parsed ones: the report must not depend on which."""
    import shutil

    monkeypatch.setenv("IMPACT_CACHE_DIR", str(tmp_path / "cache"))
    app = tmp_path / "chat-ts"
    shutil.copytree(Path(__file__).parents[1] / "fixtures/apps/chat-ts", app)
    migration = str(Path(__file__).parents[1] / "fixtures/scenarios/drop_is_pinned.sql")
    cold = scan(app, migration, use_cache=True)
    files = sorted({q.file for q in cold.queries})
    assert len(files) > 2
    first = app / files[0]  # parsed again in the next scan: it would arrive after the cached others
    first.write_text(first.read_text() + "\n// touched\n")
    warm = scan(app, migration, use_cache=True)
    assert [q.file for q in warm.queries] == [q.file for q in cold.queries] == sorted(q.file for q in cold.queries)
    assert [(r.file, r.line) for r in warm.references] == [(r.file, r.line) for r in cold.references]
