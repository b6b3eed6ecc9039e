"""Inquiries: bad input (problem+json naming each field), spam limits, personal data (retention, erasure on
request, the erasure log applied again after a restore) and the scheduled jobs' lock and idempotence."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services.access import CLI
from registry.services.jobs import run_jobs
from registry.services.privacy import erase_email, reapply_erasures
from registry.settings import InquirySettings, MailSettings
from registry.store import jobs as jobs_store
from tests.accounts import auth_settings, make_app
from tests.inquiry_setup import CONTACT_A, NEED, oslo, two_kommuner

START = oslo(2027, 5, 14, 10)


@pytest.fixture
def world(clean_engine: Engine, tmp_path: Path) -> Iterator[tuple[Engine, FixedClock]]:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)
    clock.set(START)
    yield clean_engine, clock


def _client(engine: Engine, clock: FixedClock, **inquiry: Any) -> TestClient:
    app = make_app(engine, clock=clock)
    if inquiry:
        app.state.inquiry_settings = InquirySettings(**inquiry)
    return TestClient(app, raise_server_exceptions=False)


def _row(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).mappings().first()


def test_impossible_requirements_name_every_field(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    client = _client(engine, clock)
    bad = {
        **NEED,
        "email": "not-an-address",
        "area_min": 80,
        "area_max": 20,
        "power_mw_now": -3,
        "earliest_start": "2027-01-01",
        "kommuner": ["9999"],
        "regionraad": ["Atlantis"],
    }
    r = client.post("/api/v1/inquiries", json=bad)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert set(errors) == {"email", "area_max", "power_mw_now", "earliest_start"}
    assert (
        "negative" in errors["power_mw_now"]["message_en"]
        and "negativ" in errors["power_mw_now"]["message_no"]
    )
    assert "2027-01-01" in errors["earliest_start"]["message_en"]
    # Unknown places are checked against the database once the rest is right.
    r = client.post("/api/v1/inquiries", json={**NEED, "kommuner": ["9999"], "regionraad": ["Atlantis"]})
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {"kommuner", "regionraad"}
    assert _row(engine, "SELECT count(*) AS n FROM inquiry")["n"] == 0


def test_the_honeypot_refuses_and_stores_nothing(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    r = _client(engine, clock).post("/api/v1/inquiries", json={**NEED, "website": "http://spam.example"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "website"
    assert _row(engine, "SELECT count(*) AS n FROM inquiry")["n"] == 0
    assert _row(engine, "SELECT count(*) AS n FROM outbox_message")["n"] == 0


def test_rate_limit_per_address_and_open_inquiries_per_email(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    client = _client(engine, clock, rate_limit_per_address=3, max_open_per_email=2)
    codes = [
        client.post("/api/v1/inquiries", json={**NEED, "email": f"x{i}@example.com"}).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    clock.advance(dt.timedelta(minutes=61))  # the window has passed
    first = client.post("/api/v1/inquiries", json={**NEED, "email": "same@example.com"})
    second = client.post("/api/v1/inquiries", json={**NEED, "email": "SAME@example.com"})
    assert (first.status_code, second.status_code) == (201, 201)
    clock.advance(dt.timedelta(minutes=61))
    third = client.post("/api/v1/inquiries", json={**NEED, "email": "same@example.com"})
    assert third.status_code == 429 and "open inquiries" in third.json()["detail"]
    # Closing one makes room again.
    r = client.post(
        f"/api/v1/inquiries/{first.json()['id']}/responses",
        json={"action": "close"},
        headers={"X-Inquiry-Token": first.json()["token"]},
    )
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/inquiries", json={**NEED, "email": "same@example.com"}).status_code == 201


def _personal(engine: Engine, inquiry_id: str) -> dict[str, Any]:
    return dict(
        _row(
            engine,
            "SELECT name, email, phone, organisation, message, email_hash, erased_at, sector, country,"
            " (SELECT count(*) FROM inquiry_token t WHERE t.inquiry_id = i.id) AS tokens"
            " FROM inquiry i WHERE public_id::text = :p",
            p=inquiry_id,
        )
    )


def test_erasure_on_request_is_logged_by_hash_and_applied_again_after_a_restore(
    world: tuple[Engine, FixedClock],
) -> None:
    engine, clock = world
    client = _client(engine, clock)
    gone = client.post("/api/v1/inquiries", json={**NEED, "email": "forget.me@example.com"}).json()
    kept = client.post("/api/v1/inquiries", json={**NEED, "email": "keep@example.com"}).json()
    with engine.connect() as conn:  # what a backup taken now would hold
        snapshot = (
            conn.execute(text("SELECT * FROM inquiry WHERE public_id::text = :p"), {"p": gone["id"]})
            .mappings()
            .one()
        )

    done = erase_email(engine, CLI, "Forget.Me@example.com", clock=clock)
    assert done.inquiries == 1
    erased = _personal(engine, gone["id"])
    assert erased["email"] is None and erased["name"] is None and erased["message"] is None
    assert erased["tokens"] == 0 and erased["erased_at"] is not None
    assert erased["sector"] == NEED["sector"]  # kept, anonymised, for the statistics
    assert _personal(engine, kept["id"])["email"] == "keep@example.com"
    assert (
        client.get(f"/api/v1/inquiries/{gone['id']}", headers={"X-Inquiry-Token": gone["token"]}).status_code
        == 404
    )
    log = _row(engine, "SELECT email_hash, reason, inquiries FROM inquiry_erasure")
    assert log["reason"] == "request" and log["inquiries"] == 1 and "forget" not in log["email_hash"]

    # A restore brings the old row back; the log (kept apart from it) erases it again.
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE inquiry SET name = :n, email = :e, email_hash = :h, erased_at = NULL, message = :m"
                " WHERE id = :i"
            ),
            {
                "n": snapshot["name"],
                "e": snapshot["email"],
                "h": snapshot["email_hash"],
                "m": snapshot["message"],
                "i": snapshot["id"],
            },
        )
    clock.advance(dt.timedelta(days=1))
    later = client.post("/api/v1/inquiries", json={**NEED, "email": "forget.me@example.com"}).json()
    assert reapply_erasures(engine, clock=clock) == 1
    assert _personal(engine, gone["id"])["email"] is None
    # The same person's later, new inquiry is a new wish and stays.
    assert _personal(engine, later["id"])["email"] == "forget.me@example.com"
    assert reapply_erasures(engine, clock=clock) == 0


def _jobs(engine: Engine, clock: FixedClock, **settings: Any) -> dict[str, int]:
    report = run_jobs(
        engine, settings=InquirySettings(**settings), auth=auth_settings(), mail=MailSettings(), clock=clock
    )
    assert not report.busy
    return report.done


def test_retention_erases_contact_details_months_after_closing(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    client = _client(engine, clock)
    filed = client.post("/api/v1/inquiries", json=NEED).json()
    client.post(
        f"/api/v1/inquiries/{filed['id']}/responses",
        json={"action": "close"},
        headers={"X-Inquiry-Token": filed["token"]},
    )
    clock.advance(dt.timedelta(days=365 * 2 - 5))
    assert _jobs(engine, clock)["retention"] == 0
    clock.advance(dt.timedelta(days=10))
    assert _jobs(engine, clock)["retention"] == 1
    assert _personal(engine, filed["id"])["email"] is None
    assert _row(engine, "SELECT reason FROM inquiry_erasure")["reason"] == "retention"


def test_idle_inquiries_close_and_address_hashes_expire(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    filed = _client(engine, clock).post("/api/v1/inquiries", json=NEED).json()
    clock.advance(dt.timedelta(hours=25))
    done = _jobs(engine, clock)
    assert done["address_hashes"] == 1 and done["auto_close"] == 0
    clock.advance(dt.timedelta(days=181))
    assert _jobs(engine, clock)["auto_close"] == 1
    row = _row(
        engine, "SELECT status, client_addr_hash FROM inquiry WHERE public_id::text = :p", p=filed["id"]
    )
    assert row["status"] == "closed" and row["client_addr_hash"] is None


def test_a_second_run_at_the_same_time_does_nothing(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    with engine.connect() as holder:
        assert jobs_store.try_lock(holder)
        try:
            report = run_jobs(
                engine, settings=InquirySettings(), auth=auth_settings(), mail=MailSettings(), clock=clock
            )
            assert report.busy and report.done == {}
        finally:
            jobs_store.unlock(holder)
            holder.commit()
    # Two runs started together: exactly one does the work.
    results: list[Any] = []

    def run() -> None:
        results.append(
            run_jobs(
                engine, settings=InquirySettings(), auth=auth_settings(), mail=MailSettings(), clock=clock
            )
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if not r.busy) >= 1
    assert _row(engine, "SELECT count(*) AS n FROM stale_reminder")["n"] <= 2  # one per kommune at most


def test_stale_facts_reminder_once_a_period(world: tuple[Engine, FixedClock]) -> None:
    engine, clock = world
    clock.set(oslo(2027, 9, 1, 9))  # the test sites' power and availability, verified 2026-12-01, are stale
    assert _jobs(engine, clock, stale_reminder_days=30)["stale_reminders"] == 2
    assert _jobs(engine, clock, stale_reminder_days=30)["stale_reminders"] == 0
    mail = _row(
        engine,
        "SELECT body_text, subject FROM outbox_message WHERE kind = 'stale_reminder' AND to_addr = :a",
        a=CONTACT_A,
    )
    assert "/my/3201/sites" in mail["body_text"] and "stale" in mail["body_text"]
    clock.advance(dt.timedelta(days=31))
    assert _jobs(engine, clock, stale_reminder_days=30)["stale_reminders"] == 2
