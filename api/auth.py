"""Who is calling: an API token (`Authorization: Bearer …`), a session cookie, or nobody; and CSRF.

- A bearer token that is unknown, revoked or expired is a 401, whatever else the request carries.
- A session cookie that is unknown or ended counts as anonymous (and the cookie is cleared).
- Every unsafe request (POST, PUT, PATCH, DELETE) from a browser must carry the CSRF token: the
  session's when signed in, else the pre-session cookie's (sign-in and reset forms). Forms send it in
  the `csrf_token` field, scripts in the `X-CSRF-Token` header. Requests with a bearer token carry no
  cookies a third-party page could ride on, so they need none.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from registry.clock import Clock
from registry.services import accounts
from registry.services.access import ANONYMOUS, ForbiddenError, NotSignedInError, Principal
from registry.settings import AuthSettings, InquirySettings, MailSettings

SESSION_COOKIE = "naering_session"
CSRF_COOKIE = "naering_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_auth_settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.auth_settings
    return settings


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotSignedInError(
            "Use `Authorization: Bearer <token>`. / Bruk `Authorization: Bearer <nøkkel>`."
        )
    return value.strip()


def get_principal(request: Request) -> Principal:
    """The caller of this request (cached on the request)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        principal: Principal = cached
        return principal
    engine = request.app.state.engine
    clock = get_clock(request)
    token = _bearer(request)
    request.state.csrf_expected = None
    if token is not None:
        principal = accounts.principal_for_token(engine, token, clock=clock)
        request.state.via_token = True
    else:
        principal = ANONYMOUS
        cookie = request.cookies.get(SESSION_COOKIE)
        state = accounts.session_state(engine, cookie, clock=clock) if cookie else None
        if state is not None:
            principal = state.principal
            request.state.csrf_expected = state.csrf_token
        else:
            request.state.csrf_expected = request.cookies.get(CSRF_COOKIE)
            request.state.clear_session_cookie = cookie is not None
    request.state.principal = principal
    return principal


def csrf_token_for(request: Request) -> str:
    """The token a form on this page must send back (creating the pre-session one when needed)."""
    get_principal(request)
    expected: str | None = request.state.csrf_expected
    if expected is None:
        expected = secrets.token_urlsafe(24)
        request.state.csrf_expected = expected
        request.state.set_csrf_cookie = expected
    return expected


async def require_csrf(request: Request) -> None:
    """Refuse an unsafe browser request without the right CSRF token (403)."""
    if request.method not in UNSAFE_METHODS:
        return
    principal = await current_principal(request)
    if getattr(request.state, "via_token", False):
        return
    if principal.is_anonymous and request.url.path.startswith("/api/"):
        return  # no ambient credentials to ride on: the route itself answers 401 where sign-in is needed
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = request.state.csrf_expected
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise ForbiddenError(
            "The form has expired or did not come from this site; reload the page and try again. / "
            "Skjemaet er utløpt eller kom ikke fra dette nettstedet; last siden på nytt og prøv igjen."
        )


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    settings = get_auth_settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    settings = get_auth_settings(request)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax"
    )


def finish_cookies(request: Request, response: Response) -> None:
    """Set the pre-session CSRF cookie a page handed out, and clear a dead session cookie."""
    settings = get_auth_settings(request)
    pending = getattr(request.state, "set_csrf_cookie", None)
    if pending:
        response.set_cookie(
            CSRF_COOKIE, pending, httponly=True, secure=settings.secure_cookies, samesite="lax", path="/"
        )
    if getattr(request.state, "clear_session_cookie", False):
        clear_session_cookie(response, request)


async def current_principal(request: Request) -> Principal:
    """`get_principal` as a dependency that keeps the event loop free: a caller with neither a bearer
    token nor a session cookie is anonymous without a database look-up, answered at once; the others
    are looked up in a worker thread."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        principal: Principal = cached
        return principal
    if "authorization" not in request.headers and SESSION_COOKIE not in request.cookies:
        return get_principal(request)
    return await run_in_threadpool(get_principal, request)


async def signed_in(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.is_anonymous:
        raise NotSignedInError("Sign in first. / Logg inn først.")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
SignedInDep = Annotated[Principal, Depends(signed_in)]


def get_inquiry_settings(request: Request) -> InquirySettings:
    return request.app.state.inquiry_settings  # type: ignore[no-any-return]


def get_mail_settings(request: Request) -> MailSettings:
    return request.app.state.mail_settings  # type: ignore[no-any-return]


def client_addr(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy: uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


# Dependencies that only read the app's state are coroutines: FastAPI runs a plain function dependency in
# a worker thread, a hop that costs more than the read.
async def _clock(request: Request) -> Clock:
    return get_clock(request)


async def _inquiry_settings(request: Request) -> InquirySettings:
    return get_inquiry_settings(request)


async def _mail_settings(request: Request) -> MailSettings:
    return get_mail_settings(request)


async def _auth_settings(request: Request) -> AuthSettings:
    return get_auth_settings(request)


ClockDep = Annotated[Clock, Depends(_clock)]
InquirySettingsDep = Annotated[InquirySettings, Depends(_inquiry_settings)]
MailSettingsDep = Annotated[MailSettings, Depends(_mail_settings)]
AuthSettingsDep = Annotated[AuthSettings, Depends(_auth_settings)]
CsrfDep = Depends(require_csrf)
