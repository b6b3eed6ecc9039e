"""Writes to sites for kommune scripts: create, change, publish, archive, restore, and the history.

Every write names the version it read (If-Match; 428 without, 412 when stale) except a create; every write
goes through the kommune's own edit use cases (`registry.services.site_edit`), so the values are checked by
the file intake's rules with the same messages, and every change lands in the site's history. Access:
401 without credentials, 403 for another kommune's published site, 404 for another kommune's draft.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from api.auth import ClockDep, CsrfDep, PrincipalDep, signed_in
from api.deps import SessionDep
from api.errors import ConflictError, ProblemError
from api.params import MAX_ID, MAX_LIMIT, MAX_OFFSET
from api.preconditions import etag, required_if_match
from registry.services import site_edit
from registry.services.access import Principal
from registry.services.sites import read_site
from schemas.api import SiteCreate, SiteDetail, SiteHistory, SiteWritten, WriteIssue, WriteValue

# Signed in first (401 before any other answer), then a browser's session must send its CSRF token.
router = APIRouter(prefix="/api/v1/sites", tags=["site writes"], dependencies=[Depends(signed_in), CsrfDep])
SiteId = Annotated[int, Path(ge=1, le=MAX_ID)]
IfMatch = Annotated[list[str], Depends(required_if_match)]

_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid values (every problem, by field, in Norwegian and English)"},
    401: {"description": "No or invalid credentials"},
    403: {"description": "Another kommune's published site"},
    404: {"description": "No such site, or another kommune's draft or archived site"},
    409: {"description": "Another live site holds the reference, or the site's status forbids this"},
    412: {"description": "The site changed since the ETag in If-Match"},
    428: {"description": "If-Match missing"},
}


_REFUSALS = (site_edit.SiteInvalidError, site_edit.SiteConflictError, site_edit.SiteStateError)


class SiteIssuesError(ProblemError):
    """The values break the intake's rules: every issue, by field, as the file intake reports it."""

    status = 400
    slug = "invalid-fields"
    title = "Invalid fields / Ugyldige felt"


def _issue(i: Any) -> dict[str, Any]:
    return {
        "field": i.field,
        "code": i.issue_type,
        "message_no": i.message_no,
        "message_en": i.message_en,
        "fix_no": i.fix_no,
        "fix_en": i.fix_en,
    }


def _written(
    session: Any,
    principal: Principal,
    response: Response,
    site_id: int,
    *,
    changed: tuple[str, ...] = (),
    warnings: list[Any] = (),  # type: ignore[assignment]
    status_before: str | None = None,
) -> SiteWritten:
    found = read_site(session, principal, site_id)
    assert found is not None  # the caller just wrote it
    response.headers["ETag"] = etag(found.version)
    return SiteWritten(
        site=SiteDetail(**found.feature),
        changed=list(changed),
        status_before=status_before,
        warnings=[WriteIssue(**_issue(w)) for w in warnings],
    )


def _refused(exc: Exception) -> ProblemError:
    """The service's refusal as the API's problem."""
    if isinstance(exc, site_edit.SiteInvalidError):
        errors = [_issue(i) for i in exc.errors]
        return SiteIssuesError(str(exc), errors=errors)
    if isinstance(exc, site_edit.SiteConflictError | site_edit.SiteStateError):
        return ConflictError(str(exc))
    names = str(exc).removeprefix("not editable: ")
    return SiteIssuesError(
        f"Not editable: {names} / Kan ikke endres: {names}",
        errors=[
            {
                "field": name,
                "code": "not-editable",
                "message_no": f"Feltet «{name}» finnes ikke eller kan ikke endres her.",
                "message_en": f"The field '{name}' does not exist or cannot be changed here.",
                "fix_no": "Bruk feltnavnene i innsendingsmalen; kommunenummeret kan ikke endres.",
                "fix_en": "Use the submission template's field names; the kommune number cannot change.",
            }
            for name in names.split(", ")
        ],
    )


