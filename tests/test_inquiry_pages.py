"""The investor's pages: the form at /inquiries/new (prefill, messages beside each field in both languages,
the honeypot, the spam limit), the private page /i/{token} with its actions and headers, and the e-mailed
list of one's inquiries (/inquiries/mine → /i/all/{token}). A real SMTP server; nothing of ours mocked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.clock import FixedClock
from registry.settings import InquirySettings, MailSettings, ServerSettings
from tests.accounts import auth_settings, csrf_from, make_app, token_for
from tests.inquiry_setup import EDITOR_A, EDITOR_B, NEED, A, B, oslo, two_kommuner
from tests.smtp import Collector, smtp_server

FILED = oslo(2027, 5, 14, 10)  # a Friday morning in Oslo
Pages = tuple[Engine, FixedClock, Collector, MailSettings]


@pytest.fixture
def pages(clean_engine: Engine, tmp_path: Path) -> Iterator[Pages]:
    clock = FixedClock(oslo(2027, 5, 10, 9))
    two_kommuner(clean_engine, tmp_path, clock)
    clock.set(FILED)
    with smtp_server() as (collector, mail):
        yield clean_engine, clock, collector, mail


def _client(engine: Engine, clock: FixedClock, mail: MailSettings) -> TestClient:
    return TestClient(make_app(engine, clock=clock, mail=mail), raise_server_exceptions=False)


def _sites(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, id FROM site WHERE status = 'published' ORDER BY id")).all()
    return {r[0]: r[1] for r in rows}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _form(client: TestClient, query: str = "") -> str:
    page = client.get(f"/inquiries/new{query}")
    assert page.status_code == 200, page.text[:500]
    return csrf_from(page.text)


def _post(client: TestClient, data: dict[str, Any], query: str = "") -> Any:
    csrf = _form(client, query)
    return client.post(f"/inquiries/new{query}", data={**data, "csrf_token": csrf}, follow_redirects=False)


def _file(client: TestClient, **extra: Any) -> str:
    """File NEED through the form; return the private page's path."""
    r = _post(client, {**NEED, **extra})
    assert r.status_code == 303, r.text[:2000]
    location = r.headers["location"]
    assert re.fullmatch(r"/i/[A-Za-z0-9_-]{40,}\?new=1&lang=(no|en)", location), location
    return location.split("?")[0]


def _field_message(html: str, name: str) -> str:
    """The message shown right above the field `name` (between its label and its input)."""
    found = re.search(
        rf'<label for="f-{re.escape(name)}">.*?</label>\s*'
        rf'<div class="error field-error" id="e-{re.escape(name)}">(.*?)</div>\s*'
        rf'<input id="f-{re.escape(name)}"[^>]*aria-invalid="true" aria-describedby="e-{re.escape(name)}',
        html,
        re.S,
    )
    assert found, f"no message beside {name}"
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip()


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'<input id="f-{re.escape(name)}" name="{re.escape(name)}" [^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def _mails(collector: Collector) -> list[dict[str, str]]:
    out = []
    for msg in collector.received():
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        out.append({"to": str(msg["To"]), "subject": str(msg["Subject"]), "text": body.get_content()})
    return out


def _actions(html: str) -> set[str]:
    return set(re.findall(r'action="/i/[^/"]+/(\w+)"', html))


# --- the form --------------------------------------------------------------------------------------------


