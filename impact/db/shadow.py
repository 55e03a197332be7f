"""The shadow database: a throwaway embedded PostgreSQL with the repo's earlier migrations
replayed, on which apply/verify/rollback rehearse when no real database is given."""
from __future__ import annotations

import itertools
import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator

from impact.db import DatabaseError, connect
from impact.db.execute import StatementFailed, run_statement
from impact.db.plan import plan_apply
from impact.db.prepare import needs_values
from impact.errors import InputError
from impact.sql.identifiers import quote
from impact.formats.base import EarlierMigration

SUPABASE_HINTS = ("auth.uid()", "auth.users", "auth.jwt()", "auth.role()", "to authenticated", "to anon", "service_role", "storage.objects")
# Tables of django.contrib apps (impact/db/sql/django_shim.sql): a project's migrations refer to them
# (a ForeignKey to ContentType or auth.User) but their own migrations live in Django, not in the repo.
CONTRIB_TABLE = re.compile(r"\b(auth_user|auth_group|auth_permission|django_content_type|django_site|django_admin_log|django_flatpage|django_redirect)\b")
CREATES_TABLE = re.compile(r'CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"?public"?\.)?"?(\w+)', re.IGNORECASE)
REFERENCES = re.compile(r"REFERENCES\s+(\w+)", re.IGNORECASE)
DUMP_ROLE = re.compile(r'(?:OWNER TO|^GRANT [^;]*? TO|^CREATE POLICY [^;]*? TO) "?([A-Za-z_][\w$]*)"?(?=[;,\s])', re.MULTILINE)
UNDEFINED_TABLE, UNDEFINED_OBJECT, UNDEFINED_FUNCTION = "42P01", "42704", "42883"
CREATE_EXTENSION = re.compile(r'^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([\w-]+)"?', re.IGNORECASE)


@dataclass
class Shadow:
    url: str
    supabase: bool
    django: tuple[str, ...] = ()  # django.contrib's tables the history refers to but never creates: shimmed
    replayed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: set[str] = field(default_factory=set)  # pg_available_extensions of the server
    lacking: list[str] = field(default_factory=list)  # extensions skipped, in order

    def needs_extension(self, failure: StatementFailed) -> str | None:
        """A fix naming the skipped extensions when a type or function is missing (postgis's geometry)."""
        if failure.sqlstate not in (UNDEFINED_OBJECT, UNDEFINED_FUNCTION) or not self.lacking:
            return None
        return f"it may need {', '.join(self.lacking)}, which the shadow server lacks: use --database-url with a database that has it"


def missing_extension(sql: str, available: set[str]) -> str | None:
    """The extension a CREATE EXTENSION statement names when the server cannot provide it.

    Decision: the shadow skips such a statement (with a note) in the earlier migrations and in
    the one being rehearsed alike: the embedded server ships contrib but not pgcrypto, uuid-ossp
    or postgis, and a real server that lacks one fails with a fix saying to install it. A
    statement that then calls a function of it without a stand-in (stand_in_sql) still fails,
    naming the function."""
    extension = CREATE_EXTENSION.match(sql)
    return extension.group(1) if extension and extension.group(1).lower() not in available else None


def skipped_extensions(shadow: Shadow, rel: str, statements) -> dict[int, str]:
    """The statements (index: extension) of a migration the shadow skips, each noted."""
    skipped = {}
    for statement in statements:
        name = missing_extension(statement.sql, shadow.available)
        if name:
            standing = " (stand-ins for its common functions instead)" if stand_in_sql(name) else ""
            shadow.notes.append(f"{rel}: extension {name} is not available on the shadow server; skipped{standing}")
            skipped[statement.index] = name
            shadow.lacking += [name] if name not in shadow.lacking else []
    return skipped


def stand_in_sql(extension: str) -> str | None:
    """impact/db/sql/<extension>_stand_in.sql: pgcrypto's gen_random_bytes/digest, uuid-ossp's
    uuid_generate_v4 on core functions, so documenso's nanoid() or a uuid DEFAULT replays."""
    path = resources.files("impact.db").joinpath(f"sql/{extension.lower()}_stand_in.sql")
    return path.read_text(encoding="utf-8") if path.is_file() else None


