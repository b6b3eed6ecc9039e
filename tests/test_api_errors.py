"""Errors reach clients as problem+json without stack traces or SQL text."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from registry.settings import ServerSettings


def test_database_failure_leaks_no_sql(engine: Engine) -> None:
    broken = engine.url.set(database="naering_no_such_database").render_as_string(hide_password=False)
    client = TestClient(
        create_app(ServerSettings(environment="test"), database_url=broken), raise_server_exceptions=False
    )
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["failed"] == ["database", "migrations"]
    assert "naering_no_such_database" not in ready.text
    res = client.get("/api/v1/sites")
    assert res.status_code == 500
    assert res.headers["content-type"].startswith("application/problem+json")
    body = res.text
    assert "Something went wrong" in body
    for leak in ("SELECT", "psycopg", "Traceback", "naering_no_such_database", "sqlalchemy"):
        assert leak not in body


def test_unknown_route_is_problem_json(engine: Engine) -> None:
    client = TestClient(
        create_app(
            ServerSettings(environment="test"), database_url=engine.url.render_as_string(hide_password=False)
        )
    )
    res = client.get("/api/v1/nothing-here")
    assert res.status_code == 404 and res.json()["type"] == "/problems/not-found"


def test_production_refuses_placeholder_secret() -> None:
    """Production never runs on the private trust-auth cluster, nor with a placeholder password."""
    import pytest
    from pydantic import ValidationError

    from registry.settings import DatabaseSettings

    with pytest.raises(ValidationError):
        DatabaseSettings(environment="production", database_url=None)
    with pytest.raises(ValidationError):
        DatabaseSettings(
            environment="production", database_url="postgresql+psycopg://naering:changethis@db/naering"
        )
    with pytest.raises(ValidationError):
        DatabaseSettings(environment="production", database_url="postgresql+psycopg://naering@db/naering")
    real = "postgresql+psycopg://naering:a-real-secret-of-some-length@db/naering"
    assert DatabaseSettings(environment="production", database_url=real).database_url == real
    assert DatabaseSettings(environment="development", database_url=None).database_url is None
