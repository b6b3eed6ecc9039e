"""OpenID Connect sign-in, Ansattporten-shaped, against a real provider started in the test process.

The provider is `oidc-provider-mock` (Authlib's server): real discovery, authorize form, token endpoint,
signed ID tokens, JWKS and userinfo. It passes a user's custom claims (`authorization_details`, `acr`,
`pid`) into the ID token and userinfo, as Ansattporten does. It does not check PKCE, so the tests check
the request themselves, and an instrumented copy of the provider records the token request (the
verifier is sent) and can tamper with answers (another issuer, another audience, userinfo only).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
import oidc_provider_mock
import pytest
import werkzeug.serving
from oidc_provider_mock import User, run_server_in_thread

from registry.clock import FixedClock, SystemClock
from registry.services import oidc
from registry.services.oidc import Organisation
from registry.settings import AuthSettings

TYPE = "ansattporten:altinn:service"
RESOURCE = "urn:altinn:resource:naeringsareal-rapportering:1"
CLIENT_ID = "naeringsarealregisteret"
PID = "24917799582"  # a synthetic national identity number: must never reach the identity
UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]+")


def _details(*reportees: Any, type_: str = TYPE, resource: str = RESOURCE) -> list[dict[str, Any]]:
    return [
        {
            "type": type_,
            "resource": resource,
            "resource_name": "Rapportering av næringsareal",
            "reportees": list(reportees),
        }
    ]


def _reportee(ident: str, name: str, authority: str = "iso6523-actorid-upis") -> dict[str, Any]:
    return {"Rights": ["Read", "Write"], "Authority": authority, "ID": ident, "Name": name}


def _ansattporten_claims(**extra: Any) -> dict[str, Any]:
    """The claims Ansattporten puts in an ID token besides sub, iss, aud and the times."""
    return {
        "pid": PID,
        "name": "Kari Nordmann",
        "acr": "substantial",
        "amr": ["TestID"],
        "locale": "nb",
        **extra,
    }


USERS = [
    User(
        sub="kari",
        claims=_ansattporten_claims(
            authorization_details=[
                *_details(
                    _reportee("0192:991825827", "Digitaliseringsdirektoratet"),
                    _reportee("0192:12345678", "For kort nummer"),
                    _reportee("0088:991825827", "Annet ICD"),
                    _reportee("0192:974760673", "Feil autoritet", authority="something-else"),
                ),
                *_details(_reportee("0192:958935420", "Annen type"), type_="ansattporten:altinn:other"),
            ]
        ),
    ),
    User(sub="ola", claims=_ansattporten_claims(name="Ola Uten Virksomhet")),
    User(
        sub="per",
        claims=_ansattporten_claims(
            authorization_details=_details(_reportee("0192:958935420", "Annen type"), type_="idporten:other")
        ),
    ),
]


def _settings(issuer: str, **overrides: Any) -> AuthSettings:
    values: dict[str, Any] = {
        "public_url": "https://naering.example.no",
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": "a client secret",
        "oidc_scopes": "openid profile",
        "oidc_authorization_details_type": TYPE,
        "oidc_authorization_details_resource": RESOURCE,
    }
    return AuthSettings(**(values | overrides))


@pytest.fixture(autouse=True)
def _fresh_metadata() -> Iterator[None]:
    oidc.forget_cached_metadata()
    yield
    oidc.forget_cached_metadata()


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with run_server_in_thread(port=0, require_nonce=True, user_claims=USERS) as server:
        yield f"http://localhost:{server.server_port}"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def _authorize(request: oidc.AuthorizationRequest, sub: str, settings: AuthSettings) -> dict[str, str]:
    """Press the provider's button for `sub`; the callback's query parameters."""
    response = httpx.post(request.url, data={"sub": sub}, follow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    location = response.headers["location"]
    assert location.startswith(oidc.redirect_uri(settings) + "?")
    return _query(location)


def _sign_in(settings: AuthSettings, sub: str) -> oidc.OidcIdentity:
    request = oidc.begin(settings, return_to="/mine")
    params = _authorize(request, sub, settings)
    return oidc.complete(settings, params=params, expected=request, clock=SystemClock())


def _b64url_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode("ascii")).digest()).decode().rstrip("=")


def _payload(jwt_text: str) -> dict[str, Any]:
    body = jwt_text.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


# --- the whole flow -----------------------------------------------------------------------------------


def test_sign_in_gives_the_subject_and_the_organisation_from_authorization_details(issuer: str) -> None:
    identity = _sign_in(_settings(issuer), "kari")
    assert identity.issuer == issuer
    assert identity.subject == "kari"
    assert identity.name == "Kari Nordmann"
    assert identity.acr == "substantial"
    assert identity.email is None
    # Only the well-formed 0192 reportee of the requested type: not the short number, the other ICD,
    # the other authority, nor the entry of another type.
    assert identity.organisations == (Organisation("991825827", "Digitaliseringsdirektoratet"),)
    assert PID not in repr(dataclasses.asdict(identity))


def test_the_provider_passes_ansattporten_claims_into_id_token_and_userinfo(issuer: str) -> None:
    """The premise of the other tests: custom claims reach the ID token and userinfo unchanged."""
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    tokens = httpx.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": oidc.redirect_uri(settings),
            "code_verifier": request.code_verifier,
        },
        auth=(CLIENT_ID, "a client secret"),
        timeout=10,
    ).json()
    id_claims = _payload(tokens["id_token"])
    userinfo = httpx.get(
        f"{issuer}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    ).json()
    expected = USERS[0].claims["authorization_details"]
    assert id_claims["authorization_details"] == expected
    assert userinfo["authorization_details"] == expected
    assert id_claims["acr"] == "substantial" and id_claims["nonce"] == request.nonce
    assert id_claims["aud"] == [CLIENT_ID] and id_claims["iss"] == issuer


# --- the authorize request ----------------------------------------------------------------------------


def test_the_authorize_request_carries_pkce_s256_state_nonce_and_authorization_details(issuer: str) -> None:
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/sites?kommune=0301")
    assert request.url.startswith(f"{issuer}/oauth2/authorize?")
    query = _query(request.url)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "https://naering.example.no/auth/oidc/callback"
    assert "openid" in query["scope"].split()
    assert query["code_challenge_method"] == "S256"
    assert 43 <= len(request.code_verifier) <= 128
    assert UNRESERVED.fullmatch(request.code_verifier)
    assert query["code_challenge"] == _b64url_sha256(request.code_verifier)
    assert "=" not in query["code_challenge"]
    assert query["state"] == request.state and len(request.state) >= 32
    assert query["nonce"] == request.nonce and len(request.nonce) >= 32
    assert json.loads(query["authorization_details"]) == [{"type": TYPE, "resource": RESOURCE}]
    assert request.return_to == "/sites?kommune=0301"
    # Every request has its own secrets.
    again = oidc.begin(settings, return_to="/")
    assert {again.state, again.nonce, again.code_verifier}.isdisjoint(
        {request.state, request.nonce, request.code_verifier}
    )


def test_without_a_configured_resource_the_request_asks_for_the_type_alone(issuer: str) -> None:
    settings = _settings(issuer, oidc_authorization_details_resource=None, oidc_scopes="profile")
    query = _query(oidc.begin(settings, return_to="/").url)
    assert json.loads(query["authorization_details"]) == [{"type": TYPE}]
    assert query["scope"].split() == ["openid", "profile"]


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/sites/42", "/sites/42"),
        ("/", "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_return_to_stays_on_this_site(asked: str, kept: str) -> None:
    assert oidc.safe_return_to(asked) == kept


# --- what is refused ----------------------------------------------------------------------------------


def test_a_callback_with_another_state_is_refused(issuer: str) -> None:
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    for state in ("not-the-state", ""):
        with pytest.raises(oidc.StateMismatchError) as caught:
            oidc.complete(settings, params=params | {"state": state}, expected=request, clock=SystemClock())
        assert "Start innloggingen på nytt" in caught.value.message_no
    without = {k: v for k, v in params.items() if k != "state"}
    with pytest.raises(oidc.StateMismatchError):
        oidc.complete(settings, params=without, expected=request, clock=SystemClock())


def test_a_sign_in_without_authorization_details_is_refused_with_a_clear_message(issuer: str) -> None:
    with pytest.raises(oidc.MissingOrganisationError) as caught:
        _sign_in(_settings(issuer), "ola")
    assert caught.value.message_no.startswith(
        "Innloggingen fortalte ikke hvilken virksomhet du representerer"
    )
    assert caught.value.message_en.startswith("The sign-in did not say which organisation you represent")
    assert isinstance(caught.value, oidc.OidcError)


def test_authorization_details_of_another_type_or_resource_are_refused(issuer: str) -> None:
    with pytest.raises(oidc.MissingOrganisationError):
        _sign_in(_settings(issuer), "per")
    with pytest.raises(oidc.MissingOrganisationError):
        _sign_in(_settings(issuer, oidc_authorization_details_resource="urn:altinn:resource:other:1"), "kari")


def test_the_person_pressing_deny_gets_a_cancelled_sign_in(issuer: str) -> None:
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    response = httpx.post(request.url, data={"action": "deny"}, follow_redirects=False, timeout=10)
    assert response.status_code == 302
    params = _query(response.headers["location"])
    assert params["error"] == "access_denied"
    with pytest.raises(oidc.SignInCancelledError) as caught:
        oidc.complete(settings, params=params, expected=request, clock=SystemClock())
    assert caught.value.message_no and caught.value.message_en
    with pytest.raises(oidc.OidcError) as other:
        oidc.complete(
            settings,
            params={"error": "server_error", "state": request.state},
            expected=request,
            clock=SystemClock(),
        )
    assert not isinstance(other.value, oidc.SignInCancelledError)


def test_an_id_token_with_another_nonce_is_refused(issuer: str) -> None:
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    stored = dataclasses.replace(request, nonce="a-nonce-from-another-request")
    with pytest.raises(oidc.InvalidIdTokenError) as caught:
        oidc.complete(settings, params=params, expected=stored, clock=SystemClock())
    assert "nonce" in caught.value.detail


@pytest.mark.parametrize(("shift", "why"), [(dt.timedelta(hours=2), "exp"), (-dt.timedelta(hours=1), "iat")])
def test_an_expired_or_future_id_token_is_refused(issuer: str, shift: dt.timedelta, why: str) -> None:
    """The provider's tokens live an hour; the clock moved past it, or stands before the token's birth."""
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    clock = FixedClock(SystemClock().now() + shift)
    with pytest.raises(oidc.InvalidIdTokenError) as caught:
        oidc.complete(settings, params=params, expected=request, clock=clock)
    assert why in caught.value.detail


def test_a_code_is_not_accepted_twice(issuer: str) -> None:
    settings = _settings(issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    oidc.complete(settings, params=params, expected=request, clock=SystemClock())
    with pytest.raises(oidc.OidcError) as caught:
        oidc.complete(settings, params=params, expected=request, clock=SystemClock())
    assert "invalid_grant" in caught.value.detail


def test_an_unreachable_provider_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(oidc.ProviderUnavailableError) as caught:
        oidc.begin(_settings(f"http://127.0.0.1:{port}"), return_to="/")
    assert "prøv igjen" in caught.value.message_no.lower()


def test_without_issuer_and_client_sign_in_is_not_configured() -> None:
    with pytest.raises(oidc.OidcNotConfiguredError):
        oidc.begin(AuthSettings(oidc_issuer=None, oidc_client_id=None), return_to="/")


# --- an instrumented provider: what we send, and answers that lie -------------------------------------


@dataclasses.dataclass
class Instrumented:
    issuer: str
    token_requests: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    id_tokens: list[str] = dataclasses.field(default_factory=list)
    discovery_changes: dict[str, Any] = dataclasses.field(default_factory=dict)
    replace_id_token: str | None = None
    userinfo_changes: dict[str, Any] = dataclasses.field(default_factory=dict)


@contextmanager
def _instrumented_provider() -> Iterator[Instrumented]:
    app = oidc_provider_mock.app(require_nonce=True, user_claims=USERS)
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    state = Instrumented(issuer=f"http://localhost:{server.server_port}")

    @app.before_request
    def record() -> None:
        if flask.request.path == "/oauth2/token":
            state.token_requests.append(
                {
                    "form": dict(flask.request.form),
                    "authorization": flask.request.headers.get("Authorization"),
                }
            )

    @app.after_request
    def tamper(response: flask.Response) -> flask.Response:
        path = flask.request.path
        changes: dict[str, Any] = {}
        if path == "/.well-known/openid-configuration":
            changes = state.discovery_changes
        elif path == "/userinfo":
            changes = state.userinfo_changes
        elif path == "/oauth2/token" and response.status_code == 200:
            state.id_tokens.append(response.get_json()["id_token"])
            if state.replace_id_token:
                changes = {"id_token": state.replace_id_token}
        if changes:
            response.set_data(json.dumps(response.get_json() | changes))
        return response

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def instrumented() -> Iterator[Instrumented]:
    with _instrumented_provider() as state:
        yield state


def test_the_token_request_sends_the_verifier_with_client_secret_basic(instrumented: Instrumented) -> None:
    settings = _settings(instrumented.issuer)
    request = oidc.begin(settings, return_to="/")
    challenge = _query(request.url)["code_challenge"]
    oidc.complete(
        settings, params=_authorize(request, "kari", settings), expected=request, clock=SystemClock()
    )
    (sent,) = instrumented.token_requests
    assert sent["form"]["code_verifier"] == request.code_verifier
    assert _b64url_sha256(sent["form"]["code_verifier"]) == challenge
    assert sent["form"]["redirect_uri"] == oidc.redirect_uri(settings)
    basic = base64.b64encode(f"{CLIENT_ID}:a%20client%20secret".encode()).decode()
    assert sent["authorization"] == f"Basic {basic}"
    assert "client_secret" not in sent["form"]


@pytest.mark.parametrize(
    ("methods", "post"),
    [
        (["client_secret_post"], True),
        (["client_secret_post", "client_secret_basic"], False),
        (["private_key_jwt", "client_secret_basic"], False),
    ],
)
def test_client_secret_post_only_when_the_provider_takes_nothing_else(
    instrumented: Instrumented, methods: list[str], post: bool
) -> None:
    instrumented.discovery_changes = {"token_endpoint_auth_methods_supported": methods}
    settings = _settings(instrumented.issuer)
    request = oidc.begin(settings, return_to="/")
    oidc.complete(
        settings, params=_authorize(request, "kari", settings), expected=request, clock=SystemClock()
    )
    (sent,) = instrumented.token_requests
    if post:
        assert sent["authorization"] is None
        assert sent["form"]["client_id"] == CLIENT_ID and sent["form"]["client_secret"] == "a client secret"
    else:
        assert sent["authorization"].startswith("Basic ") and "client_secret" not in sent["form"]


def test_a_discovery_document_naming_another_issuer_is_refused(instrumented: Instrumented) -> None:
    instrumented.discovery_changes = {"issuer": "https://ansattporten.no"}
    with pytest.raises(oidc.ProviderUnavailableError) as caught:
        oidc.begin(_settings(instrumented.issuer), return_to="/")
    assert "issuer" in caught.value.detail


def test_an_id_token_issued_to_another_client_is_refused(instrumented: Instrumented) -> None:
    """A token substituted at the token endpoint: valid signature and nonce, but not for us (aud)."""
    other = _settings(instrumented.issuer, oidc_client_id="another-service")
    other_request = oidc.begin(other, return_to="/")
    oidc.complete(
        other, params=_authorize(other_request, "kari", other), expected=other_request, clock=SystemClock()
    )
    instrumented.replace_id_token = instrumented.id_tokens[-1]
    assert _payload(instrumented.replace_id_token)["aud"] == ["another-service"]

    settings = _settings(instrumented.issuer)
    request = oidc.begin(settings, return_to="/")
    params = _authorize(request, "kari", settings)
    stored = dataclasses.replace(request, nonce=other_request.nonce)  # only the audience differs
    with pytest.raises(oidc.InvalidIdTokenError) as caught:
        oidc.complete(settings, params=params, expected=stored, clock=SystemClock())
    assert "aud" in caught.value.detail


def test_an_id_token_from_another_issuer_is_refused(instrumented: Instrumented) -> None:
    """The provider names its issuer after the host asked; a token endpoint on another host signs as it."""
    token_endpoint = instrumented.issuer.replace("localhost", "127.0.0.1") + "/oauth2/token"
    instrumented.discovery_changes = {"token_endpoint": token_endpoint}
    settings = _settings(instrumented.issuer)
    request = oidc.begin(settings, return_to="/")
    with pytest.raises(oidc.InvalidIdTokenError) as caught:
        oidc.complete(
            settings, params=_authorize(request, "kari", settings), expected=request, clock=SystemClock()
        )
    assert "iss" in caught.value.detail
    assert _payload(instrumented.id_tokens[-1])["iss"].startswith("http://127.0.0.1:")


def test_authorization_details_from_userinfo_when_the_id_token_has_none(instrumented: Instrumented) -> None:
    instrumented.userinfo_changes = {
        "authorization_details": _details(_reportee("0192:974760673", "Oslo kommune"))
    }
    identity = _sign_in(_settings(instrumented.issuer), "ola")
    assert identity.organisations == (Organisation("974760673", "Oslo kommune"),)
    assert "authorization_details" not in _payload(instrumented.id_tokens[-1])


def test_userinfo_about_someone_else_is_refused(instrumented: Instrumented) -> None:
    instrumented.userinfo_changes = {
        "sub": "kari",
        "authorization_details": _details(_reportee("0192:974760673", "Oslo kommune")),
    }
    with pytest.raises(oidc.InvalidIdTokenError):
        _sign_in(_settings(instrumented.issuer), "ola")


# --- the organisations in authorization_details, alone ------------------------------------------------

DIGDIR = _reportee("0192:991825827", "Digitaliseringsdirektoratet")
OSLO = _reportee("0192:974760673", "Oslo kommune")


@pytest.mark.parametrize(
    ("details", "resource", "expected"),
    [
        pytest.param(_details(DIGDIR, OSLO), None, ["991825827", "974760673"], id="two-reportees-in-order"),
        pytest.param(_details(DIGDIR), RESOURCE, ["991825827"], id="matching-resource"),
        pytest.param(_details(DIGDIR), "urn:altinn:resource:other:1", [], id="other-resource"),
        pytest.param(
            [*_details(DIGDIR), *_details(DIGDIR, OSLO)],
            None,
            ["991825827", "974760673"],
            id="duplicates-once",
        ),
        pytest.param(_details(DIGDIR, type_="ansattporten:altinn:other"), None, [], id="other-type"),
        pytest.param(None, None, [], id="absent"),
        pytest.param([], None, [], id="empty-list"),
        pytest.param({"type": TYPE, "reportees": [DIGDIR]}, None, [], id="object-not-list"),
        pytest.param("[]", None, [], id="string"),
        pytest.param(["x", 1, None], None, [], id="entries-not-objects"),
        pytest.param([{"type": TYPE}], None, [], id="no-reportees"),
        pytest.param([{"type": TYPE, "reportees": DIGDIR}], None, [], id="reportees-not-list"),
        pytest.param(_details(_reportee("0192:99182582", "x")), None, [], id="eight-digits"),
        pytest.param(_details(_reportee("0192:9918258270", "x")), None, [], id="ten-digits"),
        pytest.param(_details(_reportee("0192:99182582a", "x")), None, [], id="letter"),
        pytest.param(_details(_reportee("0192: 991825827", "x")), None, [], id="space"),
        pytest.param(_details(_reportee("0192:991825827\n", "x")), None, [], id="trailing-newline"),
        pytest.param(_details(_reportee("991825827", "x")), None, [], id="no-icd"),
        pytest.param(_details(_reportee("0088:991825827", "x")), None, [], id="other-icd"),
        pytest.param(_details(_reportee("0192:٩٩١٨٢٥٨٢٧", "x")), None, [], id="non-ascii-digits"),
        pytest.param(_details({"ID": 991825827}), None, [], id="id-not-text"),
        pytest.param(_details({"ID": "0192:991825827"}), None, ["991825827"], id="no-authority-is-fine"),
        pytest.param(
            _details(_reportee("0192:991825827", "x", authority="other")), None, [], id="other-authority"
        ),
        pytest.param(_details("0192:991825827"), None, [], id="reportee-not-object"),
    ],
)
def test_organisations_from(details: Any, resource: str | None, expected: list[str]) -> None:
    found = oidc.organisations_from(details, type_=TYPE, resource=resource)
    assert [org.orgnr for org in found] == expected


def test_organisations_keep_the_name_and_tolerate_a_missing_one() -> None:
    found = oidc.organisations_from(_details(DIGDIR, {"ID": "0192:974760673", "Name": "  "}), type_=TYPE)
    assert found == (
        Organisation("991825827", "Digitaliseringsdirektoratet"),
        Organisation("974760673", None),
    )
