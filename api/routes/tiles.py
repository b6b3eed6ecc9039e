"""Vector tiles of the published sites: /tiles/sites/{z}/{x}/{y}.pbf (docs/api.md, "Vector tiles")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from api.deps import ReadSessionDep, SettingsDep
from api.errors import NotFoundError
from registry.services.tiles import MEDIA_TYPE, TileNotFoundError, site_tile

router = APIRouter(prefix="/tiles", tags=["tiles"])


# Binary tiles for the maps' JavaScript, documented in docs/api.md; kept out of the OpenAPI document like
# the map pages they serve.
@router.get("/sites/{z}/{x}/{y}.pbf", include_in_schema=False)
def sites_tile(
    z: int,
    x: int,
    y: int,
    session: ReadSessionDep,
    settings: SettingsDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    try:
        tile = site_tile(
            session, z, x, y, if_none_match=if_none_match, detail_max_sites=settings.tile_detail_max_sites
        )
    except TileNotFoundError as exc:
        raise NotFoundError(str(exc)) from exc
    headers = {"ETag": tile.etag, "Cache-Control": f"public, max-age={settings.tile_max_age_s}"}
    if tile.not_modified:
        return Response(status_code=304, headers=headers)
    if not tile.body:  # no published site in the tile
        return Response(status_code=204, headers=headers)
    return Response(tile.body, media_type=MEDIA_TYPE, headers=headers)
