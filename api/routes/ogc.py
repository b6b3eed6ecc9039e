"""OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0) at /ogc: thin routes over registry.services.ogc.

See docs/ogc.md. Parameters and errors follow the API's conventions (docs/api.md): an unknown or invalid
parameter is a 400 and an unknown collection or feature a 404, both as application/problem+json.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import ReadSessionDep
from api.errors import PROBLEM, NotFoundError
from api.openapi30 import openapi30
from api.params import MAX_LIMIT, MAX_OFFSET, parse_bbox
from api.search_params import SEARCH_REFUSALS, SearchQueryDep, refused
from registry.services import ogc

PREFIX = "/ogc"
router = APIRouter(prefix=PREFIX, tags=["ogc"])


class OgcJSONResponse(JSONResponse):
    """JSON as FastAPI would encode it (dates as ISO text)."""

    def render(self, content: Any) -> bytes:
        return super().render(jsonable_encoder(content))


class GeoJSONResponse(OgcJSONResponse):
    media_type = ogc.GEOJSON


class OpenAPIResponse(OgcJSONResponse):
    media_type = ogc.OPENAPI


_PROBLEM: dict[str, Any] = {"content": {PROBLEM: {"schema": {"type": "object"}}}}
_BAD: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unknown or invalid parameter / Ukjent eller ugyldig parameter", **_PROBLEM}
}
_MISSING: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such collection or feature / Finnes ikke", **_PROBLEM}
}

CollectionId = Annotated[str, Path(description="sites, kommuner, substations or logistics_nodes")]
Bbox = Annotated[
    str | None, Query(description="minLon,minLat,maxLon,maxLat (CRS84); features that intersect it")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Features per page (1–1000)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Features to skip (paging; follow rel=next)")]


def _root(request: Request) -> str:
    return str(request.url_for("ogc_landing")).rstrip("/")


def _items(request: Request, session: ReadSessionDep, collection_id: str, page: ogc.Page) -> GeoJSONResponse:
    try:
        body = ogc.items(
            session,
            collection_id,
            page,
            root=_root(request),
            query=request.query_params.multi_items(),
            clock=request.app.state.clock,
            max_offset=MAX_OFFSET,
        )
    except ogc.UnknownCollectionError as exc:
        raise NotFoundError(f"No collection {exc} / Ingen samling {exc}") from exc
    except SEARCH_REFUSALS as exc:
        raise refused(exc) from exc
    return GeoJSONResponse(body)


@router.get("", name="ogc_landing", response_class=OgcJSONResponse, summary="Landing page")
def landing(request: Request) -> OgcJSONResponse:
    return OgcJSONResponse(ogc.landing(_root(request), docs_url=str(request.url_for("swagger_ui"))))


@router.get("/api", response_class=OpenAPIResponse, summary="This API's definition (OpenAPI 3.0)")
def api_definition(request: Request) -> OpenAPIResponse:
    doc = openapi30(
        request.app,
        prefix=PREFIX,
        title="Næringsarealregisteret – OGC API Features",
        description="Osloregionens næringsarealer som OGC API – Features (del 1: kjerne, GeoJSON). / "
        "The Oslo region's business sites as OGC API – Features (Part 1: Core, GeoJSON). See docs/ogc.md.",
        server_url=str(request.base_url).rstrip("/"),
    )
    return OpenAPIResponse(doc)


@router.get("/conformance", response_class=OgcJSONResponse, summary="Conformance classes")
def conformance() -> OgcJSONResponse:
    return OgcJSONResponse(ogc.conformance())


@router.get("/collections", response_class=OgcJSONResponse, summary="The collections")
def collections(request: Request, session: ReadSessionDep) -> OgcJSONResponse:
    return OgcJSONResponse(ogc.collections(session, _root(request)))


@router.get(
    "/collections/{collectionId}",
    response_class=OgcJSONResponse,
    summary="One collection",
    responses=_MISSING,
)
def collection(request: Request, session: ReadSessionDep, collectionId: CollectionId) -> OgcJSONResponse:
    try:
        return OgcJSONResponse(ogc.collection(session, collectionId, _root(request)))
    except ogc.UnknownCollectionError as exc:
        raise NotFoundError(f"No collection {exc} / Ingen samling {exc}") from exc


@router.get(
    "/collections/sites/items",
    response_class=GeoJSONResponse,
    summary="Published sites (every filter of /api/v1/sites)",
    responses=_BAD,
)
def site_items(
    request: Request,
    session: ReadSessionDep,
    query: SearchQueryDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> GeoJSONResponse:
    page = ogc.Page(
        limit=limit,
        offset=offset,
        sites=query.filters,
        sort=query.sort,
        verified_within_months=query.verified_within_months,
    )
    return _items(request, session, "sites", page)


@router.get(
    "/collections/{collectionId}/items",
    response_class=GeoJSONResponse,
    summary="A collection's features",
    responses={**_BAD, **_MISSING},
)
def items(
    request: Request,
    session: ReadSessionDep,
    collectionId: CollectionId,
    bbox: Bbox = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> GeoJSONResponse:
    return _items(request, session, collectionId, ogc.Page(limit=limit, offset=offset, bbox=parse_bbox(bbox)))


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    response_class=GeoJSONResponse,
    summary="One feature",
    responses=_MISSING,
)
def feature(
    request: Request,
    session: ReadSessionDep,
    collectionId: CollectionId,
    featureId: Annotated[str, Path(max_length=64)],
) -> GeoJSONResponse:
    try:
        found = ogc.item(session, collectionId, featureId, root=_root(request))
    except ogc.UnknownCollectionError as exc:
        raise NotFoundError(f"No collection {exc} / Ingen samling {exc}") from exc
    if found is None:
        raise NotFoundError(
            f"No feature {featureId} in {collectionId} / Fant ikke {featureId} i {collectionId}"
        )
    return GeoJSONResponse(found)
