"""Sites: search with filters and paging, and one site's passport. GeoJSON in CRS84."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import PrincipalDep
from api.deps import SessionDep
from api.errors import InvalidParameterError, NotFoundError
from api.params import MAX_AREA_M2, MAX_ID, MAX_LIMIT, MAX_OFFSET, parse_bbox
from api.preconditions import etag
from registry.attribution import attribution_lines
from registry.services.sites import SiteFilter, UnknownKommuneError, read_site
from registry.services.sites import search_sites as find_sites
from schemas.api import MaturityCode, PowerCode, SearchNote, SiteCollection, SiteDetail, SiteFeature

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


@router.get("", response_model=SiteCollection, summary="Search published sites")
def search_sites(
    request: Request,
    session: SessionDep,
    kommune: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}$", description="Kommune number; a 2020–2023 number searches its 2024 successor"
        ),
    ] = None,
    min_area_m2: Annotated[float | None, Query(ge=0, le=MAX_AREA_M2, allow_inf_nan=False)] = None,
    maturity_min: Annotated[MaturityCode | None, Query(description="Lowest plan maturity, M0–M5")] = None,  # type: ignore[valid-type]
    power_min: Annotated[PowerCode | None, Query(description="Lowest power status, E0–E4")] = None,  # type: ignore[valid-type]
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (CRS84)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> SiteCollection:
    filters = SiteFilter(
        kommune=kommune,
        min_area_m2=min_area_m2,
        maturity_min=str(maturity_min.value) if maturity_min else None,  # type: ignore[attr-defined]
        power_min=str(power_min.value) if power_min else None,  # type: ignore[attr-defined]
        bbox=parse_bbox(bbox),
    )
    try:
        found = find_sites(session, filters=filters, limit=limit, offset=offset)
    except UnknownKommuneError as exc:
        raise InvalidParameterError(
            "query", "kommune", f"no kommune {exc} / ingen kommune med nummer {exc}"
        ) from exc
    nxt = None
    if offset + limit < found.total and offset + limit <= MAX_OFFSET:
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    return SiteCollection(
        features=[SiteFeature(**f) for f in found.features],
        total=found.total,
        limit=limit,
        offset=offset,
        next=nxt,
        notes=[SearchNote(**n) for n in found.notes],
        attribution=attribution_lines("en"),
    )


@router.get(
    "/{site_id}",
    response_model=SiteDetail,
    summary="One site's passport",
    description="Published sites for anyone; drafts and archived sites for the kommune's editors and "
    "the secretariat. The ETag is the version a write names in If-Match.",
    responses={404: {"description": "No such site visible to the caller"}},
)
def site_passport(
    site_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> SiteDetail:
    found = read_site(session, principal, site_id)
    if found is None:
        raise NotFoundError(f"No published site {site_id} / Fant ikke publisert område {site_id}")
    response.headers["ETag"] = etag(found.version)
    return SiteDetail(**found.feature)
