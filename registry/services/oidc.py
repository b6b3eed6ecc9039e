"""Sign-in with OpenID Connect, in the shape Ansattporten uses (docs/sign-in.md).

Authorization code flow with PKCE (S256), `state` and `nonce`, and a rich authorization request
(RFC 9396): the request asks for `authorization_details` of one type (and Altinn resource), and the ID
token (or userinfo) answers with the organisations the person may act for. A sign-in that does not say
which organisation the person represents is refused (`MissingOrganisationError`).

Two steps, no web framework: `begin()` gives the address to send the browser to, plus the secrets the
caller keeps server-side until the browser comes back; `complete()` checks the answer, exchanges the code
and validates the ID token, and returns an `OidcIdentity`. National identity numbers (`pid`) and other
claims we do not need are never read into the identity.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from registry.clock import Clock
from registry.settings import AuthSettings

CALLBACK_PATH = "/auth/oidc/callback"
HTTP_TIMEOUT_S = 10.0
# Clock skew allowed between us and the provider when checking `exp` and `iat`.
LEEWAY_S = 60
# The discovery document is fetched again after this long; the key set whenever a token names a new key.
DISCOVERY_TTL_S = 3600.0
# 64 random bytes → 86 characters of [A-Za-z0-9_-]: inside RFC 7636's 43–128.
VERIFIER_BYTES = 64
# Signature algorithms accepted for ID tokens: asymmetric only (never "none", never HMAC with the secret).
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# ISO 6523 ICD 0192: the Norwegian register of legal entities (Enhetsregisteret).
ORGANISATION_ID = re.compile(r"0192:([0-9]{9})")
ORGANISATION_AUTHORITY = "iso6523-actorid-upis"


# --- errors -------------------------------------------------------------------------------------------


class OidcError(Exception):
    """A sign-in that cannot go on. `message_no`/`message_en` are for the person; `detail` for the log."""

    message_no = "Innloggingen mislyktes. Prøv igjen."
    message_en = "Sign-in failed. Please try again."

    def __init__(self, detail: str = "", *, message_no: str | None = None, message_en: str | None = None):
        if message_no is not None:
            self.message_no = message_no
        if message_en is not None:
            self.message_en = message_en
        self.detail = detail
        super().__init__(f"{self.message_en} / {self.message_no}" + (f" ({detail})" if detail else ""))


class OidcNotConfiguredError(OidcError):
    message_no = "Innlogging med virksomhetens ID er ikke satt opp på denne tjenesten."
    message_en = "Sign-in with your organisation's ID is not set up on this service."


class ProviderUnavailableError(OidcError):
    message_no = "Innloggingstjenesten svarte ikke som ventet. Prøv igjen om litt."
    message_en = "The sign-in service did not answer as expected. Please try again in a while."


class SignInCancelledError(OidcError):
    message_no = "Innloggingen ble avbrutt. Du er ikke logget inn."
    message_en = "The sign-in was cancelled. You are not signed in."


class StateMismatchError(OidcError):
    message_no = "Innloggingen kunne ikke knyttes til denne nettleseren. Start innloggingen på nytt."
    message_en = "The sign-in could not be matched to this browser. Please start the sign-in again."


class InvalidIdTokenError(OidcError):
    message_no = "Svaret fra innloggingstjenesten kunne ikke bekreftes. Start innloggingen på nytt."
    message_en = "The answer from the sign-in service could not be verified. Please start the sign-in again."


class MissingOrganisationError(OidcError):
    message_no = (
        "Innloggingen fortalte ikke hvilken virksomhet du representerer. Velg virksomheten din når du "
        "logger inn, og sjekk at du har fått rettigheten til denne tjenesten i Altinn."
    )
    message_en = (
        "The sign-in did not say which organisation you represent. Choose your organisation when you "
        "sign in, and check that you have been given the right to this service in Altinn."
    )


# --- what the two steps hand over ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what the caller must keep (server-side) until it comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str
    return_to: str


class PendingSignIn(Protocol):
    """What `complete()` needs of the stored request (an `AuthorizationRequest` will do)."""

    @property
    def state(self) -> str: ...

    @property
    def nonce(self) -> str: ...

    @property
    def code_verifier(self) -> str: ...


class Organisation(NamedTuple):
    orgnr: str  # 9 digits
    name: str | None


@dataclass(frozen=True)
class OidcIdentity:
    """Who signed in, as far as this product needs to know: no national identity number."""

    issuer: str
    subject: str
    name: str | None
    email: str | None
    acr: str | None
    organisations: tuple[Organisation, ...]


# --- the two steps ------------------------------------------------------------------------------------


def redirect_uri(settings: AuthSettings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def safe_return_to(value: str | None) -> str:
    """A path on this site to go back to after signing in; anything else (another host) becomes "/"."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    return value


