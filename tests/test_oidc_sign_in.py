"""OpenID Connect sign-in through the product's own routes, against a real provider in the test process.

The provider (oidc-provider-mock) issues Ansattporten-shaped claims: `authorization_details` with the
organisation as `0192:<orgnr>`. Belonging to a kommune's organisation is not enough to edit: a first
sign-in lands on a page saying whom to ask; after the secretariat's grant, the person edits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider_mock import User, run_server_in_thread
from sqlalchemy import Engine, text

from registry.clock import FixedClock
from registry.services import accounts, oidc
from registry.services.access import CLI
from tests.accounts import auth_settings, make_app, make_user, reset_accounts

TYPE = "ansattporten:altinn:service"
ASKER_ORGNR = "920125298"  # Asker kommune (seeded from SSB in data/reference/organisations)


def _claims(*orgs: str, **extra: Any) -> dict[str, Any]:
    details = [
        {
            "type": TYPE,
            "resource": "urn:altinn:resource:5613:1",
            "reportees": [
                {"Rights": ["Read"], "Authority": "iso6523-actorid-upis", "ID": f"0192:{o}", "Name": "X"}
                for o in orgs
            ],
        }
    ]
    return {
        "name": "Kari Nordmann",
        "acr": "substantial",
        "pid": "24917799582",
        **extra,
        **({"authorization_details": details} if orgs else {}),
    }


USERS = [User(sub="kari-sub", claims=_claims(ASKER_ORGNR)), User(sub="uten-org", claims=_claims())]


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with run_server_in_thread(port=0, require_nonce=True, user_claims=USERS) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def client(ref_engine: Engine, issuer: str) -> Iterator[TestClient]:
    reset_accounts(ref_engine)
    oidc.forget_cached_metadata()
    settings = auth_settings(oidc_issuer=issuer, oidc_client_id="naering-test", oidc_client_secret="s3cret")
    clock = FixedClock(dt.datetime.now(dt.UTC))  # the provider's tokens carry the real time
    make_user(ref_engine, "asker-redaktor@asker.kommune.no", kommuner=["3203"])
    # The shipped seed holds this row; other tests may have edited the table, so say it here.
    accounts.set_org(
        ref_engine,
        CLI,
        orgnr=ASKER_ORGNR,
        kommune_nr="3203",
        name="ASKER KOMMUNE",
        source="test",
        clock=clock,
    )
    yield TestClient(make_app(ref_engine, clock=clock, auth=settings))
    reset_accounts(ref_engine)


def _through_provider(client: TestClient, sub: str) -> Any:
    """Start at our sign-in, press the provider's button for `sub`, come back to our callback."""
    start = client.get("/auth/oidc/start?next=/my/3203", follow_redirects=False)
    assert start.status_code == 302
    authorize = start.headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["code_challenge_method"] == "S256" and query["authorization_details"].startswith("[")
    answer = httpx.post(authorize, data={"sub": sub}, follow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["location"])
    assert back.path == "/auth/oidc/callback"
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_first_sign_in_without_grant_says_whom_to_ask_then_grant_works(
    client: TestClient, ref_engine: Engine
) -> None:
    res = _through_provider(client, "kari-sub")
    assert res.status_code == 303 and res.headers["location"] == "/my"
    page = client.get("/my")
    assert "ikke tilgang til å redigere" in page.text
    assert "asker-redaktor@asker.kommune.no" in page.text  # the kommune of her organisation has an editor
    assert client.get("/my/3203", follow_redirects=False).status_code == 403
    with ref_engine.connect() as conn:
        user = conn.execute(
            text("SELECT email, orgnr, oidc_subject FROM app_user WHERE oidc_subject IS NOT NULL")
        ).one()
        stored = conn.execute(
            text("SELECT count(*) FROM app_user WHERE email LIKE '%24917799582%'")
        ).scalar_one()
    assert user.orgnr == ASKER_ORGNR and user.oidc_subject == "kari-sub" and stored == 0  # no pid kept
    accounts.set_grant(ref_engine, CLI, user.email, "3203", granted=True, clock=FixedClock())
    assert client.get("/my/3203").status_code == 200  # the same session, now with the grant
    again = _through_provider(client, "kari-sub")
    assert again.headers["location"] == "/my/3203"  # with a grant: back where she started
    with ref_engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM app_user WHERE oidc_subject = 'kari-sub'")).scalar_one()
            == 1
        )


def test_a_token_without_organisation_is_refused_with_a_clear_page(client: TestClient) -> None:
    res = _through_provider(client, "uten-org")
    assert res.status_code == 401
    assert "virksomhet" in res.text
    assert client.get("/api/v1/me").status_code == 401


def test_the_callback_needs_the_browser_that_started(
    client: TestClient, issuer: str, ref_engine: Engine
) -> None:
    start = client.get("/auth/oidc/start", follow_redirects=False)
    answer = httpx.post(
        start.headers["location"], data={"sub": "kari-sub"}, follow_redirects=False, timeout=10
    )
    back = urlsplit(answer.headers["location"])
    stranger = TestClient(client.app)
    assert stranger.get(f"{back.path}?{back.query}").status_code == 401  # no state cookie: refused
    assert client.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 303
    assert client.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 401  # single use