@router.post(
    "",
    status_code=201,
    response_model=SiteWritten,
    summary="Create a site (a draft of the editor's kommune)",
    responses={k: v for k, v in _WRITE_RESPONSES.items() if k not in (412, 428)},
)
def create_site(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    body: Annotated[SiteCreate, Body()],
) -> SiteWritten:
    values = dict(body.properties)
    kommune_nr = str(values.pop("kommune_nr", "") or "")
    if not kommune_nr:
        raise SiteIssuesError(
            "kommune_nr is required / kommune_nr må fylles ut",
            errors=[
                {
                    "field": "kommune_nr",
                    "code": "required",
                    "message_no": "Kommunenummer må fylles ut.",
                    "message_en": "The kommune number is required.",
                    "fix_no": "Oppgi kommunenummeret (fire sifre).",
                    "fix_en": "Give the four-digit kommune number.",
                }
            ],
        )
    try:
        created = site_edit.create_site(
            request.app.state.engine, principal, kommune_nr, values, body.geometry, clock=clock
        )
    except (site_edit.SiteInvalidError, site_edit.SiteConflictError, ValueError) as exc:
        raise _refused(exc) from exc
    response.headers["Location"] = str(request.url_for("site_passport", site_id=created.site_id))
    return _written(session, principal, response, created.site_id, warnings=created.warnings)


@router.patch(
    "/{site_id}",
    response_model=SiteWritten,
    summary="Change some of a site's values",
    description="Values by the template's field names; those left out keep their value. The outline is "
    "changed by a file submission.",
    responses=_WRITE_RESPONSES,
)
def patch_site(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    site_id: SiteId,
    if_match: IfMatch,
    body: Annotated[dict[str, WriteValue], Body(description="Values by the template's field names")],
) -> SiteWritten:
    try:
        result = site_edit.update_site(
            request.app.state.engine, principal, site_id, body, clock=clock, expected_version=if_match
        )
    except (*_REFUSALS, ValueError) as exc:
        raise _refused(exc) from exc
    return _written(session, principal, response, site_id, changed=result.changed, warnings=result.warnings)


def _transition(
    action: Any,
    request: Request,
    response: Response,
    session: Any,
    principal: Principal,
    clock: Any,
    site_id: int,
    if_match: list[str],
) -> SiteWritten:
    try:
        change = action(request.app.state.engine, principal, site_id, clock=clock, expected_version=if_match)
    except _REFUSALS as exc:
        raise _refused(exc) from exc
    changed = ("status",) if change.changed else ()
    return _written(session, principal, response, site_id, changed=changed, status_before=change.previous)


@router.delete(
    "/{site_id}",
    response_model=SiteWritten,
    summary="Archive a site (nothing is deleted; restore brings it back)",
    responses=_WRITE_RESPONSES,
)
def archive_site(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    site_id: SiteId,
    if_match: IfMatch,
) -> SiteWritten:
    return _transition(site_edit.archive, request, response, session, principal, clock, site_id, if_match)


@router.post(
    "/{site_id}/restore",
    response_model=SiteWritten,
    summary="Restore an archived site (to the status it had when archived)",
    responses=_WRITE_RESPONSES,
)
def restore_site(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    site_id: SiteId,
    if_match: IfMatch,
) -> SiteWritten:
    return _transition(site_edit.restore, request, response, session, principal, clock, site_id, if_match)


@router.post(
    "/{site_id}/publish",
    response_model=SiteWritten,
    summary="Publish a draft (when it breaks no rule of the intake)",
    responses=_WRITE_RESPONSES,
)
def publish_site(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    site_id: SiteId,
    if_match: IfMatch,
) -> SiteWritten:
    return _transition(site_edit.publish, request, response, session, principal, clock, site_id, if_match)


@router.get(
    "/{site_id}/history",
    response_model=SiteHistory,
    summary="Who changed what, and when (every insert, update, publish, archive and restore)",
    responses={k: v for k, v in _WRITE_RESPONSES.items() if k in (401, 403, 404)},
)
def site_history(
    session: SessionDep,
    principal: PrincipalDep,
    site_id: SiteId,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> SiteHistory:
    return SiteHistory(**site_edit.site_history(session, principal, site_id, limit=limit, offset=offset))
