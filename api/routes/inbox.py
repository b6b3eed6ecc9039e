"""The kommune's inbox of investor inquiries (`/my/{nr}/inbox`), one thread with the reply form, and the
secretariat's view of one inquiry (`/desk/{id}`). Thin routes over registry.services.inquiries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import (
    AuthSettingsDep,
    ClockDep,
    CsrfDep,
    InquirySettingsDep,
    MailSettingsDep,
    SignedInDep,
    signed_in,
)
from api.deps import SessionDep
from api.web import LangDep, lang_of, problems_by_field, redirect, render, say
from registry.matching import criterion_label
from registry.services import inquiries
from registry.services.access import require_admin, require_editor_of
from registry.services.kommuner import get_kommune
from schemas.inquiry import label
from schemas.taxonomy import COORDINATION_STEP, MATURITY, POWER, VERDICT

router = APIRouter(include_in_schema=False, dependencies=[Depends(signed_in), LangDep])
KommuneNr = Annotated[str, Path(pattern=r"^\d{4}$")]
InquiryId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")]
# The facts a kommune confirms from a thread ("still correct"), and those it may correct there.
CONFIRMABLE = ("maturity", "power", "availability", "land_control")
CORRECTABLE = ("maturity", "power_status", "power_mw_now", "power_mw_future", "power_future_year")

DONE = {
    "acknowledge": (
        "Mottaket er bekreftet. Klokka er stoppet.",
        "Receipt acknowledged. The clock has stopped.",
    ),
    "answer": ("Svaret er sendt.", "The answer has been sent."),
}


@router.get("/my/{nr}/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request, session: SessionDep, principal: SignedInDep, clock: ClockDep, nr: KommuneNr
) -> Response:
    require_editor_of(principal, nr)
    kommune = get_kommune(session, nr)
    box = inquiries.inbox(session, principal, kommune_nr=nr, clock=clock)
    return render(request, "inbox.html", kommune=kommune, box=box)


def _thread_page(
    request: Request,
    session: Any,
    principal: Any,
    clock: Any,
    nr: str,
    inquiry_id: str,
    *,
    status: int = 200,
    problems: Any = (),
    done: str | None = None,
) -> Response:
    view = inquiries.kommune_thread(session, principal, inquiry_id, nr, clock=clock)
    return render(
        request,
        "inbox_thread.html",
        status=status,
        view=view,
        nr=nr,
        problems=problems_by_field(problems),
        done=DONE.get(done or ""),
        verdicts=VERDICT,
        criterion=criterion_label,
        steps=COORDINATION_STEP,
        confirmable=CONFIRMABLE,
        maturity=MATURITY,
        power=POWER,
        label=label,
    )


@router.get("/my/{nr}/inbox/{inquiry_id}", response_class=HTMLResponse)
def thread_page(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    inquiry_id: InquiryId,
    done: str | None = None,
) -> Response:
    response = _thread_page(request, session, principal, clock, nr, inquiry_id, done=done)
    inquiries.mark_read(request.app.state.engine, principal, inquiry_id, nr, clock=clock)
    return response


@router.post("/my/{nr}/inbox/{inquiry_id}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def thread_reply(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    settings: InquirySettingsDep,
    nr: KommuneNr,
    inquiry_id: InquiryId,
) -> Response:
    form = await request.form()
    confirm: dict[int, list[str]] = {}
    corrections: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        parts = str(key).split("-")
        if parts[0] == "confirm" and len(parts) == 3 and parts[1].isdigit() and parts[2] in CONFIRMABLE:
            confirm.setdefault(int(parts[1]), []).append(parts[2])
        elif (
            parts[0] == "fix"
            and len(parts) == 3
            and parts[1].isdigit()
            and parts[2] in CORRECTABLE
            and str(value).strip()
        ):
            corrections.setdefault(int(parts[1]), {})[parts[2]] = str(value).strip()
    coordination = {code: str(form.get(f"step-{code}") or "") for code in COORDINATION_STEP.codes}
    try:
        inquiries.respond(
            request.app.state.engine,
            principal,
            inquiry_id,
            nr,
            body=str(form.get("body") or ""),
            confirm=confirm,
            corrections=corrections,
            coordination=coordination,
            settings=settings,
            auth=auth,
            mail=mail,
            clock=clock,
        )
    except inquiries.InquiryInvalidError as exc:
        return _thread_page(
            request, session, principal, clock, nr, inquiry_id, status=400, problems=exc.problems
        )
    except inquiries.InquiryClosedError:
        return render(
            request,
            "error.html",
            status=409,
            title=say(request, "Avsluttet", "Closed"),
            message=say(request, "Henvendelsen er avsluttet.", "The inquiry is closed."),
        )
    answered = bool(
        str(form.get("body") or "").strip() or confirm or corrections or any(coordination.values())
    )
    kind = "answer" if answered else "acknowledge"
    return redirect(f"/my/{nr}/inbox/{inquiry_id}?done={kind}&lang={lang_of(request)}")


@router.get("/desk/{inquiry_id}", response_class=HTMLResponse)
def desk_inquiry(
    request: Request, session: SessionDep, principal: SignedInDep, clock: ClockDep, inquiry_id: InquiryId
) -> Response:
    require_admin(principal)
    view = inquiries.inquiry_for(session, principal, inquiry_id, token=None, clock=clock)
    return render(request, "desk_inquiry.html", view=view, verdicts=VERDICT, criterion=criterion_label)
