"""Sites: search with filters and paging, and one site's passport. GeoJSON in CRS84."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import SessionDep
from api.errors import BadRequestError, NotFoundError
from registry.attribution import attribution_lines
from registry.services.sites import SiteFilter, get_site, list_sites
from schemas.api import MaturityCode, PowerCode, SiteCollection, SiteDetail, SiteFeature

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadRequestError(
            "bbox must be minLon,minLat,maxLon,maxLat / bbox må være minLon,minLat,maxLon,maxLat"
        ) from exc
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise BadRequestError(
            "bbox must be minLon,minLat,maxLon,maxLat / bbox må være minLon,minLat,maxLon,maxLat"
        )
    return parts  # type: ignore[return-value]


@router.get("", response_model=SiteCollection, summary="Search published sites")
def search_sites(
    request: Request,
    session: SessionDep,
    kommune: Annotated[str | None, Query(pattern=r"^\d{4}$", description="2024 kommune number")] = None,
    min_area_m2: Annotated[float | None, Query(ge=0)] = None,
    maturity_min: Annotated[MaturityCode | None, Query(description="Lowest plan maturity, M0–M5")] = None,  # type: ignore[valid-type]
    power_min: Annotated[PowerCode | None, Query(description="Lowest power status, E0–E4")] = None,  # type: ignore[valid-type]
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (CRS84)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SiteCollection:
    filters = SiteFilter(
        kommune=kommune,
        min_area_m2=min_area_m2,
        maturity_min=str(maturity_min.value) if maturity_min else None,  # type: ignore[attr-defined]
        power_min=str(power_min.value) if power_min else None,  # type: ignore[attr-defined]
        bbox=_bbox(bbox),
    )
    features, total = list_sites(session, filters=filters, limit=limit, offset=offset)
    nxt = None
    if offset + limit < total:
        nxt = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    return SiteCollection(
        features=[SiteFeature(**f) for f in features],
        total=total,
        limit=limit,
        offset=offset,
        next=nxt,
        attribution=attribution_lines("en"),
    )


@router.get("/{site_id}", response_model=SiteDetail, summary="One site's passport")
def site_passport(site_id: int, session: SessionDep) -> SiteDetail:
    feature = get_site(session, site_id)
    if feature is None:
        raise NotFoundError(f"No published site {site_id} / Fant ikke publisert område {site_id}")
    return SiteDetail(**feature)
