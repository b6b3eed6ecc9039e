"""The secretariat's pages (`/admin`): users and grants, the member list and regionråd, the organisation
table, the outbox and the audit log. Admins only (every route, through the router's dependency); every
form posts with the CSRF token and answers with a redirect to the page that shows the result."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import ClockDep, CsrfDep, PrincipalDep
from api.deps import SessionDep
from api.web import LangDep, redirect, render, safe_next, say
from registry.services import accounts, mail, membership, secretariat
from registry.services.access import require_admin
from registry.services.kommuner import kommune_index, list_kommuner

OUTBOX_PAGE = 50
AUDIT_PAGE = 100
OUTBOX_STATUSES = ("queued", "sent", "failed", "kept")


def _admin(principal: PrincipalDep) -> None:
    """Only the secretariat: anonymous → sign in first; anyone else → 403 (before any form is read)."""
    require_admin(principal)


router = APIRouter(
    prefix="/admin",
    include_in_schema=False,
    dependencies=[Depends(_admin), LangDep],
)

# After a change the page says what was done: `?ok=<key>` → (norsk, English).
DONE: dict[str, tuple[str, str]] = {
    "invited": ("Invitasjonen er sendt (se utboksen).", "The invitation has been sent (see the outbox)."),
    "granted": ("Tilgangen er gitt.", "The grant has been given."),
    "grant-removed": ("Tilgangen er fjernet.", "The grant has been removed."),
    "unchanged": ("Ingen endring.", "Nothing changed."),
    "role": ("Rollen er endret.", "The role has been changed."),
    "activated": ("Brukeren er aktivert.", "The user has been activated."),
    "deactivated": ("Brukeren er deaktivert.", "The user has been deactivated."),
    "access-revoked": (
        "Alle økter og API-nøkler er avsluttet.",
        "Every session and API token has been ended.",
    ),
    "org-saved": ("Organisasjonsnummeret er lagret.", "The organisation number has been saved."),
    "org-deleted": ("Organisasjonsnummeret er slettet.", "The organisation number has been deleted."),
    "member-saved": ("Medlemskapet er lagret.", "The membership has been saved."),
    "delivered": ("Utboksen er behandlet.", "The outbox has been processed."),
}
OkParam = Annotated[str | None, Query(max_length=40, pattern="^[a-z-]+$")]
OffsetParam = Annotated[int, Query(ge=0, le=1_000_000)]


def _done(request: Request, ok: str | None) -> str | None:
    if ok not in DONE:
        return None
    no, en = DONE[ok]
    return say(request, no, en)


def _message(request: Request, exc: accounts.AccountError | membership.MembershipError) -> str:
    return say(request, exc.message_no, exc.message_en)


def _user_url(email: str, ok: str | None = None) -> str:
    return f"/admin/users/{quote(email, safe='@')}" + (f"?ok={ok}" if ok else "")


def _kommune_choices(session: Session) -> dict[str, Any]:
    """Every kommune for the select lists, Osloregionen's members first."""
    kommuner = list_kommuner(session)
    return {
        "members": [k for k in kommuner if k["is_member"]],
        "others": [k for k in kommuner if not k["is_member"]],
        "names": kommune_index(session).names,
    }


# --- Overview ------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    return render(request, "admin_index.html", overview=secretariat.overview(session, principal))


# --- Users and grants ----------------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    principal: Any,
    *,
    status: int = 200,
    ok: str | None = None,
    error: str | None = None,
    field: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        "admin_users.html",
        status=status,
        users=accounts.list_users(session, principal),
        waiting=secretariat.waiting_for_grant(session, principal),
        done=_done(request, ok),
        error=error,
        field=field,
        form=form or {"role": "editor", "kommuner": []},
        **_kommune_choices(session),
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, principal: PrincipalDep, ok: OkParam = None) -> Response:
    return _users_page(request, session, principal, ok=ok)


@router.post("/users/invite", response_class=HTMLResponse, dependencies=[CsrfDep])
def invite(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=20)] = "editor",
    name: Annotated[str, Form(max_length=200)] = "",
    kommuner: Annotated[list[str] | None, Form()] = None,
    other_kommuner: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    chosen = [k for k in (kommuner or []) if k] + [
        k.strip() for k in other_kommuner.replace(";", ",").split(",") if k.strip()
    ]
    try:
        user = accounts.invite(
            request.app.state.engine,
            principal,
            email=email,
            role=role,
            kommuner=chosen if role == "editor" else [],
            name=name.strip() or None,
            settings=request.app.state.auth_settings,
            mail=request.app.state.mail_settings,
            clock=clock,
        )
    except accounts.AccountError as exc:
        form = {
            "email": email,
            "name": name,
            "role": role,
            "kommuner": kommuner or [],
            "other_kommuner": other_kommuner,
        }
        return _users_page(
            request,
            session,
            principal,
            status=422,
            error=_message(request, exc),
            field=exc.field or "email",
            form=form,
        )
    return redirect(_user_url(user.email, "invited"))