def test_the_form_opens_prefilled_from_sites_and_a_kommune(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    sites = _sites(engine)
    one, two = sites[f"Område {A}-1"], sites[f"Område {B}-1"]
    page = client.get(f"/inquiries/new?site_ids={one}&site_ids={two}&kommuner={A}&lang=en")
    assert page.status_code == 200
    html = page.text
    assert "Ask the region for a business site" in html
    for site_id, name in ((one, f"Område {A}-1"), (two, f"Område {B}-1")):
        assert re.search(rf'value="{site_id}" id="f-site_ids-{site_id}" checked> {name}', html), name
    assert re.search(rf'value="{A}" id="f-kommuner-{A}" checked>', html)
    assert not re.search(rf'value="{B}" id="f-kommuner-{B}" checked>', html)
    # The confidentiality default, the honeypot hidden from people, the privacy notice with the retention.
    assert 'value="on_accept" id="f-confidentiality-on_accept" checked' in html
    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', html, re.S)
    assert honeypot and 'tabindex="-1"' in honeypot.group(1) and 'autocomplete="off"' in honeypot.group(1)
    assert "Leave this field empty" in honeypot.group(1)
    assert "erased 24 months after the inquiry is closed" in html
    assert "keep names out of it if you choose not to be known" in html
    # Every field of schemas/inquiry.py has a control.
    for name in (
        "organisation",
        "name",
        "email",
        "phone",
        "country",
        "client",
        "sector",
        "area_min",
        "area_max",
    ):
        assert f'id="f-{name}"' in html
    for name in ("power_mw_now", "power_mw_by_year", "power_year", "earliest_start", "maturity_min"):
        assert f'id="f-{name}"' in html
    for name in ("max_km_main_road", "max_km_rail_terminal", "max_km_port", "max_km_airport", "message"):
        assert f'id="f-{name}"' in html
    assert 'type="date"' in html and 'name="availability" value="for_sale_or_lease"' in html
    assert 'name="use_codes" value="1340"' in html and 'name="regionraad"' in html
    # A regionråd opens the form with it ticked; in Norwegian by default (the cookie said English).
    council = re.search(r'name="regionraad" value="([^"]+)"', html)
    assert council
    norsk = client.get("/inquiries/new", params={"regionraad": council.group(1), "lang": "no"}).text
    assert "Spør regionen om et næringsareal" in norsk and "slettes 24 måneder etter" in norsk
    assert re.search(rf'value="{re.escape(council.group(1))}" id="f-regionraad-\d+" checked', norsk)
    # The nav and every page link to the form.
    assert '<a href="/inquiries/new">Spør regionen</a>' in norsk


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            ("is below the smallest", "has passed; choose a date from today", "does not look like an e-mail"),
        ),
        (
            "no",
            (
                "er mindre enn minste",
                "er passert; velg en dato fra i dag",
                "ser ikke ut som en e-postadresse",
            ),
        ),
    ],
)
def test_a_bad_submission_shows_each_message_beside_its_field(
    pages: Pages, lang: str, words: tuple[str, str, str]
) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    site = _sites(engine)[f"Område {A}-1"]
    bad = {
        **NEED,
        "area_min": "80",
        "area_max": "20",
        "earliest_start": "2027-01-04",
        "email": "kari-at-nordicbattery",
        "site_ids": str(site),
        "use_codes": ["1340", "1350"],
        "confidentiality": "registry_only",
    }
    r = _post(client, bad, f"?lang={lang}")
    assert r.status_code == 400
    html = r.text
    assert words[0] in _field_message(html, "area_max")
    assert words[1] in _field_message(html, "earliest_start")
    assert words[2] in _field_message(html, "email")
    # The summary is an alert linking to each field; every value is kept.
    summary = re.search(r'<div class="notice bad error-summary" role="alert"(.*?)</div>', html, re.S)
    assert summary
    assert {"#f-area_max", "#f-earliest_start", "#f-email"} <= set(
        re.findall(r'href="(#f-[a-z_]+)"', summary[1])
    )
    assert _value(html, "area_min") == "80" and _value(html, "area_max") == "20"
    assert _value(html, "email") == "kari-at-nordicbattery"
    assert _value(html, "earliest_start") == "2027-01-04"
    assert _value(html, "organisation") == NEED["organisation"]
    assert (
        'value="1340" id="f-use_codes-1340" checked' in html
        and 'value="1350" id="f-use_codes-1350" checked' in html
    )
    assert 'value="registry_only" id="f-confidentiality-registry_only" checked' in html
    assert f'value="{site}" id="f-site_ids-{site}" checked' in html
    assert "<textarea" in html and NEED["message"] in html
    assert _count(engine, "inquiry") == 0


