"""Generate a large synthetic repository to benchmark `impact scan` against.

    python bench/make_repo.py --files 5000 --out bench/out/repo [--seed 7]

Mixed Python (psycopg, SQLAlchemy, supabase-py) and TypeScript (supabase-js chains, pg raw SQL)
files of 50-400 lines; about 10% query the `conversations` table, the rest other tables or none.
Also: Supabase migrations (0001 creates the tables, 0002 adds `conversations.session_id`), a
`.gitignore` (root and nested) and a `node_modules/` of junk that every scan must skip. The same
seed always gives the same bytes.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

TARGET_TABLE = "conversations"
OTHER_TABLES = {
    "messages": ("id", "thread_id", "author_id", "body", "created_at"),
    "users": ("id", "email", "display_name", "created_at"),
    "profiles": ("id", "user_id", "avatar_url", "bio"),
    "documents": ("id", "owner_id", "title", "content", "updated_at"),
    "invoices": ("id", "customer_id", "amount_cents", "status", "due_at"),
    "teams": ("id", "name", "plan", "created_at"),
    "projects": ("id", "team_id", "name", "archived"),
    "audit_log": ("id", "actor_id", "action", "payload", "created_at"),
}
TARGET_COLUMNS = ("id", "user_id", "title", "model", "created_at", "updated_at")
TABLES = {TARGET_TABLE: TARGET_COLUMNS, **OTHER_TABLES}

TOUCH_TARGET_SHARE = 0.10
TOUCH_NONE_SHARE = 0.35  # of the rest: helpers, components and utilities with no query at all
NODE_MODULES_FILES = 500
PY_AREAS = ("api/app/routes", "api/app/services", "api/app/repositories", "workers/jobs", "scripts")
TS_AREAS = ("web/src/lib", "web/src/hooks", "web/src/app/api", "web/src/components", "edge/functions")


@dataclass(frozen=True)
class Plan:
    """One file to generate: where, in which language, and which table it queries (None: no query)."""

    rel: str
    language: str  # "python" | "typescript"
    table: str | None
    lines: int


def plan_files(count: int, rng: random.Random, target_share: float = TOUCH_TARGET_SHARE) -> list[Plan]:
    target_count = round(count * target_share)
    plans = []
    for index in range(count):
        language = "python" if rng.random() < 0.5 else "typescript"
        if index < target_count:
            table = TARGET_TABLE
        elif rng.random() < TOUCH_NONE_SHARE:
            table = None
        else:
            table = rng.choice(sorted(OTHER_TABLES))
        areas = PY_AREAS if language == "python" else TS_AREAS
        folder = f"{rng.choice(areas)}/pkg{index % 40:02d}"
        suffix = ".py" if language == "python" else rng.choice((".ts", ".ts", ".tsx"))
        plans.append(Plan(f"{folder}/mod_{index:05d}{suffix}", language, table, rng.randint(50, 400)))
    rng.shuffle(plans)  # the target files spread over every folder, not the first ones
    return plans


# --- Python ------------------------------------------------------------------------------------

PY_HEADER = '''"""{doc}"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

import psycopg
from sqlalchemy import text
from supabase import Client

log = logging.getLogger(__name__)

'''


def py_query(table: str, rng: random.Random, n: int) -> str:
    cols = TABLES[table]
    picked = ", ".join(rng.sample(cols, k=min(3, len(cols))))
    key = cols[1]
    style = rng.randrange(5)
    if style == 0:
        return f'''
def fetch_{table}_{n}(conn: psycopg.Connection, {key}: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT {picked} FROM {table} WHERE {key} = %s ORDER BY id DESC LIMIT 50",
            ({key},),
        )
        return cur.fetchall()
'''
    if style == 1:
        return f'''
def touch_{table}_{n}(session, row_id: int) -> None:
    session.execute(
        text("UPDATE {table} SET {cols[-1]} = :value WHERE id = :id"),
        {{"id": row_id, "value": datetime.now(timezone.utc)}},
    )
    session.commit()