def _user_page(
    request: Request,
    session: Session,
    principal: Any,
    email: str,
    *,
    status: int = 200,
    ok: str | None = None,
    error: str | None = None,
    field: str | None = None,
) -> Response:
    try:
        user = accounts.get_user(session, principal, email)
    except accounts.AccountError:
        return render(
            request,
            "error.html",
            status=404,
            title=say(request, "Ikke funnet", "Not found"),
            message=say(request, "Ingen bruker ", "No user ") + email,
        )
    orgs = {o["orgnr"]: o for o in accounts.list_orgs(session, principal)}
    return render(
        request,
        "admin_user.html",
        status=status,
        user=user,
        org=orgs.get(user.orgnr or ""),
        done=_done(request, ok),
        error=error,
        field=field,
        **_kommune_choices(session),
    )


@router.get("/users/{email:path}", response_class=HTMLResponse)
def user_page(
    request: Request, session: SessionDep, principal: PrincipalDep, email: str, ok: OkParam = None
) -> Response:
    return _user_page(request, session, principal, email, ok=ok)


def _after_change(
    request: Request, session: Session, principal: Any, email: str, run: Any, ok: str
) -> Response:
    """Run one change of a user; on a refusal show the user's page again with the message."""
    try:
        changed = run()
    except accounts.AccountError as exc:
        return _user_page(
            request, session, principal, email, status=422, error=_message(request, exc), field=exc.field
        )
    return redirect(_user_url(email, ok if changed is not False else "unchanged"))


