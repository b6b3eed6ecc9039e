"""Sign-in and sign-out pages, the OpenID Connect round trip, invitations and password resets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthSettingsDep,
    ClockDep,
    CsrfDep,
    PrincipalDep,
    clear_session_cookie,
    client_addr,
    set_session_cookie,
)
from api.deps import SessionDep, SettingsDep
from api.web import LangDep, redirect, render, safe_next, say
from registry.services import accounts

router = APIRouter(include_in_schema=False, dependencies=[LangDep])
OIDC_STATE_COOKIE = "naering_oidc_state"
NextParam = Annotated[str, Query(max_length=2000)]


def _demo_users(session: Session, request: Request) -> list[Any]:
    if request.app.state.settings.environment == "production":
        return []
    return accounts.demo_users(session)


def _signed_in(request: Request, signed: accounts.SignedIn, target: str) -> RedirectResponse:
    response = redirect(target)
    set_session_cookie(response, request, signed.session_token)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/sign-in", response_class=HTMLResponse, include_in_schema=False)
def sign_in_page(
    request: Request,
    session: SessionDep,
    auth: AuthSettingsDep,
    principal: PrincipalDep,
    next: NextParam = "/my",
) -> Response:
    if not principal.is_anonymous:
        return redirect(safe_next(next, "/my"))
    return render(
        request,
        "sign_in.html",
        next=safe_next(next, "/my"),
        oidc_enabled=auth.oidc_enabled,
        oidc_name=auth.oidc_display_name,
        demo_users=_demo_users(session, request),
    )


@router.post("/auth/sign-in", response_class=HTMLResponse, include_in_schema=False, dependencies=[CsrfDep])
def sign_in(
    request: Request,
    session: SessionDep,
    auth: AuthSettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/my",
) -> Response:
    try:
        signed = accounts.sign_in_password(
            request.app.state.engine,
            email,
            password,
            client_addr=client_addr(request),
            settings=auth,
            clock=clock,
        )
    except accounts.SignInRefusedError as exc:
        lang_text = say(request, exc.message_no, exc.message_en)
        status = 429 if isinstance(exc, accounts.RateLimitedError) else 401
        return render(
            request,
            "sign_in.html",
            status=status,
            error=lang_text,
            email=email,
            next=safe_next(next, "/my"),
            oidc_enabled=auth.oidc_enabled,
            oidc_name=auth.oidc_display_name,
            demo_users=_demo_users(session, request),
        )
    return _signed_in(request, signed, safe_next(next, "/my"))


@router.post("/auth/demo", include_in_schema=False, dependencies=[CsrfDep])
def sign_in_demo(
    request: Request,
    settings: SettingsDep,
    auth: AuthSettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=320)],
    next: Annotated[str, Form(max_length=2000)] = "/my",
) -> Response:
    if settings.environment == "production":
        return redirect("/auth/sign-in")
    signed = accounts.sign_in_demo(request.app.state.engine, email, settings=auth, clock=clock)
    return _signed_in(request, signed, safe_next(next, "/my"))


@router.post("/auth/sign-out", include_in_schema=False, dependencies=[CsrfDep])
def sign_out(request: Request, clock: ClockDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(request.app.state.engine, token, clock=clock)
    response = redirect("/")
    clear_session_cookie(response, request)
    return response


@router.get("/auth/oidc/start", include_in_schema=False)
def oidc_start(request: Request, auth: AuthSettingsDep, clock: ClockDep, next: NextParam = "/my") -> Response:
    if not auth.oidc_enabled:
        return redirect("/auth/sign-in")
    url, state = accounts.start_oidc(
        request.app.state.engine, return_to=safe_next(next, "/my"), settings=auth, clock=clock
    )
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        OIDC_STATE_COOKIE,
        state,
        max_age=accounts.OIDC_REQUEST_MINUTES * 60,
        httponly=True,
        secure=auth.secure_cookies,
        samesite="lax",
        path="/auth/oidc",
    )
    return response


@router.get("/auth/oidc/callback", include_in_schema=False)
def oidc_callback(
    request: Request,
    auth: AuthSettingsDep,
    clock: ClockDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=2000)] = None,
    iss: Annotated[str | None, Query(max_length=2000)] = None,
    session_state: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    given = {"code": code, "state": state, "error": error, "error_description": error_description, "iss": iss}
    params = {k: v for k, v in given.items() if v is not None}
    try:
        outcome, return_to = accounts.finish_oidc(
            request.app.state.engine,
            params=params,
            browser_state=request.cookies.get(OIDC_STATE_COOKIE),
            settings=auth,
            clock=clock,
        )
    except accounts.SignInRefusedError as exc:
        response = render(
            request,
            "error.html",
            status=401,
            title=say(request, "Innloggingen ble avvist", "Sign-in refused"),
            message=say(request, exc.message_no, exc.message_en),
        )
        response.delete_cookie(OIDC_STATE_COOKIE, path="/auth/oidc")
        return response
    target = return_to if outcome.has_grants else "/my"
    signed_in = _signed_in(request, outcome.signed_in, target)
    signed_in.delete_cookie(OIDC_STATE_COOKIE, path="/auth/oidc")
    return signed_in


@router.get("/auth/reset", response_class=HTMLResponse, include_in_schema=False)
def reset_request_page(request: Request) -> Response:
    return render(request, "reset_request.html", sent=False)


@router.post("/auth/reset", response_class=HTMLResponse, include_in_schema=False, dependencies=[CsrfDep])
def reset_request(
    request: Request, auth: AuthSettingsDep, clock: ClockDep, email: Annotated[str, Form(max_length=320)]
) -> Response:
    accounts.request_password_reset(
        request.app.state.engine, email, settings=auth, mail=request.app.state.mail_settings, clock=clock
    )
    return render(request, "reset_request.html", sent=True, hours=auth.reset_hours)


Purpose = Annotated[str, Path(pattern="^(invite|reset)$")]
Token = Annotated[str, Path(max_length=100)]


def _one_time_page(
    request: Request, auth: Any, clock: Any, purpose: str, token: str, *, error: str | None = None
) -> Response:
    """The invitation's or the reset link's page: choose a password (or: the link does not work)."""
    valid = accounts.one_time_valid(request.app.state.engine, token, purpose=purpose, clock=clock)
    if not valid:
        error = say(
            request, "Lenken er ugyldig, brukt eller utløpt.", "The link is invalid, used or expired."
        )
    heading = (
        say(request, "Velkommen — velg et passord", "Welcome — choose a password")
        if purpose == "invite"
        else say(request, "Nytt passord", "New password")
    )
    return render(
        request,
        "password_form.html",
        heading=heading,
        action=f"/auth/{purpose}/{token}",
        valid=valid,
        error=error,
        min_length=auth.password_min_length,
    )


@router.get("/auth/{purpose}/{token}", response_class=HTMLResponse)
def one_time_page(
    request: Request, auth: AuthSettingsDep, clock: ClockDep, purpose: Purpose, token: Token
) -> Response:
    return _one_time_page(request, auth, clock, purpose, token)


@router.post("/auth/{purpose}/{token}", response_class=HTMLResponse, dependencies=[CsrfDep])
def one_time_submit(
    request: Request,
    auth: AuthSettingsDep,
    clock: ClockDep,
    purpose: Purpose,
    token: Token,
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Set the password with an invitation or reset link; a refusal keeps the link usable."""
    if password != password2:
        return _one_time_page(
            request,
            auth,
            clock,
            purpose,
            token,
            error=say(request, "Passordene er ikke like.", "The passwords differ."),
        )
    try:
        signed = accounts.set_password_with_token(
            request.app.state.engine, token, password, purpose=purpose, settings=auth, clock=clock
        )
    except accounts.AccountError as exc:
        return _one_time_page(
            request, auth, clock, purpose, token, error=say(request, exc.message_no, exc.message_en)
        )
    return _signed_in(request, signed, "/my")
