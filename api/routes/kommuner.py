"""Kommuner and their one-door-in contact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from api.deps import SessionDep
from api.errors import NotFoundError
from registry.attribution import attribution_lines
from registry.services.kommuner import get_kommune, list_kommuner, resolve_kommune
from schemas.api import Kommune, KommuneList

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
    request: Request, session: SessionDep, nr: Annotated[str, Path(pattern=r"^\d{4}$")]
) -> Kommune | RedirectResponse:
    found = resolve_kommune(session, nr)
    if found is not None and found.renumbered:
        target = request.scope.get("root_path", "") + request.app.url_path_for("kommune", nr=found.nr)
        return RedirectResponse(target, status_code=301)
    row = get_kommune(session, nr)
    if row is None:
        raise NotFoundError(f"No kommune {nr} / Fant ikke kommune {nr}")
    return Kommune(**row)
