"""PostgreSQL for tests: one embedded server for the whole session, a fresh database per test.

conftest.py imports these (`from tests.db_fixtures import pg_server, pg_database`); a test then
just asks for `pg_database` (a URL) or `pg_server` (the running EmbeddedPostgres).
"""
from __future__ import annotations

import secrets

import pytest

from impact.db import connect
from impact.db.server import EmbeddedPostgres


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """One server shared by every test: ~0.1 s to start once its initdb template is cached.

    Its template cache sits in the session's temp dir, like the rest of the suite's caches (see
    conftest's _isolated_cache), so a test run never writes to the developer's real cache. The
    price is one initdb (~0.6 s) per session.
    """
    server = EmbeddedPostgres(cache_dir=tmp_path_factory.getbasetemp() / "impact-cache")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_database(pg_server):
    """The URL of a new, empty database (CREATE DATABASE t_<random>), dropped after the test."""
    name = f"t_{secrets.token_hex(6)}"
    with connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url_for(name)
    with connect(pg_server.url, autocommit=True) as conn:
        # FORCE: a test that leaked a connection must not make the drop (and the next test) fail.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