@router.post("/users/{email:path}/grant", response_class=HTMLResponse, dependencies=[CsrfDep])
def grant(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    email: str,
    kommune: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    engine = request.app.state.engine

    def run() -> bool:
        return accounts.set_grant(engine, principal, email, kommune, granted=True, clock=clock)

    response = _after_change(request, session, principal, email, run, "granted")
    if next and response.status_code == 303:
        return redirect(safe_next(next, "/admin/users") + "?ok=granted")
    return response


@router.post("/users/{email:path}/revoke-grant", response_class=HTMLResponse, dependencies=[CsrfDep])
def revoke_grant(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    email: str,
    kommune: Annotated[str, Form(max_length=10)],
) -> Response:
    engine = request.app.state.engine

    def run() -> bool:
        return accounts.set_grant(engine, principal, email, kommune, granted=False, clock=clock)

    return _after_change(request, session, principal, email, run, "grant-removed")


@router.post("/users/{email:path}/role", response_class=HTMLResponse, dependencies=[CsrfDep])
def role(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    email: str,
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    engine = request.app.state.engine

    def run() -> None:
        accounts.set_role(engine, principal, email, role, clock=clock)

    return _after_change(request, session, principal, email, run, "role")


@router.post("/users/{email:path}/active", response_class=HTMLResponse, dependencies=[CsrfDep])
def active(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    email: str,
    active: Annotated[str, Form(pattern="^(true|false)$")],
) -> Response:
    engine = request.app.state.engine
    on = active == "true"

    def run() -> None:
        accounts.set_active(engine, principal, email, on, clock=clock)

    return _after_change(request, session, principal, email, run, "activated" if on else "deactivated")


@router.post("/users/{email:path}/revoke-access", response_class=HTMLResponse, dependencies=[CsrfDep])
def revoke_access(
    request: Request, session: SessionDep, principal: PrincipalDep, clock: ClockDep, email: str
) -> Response:
    engine = request.app.state.engine

    def run() -> None:
        accounts.revoke_access(engine, principal, email, clock=clock)

    return _after_change(request, session, principal, email, run, "access-revoked")


# --- Organisation numbers ------------------------------------------------------------------------------


def _orgs_page(
    request: Request,
    session: Session,
    principal: Any,
    *,
    status: int = 200,
    ok: str | None = None,
    error: str | None = None,
    field: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        "admin_orgs.html",
        status=status,
        orgs=accounts.list_orgs(session, principal),
        done=_done(request, ok),
        error=error,
        field=field,
        form=form or {},
        **_kommune_choices(session),
    )


@router.get("/organisations", response_class=HTMLResponse)
def organisations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    ok: OkParam = None,
    edit: Annotated[str | None, Query(pattern="^[0-9]{9}$")] = None,
) -> Response:
    form: dict[str, Any] = {}
    if edit:
        form = next((dict(o) for o in accounts.list_orgs(session, principal) if o["orgnr"] == edit), {})
    return _orgs_page(request, session, principal, ok=ok, form=form)


@router.post("/organisations", response_class=HTMLResponse, dependencies=[CsrfDep])
def set_org(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    orgnr: Annotated[str, Form(max_length=20)],
    kommune_nr: Annotated[str, Form(max_length=10)],
    name: Annotated[str, Form(max_length=300)] = "",
    source: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        accounts.set_org(
            request.app.state.engine,
            principal,
            orgnr=orgnr,
            kommune_nr=kommune_nr,
            name=name.strip() or None,
            source=source.strip() or None,
            clock=clock,
        )
    except accounts.AccountError as exc:
        form = {"orgnr": orgnr, "kommune_nr": kommune_nr, "name": name, "source": source}
        return _orgs_page(
            request,
            session,
            principal,
            status=422,
            error=_message(request, exc),
            field=exc.field or "orgnr",
            form=form,
        )
    return redirect("/admin/organisations?ok=org-saved")


@router.post("/organisations/{orgnr}/delete", response_class=HTMLResponse, dependencies=[CsrfDep])
def delete_org(request: Request, principal: PrincipalDep, clock: ClockDep, orgnr: str) -> Response:
    deleted = accounts.delete_org(request.app.state.engine, principal, orgnr, clock=clock)
    return redirect("/admin/organisations?ok=" + ("org-deleted" if deleted else "unchanged"))


# --- Members and regionråd -----------------------------------------------------------------------------


def _members_page(
    request: Request,
    session: Session,
    *,
    show: str,
    status: int = 200,
    ok: str | None = None,
    error: str | None = None,
    error_nr: str | None = None,
    field: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    kommuner = list_kommuner(session)
    shown = kommuner if show == "all" else [k for k in kommuner if k["is_member"] or k["nr"] == error_nr]
    if form and error_nr:  # show what was typed, not what is stored
        shown = [{**k, **form} if k["nr"] == error_nr else k for k in shown]
    return render(
        request,
        "admin_members.html",
        status=status,
        kommuner=shown,
        show=show,
        members=sum(k["is_member"] for k in kommuner),
        total=len(kommuner),
        done=_done(request, ok),
        error=error,
        error_nr=error_nr,
        field=field,
    )


ShowParam = Annotated[str, Query(pattern="^(members|all)$")]


@router.get("/members", response_class=HTMLResponse)
def members(
    request: Request, session: SessionDep, show: ShowParam = "members", ok: OkParam = None
) -> Response:
    return _members_page(request, session, show=show, ok=ok)


@router.post("/members/{nr}", response_class=HTMLResponse, dependencies=[CsrfDep])
def set_membership(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    nr: str,
    is_member: Annotated[str | None, Form(max_length=10)] = None,
    regionraad: Annotated[str, Form(max_length=1000)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    show: Annotated[str, Form(pattern="^(members|all)$")] = "members",
) -> Response:
    member = is_member in ("on", "true", "1")
    try:
        changed = membership.set_membership(
            request.app.state.engine,
            principal,
            nr,
            is_member=member,
            regionraad=regionraad,
            note=note,
            clock=clock,
        )
    except membership.MembershipError as exc:
        form = {"is_member": member, "regionraad": regionraad, "membership_note": note}
        return _members_page(
            request,
            session,
            show=show,
            status=422,
            error=_message(request, exc),
            error_nr=nr,
            field=exc.field,
            form=form,
        )
    ok = "member-saved" if changed else "unchanged"
    return redirect(f"/admin/members?show={show}&ok={ok}#k-{nr}")


# --- Outbox --------------------------------------------------------------------------------------------


@router.get("/outbox", response_class=HTMLResponse)
def outbox(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(pattern="^(|" + "|".join(OUTBOX_STATUSES) + ")$")] = None,
    offset: OffsetParam = 0,
    ok: OkParam = None,
) -> Response:
    page = mail.outbox(session, principal=principal, limit=OUTBOX_PAGE, offset=offset, status=status or None)
    return render(
        request,
        "admin_outbox.html",
        page=page,
        status_filter=status or "",
        statuses=OUTBOX_STATUSES,
        offset=offset,
        limit=OUTBOX_PAGE,
        done=_done(request, ok),
    )


@router.get("/outbox/{message_id}", response_class=HTMLResponse)
def outbox_message(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    return render(request, "admin_message.html", message=mail.outbox_message(session, principal, message_id))


@router.post("/outbox/deliver", response_class=HTMLResponse, dependencies=[CsrfDep])
def deliver(request: Request, clock: ClockDep) -> Response:
    mail.deliver(request.app.state.engine, request.app.state.mail_settings, clock)
    return redirect("/admin/outbox?ok=delivered")


# --- Audit log -----------------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request, session: SessionDep, principal: PrincipalDep, offset: OffsetParam = 0
) -> Response:
    events = accounts.audit_log(session, principal, limit=AUDIT_PAGE + 1, offset=offset)
    return render(
        request,
        "admin_audit.html",
        events=events[:AUDIT_PAGE],
        more=len(events) > AUDIT_PAGE,
        offset=offset,
        limit=AUDIT_PAGE,
    )
