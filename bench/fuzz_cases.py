"""The migrations bench/fuzz.py scans: the repo's own fixture and rule-case SQL, mutated;
ALTER TABLEs built from a small grammar; unusual but valid PostgreSQL; extremes.

Case i of a seed is generated from Random(f"{seed}:{i}") alone, so any case replays on its own.
"""
from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Valid PostgreSQL that migrations rarely hold: every statement here must never be refused.
UNUSUAL = [
    "LOCK TABLE notes IN SHARE ROW EXCLUSIVE MODE;", "LOCK notes, tags;",
    "MERGE INTO notes n USING tags t ON n.id = t.id WHEN MATCHED THEN UPDATE SET title = t.name WHEN NOT MATCHED THEN DO NOTHING;",
    "COPY notes FROM '/tmp/notes.csv' WITH (FORMAT csv);", "COPY notes TO STDOUT;", "COPY (SELECT 1) TO STDOUT;",
    "COPY notes (id, title) FROM stdin;\n1\tfirst\n2\tit's (odd; \\N\n\\.\n",
    "EXPLAIN ANALYZE SELECT * FROM notes;", "CALL refresh_all();", "CREATE STATISTICS s1 (dependencies) ON id, title FROM notes;",
    "CREATE SUBSCRIPTION sub CONNECTION 'host=db' PUBLICATION pub WITH (connect = false);",
    "CREATE FOREIGN TABLE remote_notes (id int) SERVER other;", "IMPORT FOREIGN SCHEMA public FROM SERVER other INTO staging;",
    "COMMENT ON TABLE notes IS NULL;", "COMMENT ON COLUMN notes.title IS 'the title';",
    "INSERT INTO notes (id) OVERRIDING SYSTEM VALUE VALUES (1);", "ALTER TABLE notes SET SCHEMA archive;",
    "ALTER TABLE ALL IN TABLESPACE old SET TABLESPACE new;", "ALTER INDEX ALL IN TABLESPACE old SET TABLESPACE new NOWAIT;",
    "SECURITY LABEL FOR selinux ON TABLE notes IS 'system_u:object_r:sepgsql_table_t:s0';", "DROP ROLE IF EXISTS old_role;",
    "CREATE DATABASE scratch;", "CHECKPOINT;", "DISCARD ALL;", "LISTEN notes_changed;", "UNLISTEN *;", "NOTIFY notes_changed, 'x';",
    "SET LOCAL lock_timeout = '2s';", "RESET ALL;", "SET search_path TO public, extensions;", "SET CONSTRAINTS ALL DEFERRED;",
    "CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT a + 1; END;",
    "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO tags VALUES (1); SELECT CASE WHEN true THEN 1 END; END;",
    "CREATE RULE r AS ON INSERT TO notes DO INSTEAD (INSERT INTO tags VALUES (1); NOTIFY x);",
    "ALTER TABLE notes REPLICA IDENTITY FULL;", "CREATE TABLESPACE fast LOCATION '/ssd';", "ALTER SYSTEM SET work_mem = '64MB';",
    "CREATE TYPE floatrange AS RANGE (subtype = float8);", "CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int);",
    "CREATE SERVER other FOREIGN DATA WRAPPER postgres_fdw;", "CREATE USER MAPPING FOR CURRENT_USER SERVER other;",
    "GRANT admin TO alice;", "REASSIGN OWNED BY old TO new;", "DROP OWNED BY old;", "ALTER DATABASE app SET timezone = 'UTC';",
    "PREPARE q AS SELECT 1;", "EXECUTE q;", "DEALLOCATE q;", "DECLARE c CURSOR FOR SELECT 1;", "CLOSE c;",
    "ALTER TABLE notes ALTER COLUMN title SET STATISTICS 500;", "CLUSTER notes USING notes_pkey;", "VACUUM (ANALYZE) notes;",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY note_counts;", "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
    "DO $$ BEGIN RAISE NOTICE 'x; y'; END $$;", "SELECT pg_advisory_xact_lock(42);", "VALUES (1), (2);",
    "-- only a comment\n/* and another */", "\\set ON_ERROR_STOP on\n\\i other.sql\n", "\\if :apply\nSELECT 1;\n\\endif\n",
]
HOSTILE_SNIPPETS = [";", "(", ")", "'", '"', "$$", "$a$", "/*", "*/", "--", "\\", "\\.", "\x1b[31m", "\x1b]0;t\x07", "\u202e",
                    "\r\n", "\t", "\x00", "\ufeff", "E'\\\\'", "ARRAY[", "BEGIN ATOMIC", "END", "CASE", "::", "U&'\\0041'",
                    "\\set x 1\n", "COPY notes FROM stdin;\n1\t2\n", "SET;", "IS NULL", "\u00e9", "\U0001F600", " " * 200]


