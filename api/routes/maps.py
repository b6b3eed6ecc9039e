"""Maps: the region map of published sites (Folium, offline assets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.security import html_with_nonce
from maps.region import render
from registry.attribution import attribution_html
from registry.services.kommuner import kommune_outlines
from registry.services.maps import region_map_data

router = APIRouter(prefix="/maps", tags=["maps"])


# A page, not an API resource: it stays out of the OpenAPI document like every other HTML page.
@router.get("/region", response_class=HTMLResponse, include_in_schema=False)
def region_map(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[str, Query(pattern="^(no|en)$")] = "no",
) -> HTMLResponse:
    # The map draws kommune boundaries and membership; site popups carry no other reference data.
    credits = attribution_html(lang, tables=("kommune",))
    data = region_map_data(session, max_sites=settings.map_max_sites)
    html = render(
        data["sites"],
        kommune_outlines(session),
        attribution_html=credits,
        lang=lang,
        counts=data["counts"],
        max_sites=data["max_sites"],
    )
    return html_with_nonce(request, html)