def rehearsal_skips(shadow: Shadow, rel: str, statements) -> frozenset[int]:
    """The rehearsed migration's statements the shadow skips; their stand-ins are created now."""
    skipped = skipped_extensions(shadow, rel, statements)
    sqls = [sql for sql in map(stand_in_sql, dict.fromkeys(skipped.values())) if sql]
    if sqls:
        with connect(shadow.url, autocommit=True) as conn:
            for sql in sqls:
                conn.execute(sql)
    return frozenset(skipped)


def is_supabase_project(repo: Path, texts: list[str]) -> bool:
    if (repo / "supabase" / "config.toml").is_file() or (repo / "supabase" / "migrations").is_dir():
        return True
    lowered = [t.lower() for t in texts]
    return any(hint in text for text in lowered for hint in SUPABASE_HINTS)


def django_contrib_shim(texts: list[str]) -> tuple[str, ...]:
    """The statements of the Django shim to run first: each contrib table the history refers to
    and does not create (saleor creates its own auth_permission but not django_content_type),
    with the contrib tables those reference. Known limit: a shim table that references one the
    history creates is left out (it would not exist yet when the shim runs)."""
    referenced = {m.group(1) for t in texts for m in CONTRIB_TABLE.finditer(t)}
    if not referenced:
        return ()
    created = {m.group(1) for t in texts for m in CREATES_TABLE.finditer(t)}
    shim = {CREATES_TABLE.search(st).group(1): st for st in shim_sql("django").split(";\n") if CREATES_TABLE.search(st)}
    wanted = {name for name in referenced - created if name in shim}
    while True:  # the contrib tables the wanted ones reference come along
        more = {dep for name in wanted for dep in REFERENCES.findall(shim[name]) if dep in shim and dep not in created} - wanted
        if not more:
            break
        wanted |= more
    wanted = {name for name in wanted if not set(REFERENCES.findall(shim[name])) & created}
    return tuple(st for name, st in shim.items() if name in wanted)


def shim_sql(name: str = "supabase") -> str:
    return resources.files("impact.db").joinpath(f"sql/{name}_shim.sql").read_text(encoding="utf-8")


