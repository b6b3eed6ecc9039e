"""The home page /: the region as one market — the land on offer in daa by plan maturity and power,
the regionråd with their kommuner, a short search form (to /sites) and the ways on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.search_form import area_options, number
from api.web import LangDep, lang_of, render
from registry.services.overview import region_overview
from schemas.taxonomy import MATURITY, POWER

router = APIRouter(include_in_schema=False, dependencies=[LangDep])


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, session: SessionDep) -> HTMLResponse:
    lang = lang_of(request)
    return render(
        request,
        "home.html",
        overview=region_overview(session),
        maturity=MATURITY,
        power=POWER,
        area_options=area_options(None, lang),
        number=lambda value, decimals=1: number(value, lang, decimals),
    )
