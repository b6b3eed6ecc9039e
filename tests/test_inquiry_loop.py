"""The whole one-door-in loop against a real SMTP server and a moved clock (issue 9, §8).

An investor's inquiry is routed to two kommuner → the SMTP server receives the notifications → Bærum
acknowledges within its promise, Asker does not → the clock moves past Asker's deadline over a weekend
and a public holiday (Whit Monday and Constitution Day, 17 May 2027) → reminder and escalation e-mails →
the figures show both first-response times in working hours. Nothing sleeps; nothing of ours is mocked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from registry.clock import FixedClock
from registry.services.jobs import run_jobs
from registry.settings import InquirySettings, MailSettings
from tests.accounts import auth_settings, make_app, token_for
from tests.inquiry_setup import (
    ADMIN,
    CONTACT_A,
    CONTACT_B,
    EDITOR_A,
    EDITOR_B,
    NEED,
    A,
    B,
    oslo,
    two_kommuner,
)
from tests.smtp import Collector, smtp_server

# Friday 14 May 2027, 10:00 in Oslo. Monday 17 May is a public holiday (Whit Monday and Constitution Day).
FILED = oslo(2027, 5, 14, 10)


@pytest.fixture
def loop(
    clean_engine: Engine, tmp_path: Path
) -> Iterator[tuple[Engine, FixedClock, Collector, MailSettings]]:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)
    clock.set(FILED)
    with smtp_server() as (collector, mail):
        yield clean_engine, clock, collector, mail


def _client(engine: Engine, clock: FixedClock, mail: MailSettings) -> TestClient:
    return TestClient(make_app(engine, clock=clock, mail=mail), raise_server_exceptions=False)


def _bearer(engine: Engine, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(engine, email)}"}


def _mails(collector: Collector) -> list[dict[str, Any]]:
    out = []
    for msg in collector.received():
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        out.append({"to": str(msg["To"]), "subject": str(msg["Subject"]), "text": body.get_content()})
    return out


def _jobs(engine: Engine, clock: FixedClock, mail: MailSettings) -> dict[str, int]:
    report = run_jobs(engine, settings=InquirySettings(), auth=auth_settings(), mail=mail, clock=clock)
    assert not report.busy
    return report.done


def test_the_whole_loop(loop: tuple[Engine, FixedClock, Collector, MailSettings]) -> None:
    engine, clock, collector, mail = loop
    client = _client(engine, clock, mail)
    confidential = {**NEED, "confidentiality": "registry_only"}

    # 1. The investor asks once and at once gets the matches, and the kommuner that were told.
    r = client.post("/api/v1/inquiries", json=confidential)
    assert r.status_code == 201, r.text
    filed = r.json()
    inquiry_id, token = filed["id"], filed["token"]
    assert {m["kommune_nr"] for m in filed["matches"]} == {A, B}
    assert [n["kommune_nr"] for n in filed["near_misses"]] == [
        A
    ]  # 10 daa of at least 20: one criterion short
    assert sorted(t["kommune_nr"] for t in filed["routed_to"]) == [A, B]
    due = {t["kommune_nr"]: dt.datetime.fromisoformat(t["due_at"]) for t in filed["routed_to"]}
    # Asker promises 8 working hours: 6 on Friday (10–16), Monday is a holiday, 2 on Tuesday.
    assert due[B] == oslo(2027, 5, 18, 10)
    # Bærum promises 16: 6 on Friday, 8 on Tuesday, 2 on Wednesday.
    assert due[A] == oslo(2027, 5, 19, 10)

    # 2. The SMTP server has the notifications: each kommune's contact, the secretariat, the investor.
    mails = _mails(collector)
    by_to = {m["to"]: m for m in mails}
    assert set(by_to) == {CONTACT_A, CONTACT_B, ADMIN, NEED["email"]}
    assert f"/my/{A}/inbox/{inquiry_id}" in by_to[CONTACT_A]["text"]
    assert "2027-05-18 10:00" in by_to[CONTACT_B]["text"]  # its deadline, in Oslo time
    for address in (CONTACT_A, CONTACT_B, ADMIN):
        text = by_to[address]["text"]
        for personal in (NEED["email"], NEED["name"], NEED["organisation"], NEED["phone"]):
            assert personal not in text, (address, personal)
        assert "English version below" in text  # Norwegian first, then English
    assert f"/i/{token}" in by_to[NEED["email"]]["text"]

    # 3. Half of Asker's promise has passed at 14:00: a reminder to Asker only.
    clock.set(oslo(2027, 5, 14, 14, 30))
    assert _jobs(engine, clock, mail)["reminders"] == 1
    reminders = [m for m in _mails(collector)[len(mails) :] if m["to"] == CONTACT_B]
    assert len(reminders) == 1 and "Påminnelse" in reminders[0]["subject"]
    assert _jobs(engine, clock, mail)["reminders"] == 0  # idempotent: never twice

    # 4. Bærum acknowledges at 15:00 on Friday: five working hours, within its promise.
    clock.set(oslo(2027, 5, 14, 15))
    r = client.post(
        f"/api/v1/inquiries/{inquiry_id}/responses", json={"kommune": A}, headers=_bearer(engine, EDITOR_A)
    )
    assert r.status_code == 201, r.text
    assert r.json()["thread"]["first_response_hours"] == 5.0
    assert r.json()["requester"] is None  # confidential: Bærum does not learn who asks

    # 5. The clock moves over the weekend and the holiday, past Asker's deadline: escalation.
    clock.set(oslo(2027, 5, 18, 10, 30))
    sent_before = len(collector.received())
    done = _jobs(engine, clock, mail)
    assert done["escalations"] == 1 and done["reminders"] == 0
    escalations = [m for m in _mails(collector)[sent_before:] if m["to"] == ADMIN]
    assert len(escalations) == 1 and "Asker" in escalations[0]["subject"]
    assert _jobs(engine, clock, mail)["escalations"] == 0

    # 6. Asker answers at noon on Tuesday with a message, a confirmed fact and the grid company contacted.
    clock.set(oslo(2027, 5, 18, 12))
    asker_site = next(m["site_id"] for m in filed["matches"] if m["kommune_nr"] == B)
    r = client.post(
        f"/api/v1/inquiries/{inquiry_id}/responses",
        json={
            "kommune": B,
            "body": "Welcome! The site is ready; we have talked to the grid company.",
            "confirm": {str(asker_site): ["power"]},
            "coordination": {"grid_company": "2027-05-18", "meeting": "2027-05-25"},
        },
        headers=_bearer(engine, EDITOR_B),
    )
    assert r.status_code == 201, r.text
    thread = r.json()["thread"]
    assert thread["first_response_hours"] == 10.0  # 6 on Friday + 0 on the holiday + 4 on Tuesday
    assert thread["answered_late"] is True and thread["status"] == "answered"
    assert {c["step"] for c in thread["coordination"]} == {"grid_company", "meeting"}

    # 7. The secretariat sees both first-response times; the investor sees both threads.
    admin = client.get(f"/api/v1/inquiries/{inquiry_id}", headers=_bearer(engine, ADMIN)).json()
    hours = {t["kommune_nr"]: (t["first_response_hours"], t["answered_late"]) for t in admin["threads"]}
    assert hours == {A: (5.0, False), B: (10.0, True)}
    # The desk's figures: first-response times in working hours and the share within the promise.
    stats = client.get(
        "/api/v1/stats/response-times",
        params={"from": "2027-05-01", "to": "2027-06-01"},
        headers=_bearer(engine, ADMIN),
    )
    assert stats.status_code == 200, stats.text
    rows = {r["key"]: r for r in stats.json()["rows"]}
    assert (rows[A]["median_hours"], rows[A]["share_within_promise"]) == (5.0, 1.0)
    assert (rows[B]["median_hours"], rows[B]["share_within_promise"]) == (10.0, 0.0)
    assert rows[B]["coordination"]["grid_company"] == 1 and rows[B]["coordination"]["meeting"] == 1
    total = stats.json()["total"]
    assert (total["median_hours"], total["share_within_promise"]) == (7.5, 0.5)
    mine = client.get(f"/api/v1/inquiries/{inquiry_id}", headers={"X-Inquiry-Token": token}).json()
    assert mine["requester"]["email"] == NEED["email"]
    assert [m["body"] for t in mine["threads"] for m in t["messages"] if m["body"]] == [
        "Welcome! The site is ready; we have talked to the grid company."
    ]
    # The investor was told of each response by e-mail, with a fresh private link that works.
    told = [m for m in _mails(collector) if m["to"] == NEED["email"] and "Asker" in m["subject"]]
    assert len(told) == 1
    fresh = told[0]["text"].split("http://testserver/i/")[1].split()[0]
    assert fresh != token
    seen = client.get(f"/api/v1/inquiries/{inquiry_id}", headers={"X-Inquiry-Token": fresh})
    assert seen.status_code == 200 and seen.json()["id"] == inquiry_id


def test_a_kommune_sees_only_its_own_thread(loop: tuple[Engine, FixedClock, Collector, MailSettings]) -> None:
    engine, clock, _collector, mail = loop
    client = _client(engine, clock, mail)
    filed = client.post("/api/v1/inquiries", json={**NEED, "confidentiality": "registry_only"}).json()
    inquiry_id = filed["id"]
    a, b = _bearer(engine, EDITOR_A), _bearer(engine, EDITOR_B)
    r = client.post(
        f"/api/v1/inquiries/{inquiry_id}/responses",
        json={"kommune": A, "body": "Bærum's secret offer"},
        headers=a,
    )
    assert r.status_code == 201

    seen_by_b = client.get(f"/api/v1/inquiries/{inquiry_id}", headers=b)
    assert seen_by_b.status_code == 200
    assert "Bærum's secret offer" not in seen_by_b.text
    assert seen_by_b.json()["thread"]["kommune_nr"] == B
    assert {s["kommune_nr"] for s in seen_by_b.json()["sites"]} == {B}
    for personal in (NEED["email"], NEED["name"], NEED["organisation"], NEED["phone"]):
        assert personal not in seen_by_b.text

    # B cannot answer in A's name, nor read A's thread page; an outsider cannot read the inquiry at all.
    r = client.post(f"/api/v1/inquiries/{inquiry_id}/responses", json={"kommune": A, "body": "x"}, headers=b)
    assert r.status_code == 404
    assert client.get(f"/api/v1/inquiries/{inquiry_id}").status_code == 404
    assert (
        client.get(f"/api/v1/inquiries/{inquiry_id}", headers={"X-Inquiry-Token": "wrong"}).status_code == 404
    )
    inbox_b = client.get("/api/v1/inbox", headers=b).json()
    assert [t["kommune_nr"] for t in inbox_b["threads"]] == [B]
    assert inbox_b["unread"] == 1 and inbox_b["waiting"] == 1


def test_identity_is_shown_only_as_the_investor_allows(
    loop: tuple[Engine, FixedClock, Collector, MailSettings],
) -> None:
    engine, clock, _collector, mail = loop
    client = _client(engine, clock, mail)
    b = _bearer(engine, EDITOR_B)
    shown = {}
    for choice in ("open", "on_accept", "registry_only"):
        filed = client.post(
            "/api/v1/inquiries", json={**NEED, "email": f"{choice}@example.com", "confidentiality": choice}
        ).json()
        shown[choice] = (filed, client.get(f"/api/v1/inquiries/{filed['id']}", headers=b).json()["requester"])
    assert shown["open"][1]["email"] == "open@example.com"
    assert shown["on_accept"][1] is None and shown["registry_only"][1] is None
    # The investor accepts Asker's reply: now Asker may see who asks (and only Asker).
    filed = shown["on_accept"][0]
    r = client.post(
        f"/api/v1/inquiries/{filed['id']}/responses",
        json={"kommune": B, "action": "accept"},
        headers={"X-Inquiry-Token": filed["token"]},
    )
    assert r.status_code == 201, r.text
    assert (
        client.get(f"/api/v1/inquiries/{filed['id']}", headers=b).json()["requester"]["email"]
        == "on_accept@example.com"
    )
    a = _bearer(engine, EDITOR_A)
    assert client.get(f"/api/v1/inquiries/{filed['id']}", headers=a).json()["requester"] is None
