"""Password sign-in end to end, sessions, CSRF, rate limits, API tokens and password resets.

Time moves by the app's injected clock (`FixedClock.advance`), never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services import accounts
from registry.services.access import CLI
from tests.accounts import PASSWORD, auth_settings, csrf_from, make_app, make_user, reset_accounts, sign_in

EDITOR = "kari@asker.kommune.no"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def users(ref_engine: Engine, clock: FixedClock) -> Iterator[Engine]:
    reset_accounts(ref_engine)
    make_user(ref_engine, EDITOR, kommuner=["3203"], clock=clock)
    yield ref_engine
    reset_accounts(ref_engine)


def _client(engine: Engine, clock: FixedClock, **auth: object) -> TestClient:
    return TestClient(make_app(engine, clock=clock, auth=auth_settings(**auth)))


def _post_sign_in(client: TestClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/auth/sign-in").text)
    res = client.post(
        "/auth/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return res.status_code


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    page = client.get("/auth/sign-in")
    assert 'autocomplete="current-password"' in page.text and 'for="email"' in page.text
    res = client.post(
        "/auth/sign-in",
        data={
            "email": EDITOR.upper(),
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "/my",
        },
        follow_redirects=False,
    )
    assert res.status_code == 303 and res.headers["location"] == "/my"
    cookie = next(h for h in res.headers.get_list("set-cookie") if h.startswith("naering_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http in tests; see the next test for https
    stolen = client.cookies.get("naering_session")
    me = client.get("/api/v1/me").json()
    assert me["email"] == EDITOR and me["role"] == "editor" and [k["nr"] for k in me["kommuner"]] == ["3203"]
    with users.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM web_session")).scalars().all()
    assert stolen not in stored and len(stored) == 1  # only the hash is kept
    csrf = csrf_from(client.get("/my/3203").text)
    assert client.post("/auth/sign-out", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    replay = _client(users, clock)
    replay.cookies.set("naering_session", stolen or "")
    assert replay.get("/api/v1/me").status_code == 401  # the old cookie is dead on the server too


def test_secure_cookie_outside_local_development(users: Engine, clock: FixedClock) -> None:
    app = make_app(users, clock=clock, auth=auth_settings(public_url="https://naering.example.no"))
    client = TestClient(app, base_url="https://testserver")  # a Secure cookie comes back over https only
    token = csrf_from(client.get("/auth/sign-in").text)
    res = client.post(
        "/auth/sign-in",
        data={"email": EDITOR, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert any(h.startswith("naering_session=") and "Secure" in h for h in res.headers.get_list("set-cookie"))


def test_wrong_password_and_unknown_user_get_the_same_answer(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    token = csrf_from(client.get("/auth/sign-in").text)
    wrong = client.post(
        "/auth/sign-in", data={"email": EDITOR, "password": "feil-passord-123", "csrf_token": token}
    )
    unknown = client.post(
        "/auth/sign-in", data={"email": "ingen@x.no", "password": "feil-passord-123", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Feil e-post eller passord." in wrong.text and "Feil e-post eller passord." in unknown.text
    assert 'aria-invalid="true"' in wrong.text


def test_forms_without_the_csrf_token_are_refused(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    res = client.post("/auth/sign-in", data={"email": EDITOR, "password": PASSWORD})
    assert res.status_code == 403
    sign_in(client, EDITOR)
    assert client.post("/auth/sign-out", data={}, follow_redirects=False).status_code == 403
    assert (
        client.post("/auth/sign-out", data={"csrf_token": "forged"}, follow_redirects=False).status_code
        == 403
    )
    assert client.get("/api/v1/me").status_code == 200  # still signed in: the forged sign-out did nothing
    # The token of a session is not the token of another one.
    other = _client(users, clock)
    other_token = sign_in(other, EDITOR)
    assert (
        client.post("/auth/sign-out", data={"csrf_token": other_token}, follow_redirects=False).status_code
        == 403
    )


def test_rate_limit_per_account_and_window(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    settings = auth_settings()
    for _ in range(settings.sign_in_max_failures_per_account):
        assert _post_sign_in(client, EDITOR, "feil-passord-123") == 401
    assert _post_sign_in(client, EDITOR, PASSWORD) == 429  # even the right password waits now
    clock.advance(dt.timedelta(minutes=settings.sign_in_window_minutes, seconds=1))
    assert _post_sign_in(client, EDITOR, PASSWORD) == 303


def test_rate_limit_per_client_address(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock, sign_in_max_failures_per_address=3)
    for i in range(3):
        assert _post_sign_in(client, f"gjest{i}@x.no", "feil-passord-123") == 401
    assert _post_sign_in(client, EDITOR, PASSWORD) == 429  # another account, the same address


def test_sessions_and_tokens_expire_by_the_clock(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    sign_in(client, EDITOR)
    token = accounts.issue_token(users, CLI, EDITOR, settings=auth_settings(), clock=clock)
    api = _client(users, clock)
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.get("/api/v1/me").json()["via"] == "token"
    clock.advance(dt.timedelta(hours=auth_settings().session_hours, seconds=1))
    assert client.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me").status_code == 200
    clock.advance(dt.timedelta(days=auth_settings().token_days))
    assert api.get("/api/v1/me").status_code == 401


def test_revoke_ends_every_session_and_token(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    sign_in(client, EDITOR)
    token = accounts.issue_token(users, CLI, EDITOR, settings=auth_settings(), clock=clock)
    assert accounts.revoke_access(users, CLI, EDITOR, clock=clock) == (1, 1)
    assert client.get("/api/v1/me").status_code == 401
    assert (
        _client(users, clock).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_password_reset_by_e_mail_link(users: Engine, clock: FixedClock) -> None:
    client = _client(users, clock)
    token = csrf_from(client.get("/auth/reset").text)
    res = client.post("/auth/reset", data={"email": EDITOR, "csrf_token": token})
    assert res.status_code == 200 and "Hvis adressen har en konto" in res.text
    unknown = client.post("/auth/reset", data={"email": "ingen@x.no", "csrf_token": token})
    assert unknown.text.count("Hvis adressen har en konto") == 1  # the same answer: no account oracle
    with users.connect() as conn:
        rows = conn.execute(text("SELECT to_addr, body_text, status FROM outbox_message")).all()
    assert [(r.to_addr, r.status) for r in rows] == [(EDITOR, "kept")]  # no SMTP configured: kept for admins
    link = re.search(r"http://testserver(/auth/reset/\S+)", rows[0].body_text)
    assert link and "English version below" in rows[0].body_text
    page = client.get(link.group(1))
    assert page.status_code == 200 and 'name="password2"' in page.text
    short = client.post(
        link.group(1), data={"password": "kort", "password2": "kort", "csrf_token": csrf_from(page.text)}
    )
    assert "minst" in short.text  # too short: refused, the link still works
    new = "et-helt-nytt-passord-42"
    res = client.post(
        link.group(1),
        data={"password": new, "password2": new, "csrf_token": csrf_from(short.text)},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert _post_sign_in(_client(users, clock), EDITOR, new) == 303
    assert _post_sign_in(_client(users, clock), EDITOR, PASSWORD) == 401
    assert "ugyldig, brukt eller utløpt" in client.get(link.group(1)).text  # single use
    clock.advance(dt.timedelta(hours=3))


def test_users_add_prints_the_token_alone_on_the_last_line(users: Engine) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "NAERING_DATABASE_URL": users.url.render_as_string(hide_password=False)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "users",
            "add",
            "--email",
            "ny@lillestrom.kommune.no",
            "--role",
            "editor",
            "--kommune",
            "3205",
            "--kommune",
            "3201",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    token = out.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"nar_[A-Za-z0-9_-]{43}", token)
    api = _client(users, FixedClock(dt.datetime.now(dt.UTC)))
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert [k["nr"] for k in me["kommuner"]] == ["3201", "3205"]
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "users",
            "add",
            "--email",
            "ny@lillestrom.kommune.no",
            "--role",
            "editor",
            "--kommune",
            "3205",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "finnes allerede" in bad.stderr and "Traceback" not in bad.stderr
