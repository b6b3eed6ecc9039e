"""The site page an investor opens from the map, a search or an e-mail: every fact with its date, the
power and the nearest substation's published capacity, the distances, the site's map with lines to its
nearest nodes, the kommune's contact, "ask about this site"; its map as SVG (the page without
JavaScript); and its one-page PDF passport in Norwegian and English. A draft or archived site is shown
to its kommune's editors only (404 for anyone else, for the page, the map and the PDF alike)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import AuthSettingsDep, ClockDep, InquirySettingsDep, PrincipalDep
from api.deps import SessionDep
from api.params import MAX_ID
from api.pdf import html_to_pdf, own_files_fetcher
from api.web import LangDep, lang_of, render, render_document, say
from registry.clock import local_date
from registry.services.passports import read_passport
from registry.services.site_map import site_map
from registry.services.sites import read_site

router = APIRouter(include_in_schema=False, dependencies=[LangDep])

SiteId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The passport shows this much of each description (the page shows all of it).
DESCRIPTION_CHARS = 600


def _not_found(request: Request) -> HTMLResponse:
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


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _both(no: str, en: str) -> str:
    """Both languages of a text, as the passport shows them ("Areal / Area"; one when they are alike;
    "Nå / Now:" for labels)."""
    if no == en:
        return no
    if no.endswith(":") and en.endswith(":"):
        return f"{no[:-1]} / {en}"
    return f"{no} / {en}"


# Registered before /sites/{site_id}: "7.pdf" would otherwise reach the page's route and fail as an id.
@router.get("/sites/{site_id}.pdf")
def site_passport(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    auth: AuthSettingsDep,
    inquiry: InquirySettingsDep,
    site_id: SiteId,
) -> Response:
    passport = read_passport(session, principal, site_id, clock=clock, public_url=auth.public_url)
    if passport is None:
        return _not_found(request)
    base_url = auth.public_url.rstrip("/") + "/"
    context = dict(
        t=_both,
        p=passport.feature["properties"],
        site=passport.feature,
        default_hours=inquiry.default_response_hours,
        map_uri=_data_uri(passport.map.svg),
        map_description=passport.map.description,
        qr_uri=_data_uri(passport.qr_svg),
        page_url=passport.page_url,
        about_url=base_url + "about",
        generated=passport.generated_text,
        sources_en=passport.sources_en,
        own_licence=passport.own_licence,
        description_chars=DESCRIPTION_CHARS,
    )
    # One page: a site with much to say is drawn a size smaller, and if need be with shorter descriptions.
    for dense, chars in (
        (False, DESCRIPTION_CHARS),
        (True, DESCRIPTION_CHARS),
        (True, DESCRIPTION_CHARS // 3),
    ):
        html = render_document("passport.html", **{**context, "dense": dense, "description_chars": chars})
        pdf, pages = html_to_pdf(html, base_url=base_url, fetcher=own_files_fetcher(base_url))
        if pages == 1:
            break
    filename = f"arealpass-{site_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store" if not principal.is_anonymous else "no-cache",
        },
    )


@router.get("/sites/{site_id}/map.svg")
def site_map_svg(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    site_id: SiteId,
) -> Response:
    found = read_site(session, principal, site_id, today=local_date(clock))
    if found is None:
        return _not_found(request)
    drawn = site_map(session, found, lang="no" if lang_of(request) == "no" else "en")
    return Response(
        drawn.svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store" if not principal.is_anonymous else "no-cache"},
    )


@router.get("/sites/{site_id}", response_class=HTMLResponse)
def site_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    inquiry: InquirySettingsDep,
    site_id: SiteId,
) -> HTMLResponse:
    found = read_site(session, principal, site_id, today=local_date(clock))
    if found is None:
        return _not_found(request)
    return render(
        request,
        "site.html",
        site=found.feature,
        p=found.feature["properties"],
        site_map=site_map(session, found, lang="no" if lang_of(request) == "no" else "en"),
        default_hours=inquiry.default_response_hours,  # what an inquiry is given when the kommune names none
    )
