"""The secretariat's desk for the one-door-in promise (admins only; docs/desk.md): every inquiry with its
kommuner and what is overdue (`/desk`), the response-time figures beside the readiness of the member
kommuner (`/desk/stats`), both as Excel (`/desk/stats.xlsx`), and the figures as JSON
(`/api/v1/stats/response-times`). One inquiry in full is `/desk/{public_id}` (another module)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ClockDep, PrincipalDep
from api.deps import SessionDep
from api.errors import NOT_SIGNED_IN, InvalidParameterError, problem
from api.web import LangDep, lang_of, render, say_bilingual
from registry.services import desk
from registry.services.access import require_admin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"  # not `dt.date`: pydantic also reads a number as a Unix time (`?to=0`: 1970)


def _admin(principal: PrincipalDep) -> None:
    """Only the secretariat: anonymous → sign in first (401); anyone else → 403."""
    require_admin(principal)


pages = APIRouter(prefix="/desk", include_in_schema=False, dependencies=[Depends(_admin), LangDep])
api = APIRouter(
    prefix="/api/v1/stats",
    tags=["stats"],
    dependencies=[Depends(_admin)],
    responses={401: NOT_SIGNED_IN, 403: problem("Not the secretariat (admins only)")},
)

# A page's period: empty fields (the form sends `from=&to=`) mean an open bound.
FromParam = Annotated[str | None, Query(alias="from", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD")]
ToParam = Annotated[str | None, Query(alias="to", pattern=DATE_OR_EMPTY, description="YYYY-MM-DD, exclusive")]
GroupParam = Annotated[desk.Group, Query(description="kommune | regionraad")]
DemoParam = Annotated[bool, Query(description="Count demo inquiries and sites")]
StatusParam = Annotated[str | None, Query(pattern=r"^(open|closed|overdue)?$")]


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidParameterError(
            "query", name, "not a date (YYYY-MM-DD) / ikke en dato (ÅÅÅÅ-MM-DD)"
        ) from exc


# --- pages -------------------------------------------------------------------------------------------------


@pages.get("", response_class=HTMLResponse)
def desk_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    status: StatusParam = None,
) -> Response:
    now = clock.now()
    items = desk.inquiry_list(session, principal, now=now, status=status or None)
    return render(
        request,
        "desk.html",
        inquiries=items,
        status_filter=status or "",
        filters=desk.LIST_FILTERS,
        tz=ZoneInfo(desk.TIMEZONE),
    )


def _period_query(since: dt.date | None, until: dt.date | None, group: str, include_demo: bool) -> str:
    parts = [f"from={since.isoformat() if since else ''}", f"to={until.isoformat() if until else ''}"]
    parts += [f"group={group}", f"include_demo={'true' if include_demo else 'false'}"]
    return "&".join(parts)


@pages.get("/stats", response_class=HTMLResponse)
def desk_stats(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    since: FromParam = None,
    until: ToParam = None,
    group: GroupParam = "kommune",
    include_demo: DemoParam = True,
) -> Response:
    now = clock.now()
    today = desk.local_today(now)
    start, end = _date("from", since), _date("to", until)
    error: str | None = None
    try:
        stats = desk.response_stats(
            session, principal, since=start, until=end, group=group, now=now, include_demo=include_demo
        )
    except desk.DeskParameterError as exc:
        error = say_bilingual(request, str(exc))
        stats = desk.response_stats(
            session, principal, since=None, until=None, group=group, now=now, include_demo=include_demo
        )
    ready = desk.readiness(session, principal, today=today, include_demo=include_demo)
    context: dict[str, Any] = {
        "stats": stats,
        "ready": ready,
        "since": since or "",
        "until": until or "",
        "group": group,
        "include_demo": include_demo,
        "today": today,
        "error": error,
        "download": "/desk/stats.xlsx?" + _period_query(stats.since, stats.until, group, include_demo),
        "this_year": dt.date(today.year, 1, 1).isoformat(),
        "next_year": dt.date(today.year + 1, 1, 1).isoformat(),
        "last_30": (today - dt.timedelta(days=29)).isoformat(),
        "tomorrow": (today + dt.timedelta(days=1)).isoformat(),
        "coordination": desk.coordination_steps(),
        "sources": desk.source_lines(lang_of(request)),
    }
    return render(request, "desk_stats.html", status=400 if error else 200, **context)


@pages.get("/stats.xlsx")
def desk_stats_xlsx(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    since: FromParam = None,
    until: ToParam = None,
    group: GroupParam = "kommune",
    include_demo: DemoParam = True,
) -> Response:
    now = clock.now()
    start, end = _date("from", since), _date("to", until)
    try:
        body = desk.desk_workbook(
            session,
            principal,
            since=start,
            until=end,
            group=group,
            today=desk.local_today(now),
            now=now,
            include_demo=include_demo,
        )
    except desk.DeskParameterError as exc:
        raise InvalidParameterError("query", "to", str(exc)) from exc
    name = f"svartider-{desk.local_today(now).isoformat()}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- API ---------------------------------------------------------------------------------------------------


@api.get("/response-times", summary="First-response times per kommune or regionråd (secretariat only)")
def response_times(
    session: SessionDep,
    principal: PrincipalDep,
    clock: ClockDep,
    since: Annotated[
        str | None, Query(alias="from", pattern=DATE, description="First day, YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", pattern=DATE, description="Day after the last, YYYY-MM-DD")
    ] = None,
    group: GroupParam = "kommune",
    include_demo: DemoParam = True,
) -> dict[str, Any]:
    """Threads notified in [from, to) (days in Europe/Oslo): received, responded, waiting, overdue now,
    median and 90th percentile of working hours to the first response, the share within the promise and
    the coordination reported, per group and for the region (docs/desk.md)."""
    try:
        stats = desk.response_stats(
            session,
            principal,
            since=_date("from", since),
            until=_date("to", until),
            group=group,
            now=clock.now(),
            include_demo=include_demo,
        )
    except desk.DeskParameterError as exc:
        raise InvalidParameterError("query", "to", str(exc)) from exc
    return stats.as_json()


router = APIRouter()
router.include_router(pages)
router.include_router(api)
