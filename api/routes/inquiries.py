"""The one-door-in API: file an inquiry (anonymous), read it, a kommune's inbox, replies.

Who may read an inquiry: the investor with its private token in `X-Inquiry-Token`, the secretariat, or a
kommune editor for its own thread only; anyone else gets 404 (docs/inquiries.md).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from api.auth import (
    AuthSettingsDep,
    ClockDep,
    InquirySettingsDep,
    MailSettingsDep,
    PrincipalDep,
    SignedInDep,
    client_addr,
)
from api.deps import SessionDep
from api.errors import (
    NOT_SIGNED_IN,
    BadRequestError,
    ConflictError,
    FieldsInvalidError,
    TooManyRequestsError,
    problem,
)
from registry.services import inquiries
from schemas.problems import FieldProblem

router = APIRouter(prefix="/api/v1", tags=["inquiries"])

# `:uuid` in the paths: only a UUID matches, so a request for /inquiries/requester-link with another method
# is a 405, and any other id a 404, as for a path that names nothing.
InquiryId = Annotated[uuid.UUID, Path(description="The inquiry's public id")]
TokenHeader = Annotated[str | None, Header(alias="X-Inquiry-Token", max_length=100)]
KommuneQuery = Annotated[str | None, Query(pattern=r"^\d{4}$", description="One kommune of yours")]
TOO_MANY = problem("Too many inquiries from this address or e-mail address; try again later")

_EXAMPLE = {
    "requester_kind": "direct",
    "organisation": "Nordic Battery AS",
    "name": "Kari Nordmann",
    "email": "kari@example.com",
    "country": "Norway",
    "sector": "Battery production",
    "area_min": 20,
    "area_max": 80,
    "area_unit": "daa",
    "power_mw_now": 5,
    "power_mw_by_year": 12,
    "power_year": 2028,
    "maturity_min": "M3",
    "max_km_main_road": 10,
    "confidentiality": "on_accept",
    "message": "We need a site for a pilot plant.",
}


def _refused(exc: Exception) -> Exception:
    if isinstance(exc, inquiries.InquiryInvalidError):
        return FieldsInvalidError(exc.problems)
    if isinstance(exc, inquiries.TooManyInquiriesError):
        return TooManyRequestsError(str(exc))
    if isinstance(exc, inquiries.InquiryClosedError):
        return ConflictError(str(exc))
    return exc


@router.post(
    "/inquiries",
    status_code=201,
    summary="File an inquiry (anonymous allowed)",
    responses={429: TOO_MANY},
)
def file_inquiry(
    request: Request,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    settings: InquirySettingsDep,
    clock: ClockDep,
    data: Annotated[dict[str, Any], Body(openapi_examples={"investor": {"value": _EXAMPLE}})],
) -> JSONResponse:
    """The keys are those of the form at /inquiries/new (schemas/inquiry.py): areas in `area_unit`
    (daa or m2), power in MW, distances in km, dates as YYYY-MM-DD; `kommuner`, `regionraad`,
    `site_ids`, `availability` and `use_codes` are lists. The answer holds the matches with their
    verdicts, the kommuner it was routed to, and the private link (for you only: keep it)."""
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
    except (inquiries.InquiryInvalidError, inquiries.TooManyInquiriesError) as exc:
        raise _refused(exc) from exc
    body = {
        "id": done.public_id,
        "private_link": done.link,
        "token": done.token,
        "routed_to": [{**r, "due_at": r["due_at"].isoformat()} for r in done.routed],
        **done.matches,
    }
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/v1/inquiries/{done.public_id}"})


@router.get(
    "/inquiries/{inquiry_id:uuid}",
    summary="One inquiry: investor (token), secretariat or its kommune",
    responses={401: NOT_SIGNED_IN},
)
def read_inquiry(
    inquiry_id: InquiryId,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    token: TokenHeader = None,
) -> dict[str, Any]:
    return inquiries.inquiry_for(session, principal, str(inquiry_id), token=token, clock=clock)


@router.get(
    "/inbox",
    summary="A kommune editor's inquiry threads",
    responses={401: NOT_SIGNED_IN, 403: problem("No grant for that kommune")},
)
def read_inbox(
    session: SessionDep, principal: SignedInDep, clock: ClockDep, kommune: KommuneQuery = None
) -> dict[str, Any]:
    return inquiries.inbox(session, principal, kommune_nr=kommune, clock=clock)


def _bad(field: str, no: str, en: str) -> FieldsInvalidError:
    return FieldsInvalidError([FieldProblem(field, no, en)])


def _site_map(value: Any, key: str) -> dict[int, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(key, "Et objekt med områdenummer.", "An object keyed by site id.")
    out = {}
    for k, v in value.items():
        if not str(k).isdigit():
            raise _bad(key, "Nøklene er områdenummer.", "The keys are site ids.")
        out[int(k)] = v
    return out


@router.post(
    "/inquiries/{inquiry_id:uuid}/responses",
    status_code=201,
    summary="Reply: a kommune or the investor",
    responses={401: NOT_SIGNED_IN, 409: problem("The inquiry is closed")},
)
def respond(
    request: Request,
    inquiry_id: InquiryId,
    principal: PrincipalDep,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    settings: InquirySettingsDep,
    clock: ClockDep,
    data: Annotated[dict[str, Any], Body()],
    token: TokenHeader = None,
) -> dict[str, Any]:
    """A kommune editor: `{"kommune": "3201", "body": …, "confirm": {site_id: [axis, …]},
    "corrections": {site_id: {field: value}}, "coordination": {"planning": "2026-12-01", …}}` — with
    nothing but `kommune` it is an acknowledgement (the first response). The investor (with
    `X-Inquiry-Token`): `{"kommune": "3201", "action": "reply"|"accept"|"useful"|"close", "body": …}`."""
    engine = request.app.state.engine
    kommune = data.get("kommune")
    try:
        if token:
            action = str(data.get("action") or "reply")
            if action not in ("reply", "accept", "useful", "close"):
                raise BadRequestError("action: reply, accept, useful or close")
            inquiries.investor_act(
                engine,
                token,
                action,
                kommune_nr=str(kommune) if kommune else None,
                body=data.get("body"),
                value=bool(data.get("value", True)),
                auth=auth,
                mail=mail,
                clock=clock,
            )
            with request.app.state.session_factory() as session:
                return inquiries.inquiry_for(session, principal, str(inquiry_id), token=token, clock=clock)
        if not isinstance(kommune, str):
            raise _bad("kommune", "Oppgi kommunenummer.", "Give the kommune number.")
        return inquiries.respond(
            engine,
            principal,
            str(inquiry_id),
            kommune,
            body=data.get("body"),
            confirm=_site_map(data.get("confirm"), "confirm"),
            corrections=_site_map(data.get("corrections"), "corrections"),
            coordination=data.get("coordination") if isinstance(data.get("coordination"), dict) else None,
            settings=settings,
            auth=auth,
            mail=mail,
            clock=clock,
        )
    except (inquiries.InquiryInvalidError, inquiries.InquiryClosedError) as exc:
        raise _refused(exc) from exc


@router.post("/inquiries/requester-link", status_code=202, summary="E-mail me a link to all my inquiries")
def requester_link(
    request: Request,
    auth: AuthSettingsDep,
    mail: MailSettingsDep,
    settings: InquirySettingsDep,
    clock: ClockDep,
    data: Annotated[dict[str, Any], Body(openapi_examples={"one": {"value": {"email": "kari@example.com"}}})],
) -> dict[str, str]:
    """Always 202 with the same answer, so nobody learns whether an address has asked anything."""
    try:
        inquiries.request_requester_link(
            request.app.state.engine,
            str(data.get("email") or ""),
            settings=settings,
            auth=auth,
            mail=mail,
            clock=clock,
        )
    except inquiries.InquiryInvalidError as exc:
        raise _refused(exc) from exc
    return {
        "detail": "If inquiries were sent from this address, a link is on its way. / "
        "Hvis det er sendt henvendelser fra denne adressen, er en lenke på vei."
    }
