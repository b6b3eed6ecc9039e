"""The kommune's own pages ("Min kommune"): its sites, the site form, uploads and submissions.

Thin routes over registry.services: the services check every right (editor of the kommune or admin)
and raise the access errors api/errors.py turns into pages. The profile pages are in
api/routes/my_profile.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ClockDep, CsrfDep, SignedInDep, signed_in
from api.deps import SessionDep
from api.web import LangDep, lang_of, redirect, render, say, say_bilingual
from registry.services import inquiries, site_edit
from registry.services.access import require_editor_of
from registry.services.accounts import whom_to_ask
from registry.services.kommuner import editable_kommuner, get_kommune
from registry.services.submissions import kommune_submissions
from schemas.fields import FIELDS
from schemas.site import AXES
from schemas.taxonomy import SITE_STATUS

# Signed in before anything else (a form's CSRF check included): anonymous → sign in first.
router = APIRouter(prefix="/my", include_in_schema=False, dependencies=[Depends(signed_in), LangDep])
KommuneNr = Annotated[str, Path(pattern=r"^\d{4}$")]
SiteId = Annotated[int, Path(ge=1, le=2_147_483_647)]
# The site form: every catalogue field but the kommune (a site stays in its kommune).
FORM_FIELDS = tuple(f for f in FIELDS if f.name != "kommune_nr")
AXIS_LIST = tuple((a.name, a) for a in AXES)


@router.get("", response_class=HTMLResponse)
def my_home(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    kommuner = editable_kommuner(session, principal)
    if len(kommuner) == 1:
        return redirect(f"/my/{kommuner[0]['nr']}", status=303)
    ask = [] if kommuner else whom_to_ask(session, principal)
    return render(request, "my_home.html", kommuner=kommuner, ask=ask)


@router.get("/{nr}", response_class=HTMLResponse)
def my_kommune(
    request: Request, session: SessionDep, principal: SignedInDep, clock: ClockDep, nr: KommuneNr
) -> Response:
    require_editor_of(principal, nr)
    sites = site_edit.kommune_sites(session, principal, nr, today=site_edit.today(clock))
    counts = {s: sum(1 for x in sites if x["status"] == s) for s in SITE_STATUS.codes}
    return render(
        request,
        "my_kommune.html",
        kommune=get_kommune(session, nr),
        counts=counts,
        stale=sum(1 for x in sites if x["stale"]),
        unverified=sum(1 for x in sites if x["unverified"]),
        submissions=kommune_submissions(session, principal, nr)[:5],
        inbox=inquiries.inbox_counts(session, principal, nr, clock=clock),
    )


@router.get("/{nr}/sites", response_class=HTMLResponse)
def my_sites(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    status: Annotated[str | None, Query(pattern="^(draft|published|archived)$")] = None,
    flag: Annotated[str | None, Query(pattern="^(stale|unverified)$")] = None,
) -> Response:
    sites = site_edit.kommune_sites(
        session,
        principal,
        nr,
        status=status,  # type: ignore[arg-type]
        flag=flag,  # type: ignore[arg-type]
        today=site_edit.today(clock),
    )
    return render(
        request,
        "my_sites.html",
        kommune=get_kommune(session, nr),
        sites=sites,
        status_filter=status,
        flag=flag,
        statuses=SITE_STATUS,
    )


@router.get("/{nr}/sites.xlsx")
def my_sites_xlsx(request: Request, session: SessionDep, principal: SignedInDep, nr: KommuneNr) -> Response:
    body = site_edit.our_sites_workbook(session, principal, nr, lang=lang_of(request))
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="naeringsarealer-{nr}.xlsx"'},
    )


def _site_page(
    request: Request,
    session: Any,
    principal: Any,
    clock: Any,
    nr: str,
    site_id: int,
    *,
    status: int = 200,
    values: dict[str, Any] | None = None,
    issues: list[Any] | None = None,
    notice: str | None = None,
) -> Response:
    site = site_edit.site_for_edit(session, principal, site_id, today=site_edit.today(clock))
    if site["kommune_nr"] != nr:
        return redirect(f"/my/{site['kommune_nr']}/sites/{site_id}", status=303)
    problems: dict[str, list[Any]] = {}
    for issue in issues or []:
        problems.setdefault(issue.field or "_", []).append(issue)
    return render(
        request,
        "my_site_form.html",
        status=status,
        kommune=get_kommune(session, nr),
        site=site,
        values=values if values is not None else site["form"],
        fields=FORM_FIELDS,
        problems=problems,
        axis_list=AXIS_LIST,
        notice=notice,
    )


@router.get("/{nr}/sites/{site_id}", response_class=HTMLResponse)
def my_site(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    site_id: SiteId,
    saved: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    notice = None
    if saved:
        notice = say(request, "Lagret.", "Saved.")
    return _site_page(request, session, principal, clock, nr, site_id, notice=notice)


def _form_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in FORM_FIELDS:
        if f.kind == "codes":
            values[f.name] = ";".join(v for v in form.getlist(f.name) if isinstance(v, str))
        elif f.name in form:
            value = form.get(f.name)
            values[f.name] = value if isinstance(value, str) else None
    return values


@router.post("/{nr}/sites/{site_id}", response_class=HTMLResponse, dependencies=[CsrfDep])
async def my_site_save(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    site_id: SiteId,
) -> Response:
    values = _form_values(await request.form())
    engine = request.app.state.engine
    try:
        site_edit.update_site(engine, principal, site_id, values, clock=clock)
    except site_edit.SiteInvalidError as exc:
        return _site_page(
            request, session, principal, clock, nr, site_id, status=422, values=values, issues=exc.issues
        )
    return redirect(f"/my/{nr}/sites/{site_id}?saved=1")


@router.post("/{nr}/sites/{site_id}/confirm/{axis}", dependencies=[CsrfDep])
def my_site_confirm(
    request: Request,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    site_id: SiteId,
    axis: Annotated[str, Path(pattern="^(maturity|power|availability|land_control)$")],
) -> Response:
    site_edit.confirm_axis(request.app.state.engine, principal, site_id, axis, clock=clock)
    return redirect(f"/my/{nr}/sites/{site_id}?saved={axis}")


@router.post("/{nr}/sites/{site_id}/{action}", response_class=HTMLResponse, dependencies=[CsrfDep])
def my_site_status(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    clock: ClockDep,
    nr: KommuneNr,
    site_id: SiteId,
    action: Annotated[str, Path(pattern="^(publish|archive|restore)$")],
) -> Response:
    engine = request.app.state.engine
    change = {"publish": site_edit.publish, "archive": site_edit.archive, "restore": site_edit.restore}[
        action
    ]
    try:
        change(engine, principal, site_id, clock=clock)
    except site_edit.SiteInvalidError as exc:
        return _site_page(request, session, principal, clock, nr, site_id, status=422, issues=exc.issues)
    except (site_edit.SiteConflictError, site_edit.SiteStateError) as exc:
        notice = say_bilingual(request, str(exc))
        return _site_page(request, session, principal, clock, nr, site_id, status=409, notice=notice)
    return redirect(f"/my/{nr}/sites/{site_id}?saved={action}")


@router.get("/{nr}/submissions", response_class=HTMLResponse)
def my_submissions(request: Request, session: SessionDep, principal: SignedInDep, nr: KommuneNr) -> Response:
    return render(
        request,
        "my_submissions.html",
        kommune=get_kommune(session, nr),
        submissions=kommune_submissions(session, principal, nr),
    )
