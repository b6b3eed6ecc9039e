"""The kommune's one-door-in profile page: contacts, the response promise, pitch, competence, clusters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ClockDep, CsrfDep, SignedInDep, signed_in
from api.deps import SessionDep
from api.web import LangDep, lang_of, problems_by_field, redirect, render
from registry.services import profiles
from registry.services.access import require_editor_of

# Signed in before anything else (a form's CSRF check included): anonymous → sign in first.
router = APIRouter(prefix="/my", include_in_schema=False, dependencies=[Depends(signed_in), LangDep])
KommuneNr = Annotated[str, Path(pattern=r"^\d{4}$")]
BLANK_CONTACTS, BLANK_FIGURES = 2, 2  # empty rows offered below the filled ones


def _page(
    request: Request, profile: dict[str, Any], *, status: int = 200, problems: Any = (), saved: bool = False
) -> Response:
    return render(
        request,
        "my_profile.html",
        status=status,
        profile=profile,
        problems=problems_by_field(problems),
        saved=saved,
        blank_contacts=BLANK_CONTACTS,
        blank_figures=BLANK_FIGURES,
    )


@router.get("/{nr}/profile", response_class=HTMLResponse)
def profile_page(
    request: Request, session: SessionDep, principal: SignedInDep, nr: KommuneNr, saved: str | None = None
) -> Response:
    require_editor_of(principal, nr)
    profile = profiles.get_profile(session, nr)
    assert profile is not None
    return _page(request, profile, saved=bool(saved))


def _rows(form: Any, prefix: str, keys: tuple[str, ...], n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        row = {k: str(form.get(f"{prefix}-{i}-{k}") or "").strip() for k in keys}
        if any(row.values()):
            rows.append(row)
    return rows


@router.post("/{nr}/profile", response_class=HTMLResponse, dependencies=[CsrfDep])
async def profile_save(
    request: Request, session: SessionDep, principal: SignedInDep, clock: ClockDep, nr: KommuneNr
) -> Response:
    form = await request.form()
    data = {
        "contacts": _rows(form, "contact", ("name", "role", "email", "phone"), 12),
        "response_hours": str(form.get("response_hours") or "").strip() or None,
        "pitch_no": form.get("pitch_no"),
        "pitch_en": form.get("pitch_en"),
        "competence_no": form.get("competence_no"),
        "competence_en": form.get("competence_en"),
        "labour_figures": _rows(
            form, "figure", ("label_no", "label_en", "value", "unit", "source", "year"), 22
        ),
        "clusters": [c.strip() for c in str(form.get("clusters") or "").splitlines() if c.strip()],
    }
    try:
        profiles.update_profile(request.app.state.engine, principal, nr, data, clock=clock)
    except profiles.ProfileInvalidError as exc:
        shown = profiles.get_profile(session, nr) or {}
        shown = {**shown, **{k: v for k, v in data.items()}}
        return _page(request, shown, status=422, problems=exc.problems)
    return redirect(f"/my/{nr}/profile?saved=1&lang={lang_of(request)}")
