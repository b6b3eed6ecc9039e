"""Liveness and readiness (issue 13, §3): /healthz never asks the database; /readyz asks it whether it
answers, whether its migrations are at this code's head and, with a read URL, how far the replica lags."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text

from api.app import create_app
from registry import db
from registry.services.database import head_revision, replica_lag_s
from registry.settings import ServerSettings
from tests.smtp import free_port


def _client(url: str) -> TestClient:
    return TestClient(create_app(ServerSettings(environment="test"), database_url=url))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _closed_port_url(engine: Engine) -> str:
    """The test server's URL with a port nothing listens on (bound, then closed)."""
    return engine.url.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)


def test_liveness_needs_no_database(engine: Engine) -> None:
    for url in (_closed_port_url(engine), "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        res = _client(url).get("/healthz")
        assert res.status_code == 200 and res.json() == {"status": "ok"}


def test_ready_on_the_migrated_database(engine: Engine) -> None:
    res = _client(_url(engine)).get("/readyz")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {"database", "migrations"}  # no read URL: no replica check
    assert body["checks"]["database"]["detail"]["postgis"]
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert body["checks"]["migrations"]["detail"] == {"revision": revision, "head": head_revision()}
    assert revision == head_revision()


def test_not_ready_when_the_database_does_not_answer(engine: Engine) -> None:
    res = _client(_closed_port_url(engine)).get("/readyz")
    assert res.status_code == 503
    body = res.json()
    assert body["status"] == "not-ready" and body["failed"] == ["database", "migrations"]
    assert body["checks"]["database"]["detail"]["error"] == "OperationalError"


@pytest.fixture
def old_schema(admin_url: str) -> Iterator[str]:
    """A database migrated to the first revision only."""
    name = f"naering_old_{uuid.uuid4().hex[:8]}"
    admin = db.get_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with db.get_engine(url).begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    db.upgrade(url, "0001")
    yield url
    db.get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_not_ready_when_migrations_are_behind(old_schema: str) -> None:
    res = _client(old_schema).get("/readyz")
    assert res.status_code == 503
    body = res.json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"]["ok"] is True
    detail = body["checks"]["migrations"]["detail"]
    assert detail["revision"] == "0001" and detail["head"] == head_revision() != "0001"


def test_replica_is_checked_only_when_a_read_url_is_set(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A primary behind the read URL: not in recovery, so nothing to lag behind.
    monkeypatch.setenv("NAERING_READ_DATABASE_URL", _url(engine))
    res = _client(_url(engine)).get("/readyz")
    assert res.status_code == 200, res.text
    assert res.json()["checks"]["replica"] == {
        "ok": True,
        "detail": {"in_recovery": False, "lag_s": 0.0, "max_lag_s": 30.0},
    }
    monkeypatch.setenv("NAERING_READ_DATABASE_URL", _closed_port_url(engine))
    monkeypatch.setenv("NAERING_REPLICA_MAX_LAG_S", "5")
    res = _client(_url(engine)).get("/readyz")
    assert res.status_code == 503 and res.json()["failed"] == ["replica"]


def test_replica_lag_rules() -> None:
    assert replica_lag_s(in_recovery=True, replay_age_s=42.5, caught_up=False) == 42.5
    # Idle primary: the last replayed transaction is old, but everything received has been replayed.
    assert replica_lag_s(in_recovery=True, replay_age_s=3600.0, caught_up=True) == 0.0
    assert replica_lag_s(in_recovery=True, replay_age_s=None, caught_up=False) is None  # nothing replayed yet
    assert replica_lag_s(in_recovery=False, replay_age_s=None, caught_up=False) == 0.0