KEYWORDS = ["ALTER TABLE", "DROP", "ADD COLUMN", "RENAME", "TO", "SET", "DEFAULT", "NOT NULL", "CONCURRENTLY", "IF EXISTS",
            "CASCADE", "ONLY", "TYPE", "USING", "CONSTRAINT", "FOREIGN KEY", "REFERENCES", "NOT VALID", "VALIDATE", "INDEX",
            "ON", "POLICY", "GRANT", "ALL", "PUBLIC", "WITH", "PARTITION OF", "ATTACH PARTITION", "DETACH PARTITION", "INHERIT",
            "TABLESPACE", "SCHEMA", "COLLATE", "GENERATED ALWAYS AS IDENTITY", "NULL", "::text", "ARRAY", "[]", "UNIQUE",
            "PRIMARY KEY", "CHECK (true)", "EXCLUDE", "ROW LEVEL SECURITY", "FORCE", "TRIGGER", "VIEW", "MATERIALIZED",
            "FUNCTION", "RETURNS", "LANGUAGE", "AS", "BEGIN", "COMMIT", "ROLLBACK", "LOCK", "IN", "MODE", "COPY", "FROM", "STDIN"]
ACTIONS = ["ADD COLUMN {c} {t}", "ADD COLUMN IF NOT EXISTS {c} {t} NOT NULL DEFAULT {d}", "DROP COLUMN {c}",
           "DROP COLUMN IF EXISTS {c} CASCADE", "ALTER COLUMN {c} TYPE {t} USING {c}::{t}", "ALTER COLUMN {c} SET NOT NULL",
           "ALTER COLUMN {c} DROP NOT NULL", "ALTER COLUMN {c} SET DEFAULT {d}", "ALTER COLUMN {c} DROP DEFAULT",
           "RENAME COLUMN {c} TO {c}2", "RENAME TO {c}_t", "ADD CONSTRAINT k_{c} UNIQUE ({c})",
           "ADD CONSTRAINT f_{c} FOREIGN KEY ({c}) REFERENCES tags (id) NOT VALID", "VALIDATE CONSTRAINT f_{c}",
           "ADD CONSTRAINT c_{c} CHECK ({c} IS NOT NULL) NOT VALID", "DROP CONSTRAINT IF EXISTS k_{c}",
           "ENABLE ROW LEVEL SECURITY", "FORCE ROW LEVEL SECURITY", "ALTER COLUMN {c} ADD GENERATED ALWAYS AS IDENTITY",
           "ALTER COLUMN {c} SET STATISTICS 100", "OWNER TO someone", "SET (fillfactor = 70)", "SET LOGGED", "SET UNLOGGED",
           "ALTER COLUMN {c} SET EXPRESSION AS (1)", "REPLICA IDENTITY FULL", "CLUSTER ON notes_pkey", "INHERIT tags"]


