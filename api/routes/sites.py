"""Sites: search with filters and paging, and one site's passport. GeoJSON in CRS84."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import ClockDep, PrincipalDep
from api.deps import ReadSessionDep, SessionDep
from api.errors import NotFoundError
from api.params import MAX_ID, MAX_LIMIT, MAX_OFFSET
from api.preconditions import etag
from api.search_params import SEARCH_REFUSALS, SearchQueryDep, refused
from api.web import json_response
from registry.attribution import attribution_header, attribution_lines
from registry.clock import local_date
from registry.services.sites import (
    EXACT_TOTAL_MAX,
    read_site,
    sites_csv,
)
from registry.services.sites import search_sites as find_sites
from schemas.api import SiteCollection, SiteDetail

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


@router.get(
    "",
    response_model=SiteCollection,
    summary="Search published sites",
    description="Every filter narrows the result (AND); repeatable ones match any of their values (OR). "
    f"`total` is exact up to {EXACT_TOTAL_MAX:,} matches; beyond that it is the database planner's "
    "estimate and `total_exact` is false. `f=csv` gives the page as CSV (sources and licences in the "
    "`X-Attribution` header). See docs/api.md.",
    responses={200: {"content": {"text/csv": {}}}, 400: {"description": "An invalid parameter"}},
)
def search_sites(
    request: Request,
    session: ReadSessionDep,
    clock: ClockDep,
    query: SearchQueryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    f: Annotated[Literal["geojson", "csv"], Query(description="geojson (default) or csv")] = "geojson",
) -> Any:
    filters, sort_name, verified_within_months = query.filters, query.sort, query.verified_within_months
    try:
        found = find_sites(
            session,
            filters=filters,
            limit=limit,
            offset=offset,
            sort=sort_name,
            verified_within_months=verified_within_months,
            today=local_date(clock),
        )
    except SEARCH_REFUSALS as exc:
        raise refused(exc) from exc
    if f == "csv":
        return Response(
            sites_csv(found.features),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="naeringsarealer.csv"',
                "X-Attribution": attribution_header(),
            },
        )
    nxt = None
    if offset + limit < found.total and offset + limit <= MAX_OFFSET:
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    # Built as the SiteCollection it is declared as, serialised once without a second validation (the
    # properties come from the one site record; the OpenAPI conformance test checks the shape).
    return json_response(
        {
            "type": "FeatureCollection",
            "features": found.features,
            "total": found.total,
            "total_exact": found.total_exact,
            "limit": limit,
            "offset": offset,
            "next": nxt,
            "notes": found.notes,
            "attribution": attribution_lines("en"),
        }
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
    clock: ClockDep,
) -> Any:
    found = read_site(session, principal, site_id, today=local_date(clock))
    if found is None:
        raise NotFoundError(f"No published site {site_id} / Fant ikke publisert område {site_id}")
    return json_response(found.feature, headers={"ETag": etag(found.version)})
