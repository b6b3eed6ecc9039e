"""The search page /sites: every filter of the API as a form whose query string is the API's own (the
same parameter declaration, `api.search_params.search_query`, checks both), the results as a sortable
list with paging beside a map of the same sites. A refused value re-renders the form (400) with the
message beside its field, in both languages, instead of the API's problem document.

Empty form fields (a GET form sends every field) are dropped by a redirect to the same query without
them, so the URL a search is shared by holds only what was chosen (docs/web.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api.auth import ClockDep
from api.deps import ReadSessionDep
from api.errors import BadRequestError
from api.params import MAX_LIMIT, MAX_OFFSET
from api.search_form import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    WHOLE_FORM,
    area_options,
    header_sort,
    number,
    problems_of,
    sort_options,
)
from api.search_params import SEARCH_REFUSALS, SearchQueryDep, refused
from api.web import LangDep, lang_of, problems_by_field, redirect, render
from registry.clock import local_date
from registry.services.search_page import kommune_choices, search_page
from registry.services.sites import SiteSearch
from schemas.problems import FieldProblem
from schemas.taxonomy import AVAILABILITY, LAND_CONTROL, LOGISTICS_KIND, MATURITY, POWER, SOSI_USE

# The parameters that are the page's, not the search's: they are not sent to the API's count.
PAGE_ONLY = ("lang", "limit", "offset")


class SearchPageRoute(APIRoute):
    """A page route whose refused parameters re-render its form (400) rather than answer problem+json,
    and whose empty parameters are dropped by a redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            items = request.query_params.multi_items()
            if any(v == "" for _, v in items):
                kept = [(k, v) for k, v in items if v != ""]
                return redirect(request.url.path + (("?" + urlencode(kept)) if kept else ""))
            try:
                return await handler(request)
            except (RequestValidationError, BadRequestError) as exc:
                return await run_in_threadpool(_refused_page, request, problems_of(exc))

        return page


router = APIRouter(include_in_schema=False, dependencies=[LangDep], route_class=SearchPageRoute)


@router.get("/sites", response_class=HTMLResponse)
def sites_page(
    request: Request,
    session: ReadSessionDep,
    clock: ClockDep,
    query: SearchQueryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> HTMLResponse:
    try:
        found = search_page(
            session,
            filters=query.filters,
            sort=query.sort,
            verified_within_months=query.verified_within_months,
            limit=limit,
            offset=offset,
            today=local_date(clock),
        )
    except SEARCH_REFUSALS as exc:
        return _page(request, session, problems=problems_of(refused(exc)), status=400)
    return _page(request, session, found=found, sort=query.sort, limit=limit, offset=offset)


def _refused_page(request: Request, problems: list[FieldProblem]) -> HTMLResponse:
    with request.app.state.session_factory() as session:
        return _page(request, session, problems=problems, status=400)


def _map_data(found: SiteSearch) -> dict[str, Any]:
    """The listed sites for the map beside the list: outline and what a popup says."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f["id"],
                "geometry": f["geometry"],
                "properties": {
                    "id": f["id"],
                    "name": f["properties"]["name"],
                    "kommune": f["properties"]["kommune_name"],
                    "area_daa": f["properties"]["area_daa"],
                    "maturity": f["properties"]["maturity"]["code"],
                    "power": f["properties"]["power"]["code"],
                    "colour": MATURITY.get(f["properties"]["maturity"]["code"]).colour,
                    "is_demo": f["properties"]["is_demo"],
                    "url": f"/sites/{f['id']}",
                },
            }
            for f in found.features
        ],
    }


def _page(
    request: Request,
    session: Session,
    *,
    found: SiteSearch | None = None,
    problems: list[FieldProblem] | None = None,
    sort: str = "kommune",
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
    status: int = 200,
) -> HTMLResponse:
    lang = lang_of(request)
    params = request.query_params
    chosen = {k: params.getlist(k) for k in params}
    search = [(k, v) for k, v in params.multi_items() if k not in PAGE_ONLY]
    choices = kommune_choices(session)
    groups: dict[str | None, list[Any]] = {}
    for k in sorted(choices, key=lambda c: (c.regionraad is None, c.regionraad or "", c.name)):
        groups.setdefault(k.regionraad, []).append(k)
    known = {k.nr for k in choices}
    paging = None
    if found is not None:
        last = max(0, math.ceil(found.total / limit) - 1) if found.total else 0
        paging = {
            "first": offset + 1 if found.features else 0,
            "last": offset + len(found.features),
            "page": offset // limit + 1,
            "pages": last + 1,
            "prev": url_for(request, offset=max(0, offset - limit)) if offset > 0 else None,
            "next": url_for(request, offset=offset + limit) if offset + limit < found.total else None,
        }
    by_field = problems_by_field(problems or [])
    return render(
        request,
        "search.html",
        status=status,
        found=found,
        problems=by_field,
        form_problems=by_field.get(WHOLE_FORM, []),
        problem_list=problems or [],
        chosen=chosen,
        groups=list(groups.items()),
        regionraad=[name for name in groups if name],
        unknown_kommuner=[nr for nr in chosen.get("kommune", []) if nr not in known],
        places=sorted(choices, key=lambda c: c.name),
        maturity=MATURITY,
        power=POWER,
        availability=AVAILABILITY,
        land_control=LAND_CONTROL,
        uses=SOSI_USE,
        logistics=LOGISTICS_KIND,
        min_area_options=area_options(params.get("min_area_m2"), lang),
        max_area_options=area_options(params.get("max_area_m2"), lang),
        sort_options=sort_options(lang),
        sort=sort,
        header_sort=header_sort,
        sort_url=lambda key: url_for(request, sort=key, offset=None),
        page_sizes=PAGE_SIZES,
        limit=limit,
        offset=offset,
        paging=paging,
        map_data=_map_data(found) if found is not None else None,
        api_query=urlencode(search),
        number=lambda value, decimals=1: number(value, lang, decimals),
    )


def url_for(request: Request, **params: Any) -> str:
    """This page's URL with `params` replaced (None removes one); offset 0 is left out."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None and not (k == "offset" and v == 0)]
    return request.url.path + (("?" + urlencode(query)) if query else "")
