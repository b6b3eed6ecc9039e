"""The site page an investor opens from the map, a search or an e-mail: every fact with its date, the
power and the nearest substation's published capacity, the distances, the kommune's contact, "ask about
this site". A draft or archived site is shown to its kommune's editors only (404 for anyone else)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from api.auth import ClockDep, InquirySettingsDep, PrincipalDep
from api.deps import SessionDep
from api.params import MAX_ID
from api.web import LangDep, render, say
from registry.clock import local_date
from registry.services.sites import read_site

router = APIRouter(include_in_schema=False, dependencies=[LangDep])


@router.get("/sites/{site_id}", response_class=HTMLResponse)
def site_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    inquiry: InquirySettingsDep,
    site_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> HTMLResponse:
    found = read_site(session, principal, site_id, today=local_date(clock))
    if found is None:
        return render(
            request,
            "error.html",
            status=404,
            title=say(request, "Fant ikke området", "Site not found"),
            message=say(
                request,
                "Området finnes ikke, eller det er ikke publisert.",
                "The site does not exist, or it is not published.",
            ),
        )
    return render(
        request,
        "site.html",
        site=found.feature,
        p=found.feature["properties"],
        default_hours=inquiry.default_response_hours,  # what an inquiry is given when the kommune names none
    )