@contextmanager
def shadow_database(repo: Path, earlier: tuple[EarlierMigration, ...], current_sql: str,
                    schema_file: Path | None = None) -> Iterator[Shadow]:
    """Start a server, create the shadow database, replay the earlier migrations; stop it after.

    The earlier migrations come as their format read them, so a Django or Alembic history replays
    the SQL the framework would have run. With `schema_file` (a pg_dump --schema-only file) the
    database is built from it instead: for a history that starts from a schema made elsewhere
    (midday's first migration alters a type no migration creates)."""
    from impact.db.server import EmbeddedPostgres

    with EmbeddedPostgres() as server:
        with connect(server.url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "shadow"')
        if schema_file is not None:
            shadow = Shadow(server.url_for("shadow"), False)
            load_schema(shadow, server.bindir, schema_file)
            yield shadow
            return
        texts = [st.sql for e in earlier for st in e.parsed.statements] + [current_sql]
        shadow = Shadow(server.url_for("shadow"), is_supabase_project(repo, texts), django_contrib_shim(texts))
        with connect(shadow.url, autocommit=True) as conn:
            prepare(conn, earlier, shadow)
        yield shadow


def load_schema(shadow: Shadow, bindir: Path, schema_file: Path) -> None:
    """Run the dump with the server's own psql, as `psql -f` would restore it.

    Decision: a statement the shadow refuses does not stop the load (a dump names its owners'
    roles, its providers' extensions); they are counted in a note with the first error, since
    the migration that follows may not need them."""
    import subprocess

    if not schema_file.is_file():
        raise InputError(f"schema file {schema_file} does not exist", "pass a pg_dump --schema-only file to --schema")
    # The roles it names (owners, grantees, policies' TO): created first, as the dumped server had them.
    roles = set(DUMP_ROLE.findall(schema_file.read_text(encoding="utf-8", errors="replace"))) - {"public", "PUBLIC", "CURRENT_USER", "SESSION_USER"}
    with connect(shadow.url, autocommit=True) as conn:
        for role in sorted(roles):
            conn.execute(f"DO $$ BEGIN CREATE ROLE {quote(role)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    done = subprocess.run([str(bindir / "psql"), "-X", "-q", "-d", shadow.url, "-f", str(schema_file)],
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    errors = [line.split("ERROR:", 1)[1].strip() for line in done.stderr.splitlines() if "ERROR:" in line]
    if done.returncode not in (0, 3) and not errors:  # psql itself failed (not one of the dump's statements)
        raise DatabaseError(f"cannot load schema file {schema_file.name} into the shadow database: {done.stderr.strip()[:200]}",
                            "check the file is a plain pg_dump --schema-only (not -Fc) dump")
    shadow.notes.append(f"built from schema file {schema_file.name} (not by replaying the earlier migrations)"
                        + (f"; {len(errors)} of its statements failed there, first: {errors[0]}" if errors else ""))
    with connect(shadow.url, autocommit=True) as conn:
        shadow.available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}


def prepare(conn, earlier: tuple[EarlierMigration, ...], shadow: Shadow) -> None:
    """Shim (Supabase projects) and replay the given migrations, in order, on an empty database."""
    if shadow.supabase:
        conn.execute(shim_sql())
        shadow.notes.append("Supabase project: roles anon/authenticated/service_role, auth.uid()/jwt(), auth.users, storage.buckets/objects and the extensions schema are shimmed")
    if shadow.django:
        for statement in shadow.django:
            conn.execute(statement)
        names = ", ".join(CREATES_TABLE.search(st).group(1) for st in shadow.django)
        shadow.notes.append(f"django.contrib's tables the migrations refer to are shimmed ({names}): their migrations are not in the repo")
    shadow.available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
    for migration in earlier:
        _replay(conn, migration, shadow)
        shadow.replayed.append(migration.display)


def _replay(conn, migration: EarlierMigration, shadow: Shadow) -> None:
    """In the file's order: a statement that cannot run in a transaction splits it in two, so that
    saleor's `CREATE UNIQUE INDEX CONCURRENTLY x` then `ADD CONSTRAINT ... USING INDEX x` replays
    (run transactional part first, the constraint found no index)."""
    rel = migration.display
    plan = plan_apply(migration.parsed)
    skipped = skipped_extensions(shadow, rel, plan.in_transaction)
    outside = {s.index for s in plan.outside}
    framework = not rel.endswith(".sql")  # Alembic, Django: SQL its code runs with values (a .sql file's `$1` is its own error)
    try:
        for alone, group in itertools.groupby(plan.first + plan.after, key=lambda s: s.index in outside):
            with (nullcontext() if alone else conn.transaction()), conn.cursor() as cur:
                for statement in group:
                    if framework and needs_values(statement.sql):  # no code to pass them here; the shadow's tables are empty anyway
                        shadow.notes.append(f"{rel}: statement {statement.index} (line {statement.line}) needs the values its code passes; skipped")
                    elif statement.index not in skipped:
                        run_statement(cur, statement, f"replaying {rel} on the shadow database")
                    elif stand_in_sql(skipped[statement.index]):
                        cur.execute(stand_in_sql(skipped[statement.index]))
    except StatementFailed as failure:
        # The fix fits errors.MAX_FIX: cut, it lost its middle ("fix that migrati […] s --database-url").
        if failure.sqlstate == UNDEFINED_TABLE:  # e.g. a third-party Django app's table (django_celery_beat)
            fix = "no migration replayed before it creates that table (a library's?): use --database-url with a database that has it"
        else:
            fix = shadow.needs_extension(failure) or "the earlier migrations do not replay on a plain PostgreSQL: fix that one, or pass --schema DUMP or --database-url"
        raise DatabaseError(failure.problem, fix) from None
