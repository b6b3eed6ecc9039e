"""The kommune's inbox pages and the secretariat's view of one inquiry, through the real routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from tests.accounts import make_app, sign_in
from tests.inquiry_setup import ADMIN, EDITOR_A, EDITOR_B, NEED, A, B, oslo, two_kommuner


@pytest.fixture
def filed(clean_engine: Engine, tmp_path: Path) -> Iterator[tuple[Engine, FixedClock, str]]:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)
    clock.set(oslo(2027, 5, 14, 10))
    client = TestClient(make_app(clean_engine, clock=clock))
    r = client.post("/api/v1/inquiries", json={**NEED, "confidentiality": "open"})
    assert r.status_code == 201, r.text
    yield clean_engine, clock, r.json()["id"]


def _client(engine: Engine, clock: FixedClock, email: str) -> tuple[TestClient, str]:
    client = TestClient(make_app(engine, clock=clock), raise_server_exceptions=False)
    return client, sign_in(client, email)


def test_the_inbox_lists_the_thread_unread_then_read(filed: tuple[Engine, FixedClock, str]) -> None:
    engine, clock, inquiry_id = filed
    client, _ = _client(engine, clock, EDITOR_A)
    page = client.get(f"/my/{A}/inbox?lang=en")
    assert page.status_code == 200
    assert f"/my/{A}/inbox/{inquiry_id}" in page.text
    assert re.search(r"Unread: <strong>1</strong>", page.text)
    thread = client.get(f"/my/{A}/inbox/{inquiry_id}?lang=en")
    assert thread.status_code == 200
    assert NEED["email"] in thread.text  # confidentiality "open": the kommune sees who asks
    assert "Acknowledge receipt" in thread.text
    assert re.search(r"Unread: <strong>0</strong>", client.get(f"/my/{A}/inbox?lang=en").text)


def test_acknowledge_then_answer_from_the_page(filed: tuple[Engine, FixedClock, str]) -> None:
    engine, clock, inquiry_id = filed
    client, csrf = _client(engine, clock, EDITOR_A)
    clock.set(oslo(2027, 5, 14, 12))
    r = client.post(f"/my/{A}/inbox/{inquiry_id}", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "done=acknowledge" in r.headers["location"]
    page = client.get(r.headers["location"])
    assert "Mottaket er bekreftet" in page.text and "2 arbeidstimer" in page.text
    with engine.connect() as conn:
        site_id = conn.execute(
            text("SELECT id FROM site WHERE kommune_nr = :k ORDER BY id LIMIT 1"), {"k": A}
        ).scalar_one()
    # A future date for contact already made is refused next to its field, and nothing is written.
    bad = client.post(
        f"/my/{A}/inbox/{inquiry_id}?lang=en",
        data={"csrf_token": csrf, "body": "We can meet", "step-planning": "2027-06-01"},
    )
    assert bad.status_code == 400
    assert 'id="e-coordination.planning"' in bad.text and "not in the future" in bad.text
    ok = client.post(
        f"/my/{A}/inbox/{inquiry_id}",
        data={
            "csrf_token": csrf,
            "body": "We can meet on Tuesday.",
            f"confirm-{site_id}-power": "on",
            f"fix-{site_id}-power_mw_now": "9",
            "step-planning": "2027-05-14",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "done=answer" in ok.headers["location"]
    with engine.connect() as conn:
        mw, changed_by = conn.execute(
            text("SELECT power_mw_now, power_verified_by FROM site WHERE id = :i"), {"i": site_id}
        ).one()
        history = conn.execute(
            text("SELECT count(*) FROM site_history WHERE site_id = :i AND action = 'update'"), {"i": site_id}
        ).scalar_one()
    assert mw == 9 and changed_by == EDITOR_A and history >= 1


def test_another_kommune_and_anonymous_cannot_reach_the_thread(filed: tuple[Engine, FixedClock, str]) -> None:
    engine, clock, inquiry_id = filed
    b, csrf_b = _client(engine, clock, EDITOR_B)
    assert b.get(f"/my/{A}/inbox/{inquiry_id}").status_code in (403, 404)
    assert b.post(f"/my/{A}/inbox/{inquiry_id}", data={"csrf_token": csrf_b, "body": "x"}).status_code in (
        403,
        404,
    )
    assert b.get(f"/my/{B}/inbox/{inquiry_id}").status_code == 200
    assert b.get(f"/desk/{inquiry_id}").status_code == 403
    anon = TestClient(make_app(engine, clock=clock), raise_server_exceptions=False)
    r = anon.get(f"/my/{A}/inbox/{inquiry_id}", follow_redirects=False)
    assert r.status_code in (302, 303) and "/auth/sign-in" in r.headers["location"]


def test_the_desk_shows_one_inquiry_in_full(filed: tuple[Engine, FixedClock, str]) -> None:
    engine, clock, inquiry_id = filed
    admin, _ = _client(engine, clock, ADMIN)
    page = admin.get(f"/desk/{inquiry_id}?lang=en")
    assert page.status_code == 200
    assert NEED["email"] in page.text and "Bærum" in page.text and "Asker" in page.text
