"""The lock advice (IMP902) names the table and the lock of a DROP CONSTRAINT and of a DROP INDEX: the
former takes ALTER TABLE's ACCESS EXCLUSIVE, the latter's table is the one the replay created the index
on (medusa's MikroORM migrations drop both; the JSON said `?: ACCESS EXCLUSIVE … on ?` and `b: ? is requested`)."""
from __future__ import annotations

from pathlib import Path

from impact.pipeline import scan
from tests.conftest import make_repo

INIT = '''create table shelf (id text primary key);
create table book (id text primary key, shelf_id text);
alter table book add constraint book_shelf_id_foreign foreign key (shelf_id) references shelf (id);
create index if not exists "IDX_book_shelf_id" on "book" (shelf_id);
'''
DROP = '''alter table if exists "book" drop constraint if exists "book_shelf_id_foreign";
drop index if exists "IDX_book_shelf_id";
'''


def test_lock_advice_names_the_lock_and_table_of_dropped_constraints_and_indexes(tmp_path: Path) -> None:
    app = make_repo(tmp_path, {"migrations/001_init.sql": INIT, "migrations/002_drop.sql": DROP})
    result = scan(app, str(app / "migrations/002_drop.sql"), use_cache=False)
    advice = sorted((f.operation.statement.index, f.message) for f in result.findings if f.code == "IMP902")
    assert [message.split(" is requested")[0] for _, message in advice] == ["book: ACCESS EXCLUSIVE", "book: ACCESS EXCLUSIVE"]
    assert not any("?" in message for _, message in advice)


def test_a_drop_index_if_exists_of_an_index_already_dropped_is_no_lock(tmp_path: Path) -> None:
    """PostgreSQL takes no lock for it: no lock advice, no CONCURRENTLY advice (medusa's pricing)."""
    init = "CREATE TABLE prices (id int PRIMARY KEY, amount int);\nCREATE INDEX idx_amount ON prices (amount);\n"
    repo = make_repo(tmp_path, {"migrations/0001_init.sql": init,
                                "migrations/0002_drop.sql": "DROP INDEX idx_amount;\n",
                                "migrations/0003_again.sql": "DROP INDEX IF EXISTS idx_amount;\n"})
    first = {f.code for f in scan(repo, "2", use_cache=False).findings}
    again = {f.code for f in scan(repo, "3", use_cache=False).findings}
    assert {"IMP902", "IMP402"} <= first
    assert not {"IMP902", "IMP402"} & again
