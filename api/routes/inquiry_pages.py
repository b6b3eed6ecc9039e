"""The investor's pages of the one-door-in loop: the form at /inquiries/new, the private page /i/{token}
with its actions, and the e-mailed list of one's inquiries (/inquiries/mine → /i/all/{token}).

Thin routes over `registry.services.inquiries` (the use cases) and `registry.services.inquiry_form` (what
the form offers). No JavaScript: every action is a form post answered by a redirect (303). The private
pages carry their secret in the URL, so they are sent with `Referrer-Policy: no-referrer`, never cached and
never indexed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import (
    AuthSettingsDep,
    ClockDep,
    CsrfDep,
    InquirySettingsDep,
    MailSettingsDep,
    client_addr,
)
from api.deps import SessionDep
from api.web import LangDep, lang_of, problems_by_field, redirect, render, say
from registry.clock import local_text
from registry.matching import criterion_label
from registry.services import inquiries
from registry.services.access import NotVisibleError
from registry.services.inquiry_form import form_choices
from registry.settings import InquirySettings
from schemas.inquiry import (
    AREA_UNITS,
    DEFAULT_CONFIDENTIALITY,
    DISTANCE_KEYS,
    HONEYPOT,
    MAX_LIST,
    MAX_MESSAGE_CHARS,
    label,
)
from schemas.problems import FieldProblem
from schemas.taxonomy import (
    AVAILABILITY,
    CONFIDENTIALITY,
    MATURITY,
    REQUESTER_KIND,
    SOSI_USE,
    VERDICT,
)

router = APIRouter(include_in_schema=False, dependencies=[LangDep])

MAX_SITE_ID = 2**31 - 1
MAX_FIELD_CHARS = 10_000  # longer than any field may be; the service says what the limit is
LIST_FIELDS = ("availability", "use_codes", "regionraad", "kommuner", "site_ids")
TEXT_FIELDS = (
    "requester_kind",
    "organisation",
    "name",
    "email",
    "phone",
    "country",
    "client",
    "sector",
    "area_min",
    "area_max",
    "area_unit",
    "power_mw_now",
    "power_mw_by_year",
    "power_year",
    "earliest_start",
    "maturity_min",
    *DISTANCE_KEYS,
    "message",
    "confidentiality",
    HONEYPOT,
)
_LABEL_KEYS = frozenset((*TEXT_FIELDS, *LIST_FIELDS)) - {HONEYPOT}
ACTIONS = ("reply", "accept", "useful", "shortlist", "close")
DONE: dict[str, tuple[str, str]] = {
    "reply": ("Meldingen er sendt til kommunen.", "Your message is sent to the kommune."),
    "accept": ("Kommunen kan nå se hvem dere er.", "The kommune can now see who you are."),
    "useful": ("Takk! Vurderingen av svaret er lagret.", "Thank you! Your rating of the answer is saved."),
    "shortlist": ("Kortlisten er oppdatert.", "The shortlist is updated."),
    "close": ("Henvendelsen er avsluttet.", "The inquiry is closed."),
}

Token = Annotated[str, Path(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


# --- helpers ---------------------------------------------------------------------------------------------


def _private(response: Response) -> Response:
    """A page whose URL is a secret: no referrer to other sites, no cache, no search engine."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _form_data(form: Any) -> dict[str, Any]:
    """The submitted form as the service reads it: lists for the repeatable fields, text for the rest."""
    data: dict[str, Any] = {}
    for key in LIST_FIELDS:
        data[key] = [str(v)[:MAX_FIELD_CHARS] for v in form.getlist(key) if str(v).strip()][: MAX_LIST + 1]
    for key in TEXT_FIELDS:
        value = form.get(key)
        data[key] = str(value)[:MAX_FIELD_CHARS] if isinstance(value, str) else None
    return data


def _site_ids(values: Sequence[Any]) -> list[int]:
    out = []
    for v in values:
        text = str(v).strip()
        if text.isdigit() and 1 <= int(text) <= MAX_SITE_ID:
            out.append(int(text))
    return out


