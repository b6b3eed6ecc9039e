"""Writes to sites for kommune scripts: create, change, publish, archive, restore, and the history.

Every write names the version it read (If-Match; 428 without, 412 when stale) except a create; every write
goes through the kommune's own edit use cases (`registry.services.site_edit`), so the values are checked by
the file intake's rules with the same messages, and every change lands in the site's history. Access:
401 without credentials, 403 for another kommune's published site, 404 for another kommune's draft.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from api.auth import ClockDep, CsrfDep, PrincipalDep, signed_in
from api.deps import SessionDep
from api.errors import ConflictError, FieldsInvalidError, ProblemError
from api.params import MAX_ID, MAX_LIMIT, MAX_OFFSET
from api.preconditions import etag, required_if_match
from registry.clock import Clock, local_date
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


_REFUSALS = (
    site_edit.SiteInvalidError,
    site_edit.SiteConflictError,
    site_edit.SiteStateError,
    site_edit.NotEditableError,
)


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
    clock: Clock,
    changed: tuple[str, ...] = (),
    warnings: list[Any] = (),  # type: ignore[assignment]
    status_before: str | None = None,
) -> SiteWritten:
    found = read_site(session, principal, site_id, today=local_date(clock))
    assert found is not None  # the caller just wrote it
    response.headers["ETag"] = etag(found.version)
    return SiteWritten(
        site=SiteDetail(**found.feature),
        changed=list(changed),
        status_before=status_before,
        warnings=[WriteIssue(**_issue(w)) for w in warnings],
    )


def _refused(exc: Exception) -> ProblemError:
    """The service's refusal as the API's problem: every issue by field as the file intake reports it
    (400), or a conflict with another site or the site's status (409)."""
    if isinstance(exc, site_edit.SiteInvalidError):
        return FieldsInvalidError([_issue(i) for i in exc.errors])
    if isinstance(exc, site_edit.NotEditableError):
        return FieldsInvalidError(
            [
                {
                    "field": name,
                    "code": "not-editable",
                    "message_no": f"Feltet «{name}» finnes ikke eller kan ikke endres her.",
                    "message_en": f"The field '{name}' does not exist or cannot be changed here.",
                    "fix_no": "Bruk feltnavnene i innsendingsmalen; kommunenummeret kan ikke endres.",
                    "fix_en": "Use the submission template's field names; the kommune number cannot change.",
                }
                for name in exc.names
            ]
        )
    return ConflictError(str(exc))


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
        raise FieldsInvalidError(
            [
                {
                    "field": "kommune_nr",
                    "code": "required",
                    "message_no": "Kommunenummer må fylles ut.",
                    "message_en": "The kommune number is required.",
                    "fix_no": "Oppgi kommunenummeret (fire sifre).",
                    "fix_en": "Give the four-digit kommune number.",
                }
            ]
        )
    try:
        created = site_edit.create_site(
            request.app.state.engine, principal, kommune_nr, values, body.geometry, clock=clock
        )
    except _REFUSALS as exc:
        raise _refused(exc) from exc
    response.headers["Location"] = str(request.url_for("site_passport", site_id=created.site_id))
    return _written(session, principal, response, created.site_id, clock=clock, warnings=created.warnings)


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
    except _REFUSALS as exc:
        raise _refused(exc) from exc
    return _written(
        session, principal, response, site_id, clock=clock, changed=result.changed, warnings=result.warnings
    )


def _transition_route(action: Callable[..., Any], name: str) -> Callable[..., SiteWritten]:
    """A route that moves a site to another status through `action` (site_edit.archive, restore, publish)."""

    def route(
        request: Request,
        response: Response,
        session: SessionDep,
        principal: PrincipalDep,
        clock: ClockDep,
        site_id: SiteId,
        if_match: IfMatch,
    ) -> SiteWritten:
        engine = request.app.state.engine
        try:
            change = action(engine, principal, site_id, clock=clock, expected_version=if_match)
        except _REFUSALS as exc:
            raise _refused(exc) from exc
        changed = ("status",) if change.changed else ()
        return _written(
            session, principal, response, site_id, clock=clock, changed=changed, status_before=change.previous
        )

    route.__name__ = name
    return route


for _method, _path, _action, _name, _summary in (
    (
        "DELETE",
        "/{site_id}",
        site_edit.archive,
        "archive_site",
        "Archive a site (nothing is deleted; restore brings it back)",
    ),
    (
        "POST",
        "/{site_id}/restore",
        site_edit.restore,
        "restore_site",
        "Restore an archived site (to the status it had when archived)",
    ),
    (
        "POST",
        "/{site_id}/publish",
        site_edit.publish,
        "publish_site",
        "Publish a draft (when it breaks no rule of the intake)",
    ),
):
    router.add_api_route(
        _path,
        _transition_route(_action, _name),
        methods=[_method],
        name=_name,
        response_model=SiteWritten,
        summary=_summary,
        responses=_WRITE_RESPONSES,
    )


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
