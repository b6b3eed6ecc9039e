"""Prometheus metrics at /metrics (issue 13, §3): who may read them, route templates (never raw URLs)
as labels, the database pool, and the registry's own figures equal to what is in the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from api.app import create_app
from registry.clock import FixedClock
from registry.services import inquiries
from registry.services.submissions import SubmitOptions, run_submission
from registry.settings import InquirySettings, MailSettings, ServerSettings
from tests.accounts import auth_settings, make_app, make_user, reset_accounts, sign_in
from tests.inquiry_setup import ADMIN, EDITOR_A, NEED, A, oslo, two_kommuner
from tests.sites_factory import anchor_25833, site_props, square_25833, to_lonlat, write_geojson

TOKEN = "prometheus-scrapes-with-this-long-token"


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(text: str, name: str, **labels: str) -> float:
    return _samples(text)[(name, frozenset(labels.items()))]


def _client(engine: Engine, clock: FixedClock | None = None, **server: object) -> TestClient:
    return TestClient(make_app(engine, clock=clock, metrics_token=TOKEN, **server))


def _scrape(client: TestClient) -> str:
    res = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain; version=")
    return res.text


def test_only_prometheus_token_or_an_admin(clean_engine: Engine) -> None:
    reset_accounts(clean_engine)
    make_user(clean_engine, ADMIN, role="admin")
    make_user(clean_engine, EDITOR_A, kommuner=[A])
    client = _client(clean_engine)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    editor = _client(clean_engine)
    sign_in(editor, EDITOR_A)
    assert editor.get("/metrics").status_code == 403
    admin = _client(clean_engine)
    sign_in(admin, ADMIN)
    assert admin.get("/metrics").status_code == 200
    # Without a token configured, the token grants nothing: admins only.
    untokened = TestClient(make_app(clean_engine))
    assert untokened.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401


def test_requests_are_labelled_by_route_template(clean_engine: Engine) -> None:
    client = _client(clean_engine)
    for site_id in (98765, 98766):
        assert client.get(f"/api/v1/sites/{site_id}").status_code == 404
    assert client.get("/api/v1/kommuner").status_code == 200
    assert client.get("/no/such/page/4242").status_code == 404
    text = _scrape(client)
    template = "/api/v1/sites/{site_id}"
    labels = {"route": template, "method": "GET", "status": "4xx"}
    assert _value(text, "naering_http_requests_total", **labels) == 2
    assert _value(text, "naering_http_request_duration_seconds_count", **labels) == 2
    assert _value(text, "naering_http_request_duration_seconds_bucket", le="+Inf", **labels) == 2
    assert (
        _value(text, "naering_http_requests_total", route="/api/v1/kommuner", method="GET", status="2xx") == 1
    )
    assert _value(text, "naering_http_requests_total", route="unmatched", method="GET", status="4xx") == 1
    for raw in ("98765", "98766", "4242", "/no/such/page"):
        assert raw not in text


def test_database_pool_in_use_and_size(clean_engine: Engine) -> None:
    client = _client(clean_engine, clock=FixedClock())
    text = _scrape(client)
    pool = client.app.state.engine.pool  # type: ignore[attr-defined]
    assert _value(text, "naering_db_pool_size") == pool.size() > 0
    # The registry's figures are read and their connection returned before the pool is read.
    assert _value(text, "naering_db_pool_in_use") == 0
    with clean_engine.connect():  # the app's engine (one engine per URL): one connection lent out
        assert _value(_scrape(client), "naering_db_pool_in_use") == 1


def test_business_figures_equal_the_database(clean_engine: Engine, tmp_path: Path) -> None:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)  # two files loaded (one per kommune)
    x, y = anchor_25833(clean_engine, A)
    bad = [(to_lonlat(square_25833(x, y, 100, dx=5_000)), site_props(9, A, maturity="M9"))]
    junk = write_geojson(tmp_path / "bad.geojson", bad)  # its one row has an error: nothing to load
    assert run_submission(clean_engine, junk, SubmitOptions(kommune_nr=A)).rejected
    clock.set(oslo(2027, 5, 14, 10))
    filed = inquiries.submit(
        clean_engine,
        {**NEED, "confidentiality": "registry_only"},
        client_addr="192.0.2.10",
        settings=InquirySettings(),
        auth=auth_settings(),
        mail=MailSettings(),
        clock=clock,
    )
    assert filed is not None
    client = _client(clean_engine, clock=clock)
    text = _scrape(client)
    assert _value(text, "naering_business_metrics_up") == 1
    assert _value(text, "naering_submissions", outcome="loaded") == 2
    assert _value(text, "naering_submissions", outcome="rejected") == 1
    assert _value(text, "naering_submissions", outcome="checked") == 0
    assert _value(text, "naering_inquiries", state="open") == 1
    assert _value(text, "naering_inquiries", state="closed") == 0
    assert _value(text, "naering_inquiry_first_responses_overdue") == 0
    for personal in (NEED["email"], NEED["name"], NEED["organisation"], NEED["phone"]):
        assert personal not in text

    # Read again only after the cache's 15 s: a scrape storm costs the database one round.
    assert run_submission(clean_engine, junk, SubmitOptions(kommune_nr=A)).rejected
    assert _value(_scrape(client), "naering_submissions", outcome="rejected") == 1
    clock.advance(dt.timedelta(seconds=16))
    assert _value(_scrape(client), "naering_submissions", outcome="rejected") == 2

    # A month on, nobody has responded: both kommuner's threads are overdue.
    clock.advance(dt.timedelta(days=30))
    assert _value(_scrape(client), "naering_inquiry_first_responses_overdue") == 2


def test_figures_are_down_not_an_error_when_the_database_is_gone(engine: Engine) -> None:
    broken = engine.url.set(database="naering_no_such_database")
    client = TestClient(
        create_app(
            ServerSettings(environment="test", metrics_token=TOKEN),
            database_url=broken.render_as_string(hide_password=False),
        )
    )
    text = _scrape(client)
    assert _value(text, "naering_business_metrics_up") == 0
    assert not any(name == "naering_submissions" for name, _ in _samples(text))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token x"])
def test_malformed_authorization_is_refused(clean_engine: Engine, header: str) -> None:
    assert _client(clean_engine).get("/metrics", headers={"Authorization": header}).status_code == 401
