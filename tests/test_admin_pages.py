"""The secretariat's pages: users and grants, members and regionråd, organisation numbers, the outbox and
the audit log; admins only, CSRF on every form, every change audited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.clock import FixedClock
from registry.services import accounts
from registry.services.access import CLI
from registry.services.reference import load_reference
from registry.settings import AuthSettings, MailSettings, ServerSettings

AUTH = AuthSettings(environment="test", public_url="http://testserver")
PASSWORD = "correct horse battery"
ADMIN = "sekretariat@osloregionen.test"
EDITOR = "redaktor@asker.test"
ACCOUNT_TABLES = "app_user, org_kommune, outbox_message, audit_event, sign_in_attempt"


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {ACCOUNT_TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture
def accounts_engine(clean_engine: Engine) -> Iterator[Engine]:
    _truncate(clean_engine)
    yield clean_engine
    _truncate(clean_engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def _app_client(engine: Engine, clock: FixedClock) -> TestClient:
    app = create_app(
        ServerSettings(environment="test"),
        database_url=engine.url.render_as_string(hide_password=False),
        auth=AUTH,
        mail=MailSettings(),
        clock=clock,
    )
    return TestClient(app, follow_redirects=False)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _user(engine: Engine, clock: FixedClock, email: str, role: str, kommuner: list[str]) -> None:
    accounts.create_user(
        engine, CLI, email=email, role=role, kommuner=kommuner, password=PASSWORD, settings=AUTH, clock=clock
    )


def _signed_in(engine: Engine, clock: FixedClock, email: str) -> TestClient:
    client = _app_client(engine, clock)
    token = _csrf(client.get("/auth/sign-in").text)
    res = client.post(
        "/auth/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/admin"}
    )
    assert res.status_code == 303, res.text
    return client


def _token(client: TestClient, page: str = "/admin") -> str:
    res = client.get(page)
    assert res.status_code == 200, res.text
    return _csrf(res.text)


@pytest.fixture
def admin(accounts_engine: Engine, clock: FixedClock) -> TestClient:
    _user(accounts_engine, clock, ADMIN, "admin", [])
    return _signed_in(accounts_engine, clock, ADMIN)


def _audit(engine: Engine, action: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, target, details FROM audit_event WHERE action = :a ORDER BY id"),
            {"a": action},
        )
        return [dict(r._mapping) for r in rows]


def test_invite_lands_in_the_outbox_and_its_link_signs_the_person_in(
    admin: TestClient, accounts_engine: Engine, clock: FixedClock
) -> None:
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert '<label for="email">' in page.text and 'id="email"' in page.text
    res = admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": _csrf(page.text),
            "email": "Ny.Person@Baerum.test",
            "name": "Ny Person",
            "role": "editor",
            "kommuner": ["3201"],
            "other_kommuner": "3203",
        },
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/admin/users/ny.person@baerum.test?ok=invited"
    user_page = admin.get(res.headers["location"])
    assert "3201" in user_page.text and "3203" in user_page.text and 'role="status"' in user_page.text

    outbox = admin.get("/admin/outbox?status=kept")
    assert outbox.status_code == 200 and "ny.person@baerum.test" in outbox.text
    message_id = re.search(r'href="/admin/outbox/(\d+)"', outbox.text)
    assert message_id
    message = admin.get(f"/admin/outbox/{message_id.group(1)}")
    link = re.search(r"http://testserver(/auth/invite/[A-Za-z0-9_-]+)", message.text)
    assert link, message.text

    person = _app_client(accounts_engine, clock)
    form = person.get(link.group(1))
    assert form.status_code == 200
    done = person.post(
        link.group(1),
        data={
            "csrf_token": _csrf(form.text),
            "password": "a long new password",
            "password2": "a long new password",
        },
    )
    assert done.status_code == 303
    me = person.get("/api/v1/me").json()
    assert me["email"] == "ny.person@baerum.test"
    assert [k["nr"] for k in me["kommuner"]] == ["3201", "3203"]
    assert _audit(accounts_engine, "user.invite")[0]["actor"] == ADMIN


def test_invite_refused_keeps_the_values_and_marks_the_field(admin: TestClient) -> None:
    res = admin.post(
        "/admin/users/invite",
        data={"csrf_token": _token(admin), "email": "not-an-address", "name": "Kari", "role": "editor"},
    )
    assert res.status_code == 422
    assert 'aria-invalid="true" aria-describedby="email-error"' in res.text
    assert (
        'id="email-error"' in res.text and 'value="not-an-address"' in res.text and 'value="Kari"' in res.text
    )
    res = admin.post(
        "/admin/users/invite",
        data={"csrf_token": _token(admin), "email": "kari@asker.test", "role": "editor"},
    )
    assert res.status_code == 422 and 'id="kommune-error"' in res.text  # an editor needs a kommune


def test_grant_and_revoke_change_what_me_says_and_are_audited(
    admin: TestClient, accounts_engine: Engine, clock: FixedClock
) -> None:
    _user(accounts_engine, clock, EDITOR, "editor", ["3203"])
    editor = _signed_in(accounts_engine, clock, EDITOR)
    assert [k["nr"] for k in editor.get("/api/v1/me").json()["kommuner"]] == ["3203"]

    token = _token(admin, f"/admin/users/{EDITOR}")
    res = admin.post(f"/admin/users/{EDITOR}/grant", data={"csrf_token": token, "kommune": "3201"})
    assert res.status_code == 303 and res.headers["location"].endswith("?ok=granted")
    assert [k["nr"] for k in editor.get("/api/v1/me").json()["kommuner"]] == ["3201", "3203"]

    res = admin.post(f"/admin/users/{EDITOR}/revoke-grant", data={"csrf_token": token, "kommune": "3203"})
    assert res.status_code == 303
    assert [k["nr"] for k in editor.get("/api/v1/me").json()["kommuner"]] == ["3201"]

    assert [e["details"] for e in _audit(accounts_engine, "grant.add")] == [{"kommune": "3201"}]
    assert [(e["actor"], e["target"]) for e in _audit(accounts_engine, "grant.remove")] == [
        (ADMIN, f"user:{EDITOR}")
    ]
    audit_page = admin.get("/admin/audit")
    assert "grant.remove" in audit_page.text and "grant.add" in audit_page.text

    res = admin.post(f"/admin/users/{EDITOR}/grant", data={"csrf_token": token, "kommune": "9999"})
    assert res.status_code == 422 and 'aria-describedby="kommune-error"' in res.text


def test_role_deactivate_and_revoke_access(
    admin: TestClient, accounts_engine: Engine, clock: FixedClock
) -> None:
    _user(accounts_engine, clock, EDITOR, "editor", ["3203"])
    editor = _signed_in(accounts_engine, clock, EDITOR)
    token = _token(admin)

    assert (
        admin.post(f"/admin/users/{EDITOR}/role", data={"csrf_token": token, "role": "admin"}).status_code
        == 303
    )
    assert editor.get("/api/v1/me").json()["role"] == "admin"
    assert editor.get("/admin").status_code == 200
    assert (
        admin.post(f"/admin/users/{EDITOR}/role", data={"csrf_token": token, "role": "editor"}).status_code
        == 303
    )

    assert admin.post(f"/admin/users/{EDITOR}/revoke-access", data={"csrf_token": token}).status_code == 303
    assert editor.get("/api/v1/me").status_code == 401  # the session has ended
    editor = _signed_in(accounts_engine, clock, EDITOR)
    res = admin.post(f"/admin/users/{EDITOR}/active", data={"csrf_token": token, "active": "false"})
    assert res.status_code == 303
    assert editor.get("/api/v1/me").status_code == 401
    assert "nei" in admin.get(f"/admin/users/{EDITOR}").text
    # The admin cannot lock themself out.
    res = admin.post(f"/admin/users/{ADMIN}/active", data={"csrf_token": token, "active": "false"})
    assert res.status_code == 422
    actions = {a for a in ("user.role", "access.revoke", "user.deactivate") if _audit(accounts_engine, a)}
    assert actions == {"user.role", "access.revoke", "user.deactivate"}
    assert admin.get("/admin/users/nobody@nowhere.test").status_code == 404


PAGES = [
    "/admin",
    "/admin/users",
    f"/admin/users/{ADMIN}",
    "/admin/organisations",
    "/admin/members",
    "/admin/outbox",
    "/admin/outbox/1",
    "/admin/audit",
]
POSTS = [
    ("/admin/users/invite", {"email": "x@y.test", "role": "editor", "kommuner": "3203"}),
    (f"/admin/users/{ADMIN}/grant", {"kommune": "3203"}),
    (f"/admin/users/{ADMIN}/revoke-grant", {"kommune": "3203"}),
    (f"/admin/users/{ADMIN}/role", {"role": "editor"}),
    (f"/admin/users/{ADMIN}/active", {"active": "false"}),
    (f"/admin/users/{ADMIN}/revoke-access", {}),
    ("/admin/organisations", {"orgnr": "123456789", "kommune_nr": "3203"}),
    ("/admin/organisations/123456789/delete", {}),
    ("/admin/members/3203", {"regionraad": "x"}),
    ("/admin/outbox/deliver", {}),
]


def test_editors_get_403_everywhere_and_anonymous_are_sent_to_sign_in(
    admin: TestClient, accounts_engine: Engine, clock: FixedClock
) -> None:
    _user(accounts_engine, clock, EDITOR, "editor", ["3203"])
    editor = _signed_in(accounts_engine, clock, EDITOR)
    token = _csrf(editor.get("/admin", headers={"accept": "text/html"}).text)  # the sign-out form's
    for page in PAGES:
        assert editor.get(page, headers={"accept": "text/html"}).status_code == 403, page
    for url, data in POSTS:
        res = editor.post(url, data={**data, "csrf_token": token})
        assert res.status_code == 403, url
    with accounts_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM org_kommune")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM app_user")).scalar_one() == 2

    anonymous = _app_client(accounts_engine, clock)
    res = anonymous.get("/admin", headers={"accept": "text/html"})
    assert res.status_code == 303 and res.headers["location"] == "/auth/sign-in?next=/admin"
    assert anonymous.get("/admin/users", headers={"accept": "text/html"}).status_code == 303
    assert anonymous.post("/admin/outbox/deliver").status_code == 401


def test_post_without_csrf_token_is_refused(admin: TestClient, accounts_engine: Engine) -> None:
    res = admin.post("/admin/organisations", data={"orgnr": "123456789", "kommune_nr": "3203"})
    assert res.status_code == 403
    res = admin.post(
        "/admin/organisations", data={"orgnr": "123456789", "kommune_nr": "3203", "csrf_token": "forged"}
    )
    assert res.status_code == 403
    with accounts_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM org_kommune")).scalar_one() == 0


def test_membership_edit_shows_in_the_api_and_survives_a_reference_load(
    admin: TestClient, accounts_engine: Engine
) -> None:
    public = admin.get("/api/v1/kommuner/3203").json()
    assert public["is_member"] is True
    original = (public["regionraad"], public["membership_note"])
    try:
        page = admin.get("/admin/members")
        assert page.status_code == 200 and 'id="k-3203-regionraad"' in page.text
        assert '<label for="k-3203-regionraad"' in page.text
        res = admin.post(
            "/admin/members/3203",
            data={"csrf_token": _csrf(page.text), "regionraad": "Vestregionen", "note": "confirmed 2026"},
        )  # the box unticked: no longer a member
        assert res.status_code == 303
        after = admin.get("/api/v1/kommuner/3203").json()
        assert (after["is_member"], after["regionraad"], after["membership_note"]) == (
            False,
            "Vestregionen",
            "confirmed 2026",
        )
        # A kommune not in the members file becomes a member.
        res = admin.post(
            "/admin/members/0301",
            data={
                "csrf_token": _csrf(page.text),
                "is_member": "on",
                "regionraad": "Oslo kommune",
                "note": "",
            },
        )
        assert res.status_code == 303
        (event,) = [e for e in _audit(accounts_engine, "membership.set") if e["target"] == "kommune:3203"]
        assert event["actor"] == ADMIN
        assert event["details"]["before"]["is_member"] is True  # type: ignore[index]
        assert event["details"]["after"] == {  # type: ignore[index]
            "is_member": False,
            "regionraad": "Vestregionen",
            "note": "confirmed 2026",
        }

        load_reference(accounts_engine)
        kept = admin.get("/api/v1/kommuner/3203").json()
        assert (kept["is_member"], kept["regionraad"]) == (False, "Vestregionen")
        # A kommune never edited on the web still follows the file.
        assert admin.get("/api/v1/kommuner/3201").json()["is_member"] is True
        with accounts_engine.begin() as conn:
            conn.execute(text("UPDATE kommune SET is_member = false WHERE nr = '3201'"))
        load_reference(accounts_engine)
        assert admin.get("/api/v1/kommuner/3201").json()["is_member"] is True

        too_long = admin.post(
            "/admin/members/3203",
            data={"csrf_token": _csrf(page.text), "is_member": "on", "regionraad": "x" * 600, "note": ""},
        )
        assert too_long.status_code == 422
        assert 'aria-describedby="k-3203-error"' in too_long.text and 'id="k-3203-error"' in too_long.text
        assert admin.post("/admin/members/9999", data={"csrf_token": _csrf(page.text)}).status_code == 422
    finally:
        with accounts_engine.begin() as conn:  # back to the file's values for the other tests
            conn.execute(text("TRUNCATE audit_event"))
        load_reference(accounts_engine)
    restored = admin.get("/api/v1/kommuner/3203").json()
    assert (restored["is_member"], restored["regionraad"], restored["membership_note"]) == (True, *original)


def test_organisation_table_add_change_delete(admin: TestClient, accounts_engine: Engine) -> None:
    token = _token(admin, "/admin/organisations")
    res = admin.post(
        "/admin/organisations",
        data={"csrf_token": token, "orgnr": "964 955 000", "kommune_nr": "3203", "name": "Asker kommune"},
    )
    assert res.status_code == 303
    page = admin.get("/admin/organisations")
    assert "964955000" in page.text and "Asker kommune" in page.text
    edit = admin.get("/admin/organisations?edit=964955000")
    assert 'value="964955000"' in edit.text and '<option value="3203" selected>' in edit.text
    admin.post(
        "/admin/organisations",
        data={"csrf_token": token, "orgnr": "964955000", "kommune_nr": "3201", "name": "Feil"},
    )
    with accounts_engine.connect() as conn:
        assert conn.execute(text("SELECT kommune_nr FROM org_kommune")).scalar_one() == "3201"
    bad = admin.post("/admin/organisations", data={"csrf_token": token, "orgnr": "12", "kommune_nr": "3203"})
    assert (
        bad.status_code == 422 and 'aria-describedby="orgnr-error"' in bad.text and 'value="12"' in bad.text
    )
    res = admin.post("/admin/organisations/964955000/delete", data={"csrf_token": token})
    assert res.status_code == 303 and res.headers["location"].endswith("ok=org-deleted")
    assert "964955000" not in admin.get("/admin/organisations").text
    assert [e["target"] for e in _audit(accounts_engine, "org.set")] == ["org:964955000"] * 2
    assert [e["target"] for e in _audit(accounts_engine, "org.delete")] == ["org:964955000"]


def test_oidc_user_waiting_for_a_grant_gets_the_suggested_kommune(
    admin: TestClient, accounts_engine: Engine, clock: FixedClock
) -> None:
    accounts.set_org(
        accounts_engine, CLI, orgnr="964955000", kommune_nr="3203", name="Asker", source=None, clock=clock
    )
    accounts.sign_in_oidc(
        accounts_engine,
        subject="subject-1",
        name="Ola Nordmann",
        email="ola@asker.test",
        organisations=["964955000"],
        settings=AUTH,
        clock=clock,
    )
    page = admin.get("/admin/users")
    waiting = page.text.split('id="waiting"')[1].split("Alle brukere")[0]
    assert "Ola Nordmann" in waiting and "3203 Asker" in waiting
    res = admin.post(
        "/admin/users/ola@asker.test/grant",
        data={"csrf_token": _csrf(page.text), "kommune": "3203", "next": "/admin/users"},
    )
    assert res.status_code == 303 and res.headers["location"] == "/admin/users?ok=granted"
    assert 'id="waiting"' not in admin.get("/admin/users").text
    assert _audit(accounts_engine, "grant.add")[0]["target"] == "user:ola@asker.test"


def test_outbox_paging_filter_deliver_and_escaping(admin: TestClient, accounts_engine: Engine) -> None:
    token = _token(admin)
    for i in range(3):
        admin.post(
            "/admin/users/invite",
            data={
                "csrf_token": token,
                "email": f"p{i}@asker.test",
                "name": "<b>Bold</b>",
                "role": "editor",
                "kommuner": "3203",
            },
        )
    listing = admin.get("/admin/outbox")
    assert listing.text.count('href="/admin/outbox/') == 3 and "3 meldinger" in listing.text
    assert "Ingen meldinger" in admin.get("/admin/outbox?status=sent").text
    assert admin.get("/admin/outbox?status=bogus").status_code == 400
    assert admin.get("/admin/outbox?offset=2").text.count('href="/admin/outbox/') == 1
    message = admin.get("/admin/outbox/1").text
    assert "&lt;b&gt;Bold&lt;/b&gt;" in message and "<b>Bold</b>" not in message
    assert admin.get("/admin/outbox/999").status_code == 404
    res = admin.post("/admin/outbox/deliver", data={"csrf_token": token})
    assert res.status_code == 303 and res.headers["location"] == "/admin/outbox?ok=delivered"
    english = admin.get("/admin/outbox?ok=delivered&lang=en")
    assert "The outbox has been processed." in english.text and "3 messages" in english.text


def test_audit_log_pages_newest_first(admin: TestClient, accounts_engine: Engine, clock: FixedClock) -> None:
    import datetime as dt

    for i in range(105):
        clock.advance(dt.timedelta(seconds=1))
        accounts.set_org(
            accounts_engine,
            CLI,
            orgnr=f"{900000000 + i}",
            kommune_nr="3203",
            name=None,
            source=None,
            clock=clock,
        )
    first = admin.get("/admin/audit")
    assert first.status_code == 200
    assert first.text.index("org:900000104") < first.text.index("org:900000103")
    assert 'href="/admin/audit?offset=100"' in first.text
    second = admin.get("/admin/audit?offset=100")
    assert "org:900000000" in second.text and "org:900000104" not in second.text
    assert 'href="/admin/audit?offset=0"' in second.text
