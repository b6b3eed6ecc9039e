"""Shared test fixtures: a real PostgreSQL + PostGIS database per test session.

The database is the one `make test` starts (registry.localdb), or the server in NAERING_DATABASE_URL;
each test session gets its own freshly migrated database and drops it afterwards. Database tests skip
where no PostGIS can be had (a laptop without it), but with CI=true any skip fails the run.

Mutation testing (`make mutants`, scripts/mutants.sh) runs one test session per mutant; there
NAERING_TEST_TEMPLATE names a database prepared once (migrated, reference data loaded), and each session
copies it instead of migrating and loading again (seconds per mutant).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, make_url, text

from registry import db, localdb
from registry.settings import DatabaseSettings

_skipped: list[str] = []
TEMPLATE = os.environ.get("NAERING_TEST_TEMPLATE")


def pytest_sessionstart(session: pytest.Session) -> None:
    # Each session opens its own connections: mutmut runs one session per mutant in processes forked
    # from one that has run sessions before, and a pooled connection inherited from it must not be used
    # by two processes at once. (psycopg never closes a connection from a process that did not open it.)
    db._engine_for.cache_clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped:
        print(f"\nCI: {len(_skipped)} test(s) skipped; CI fails on any skip: {', '.join(_skipped[:10])}")
        session.exitstatus = 1


def _server(settings: DatabaseSettings) -> Callable[[str], str]:
    """Return a function from a database name to its URL on the test server (starting the private
    cluster when NAERING_DATABASE_URL is unset). The name is set on the URL object, not substituted
    into rendered text: rendering percent-encodes a placeholder such as '{db}'."""
    if settings.database_url:
        server = make_url(settings.database_url)
        return lambda name: server.set(database=name).render_as_string(hide_password=False)
    localdb.ensure(port=settings.pg_port, database=settings.pg_database)
    return lambda name: localdb.url(port=settings.pg_port, database=name)


@pytest.fixture(scope="session")
def db_url() -> Iterator[str]:
    """Create a fresh, migrated test database; drop it at the end of the session."""
    settings = DatabaseSettings()
    try:
        server = _server(settings)
    except localdb.LocalDbError as exc:
        pytest.skip(f"no PostGIS available: {exc}")
    admin = server("postgres")
    name = f"{TEMPLATE or 'naering_test'}_{uuid.uuid4().hex[:8]}"
    admin_engine = db.get_engine(admin).execution_options(isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{TEMPLATE}"' if TEMPLATE else "")))
    url = server(name)
    with db.get_engine(url).connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.commit()
    yield url
    db.get_engine(url).dispose()
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def migrated_url(db_url: str) -> str:
    db.upgrade(db_url)
    return db_url


@pytest.fixture(scope="session")
def engine(migrated_url: str) -> Engine:
    return db.get_engine(migrated_url)


@pytest.fixture(scope="session")
def admin_url() -> str:
    """URL of the server's maintenance database, for tests that create databases of their own."""
    settings = DatabaseSettings()
    try:
        return _server(settings)("postgres")
    except localdb.LocalDbError as exc:
        pytest.skip(f"no PostGIS available: {exc}")


@pytest.fixture(scope="session")
def ref_engine(engine: Engine) -> Engine:
    """The test database with the shipped reference data loaded (once per session)."""
    from registry.services.reference import load_reference

    if not TEMPLATE:  # a copy of the template has it already
        load_reference(engine)
    return engine


SITE_TABLES = (
    "site_match",
    "site_history",
    "site",
    "submission_issue",
    "submission",
    "kommune_mapping",
    "kommune_contact",
    "kommune_profile",
    "audit_event",  # append-only against UPDATE and DELETE; TRUNCATE empties it between tests
)


@pytest.fixture
def clean_engine(ref_engine: Engine) -> Iterator[Engine]:
    """Reference data loaded, no sites, submissions or profiles; emptied again afterwards."""
    with ref_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))
    yield ref_engine
    with ref_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(SITE_TABLES)} RESTART IDENTITY CASCADE"))


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table a submission may touch."""
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in SITE_TABLES}
