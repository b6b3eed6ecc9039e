"""About the data: sources, dates and licences, verification and staleness, accessibility statement."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import InquirySettingsDep
from api.deps import SessionDep
from api.web import LangDep, render
from registry.services.about import about

router = APIRouter(include_in_schema=False, dependencies=[LangDep])
# The day the accessibility statement was last checked against the pages (update with the statement).
STATEMENT_DATE = "2026-12-03"


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request, session: SessionDep, inquiry: InquirySettingsDep) -> HTMLResponse:
    return render(
        request,
        "about.html",
        facts=about(session),
        feedback_email=inquiry.secretariat_email,
        statement_date=STATEMENT_DATE,
    )