def _form_page(
    request: Request,
    session: Any,
    values: Mapping[str, Any],
    *,
    status: int = 200,
    problems: Sequence[FieldProblem] = (),
    refused: str | None = None,
) -> Response:
    choices = form_choices(session, site_ids=_site_ids(values.get("site_ids") or ()))
    settings: InquirySettings = request.app.state.inquiry_settings
    by_field = problems_by_field(problems)
    return render(
        request,
        "inquiry_form.html",
        status=status,
        values=values,
        choices=choices,
        problems=by_field,
        problem_list=[(p, label(p.field) if p.field in _LABEL_KEYS else None) for p in problems],
        refused=refused,
        retention_months=settings.retention_months,
        auto_close_days=settings.auto_close_days,
        secretariat_email=settings.secretariat_email,
        label=label,
        REQUESTER_KIND=REQUESTER_KIND,
        MATURITY=MATURITY,
        AVAILABILITY=AVAILABILITY,
        SOSI_USE=SOSI_USE,
        CONFIDENTIALITY=CONFIDENTIALITY,
        AREA_UNITS=AREA_UNITS,
        DISTANCE_KEYS=tuple(DISTANCE_KEYS),
        HONEYPOT=HONEYPOT,
        MAX_MESSAGE_CHARS=MAX_MESSAGE_CHARS,
    )


def _view_context(request: Request) -> dict[str, Any]:
    settings: InquirySettings = request.app.state.inquiry_settings
    return {
        "when": partial(local_text, timezone=settings.work_timezone, empty="–"),
        "criterion": criterion_label,
        "VERDICT": VERDICT,
        "AVAILABILITY": AVAILABILITY,
        "SOSI_USE": SOSI_USE,
    }


# --- the form --------------------------------------------------------------------------------------------


@router.get("/inquiries/new", response_class=HTMLResponse)
def inquiry_form(
    request: Request,
    session: SessionDep,
    site_ids: Annotated[list[str] | None, Query(description="Sites the form is opened from")] = None,
    kommuner: Annotated[list[str] | None, Query(description="Kommune numbers")] = None,
    regionraad: Annotated[list[str] | None, Query(description="Regionråd names")] = None,
) -> Response:
    """The form, prefilled from where it was opened (a site, a set of sites, a kommune, a regionråd)."""
    values: dict[str, Any] = {
        "requester_kind": "direct",
        "area_unit": "daa",
        "confidentiality": DEFAULT_CONFIDENTIALITY,
        "site_ids": [str(i) for i in _site_ids(site_ids or [])][:MAX_LIST],
        "kommuner": [k.strip() for k in kommuner or [] if k.strip()][:MAX_LIST],
        "regionraad": [r.strip() for r in regionraad or [] if r.strip()][:MAX_LIST],
    }
    return _form_page(request, session, values)


def _submit(request: Request, data: dict[str, Any], auth: Any, mail: Any, clock: Any) -> Response:
    settings: InquirySettings = request.app.state.inquiry_settings
    try:
        done = inquiries.submit(
            request.app.state.engine,
            data,
            client_addr=client_addr(request),
            settings=settings,
            auth=auth,
            mail=mail,
            clock=clock,
        )
    except inquiries.InquiryInvalidError as exc:
        with request.app.state.session_factory() as session:
            return _form_page(request, session, data, status=400, problems=exc.problems)
    except inquiries.TooManyInquiriesError as exc:
        with request.app.state.session_factory() as session:
            return _form_page(
                request, session, data, status=429, refused=say(request, exc.message_no, exc.message_en)
            )
    return _private(redirect(f"/i/{done.token}?new=1&lang={lang_of(request)}"))


@router.post("/inquiries/new", response_class=HTMLResponse, dependencies=[CsrfDep])
async def inquiry_submit(
    request: Request, auth: AuthSettingsDep, mail: MailSettingsDep, clock: ClockDep
) -> Response:
    data = _form_data(await request.form())
    return await run_in_threadpool(_submit, request, data, auth, mail, clock)


# --- the investor's private page -------------------------------------------------------------------------


def _not_found(request: Request) -> Response:
    return _private(
        render(
            request,
            "error.html",
            status=404,
            title=say(request, "Ikke funnet", "Not found"),
            message=say(
                request,
                "Lenken er ukjent eller utløpt. Be om en ny lenke til henvendelsene deres på "
                "/inquiries/mine.",
                "The link is unknown or has expired. Ask for a new link to your inquiries at "
                "/inquiries/mine.",
            ),
        )
    )


