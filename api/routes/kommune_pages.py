"""The kommune's pitch page /kommuner/{nr}: its pitch, its one-door-in contacts and promised response
time, competence and labour figures with source and year, clusters, its published sites, and a map of them
with the neighbouring kommuner's sites faded ("the region as one").

A 2020–2023 kommune number redirects (301) to its 2024 kommune's page. An unknown number is a 404 page; so
is a kommune that is not a member of Osloregionen (a short page that says so: the registry has no pitch,
contact or sites for it).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import InquirySettingsDep
from api.deps import SessionDep
from api.web import LangDep, lang_of, render, say
from registry.services.kommune_page import MAP_MAX_SITES, kommune_page
from registry.services.kommuner import resolve_kommune
from schemas.taxonomy import MATURITY

router = APIRouter(include_in_schema=False, dependencies=[LangDep])

_NUMBER = re.compile(r"\d{4}")


def _not_found(request: Request, nr: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        status=404,
        title=say(request, "Fant ikke kommunen", "Kommune not found"),
        message=say(
            request,
            f"Det finnes ingen kommune med nummer «{nr}».",
            f"There is no kommune with the number “{nr}”.",
        ),
    )


@router.get("/kommuner/{nr}", response_class=HTMLResponse, name="kommune_page")
def kommune_page_route(
    request: Request,
    session: SessionDep,
    inquiry: InquirySettingsDep,
    nr: Annotated[str, Path(max_length=20)],
) -> Response:
    if not _NUMBER.fullmatch(nr):
        return _not_found(request, nr)
    found = resolve_kommune(session, nr)
    if found is None:
        return _not_found(request, nr)
    if found.renumbered:
        target = request.app.url_path_for("kommune_page", nr=found.nr)
        query = request.url.query
        return RedirectResponse(target + (f"?{query}" if query else ""), status_code=301)
    page = kommune_page(session, found.nr)
    if page is None:
        return _not_found(request, nr)
    if not page.kommune["is_member"]:
        name = page.kommune["name"]
        return render(
            request,
            "error.html",
            status=404,
            title=say(request, f"{name} er ikke medlem", f"{name} is not a member"),
            message=say(
                request,
                f"{name} er ikke medlem av Osloregionen, så registeret har ingen næringsarealer eller "
                "kontakt for kommunen. Spør regionen, så hjelper sekretariatet dere videre.",
                f"{name} is not a member of the Oslo region, so the registry holds no business sites or "
                "contact for it. Ask the region, and the secretariat will help you on.",
            ),
        )
    return render(
        request,
        "kommune.html",
        page=page,
        k=page.kommune,
        profile=page.profile,
        map_max=MAP_MAX_SITES,
        default_hours=inquiry.default_response_hours,  # what an inquiry is given when the kommune names none
        map_data={
            "boundaries": page.boundaries,
            "own": page.own_layer.features,
            "neighbours": page.neighbour_layer.features,
            "maturity": {
                t.code: {"label": t.label_no if lang_of(request) == "no" else t.label_en, "colour": t.colour}
                for t in MATURITY.terms
            },
        },
    )