'''
    if style == 2:
        return f'''
def list_{table}_{n}(client: Client, {key}: str):
    response = (
        client.table("{table}")
        .select("{picked}")
        .eq("{key}", {key})
        .order("id", desc=True)
        .execute()
    )
    return response.data
'''
    if style == 3:
        return f'''
def create_{table}_{n}(client: Client, {key}: str, payload: dict):
    row = {{"{key}": {key}, "{cols[2]}": payload.get("{cols[2]}")}}
    return client.table("{table}").insert(row).execute().data[0]
'''
    return f'''
def remove_{table}_{n}(conn: psycopg.Connection, row_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM {table} WHERE id = %s", (row_id,))
        return cur.rowcount
'''


def py_filler(rng: random.Random, n: int) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f'''
@dataclass
class Record{n}:
    name: str
    weight: float = 0.0
    tags: tuple[str, ...] = ()

    def label(self) -> str:
        return f"{{self.name}} ({{self.weight:.2f}})"
'''
    if style == 1:
        return f'''
def normalise_{n}(values: list[float]) -> list[float]:
    total = sum(values) or 1.0
    result = []
    for value in values:
        result.append(round(value / total, 4))
    log.debug("normalised %d values", len(result))
    return result
'''
    return f'''
def parse_flags_{n}(raw: str) -> dict[str, bool]:
    flags = {{}}
    for part in raw.split(","):
        name, _, value = part.partition("=")
        flags[name.strip()] = value.strip().lower() in ("1", "true", "yes")
    return flags
'''


# --- TypeScript --------------------------------------------------------------------------------

TS_HEADER = """// {doc}
import {{ createClient }} from '@supabase/supabase-js'
import {{ Pool }} from 'pg'

const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_ANON_KEY!)
const pool = new Pool({{ connectionString: process.env.DATABASE_URL }})

"""


def ts_query(table: str, rng: random.Random, n: int) -> str:
    cols = TABLES[table]
    picked = ", ".join(rng.sample(cols, k=min(3, len(cols))))
    key = cols[1]
    camel = "".join(part.title() for part in table.split("_"))
    style = rng.randrange(4)
    if style == 0:
        return f"""
export async function load{camel}{n}({key}: string) {{
  const {{ data, error }} = await supabase
    .from('{table}')
    .select('{picked}')
    .eq('{key}', {key})
    .order('id', {{ ascending: false }})
  if (error) throw error
  return data
}}
"""
    if style == 1:
        return f"""
export async function insert{camel}{n}({key}: string, value: string) {{
  const {{ error }} = await supabase.from('{table}').insert({{ {key}, {cols[2]}: value }})
  if (error) throw error
}}
"""
    if style == 2:
        return f"""
export async function raw{camel}{n}(id: number) {{
  const result = await pool.query('SELECT {picked} FROM {table} WHERE id = $1', [id])
  return result.rows[0] ?? null
}}
"""
    return f"""
export async function update{camel}{n}(id: number, value: string) {{
  await pool.query(`UPDATE {table} SET {cols[2]} = $2 WHERE id = $1`, [id, value])
}}
"""


def ts_filler(rng: random.Random, n: int) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"""
export interface Options{n} {{
  label: string
  retries?: number
  timeoutMs?: number
}}

export function withDefaults{n}(options: Partial<Options{n}>): Options{n} {{
  return {{ label: 'untitled', retries: 3, timeoutMs: 5000, ...options }}
}}
"""
    if style == 1:
        return f"""
export function formatDuration{n}(ms: number): string {{
  const seconds = Math.floor(ms / 1000)
  const minutes = Math.floor(seconds / 60)
  if (minutes > 0) {{
    return `${{minutes}}m ${{seconds % 60}}s`
  }}
  return `${{seconds}}s`
}}
"""
    return f"""
export function groupBy{n}<T>(items: T[], key: (item: T) => string): Record<string, T[]> {{
  const groups: Record<string, T[]> = {{}}
  for (const item of items) {{
    const name = key(item)
    ;(groups[name] ??= []).push(item)
  }}
  return groups
}}
"""


def render(plan: Plan, rng: random.Random) -> str:
    python = plan.language == "python"
    header = (PY_HEADER if python else TS_HEADER).format(doc=f"Module {plan.rel} (synthetic benchmark code).")
    blocks = [header]
    lines = header.count("\n")
    n = 0
    while lines < plan.lines:
        n += 1
        # A file that queries a table does so a few times, among ordinary helpers.
        if plan.table and (n == 1 or rng.random() < 0.25):
            block = (py_query if python else ts_query)(plan.table, rng, n)
        else:
            block = (py_filler if python else ts_filler)(rng, n)
        blocks.append(block)
        lines += block.count("\n")
    return "".join(blocks)


# --- the rest of the repo ----------------------------------------------------------------------


IDENTITY = "bigint generated always as identity primary key"


def migrations() -> dict[str, str]:
    creates = []
    for table, cols in TABLES.items():
        body = ",\n".join(f"  {c} {IDENTITY if c == 'id' else 'text'}" for c in cols)
        creates.append(f"CREATE TABLE {table} (\n{body}\n);\n")
    return {
        "supabase/migrations/0001_init.sql": "\n".join(creates),
        "supabase/migrations/0002_session_tracking.sql": (
            "ALTER TABLE conversations ADD COLUMN session_id TEXT;\n"
            "CREATE INDEX conversations_session_id_idx ON conversations (session_id);\n"
        ),
    }


def ignored_files(rng: random.Random) -> dict[str, str]:
    """Files every scan must skip; many mention the target table so a leak shows in the results."""
    junk = {}
    for i in range(NODE_MODULES_FILES):
        package = f"node_modules/pkg-{i // 10:03d}"
        mention = f"export const t = '{TARGET_TABLE}'\n" if i % 3 == 0 else ""
        junk[f"{package}/lib/file{i % 10}.js"] = mention + "module.exports = {}\n" * rng.randint(5, 40)
    for i in range(20):
        junk[f"web/dist/chunk{i}.js"] = f"fetch('/{TARGET_TABLE}')\n"
        junk[f"web/src/generated/client{i}.ts"] = f"export const table = '{TARGET_TABLE}'\n"
        junk[f"web/public/vendor{i}.min.js"] = f"var a='{TARGET_TABLE}';" * 50
        junk[f"api/.cache/cached{i}.py"] = f"TABLE = '{TARGET_TABLE}'\n"
    return junk


def config_files() -> dict[str, str]:
    return {
        ".gitignore": "node_modules/\ndist/\n*.log\n.env\n.cache/\n",
        "web/.gitignore": "src/generated/\n",
        "README.md": "# Synthetic benchmark repository\n",
    }


def generate(out: Path, files: int = 5000, seed: int = 7, target_share: float = TOUCH_TARGET_SHARE) -> list[Plan]:
    """Write the repository into `out` (which must be empty or missing); return the source plans.
    `target_share`: the share of source files that query the target table (0.10 by default)."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: pick a new --out folder")
    rng = random.Random(seed)
    plans = plan_files(files, rng, target_share)
    contents = {plan.rel: render(plan, rng) for plan in plans}
    contents.update(migrations())
    contents.update(ignored_files(rng))
    contents.update(config_files())
    for rel, text in contents.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000, help="source files to generate (default 5000)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/repo"), help="folder to create")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target-share", type=float, default=TOUCH_TARGET_SHARE, help="share of files querying the target table")
    args = parser.parse_args(argv)
    plans = generate(args.out, args.files, args.seed, args.target_share)
    touching = sum(1 for p in plans if p.table == TARGET_TABLE)
    print(f"wrote {len(plans)} source files to {args.out} ({touching} query {TARGET_TABLE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