def test_the_honeypot_refuses_quietly(pages: Pages) -> None:
    engine, clock, collector, mail = pages
    client = _client(engine, clock, mail)
    r = _post(client, {**NEED, "website": "http://spam.example"}, "?lang=en")
    assert r.status_code == 400
    assert "This field must be left empty." in r.text
    assert _count(engine, "inquiry") == 0 and collector.received() == []


def test_the_form_needs_its_csrf_token(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    _form(client)
    r = client.post("/inquiries/new", data={**NEED, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and _count(engine, "inquiry") == 0


def test_too_many_inquiries_from_one_place(pages: Pages) -> None:
    engine, clock, _, mail = pages
    app = create_app(
        ServerSettings(environment="test"),
        database_url=engine.url.render_as_string(hide_password=False),
        auth=auth_settings(),
        mail=mail,
        inquiries=InquirySettings(rate_limit_per_address=1),
        clock=clock,
    )
    client = TestClient(app, raise_server_exceptions=False)
    _file(client)
    r = _post(client, {**NEED, "email": "other@nordicbattery.example"}, "?lang=en")
    assert r.status_code == 429
    assert "Too many inquiries from the same place" in r.text
    assert _value(r.text, "email") == "other@nordicbattery.example"


# --- the private page ------------------------------------------------------------------------------------


def test_success_leads_to_the_private_page_with_the_matches(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    client.get("/inquiries/new?lang=en")
    path = _file(client)
    page = client.get(path + "?new=1")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Thank you! Your inquiry is sent." in html
    assert "area 20–80 daa; power 5 MW now" in html
    matches = re.search(r"Sites that fit \((\d+)\)", html)
    assert matches and int(matches.group(1)) == 2
    assert f"Område {A}-1" in html and f"Område {B}-1" in html
    assert "Near misses: one need is missing (1)" in html
    assert re.search(r'<span class="verdict v-meets">Meets</span>\s*<strong>Area</strong>', html)
    assert "verified 2026-12-01" in html
    assert "Missing:" in html  # the near miss (10 daa of at least 20) says what it lacks
    for name in ("Bærum", "Asker"):
        assert f">{name}</h4>" in html
    assert "Deadline" in html and "2027-05-18 10:00" in html  # Asker: 8 working hours over Whit Monday
    assert _actions(html) == {"reply", "accept", "shortlist", "close"}
    # Without ?new=1 no banner; the same page in Norwegian.
    again = client.get(path + "?lang=no").text
    assert "Takk!" not in again and "Områder som passer (2)" in again and "Oppfyller" in again


def test_the_investors_actions_and_refusal_after_closing(pages: Pages) -> None:
    engine, clock, collector, mail = pages
    client = _client(engine, clock, mail)
    client.get("/inquiries/new?lang=en")
    path = _file(client)
    html = client.get(path).text
    csrf = csrf_from(html)

    def act(action: str, **data: Any) -> Any:
        return client.post(f"{path}/{action}", data={"csrf_token": csrf, **data}, follow_redirects=False)

    # Reply to Bærum: Bærum's contact is told; the message shows in Bærum's thread.
    before = len(collector.received())
    r = act("reply", kommune_nr=A, body="Could we visit in June?")
    assert r.status_code == 303 and r.headers["location"] == f"{path}?done=reply#k-{A}"
    page = client.get(r.headers["location"].split("#")[0]).text
    assert "Your message is sent to the kommune." in page
    bærum = page.split(f'id="k-{A}"')[1].split("</section>")[0]
    assert "Could we visit in June?" in bærum
    assert [m["to"] for m in _mails(collector)[before:]] == ["naering@baerum.example"]
    # An empty reply: the message beside that kommune's box, nothing stored.
    r = act("reply", kommune_nr=B, body="  ")
    assert r.status_code == 400
    assert re.search(rf'id="reply-{B}-error"><p>Write a message', r.text)
    assert re.search(rf'<textarea id="reply-{B}" name="body" aria-invalid="true"', r.text)

    # Accept Bærum's reply: Bærum may now see who asks; the button goes.
    r = act("accept", kommune_nr=A)
    assert r.status_code == 303
    page = client.get(path).text
    bærum = page.split(f'id="k-{A}"')[1].split("</section>")[0]
    assert "Sees who you are</dt><dd>Yes" in bærum and "/accept" not in bærum
    assert f"/i/{path.split('/')[-1]}/accept" in page.split(f'id="k-{B}"')[1]

    # Asker answers; then its answer can be marked useful.
    with engine.connect() as conn:
        public_id = str(conn.execute(text("SELECT public_id FROM inquiry")).scalar_one())
    editor = {"Authorization": f"Bearer {token_for(engine, EDITOR_B)}"}
    r = client.post(
        f"/api/v1/inquiries/{public_id}/responses", json={"kommune": B, "body": "Welcome!"}, headers=editor
    )
    assert r.status_code == 201, r.text
    page = client.get(path).text
    asker = page.split(f'id="k-{B}"')[1].split("</section>")[0]
    assert "Welcome!" in asker and "/useful" in asker and "Answered" in asker
    assert "/useful" not in page.split(f'id="k-{A}"')[1].split("</section>")[0]
    assert act("useful", kommune_nr=B).status_code == 303
    asker = client.get(path).text.split(f'id="k-{B}"')[1].split("</section>")[0]
    assert "Useful answer</dt><dd>Yes" in asker and "The answer was not useful after all" in asker

    # Shortlist a site, and take it off again.
    site = _sites(engine)[f"Område {B}-1"]
    r = act("shortlist", site_id=str(site), value="1")
    assert r.status_code == 303 and r.headers["location"].endswith(f"#s-{site}")
    item = client.get(path).text.split(f'id="s-{site}"')[1].split("</li>\n</ul>")[0]
    assert "Shortlisted" in item and "Remove from the shortlist" in item
    assert act("shortlist", site_id=str(site), value="0").status_code == 303
    assert "Shortlisted" not in client.get(path).text.split(f'id="s-{site}"')[1].split("</form>")[0]
    assert act("shortlist", site_id="999999").status_code == 400

    # Close: the forms go; a reply after closing is refused with a message.
    bærum_editor = {"Authorization": f"Bearer {token_for(engine, EDITOR_A)}"}
    r = client.post(f"/api/v1/inquiries/{public_id}/responses", json={"kommune": A}, headers=bærum_editor)
    assert r.status_code == 201, r.text
    r = act("close")
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "The inquiry is closed." in page and _actions(page) == {"shortlist"}
    r = act("reply", kommune_nr=A, body="One more thing")
    assert r.status_code == 409 and "The inquiry is closed and can no longer be changed" in r.text
    assert "One more thing" not in r.text
    assert act("accept", kommune_nr=B).status_code == 409


def test_closing_with_an_unanswered_thread(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    path = _file(client)
    csrf = csrf_from(client.get(path).text)
    r = client.post(f"{path}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM inquiry_thread")).scalars().all()
        closed = conn.execute(text("SELECT status, closed_at IS NOT NULL FROM inquiry")).one()
    assert set(statuses) == {"new"}  # never answered: the desk counts them so
    assert tuple(closed) == ("closed", True)


def test_an_unknown_token_is_a_404_page(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    r = client.get("/i/" + "x" * 43 + "?lang=en")
    assert r.status_code == 404
    assert "The link is unknown or has expired" in r.text
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"
    _form(client)
    r = client.post(
        "/i/" + "x" * 43 + "/close", data={"csrf_token": csrf_from(client.get("/inquiries/new").text)}
    )
    assert r.status_code == 404
    # Other pages keep the site's referrer policy.
    assert client.get("/inquiries/new").headers["referrer-policy"] == "strict-origin-when-cross-origin"


# --- all inquiries of one address ------------------------------------------------------------------------


def test_mine_answers_alike_and_mails_one_link_that_lists_the_inquiries(pages: Pages) -> None:
    engine, clock, collector, mail = pages
    client = _client(engine, clock, mail)
    client.get("/inquiries/new?lang=en")
    _file(client)
    _file(client, area_min="1", area_max="200", message="A second need.")
    before = len(collector.received())

    answers = []
    for address in ("nobody@nowhere.example", NEED["email"].upper()):
        csrf = csrf_from(client.get("/inquiries/mine").text)
        r = client.post(
            "/inquiries/mine", data={"email": address, "csrf_token": csrf}, follow_redirects=False
        )
        assert r.status_code == 303
        page = client.get(r.headers["location"])
        answers.append((r.headers["location"], page.status_code, page.text.replace(csrf, "")))
    assert answers[0] == answers[1]
    assert "If inquiries were sent from this address, a link is on its way." in answers[0][2]

    sent = _mails(collector)[before:]
    assert [m["to"] for m in sent] == [NEED["email"]]
    link = re.search(r"http://testserver(/i/all/\S+)", sent[0]["text"])
    assert link, sent[0]["text"]
    page = client.get(link.group(1))
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert html.count('<article class="inquiry"') == 2
    assert "area 1–200 daa" in html and "area 20–80 daa" in html and "A second need." in html
    assert "the registry does not store those links" in html
    assert _actions(html) == set() and '<form method="post" action="/i/' not in html
    assert client.get("/i/all/" + "y" * 43).status_code == 404

    # Nobody can flood an address: three links an hour at most, the answer unchanged.
    for _ in range(4):
        csrf = csrf_from(client.get("/inquiries/mine").text)
        client.post("/inquiries/mine", data={"email": NEED["email"], "csrf_token": csrf})
    assert len(_mails(collector)[before:]) == 3
    clock.advance(dt.timedelta(hours=1, minutes=1))
    csrf = csrf_from(client.get("/inquiries/mine").text)
    client.post("/inquiries/mine", data={"email": NEED["email"], "csrf_token": csrf})
    assert len(_mails(collector)[before:]) == 4

    # An empty address is a message beside the field.
    csrf = csrf_from(client.get("/inquiries/mine").text)
    r = client.post("/inquiries/mine", data={"email": " ", "csrf_token": csrf})
    assert r.status_code == 400 and 'aria-describedby="e-email"' in r.text and "Fill in e-mail." in r.text


def test_the_site_popup_asks_about_the_site() -> None:
    from maps.popups import site_popup_html

    html = site_popup_html({"id": 12, "name": "Alnabru", "url": "/api/v1/sites/12"}, "en")
    assert (
        '<a class="nar-ask" href="/inquiries/new?site_ids=12&amp;lang=en">'
        "Ask about this site / Spør om dette området</a>" in html
    )
    assert "nar-ask" not in site_popup_html({"id": "s1<script>", "name": "x"}, "no")
    assert "Spør om dette området / Ask about this site" in site_popup_html({"id": "7"}, "no")


def test_editor_role_is_unrelated(pages: Pages) -> None:
    """A signed-in kommune editor can file too (the session's CSRF token); nothing needs an account."""
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    from tests.accounts import sign_in

    sign_in(client, EDITOR_A)
    assert _file(client).startswith("/i/")


def test_the_private_page_never_hands_its_token_on(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    path = _file(client)
    html = client.get(path).text
    token = path.split("/i/")[1].split("?")[0]
    assert "/auth/sign-in?next=/" in html.replace("%2F", "/")
    # The reference data behind the verdicts is credited with its licence.
    assert "Kartverket" in html and ("licence" in html or "lisens" in html)
    assert html.count(token) == html.count(f"/i/{token}")  # only in links to itself (forms, language)


def test_the_language_switch_keeps_every_prefilled_site(pages: Pages) -> None:
    engine, clock, _, mail = pages
    client = _client(engine, clock, mail)
    with engine.connect() as conn:
        a, b = conn.execute(text("SELECT id FROM site ORDER BY id LIMIT 2")).scalars().all()
    html = client.get(f"/inquiries/new?site_ids={a}&site_ids={b}&lang=no").text
    switch = re.search(r'href="([^"]*lang=en[^"]*)" lang="en"', html)
    assert switch, "no language switch"
    assert f"site_ids={a}" in switch.group(1) and f"site_ids={b}" in switch.group(1)
