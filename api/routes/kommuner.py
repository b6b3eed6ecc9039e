"""Kommuner and their one-door-in contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.auth import ClockDep, CsrfDep, PrincipalDep, signed_in
from api.deps import SessionDep
from api.errors import FieldsInvalidError, NotFoundError
from api.preconditions import etag, required_if_match
from registry.attribution import attribution_lines
from registry.services import profiles
from registry.services.kommuner import get_kommune, list_kommuner, resolve_kommune
from schemas.api import Kommune, KommuneList, KommuneProfile, ProfileWrite

router = APIRouter(prefix="/api/v1/kommuner", tags=["kommuner"])


@router.get("", response_model=KommuneList, summary="Kommuner with membership and contact")
def kommuner(session: SessionDep, members_only: Annotated[bool, Query()] = False) -> KommuneList:
    return KommuneList(
        kommuner=[Kommune(**k) for k in list_kommuner(session, members_only=members_only)],
        attribution=attribution_lines("en"),
    )


@router.get(
    "/{nr}",
    response_model=Kommune,
    summary="One kommune and its one-door-in profile",
    description="A 2020–2023 kommune number redirects (301) to its primary 2024 successor.",
    responses={301: {"description": "An old kommune number: Location is the 2024 kommune"}},
)
def kommune(
    request: Request, response: Response, session: SessionDep, nr: Annotated[str, Path(pattern=r"^\d{4}$")]
) -> Kommune | RedirectResponse:
    found = resolve_kommune(session, nr)
    if found is not None and found.renumbered:
        target = request.scope.get("root_path", "") + request.app.url_path_for("kommune", nr=found.nr)
        return RedirectResponse(target, status_code=301)
    row = get_kommune(session, nr)
    version = profiles.current_version(session, nr)
    if row is None or version is None:
        raise NotFoundError(f"No kommune {nr} / Fant ikke kommune {nr}")
    response.headers["ETag"] = etag(version)
    return Kommune(**row)


@router.put(
    "/{nr}/profile",
    dependencies=[Depends(signed_in), CsrfDep],
    response_model=KommuneProfile,
    summary="Replace the kommune's one-door-in profile (its editors and the secretariat)",
    description="The whole profile: what is left out is emptied. If-Match: the ETag of GET /kommuner/{nr}.",
    responses={
        400: {"description": "Invalid fields, each named, in Norwegian and English"},
        401: {"description": "No or invalid credentials"},
        403: {"description": "No grant for this kommune"},
        404: {"description": "No such kommune"},
        412: {"description": "The profile changed since the ETag in If-Match"},
        428: {"description": "If-Match missing"},
    },
)
def put_profile(
    request: Request,
    response: Response,
    principal: PrincipalDep,
    clock: ClockDep,
    nr: Annotated[str, Path(pattern=r"^\d{4}$")],
    if_match: Annotated[list[str], Depends(required_if_match)],
    body: Annotated[ProfileWrite, Body()],
) -> KommuneProfile:
    try:
        saved = profiles.update_profile(
            request.app.state.engine, principal, nr, body.model_dump(), clock=clock, expected_version=if_match
        )
    except profiles.ProfileInvalidError as exc:
        raise FieldsInvalidError(exc.problems) from exc
    except profiles.KommuneNotFoundError as exc:
        raise NotFoundError(str(exc)) from exc
    response.headers["ETag"] = etag(profiles.profile_version(saved))
    return KommuneProfile(**saved)
