"""Test helpers for accounts: users with grants, signed-in clients (password or token), the app's clock.

Sign-in goes through the real pages: GET /auth/sign-in hands out the CSRF cookie and token, POST signs
in and the client keeps the session cookie. Nothing of our own code is mocked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from registry.clock import FixedClock
from registry.services import accounts
from registry.services.access import CLI
from registry.settings import AuthSettings, MailSettings, ServerSettings

PASSWORD = "riktig-hest-batteri-stift"
ACCOUNT_TABLES = (
    "web_session",
    "api_token",
    "one_time_token",
    "user_grant",
    "sign_in_attempt",
    "oidc_request",
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def auth_settings(**overrides: object) -> AuthSettings:
    values: dict[str, object] = {"environment": "test", "public_url": "http://testserver", **overrides}
    return AuthSettings(**values)  # type: ignore[arg-type]


def make_app(
    engine: Engine,
    *,
    clock: FixedClock | None = None,
    auth: AuthSettings | None = None,
    mail: MailSettings | None = None,
    **server: object,
) -> FastAPI:
    return create_app(
        ServerSettings(environment="test", **server),  # type: ignore[arg-type]
        database_url=engine.url.render_as_string(hide_password=False),
        auth=auth or auth_settings(),
        mail=mail or MailSettings(),
        clock=clock or FixedClock(),
    )


def reset_accounts(engine: Engine) -> None:
    """Remove every user (and what hangs on them), the outbox and the organisation edits' rows."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE submission SET user_id = NULL WHERE user_id IS NOT NULL"))
        conn.execute(text(f"TRUNCATE {', '.join(ACCOUNT_TABLES)}, outbox_message RESTART IDENTITY"))
        conn.execute(text("DELETE FROM app_user"))  # not TRUNCATE CASCADE: it would follow submission.user_id


def make_user(
    engine: Engine,
    email: str,
    *,
    role: str = "editor",
    kommuner: Sequence[str] = (),
    password: str | None = PASSWORD,
    clock: FixedClock | None = None,
) -> accounts.User:
    return accounts.create_user(
        engine,
        CLI,
        email=email,
        role=role,
        kommuner=list(kommuner),
        password=password,
        settings=auth_settings(),
        clock=clock or FixedClock(),
    )


def token_for(engine: Engine, email: str, *, clock: FixedClock | None = None) -> str:
    return accounts.issue_token(engine, CLI, email, settings=auth_settings(), clock=clock or FixedClock())


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign `client` in through the sign-in page; return the session's CSRF token for later forms."""
    page = client.get("/auth/sign-in")
    res = client.post(
        "/auth/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text), "next": "/my"},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text[:500]
    return csrf_from(client.get("/auth/sign-in?next=/auth/reset", follow_redirects=True).text)


def browser_sign_in(browser: object, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page in a real browser (selenium)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver: Any = browser
    driver.get(f"{base_url}/auth/sign-in")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/auth/sign-in" not in d.current_url)
