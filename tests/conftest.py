"""Shared test fixtures: a real PostgreSQL + PostGIS database per test session.

The database is the one `make test` starts (registry.localdb), or the server in NAERING_DATABASE_URL;
each test session gets its own freshly migrated database and drops it afterwards. Database tests skip
where no PostGIS can be had (a laptop without it), but with CI=true any skip fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, make_url, text

from registry import db, localdb
from registry.settings import DatabaseSettings

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped:
        print(f"\nCI: {len(_skipped)} test(s) skipped; CI fails on any skip: {', '.join(_skipped[:10])}")
        session.exitstatus = 1


def _server_admin_url(settings: DatabaseSettings) -> tuple[str, str]:
    """Return (URL template with the database name replaced by {db}, admin database URL)."""
    if settings.database_url:
        url = make_url(settings.database_url)
        return url.set(database="{db}").render_as_string(hide_password=False), url.set(
            database="postgres"
        ).render_as_string(hide_password=False)
    localdb.ensure(port=settings.pg_port, database=settings.pg_database)
    return localdb.url(port=settings.pg_port, database="{db}"), localdb.url(
        port=settings.pg_port, database="postgres"
    )


@pytest.fixture(scope="session")
def db_url() -> Iterator[str]:
    """Create a fresh, migrated test database; drop it at the end of the session."""
    settings = DatabaseSettings()
    try:
        template, admin = _server_admin_url(settings)
    except localdb.LocalDbError as exc:
        pytest.skip(f"no PostGIS available: {exc}")
    name = f"naering_test_{uuid.uuid4().hex[:8]}"
    admin_engine = db.get_engine(admin).execution_options(isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = template.replace("{db}", name)
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
        return _server_admin_url(settings)[1]
    except localdb.LocalDbError as exc:
        pytest.skip(f"no PostGIS available: {exc}")


@pytest.fixture(scope="session")
def ref_engine(engine: Engine) -> Engine:
    """The test database with the shipped reference data loaded (once per session)."""
    from registry.services.reference import load_reference

    load_reference(engine)
    return engine


SITE_TABLES = (
    "site_logistics",
    "site_history",
    "site",
    "submission_issue",
    "submission",
    "kommune_mapping",
    "kommune_profile",
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
