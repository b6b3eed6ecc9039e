"""Sign-in and sign-out pages, the OpenID Connect round trip, invitations and password resets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
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
    set_session_cookie,
)
from api.deps import SessionDep, SettingsDep
from api.web import LangDep, redirect, render, safe_next
from registry.services import accounts

router = APIRouter(include_in_schema=False, dependencies=[LangDep])
OIDC_STATE_COOKIE = "naering_oidc_state"
NextParam = Annotated[str, Query(max_length=2000)]


def _client_addr(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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
            client_addr=_client_addr(request),
            settings=auth,
            clock=clock,
        )
    except accounts.SignInRefusedError as exc:
        lang_text = exc.message_no if _lang(request) == "no" else exc.message_en
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


def _lang(request: Request) -> str:
    from api.web import lang_of

    return lang_of(request)


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
            title=("Innloggingen ble avvist" if _lang(request) == "no" else "Sign-in refused"),
            message=exc.message_no if _lang(request) == "no" else exc.message_en,
        )
        response.delete_cookie(OIDC_STATE_COOKIE, path="/auth/oidc")
        return response
    target = return_to if outcome.has_grants else "/my"
    signed_in = _signed_in(request, outcome.signed_in, target)
    signed_in.delete_cookie(OIDC_STATE_COOKIE, path="/auth/oidc")
    return signed_in


def _password_page(
    request: Request, auth: Any, *, heading: str, action: str, valid: bool, **extra: Any
) -> Response:
    return render(
        request,
        "password_form.html",
        heading=heading,
        action=action,
        valid=valid,
        min_length=auth.password_min_length,
        **extra,
    )


def _t(request: Request, no: str, en: str) -> str:
    return no if _lang(request) == "no" else en


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


def _one_time_page(request: Request, auth: Any, clock: Any, token: str, purpose: str) -> Response:
    valid = accounts.one_time_valid(request.app.state.engine, token, purpose=purpose, clock=clock)
    invite = purpose == "invite"
    return _password_page(
        request,
        auth,
        heading=_t(request, "Velkommen — velg et passord", "Welcome — choose a password")
        if invite
        else _t(request, "Nytt passord", "New password"),
        action=f"/auth/{purpose}/{token}",
        valid=valid,
        error=None
        if valid
        else _t(request, "Lenken er ugyldig, brukt eller utløpt.", "The link is invalid, used or expired."),
    )


def _one_time_submit(
    request: Request, auth: Any, clock: Any, token: str, purpose: str, password: str, password2: str
) -> Response:
    engine = request.app.state.engine
    error = None
    if password != password2:
        error = _t(request, "Passordene er ikke like.", "The passwords differ.")
    else:
        try:
            signed = accounts.set_password_with_token(
                engine, token, password, purpose=purpose, settings=auth, clock=clock
            )
        except accounts.AccountError as exc:
            error = exc.message_no if _lang(request) == "no" else exc.message_en
        else:
            return _signed_in(request, signed, "/my")
    valid = accounts.one_time_valid(engine, token, purpose=purpose, clock=clock)
    return _password_page(
        request,
        auth,
        heading=_t(request, "Nytt passord", "New password"),
        action=f"/auth/{purpose}/{token}",
        valid=valid,
        error=error,
    )


@router.get("/auth/reset/{token}", response_class=HTMLResponse, include_in_schema=False)
def reset_page(request: Request, auth: AuthSettingsDep, clock: ClockDep, token: str) -> Response:
    return _one_time_page(request, auth, clock, token, "reset")


@router.post(
    "/auth/reset/{token}", response_class=HTMLResponse, include_in_schema=False, dependencies=[CsrfDep]
)
def reset_submit(
    request: Request,
    auth: AuthSettingsDep,
    clock: ClockDep,
    token: str,
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    return _one_time_submit(request, auth, clock, token, "reset", password, password2)


@router.get("/auth/invite/{token}", response_class=HTMLResponse, include_in_schema=False)
def invite_page(request: Request, auth: AuthSettingsDep, clock: ClockDep, token: str) -> Response:
    return _one_time_page(request, auth, clock, token, "invite")


@router.post(
    "/auth/invite/{token}", response_class=HTMLResponse, include_in_schema=False, dependencies=[CsrfDep]
)
def invite_submit(
    request: Request,
    auth: AuthSettingsDep,
    clock: ClockDep,
    token: str,
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    return _one_time_submit(request, auth, clock, token, "invite", password, password2)