def grammar(rng: random.Random) -> str:
    """ALTER TABLEs on the fixture's tables built from ACTIONS: every judge path, with odd mixes."""
    statements = []
    for _ in range(rng.randint(1, 6)):
        table = rng.choice(["notes", "tags", "public.notes", '"Notes"', "missing", "note_tags"])
        fill = lambda a: a.format(c=rng.choice(["title", "body", "id", "pinned", "x", '"Title"', "tag_id"]),
                                  t=rng.choice(["text", "int", "bigint", "varchar(10)", "uuid", "jsonb", "timestamptz", "int[]"]),
                                  d=rng.choice(["0", "now()", "gen_random_uuid()", "'x'", "random()", "NULL", "clock_timestamp()"]))
        actions = ", ".join(fill(rng.choice(ACTIONS)) for _ in range(rng.randint(1, 4)))
        statements.append(f"ALTER TABLE {rng.choice(['', 'IF EXISTS ', 'ONLY '])}{table} {actions};")
        if rng.random() < 0.3:
            statements.append(rng.choice(UNUSUAL))
        if rng.random() < 0.2:
            statements.append(f"CREATE {rng.choice(['', 'UNIQUE '])}INDEX {rng.choice(['', 'CONCURRENTLY '])}i_{len(statements)} ON {table} (title);")
    return "\n".join(statements)


def corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures").rglob("*.sql"))]
    for case_file in sorted((ROOT / "tests" / "rule_cases").glob("*.toml")):
        for case in tomllib.loads(case_file.read_text(encoding="utf-8")).get("case", []):
            texts += [case[k] for k in ("migration", "schema") if isinstance(case.get(k), str)]
    return texts + UNUSUAL


def extreme(rng: random.Random) -> str:
    n = rng.choice([100, 1000, 5000, 30000])
    return rng.choice([
        lambda: "SELECT " + " + ".join(["1"] * n) + ";",
        lambda: "SELECT " + "(" * n + "1" + ")" * n + ";",
        lambda: "ALTER TABLE notes ADD COLUMN a int[] DEFAULT " + "ARRAY[" * min(n, 400) + "1" + "]" * min(n, 400) + ";",
        lambda: "ALTER TABLE notes " + ", ".join(f"ADD COLUMN c{i} int" for i in range(min(n, 800))) + ";",
        lambda: "SELECT " + "CASE WHEN true THEN " * min(n, 2000) + "1" + " END" * min(n, 2000) + ";",
        lambda: "ALTER TABLE notes ADD COLUMN x int;\n/* " + "x\n" * n,
        lambda: "INSERT INTO tags VALUES " + ", ".join(f"({i}, 'x''{i}')" for i in range(n)) + ";",
        lambda: "SELECT " + " || ".join(["'a'"] * n) + ";",
    ])()


def mutate(rng: random.Random, text: str, pool: list[str]) -> str:
    for _ in range(rng.randint(1, 3)):
        i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
        choice = rng.randrange(9)
        if choice == 0:
            text = text + "\n" + rng.choice(pool)
        elif choice == 1:
            text = text[:i] + text[j:]
        elif choice == 2:
            text = text[:j] + text[i:j] + text[j:]
        elif choice in (3, 4):
            text = text[:i] + rng.choice(HOSTILE_SNIPPETS) + text[i:]
        elif choice == 5:
            text = text[:i]  # cut anywhere: unclosed strings, comments, bodies
        elif choice == 8:  # a keyword where a word boundary is
            spaces = [m.start() for m in re.finditer(r"\s", text)] or [0]
            at = rng.choice(spaces)
            text = text[:at] + " " + rng.choice(KEYWORDS) + text[at:]
        elif choice == 6:
            text = text.replace("notes", '"' + rng.choice(["n" * 100, "nötes", "no\x1btes", "no\"\"tes"]) + '"', 1)
        else:
            text = rng.choice(["\ufeff", "", "BEGIN;\n"]) + text.replace("\n", rng.choice(["\n", "\r\n", "\r"]))
    return text


def generate(seed: int, index: int, pool: list[str]) -> str:
    rng = random.Random(f"{seed}:{index}")
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(pool)
    if roll < 0.4:
        return grammar(rng) if rng.random() < 0.6 else mutate(rng, grammar(rng), pool)
    if roll < 0.96:
        return mutate(rng, rng.choice(pool), pool)
    return extreme(rng)