def _investor_page(
    request: Request,
    session: Any,
    token: str,
    clock: Any,
    *,
    status: int = 200,
    new: bool = False,
    done: str | None = None,
    problems: Sequence[FieldProblem] = (),
    problem_kommune: str | None = None,
    refused: str | None = None,
    body: str | None = None,
) -> Response:
    try:
        view = inquiries.investor_view(session, token, clock=clock)
    except NotVisibleError:
        return _not_found(request)
    done_text = DONE.get(done or "")
    return _private(
        render(
            request,
            "inquiry_private.html",
            status=status,
            view=view,
            token=token,
            new=new,
            done=say(request, *done_text) if done_text else None,
            problems=list(problems),
            problem_kommune=problem_kommune,
            refused=refused,
            body=body,
            actions=view["status"] == "open" and not view["erased"],
            **_view_context(request),
        )
    )


@router.get("/i/{token}", response_class=HTMLResponse)
def investor_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    token: Token,
    new: Annotated[str | None, Query(pattern="^1$")] = None,
    done: Annotated[str | None, Query(pattern="^(" + "|".join(ACTIONS) + ")$")] = None,
) -> Response:
    return _investor_page(request, session, token, clock, new=bool(new), done=done)


@router.post("/i/{token}/{action}", response_class=HTMLResponse, dependencies=[CsrfDep])
def investor_action(
    request: Request,
    session: SessionDep,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    clock: ClockDep,
    token: Token,
    action: Annotated[str, Path(pattern="^(" + "|".join(ACTIONS) + ")$")],
    kommune_nr: Annotated[str | None, Form(pattern=r"^\d{4}$")] = None,
    site_id: Annotated[int | None, Form(ge=1, le=MAX_SITE_ID)] = None,
    body: Annotated[str | None, Form(max_length=MAX_FIELD_CHARS)] = None,
    value: Annotated[str, Form(pattern="^[01]$")] = "1",
) -> Response:
    """Reply to a kommune, accept its reply, mark its answer useful, shortlist a site, or close."""
    try:
        inquiries.investor_act(
            request.app.state.engine,
            token,
            action,
            kommune_nr=kommune_nr,
            site_id=site_id,
            body=body,
            value=value == "1",
            auth=auth,
            mail=mail,
            clock=clock,
        )
    except NotVisibleError:
        return _not_found(request)
    except inquiries.InquiryInvalidError as exc:
        return _investor_page(
            request,
            session,
            token,
            clock,
            status=400,
            problems=exc.problems,
            problem_kommune=kommune_nr,
            body=body,
        )
    except inquiries.InquiryClosedError:
        refused = say(
            request,
            "Henvendelsen er avsluttet; den kan ikke endres lenger. Send en ny henvendelse om dere "
            "trenger noe mer.",
            "The inquiry is closed and can no longer be changed. Send a new inquiry if you need "
            "anything more.",
        )
        return _investor_page(request, session, token, clock, status=409, refused=refused)
    anchor = f"#k-{kommune_nr}" if kommune_nr and action != "close" else ""
    if action == "shortlist" and site_id is not None:
        anchor = f"#s-{site_id}"
    return _private(redirect(f"/i/{token}?done={action}{anchor}"))


# --- all inquiries of one address ------------------------------------------------------------------------


@router.get("/inquiries/mine", response_class=HTMLResponse)
def mine_form(request: Request, sent: Annotated[str | None, Query(pattern="^1$")] = None) -> Response:
    return render(request, "inquiry_mine.html", sent=bool(sent), problems={}, email="")


@router.post("/inquiries/mine", response_class=HTMLResponse, dependencies=[CsrfDep])
def mine_request(
    request: Request,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    settings: InquirySettingsDep,
    clock: ClockDep,
    email: Annotated[str, Form(max_length=MAX_FIELD_CHARS)] = "",
) -> Response:
    """Always the same answer, so that nobody learns whether an address has sent anything."""
    try:
        inquiries.request_requester_link(
            request.app.state.engine, email, settings=settings, auth=auth, mail=mail, clock=clock
        )
    except inquiries.InquiryInvalidError as exc:
        return render(
            request,
            "inquiry_mine.html",
            status=400,
            sent=False,
            problems=problems_by_field(exc.problems),
            email=email,
        )
    return redirect(f"/inquiries/mine?sent=1&lang={lang_of(request)}")


@router.get("/i/all/{token}", response_class=HTMLResponse)
def mine_list(request: Request, session: SessionDep, clock: ClockDep, token: Token) -> Response:
    try:
        views = inquiries.requester_inquiries(session, token, clock=clock)
    except NotVisibleError:
        return _not_found(request)
    return _private(
        render(request, "inquiry_all.html", views=views, actions=False, token=None, **_view_context(request))
    )
