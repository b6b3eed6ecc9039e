"""The compare page /compare?ids=1,2,3: up to four published sites side by side, every fact in one row,
rows where the sites differ marked; "send one inquiry about these sites".

`ids` is a comma-separated list (repeating `ids` works too). More than four ids, or an id that is not a
number, is a 400 page that says so in both languages; an id that is unknown or not published is named on
the page, and the other sites are still compared. Works without JavaScript: the page is its URL (the
shortlist kept in the browser, api/static/compare.js, only builds that URL).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import ClockDep, InquirySettingsDep
from api.deps import SessionDep
from api.params import MAX_ID
from api.web import LangDep, render
from registry.clock import local_date
from registry.services.compare import MAX_COMPARED, TooManySitesError, compare_sites

router = APIRouter(include_in_schema=False, dependencies=[LangDep])

MAX_IDS_CHARS = 200  # four ids and some commas; anything longer is refused before it is split


def _refused(request: Request, no: str, en: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        status=400,
        title="Kan ikke sammenligne / Cannot compare",
        message=f"{no} / {en}",
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    inquiry: InquirySettingsDep,
    ids: Annotated[list[str] | None, Query(description="Site ids, comma-separated")] = None,
) -> HTMLResponse:
    raw = ",".join(ids or [])
    if len(raw) > MAX_IDS_CHARS:
        return _refused(
            request,
            f"Høyst {MAX_COMPARED} områder kan sammenlignes.",
            f"At most {MAX_COMPARED} sites can be compared.",
        )
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not (p.isdigit() and 1 <= int(p) <= MAX_ID)]
    if bad:
        shown = ", ".join(f"«{p[:20]}»" for p in bad[:5])
        return _refused(
            request,
            f"Områdenummer må være hele tall, som ids=12,34. Dette er ikke: {shown}.",
            f"Site ids must be whole numbers, as in ids=12,34. These are not: {shown}.",
        )
    try:
        comparison = compare_sites(
            session,
            [int(p) for p in parts],
            today=local_date(clock),
            default_response_hours=inquiry.default_response_hours,
        )
    except TooManySitesError as exc:
        return _refused(
            request,
            f"Høyst {MAX_COMPARED} områder kan sammenlignes, ikke {exc.asked}. Ta bort noen og prøv igjen.",
            f"At most {MAX_COMPARED} sites can be compared, not {exc.asked}. Remove some and try again.",
        )
    ids_found = [s["id"] for s in comparison.sites]
    return render(
        request,
        "compare.html",
        comparison=comparison,
        sites=comparison.sites,
        rows=comparison.rows,
        not_found=comparison.not_found,
        max_compared=MAX_COMPARED,
        without={i: ",".join(str(o) for o in ids_found if o != i) for i in ids_found},
        inquiry_query="&".join(f"site_ids={i}" for i in ids_found),
    )