def authorization_details_request(settings: AuthSettings) -> list[dict[str, str]]:
    """The RAR object the request carries: the configured type, and the Altinn resource when set."""
    detail = {"type": settings.oidc_authorization_details_type}
    if settings.oidc_authorization_details_resource:
        detail["resource"] = settings.oidc_authorization_details_resource
    return [detail]


def begin(settings: AuthSettings, *, return_to: str) -> AuthorizationRequest:
    """Start a sign-in: the provider's authorize address with PKCE, state, nonce and authorization_details."""
    client_id = _client_id(settings)
    metadata = _metadata(settings)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri(settings),
        "scope": _scope(settings),
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(code_verifier),
        "code_challenge_method": "S256",
        "authorization_details": json.dumps(authorization_details_request(settings), separators=(",", ":")),
    }
    endpoint = _endpoint(metadata, "authorization_endpoint")
    url = endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)
    return AuthorizationRequest(
        url=url, state=state, nonce=nonce, code_verifier=code_verifier, return_to=safe_return_to(return_to)
    )


def complete(
    settings: AuthSettings, *, params: Mapping[str, str], expected: PendingSignIn, clock: Clock
) -> OidcIdentity:
    """Finish a sign-in from the callback's query parameters and the stored request.

    Raises an `OidcError` subclass for every way it can fail; on success the identity carries at least
    one organisation of the requested type.
    """
    client_id = _client_id(settings)
    error = params.get("error")
    if error:
        described = f"{error}: {params.get('error_description', '')}".strip(": ")
        if error == "access_denied":
            raise SignInCancelledError(described)
        raise OidcError(f"provider error {described}")
    state = params.get("state") or ""
    if not expected.state or not hmac.compare_digest(state.encode(), expected.state.encode()):
        raise StateMismatchError("state in the callback does not match the stored state")
    code = params.get("code")
    if not code:
        raise OidcError("callback without code")

    metadata = _metadata(settings)
    tokens = _exchange_code(
        settings, metadata, client_id=client_id, code=code, verifier=expected.code_verifier
    )
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise InvalidIdTokenError("token response without id_token")
    claims = _validated_claims(metadata, id_token, client_id=client_id, nonce=expected.nonce, clock=clock)

    details = claims.get("authorization_details")
    if details is None:
        access_token = tokens.get("access_token")
        if isinstance(access_token, str) and metadata.get("userinfo_endpoint"):
            details = _userinfo(metadata, access_token, subject=claims["sub"]).get("authorization_details")
    organisations = organisations_from(
        details,
        type_=settings.oidc_authorization_details_type,
        resource=settings.oidc_authorization_details_resource,
    )
    if not organisations:
        raise MissingOrganisationError(
            "no authorization_details" if details is None else "no reportee of the requested type"
        )
    return OidcIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        name=_text(claims.get("name")),
        email=_text(claims.get("email")),
        acr=_text(claims.get("acr")),
        organisations=organisations,
    )


# --- the organisations in authorization_details -------------------------------------------------------


def organisations_from(
    authorization_details: Any, *, type_: str, resource: str | None = None
) -> tuple[Organisation, ...]:
    """The organisations (`0192:<9 digits>` reportees) of the entries of `type_` (and `resource`, if given).

    Anything malformed is skipped, never guessed at: a non-list, entries that are not objects or of
    another type, reportees of another identifier scheme. Each organisation appears once, first name wins.
    The check digit is not verified: the value comes signed from the provider, and test environments
    use synthetic organisation numbers.
    """
    if not isinstance(authorization_details, list):
        return ()
    found: dict[str, Organisation] = {}
    for entry in authorization_details:
        if not isinstance(entry, dict) or entry.get("type") != type_:
            continue
        if resource is not None and entry.get("resource") != resource:
            continue
        reportees = entry.get("reportees")
        if not isinstance(reportees, list):
            continue
        for reportee in reportees:
            if not isinstance(reportee, dict):
                continue
            authority = reportee.get("Authority")
            if authority is not None and authority != ORGANISATION_AUTHORITY:
                continue
            identifier = reportee.get("ID")
            match = ORGANISATION_ID.fullmatch(identifier) if isinstance(identifier, str) else None
            if match is None:
                continue
            orgnr = match.group(1)
            found.setdefault(orgnr, Organisation(orgnr, _text(reportee.get("Name"))))
    return tuple(found.values())


# --- talking to the provider --------------------------------------------------------------------------


@dataclass
class _Cached:
    metadata: dict[str, Any]
    fetched_at: float  # time.monotonic()
    keys: KeySet | None = None


_CACHE: dict[str, _Cached] = {}


def forget_cached_metadata() -> None:
    """Drop the cached discovery documents and key sets (tests; a provider that moved)."""
    _CACHE.clear()


def _client_id(settings: AuthSettings) -> str:
    if not settings.oidc_enabled or not settings.oidc_client_id:
        raise OidcNotConfiguredError("NAERING_OIDC_ISSUER and NAERING_OIDC_CLIENT_ID are not both set")
    return settings.oidc_client_id


def _scope(settings: AuthSettings) -> str:
    scopes = settings.oidc_scopes.split()
    return " ".join(scopes if "openid" in scopes else ["openid", *scopes])


def _issuer(settings: AuthSettings) -> str:
    assert settings.oidc_issuer
    return settings.oidc_issuer.rstrip("/")


def _metadata(settings: AuthSettings) -> dict[str, Any]:
    issuer = _issuer(settings)
    cached = _CACHE.get(issuer)
    if cached is not None and time.monotonic() - cached.fetched_at < DISCOVERY_TTL_S:
        return cached.metadata
    metadata = _get_json(f"{issuer}/.well-known/openid-configuration", what="discovery document")
    # OpenID Connect Discovery §4.3: the document's issuer must be the one we asked.
    if not isinstance(metadata.get("issuer"), str) or metadata["issuer"].rstrip("/") != issuer:
        raise ProviderUnavailableError(f"discovery document names issuer {metadata.get('issuer')!r}")
    _CACHE[issuer] = _Cached(metadata=metadata, fetched_at=time.monotonic())
    return metadata


def _endpoint(metadata: Mapping[str, Any], name: str) -> str:
    value = metadata.get(name)
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ProviderUnavailableError(f"discovery document has no usable {name}")
    return value


def _get_json(url: str, *, what: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    try:
        response = httpx.get(url, headers=headers, timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailableError(f"{what} from {url}: {error}") from error
    if not isinstance(body, dict):
        raise ProviderUnavailableError(f"{what} from {url} is not a JSON object")
    return body


def _exchange_code(
    settings: AuthSettings, metadata: Mapping[str, Any], *, client_id: str, code: str, verifier: str
) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings),
        "code_verifier": verifier,
    }
    auth: httpx.BasicAuth | None = None
    secret = settings.oidc_client_secret
    # Discovery's default is client_secret_basic; client_secret_post when that is all the provider takes.
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if secret is None:
        form["client_id"] = client_id  # a public client: PKCE alone
    elif "client_secret_basic" in methods or "client_secret_post" not in methods:
        auth = httpx.BasicAuth(quote(client_id, safe=""), quote(secret, safe=""))
    else:
        form |= {"client_id": client_id, "client_secret": secret}
    url = _endpoint(metadata, "token_endpoint")
    try:
        response = httpx.post(
            url, data=form, auth=auth, headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT_S
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailableError(f"token endpoint {url}: {error}") from error
    if not isinstance(body, dict):
        raise ProviderUnavailableError(f"token endpoint answered HTTP {response.status_code} without JSON")
    if response.status_code != 200 or "error" in body:
        raise OidcError(f"token endpoint: HTTP {response.status_code} {body.get('error')}")
    return body


def _keys(metadata: Mapping[str, Any], *, refresh: bool) -> KeySet:
    issuer = str(metadata["issuer"]).rstrip("/")
    cached = _CACHE.get(issuer)
    if cached is not None and cached.keys is not None and not refresh:
        return cached.keys
    document = _get_json(_endpoint(metadata, "jwks_uri"), what="key set")
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ProviderUnavailableError(f"key set: {error}") from error
    if cached is not None:
        cached.keys = keys
    return keys


def _validated_claims(
    metadata: Mapping[str, Any], id_token: str, *, client_id: str, nonce: str, clock: Clock
) -> dict[str, Any]:
    """The ID token's claims after checking signature, iss, aud (and azp), exp, iat and nonce."""
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = sorted(ASYMMETRIC_ALGORITHMS.intersection(offered))
    if not algorithms:
        raise InvalidIdTokenError(f"no acceptable signature algorithm among {offered}")
    token = None
    for refresh in (False, True):  # a key we have not seen: fetch the key set once more (rotation)
        try:
            token = jwt.decode(id_token, _keys(metadata, refresh=refresh), algorithms=algorithms)
            break
        except (InvalidKeyIdError, BadSignatureError) as error:
            if refresh:
                raise InvalidIdTokenError(f"signature: {error}") from error
        except (JoseError, ValueError) as error:
            raise InvalidIdTokenError(f"id_token: {error}") from error
    assert token is not None
    claims = token.claims

    def now() -> int:
        return int(clock.now().timestamp())

    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_S,
        iss={"essential": True, "value": str(metadata["issuer"])},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ClaimError as error:
        raise InvalidIdTokenError(f"claims: {error.claim}: {error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise InvalidIdTokenError("claims: several audiences and azp is not this client")
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise InvalidIdTokenError("claims: nonce does not match the request")
    return claims


def _userinfo(metadata: Mapping[str, Any], access_token: str, *, subject: str) -> dict[str, Any]:
    info = _get_json(
        _endpoint(metadata, "userinfo_endpoint"),
        what="userinfo",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    # OpenID Connect Core §5.3.2: userinfo about someone else must not be used.
    if info.get("sub") != subject:
        raise InvalidIdTokenError("userinfo is about another subject")
    return info


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None
