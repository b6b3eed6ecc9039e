"""Use cases: a kommune edits its own sites one by one ("Our sites", issue 8 §4).

List the kommune's sites (every status, with stale and unverified flags), read one for the form, change
it, say "this is still correct" for one axis, publish, archive and restore, create a site from a drawn
outline, and download the sites as the filled Excel template.

Decisions:
- Values are parsed and checked by the file intake's own code (`etl.values.parse_values`,
  `etl.validate`), so the form gives the same issues, with the same messages, as a file with the same
  values. An error writes nothing (`SiteInvalidError` carries every issue); warnings are returned.
- An edit that changes an axis's value (maturity, power, availability, land control) is a verification:
  that axis's `*_verified_at` becomes today's date (Europe/Oslo) and `*_verified_by` the actor, unless the
  edit itself changes either of them (a form sending the stored date back unchanged does not).
  Evidence is dated by the registry, not the kommune: never here.
- Access: a signed-out caller gets `NotSignedInError`. Another kommune's draft or archived site is
  `NotVisibleError` (404: it is not public); another kommune's published site is `ForbiddenError` (403:
  it is public, so saying it exists reveals nothing) — for reading it for the form as for changing it.
- Nothing is deleted: archive instead. Restore returns a site to the status it had when archived (read
  from site_history, one indexed row), or to draft when that is unknown or when the site now has an
  error; a live site of the kommune already holding the reference blocks it (`SiteConflictError`).
- A transition to the status a site already has changes nothing and writes nothing (`changed` False).
- Every write is one transaction with the caller as actor, so site_history gets one row per change, and
  holds the kommune's submission lock (a file load of the kommune waits, and vice versa).
- The download holds the kommune's live sites (draft and published) in exactly the template's columns;
  submitted again without edits it changes no site. A file load publishes what it loads, so a draft in
  the file is published by an ordinary (non-draft) submission; the workbook's guide says so.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from pyproj import CRS
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from etl.geometry import process_geometries
from etl.issues import ERROR, Issue, make_issue
from etl.validate import (
    check_area,
    check_duplicate_sites,
    check_within_kommune,
    derive_references,
    validate_frame,
    validate_record,
)
from etl.values import is_blank, parse_values
from registry import history
from registry.clock import Clock
from registry.db import transaction
from registry.enrich import METHOD, enrich
from registry.services.access import NotVisibleError, Principal, require_editor_of, require_signed_in
from registry.services.kommuner import kommune_index
from registry.services.versions import check as check_version
from registry.store import reference as reference_store
from registry.store import site_edit as store
from registry.store import site_load
from schemas.fields import FIELDS
from schemas.site import AXES, AXES_BY_NAME, DEFAULTS, FIELDS_BY_COLUMN, axis_state, site_verification
from schemas.taxonomy import SITE_STATUS

__all__ = [
    "EDITABLE_FIELDS",
    "CreateResult",
    "NotEditableError",
    "SiteConflictError",
    "SiteInvalidError",
    "SiteStateError",
    "StatusChange",
    "UpdateResult",
    "archive",
    "confirm_axis",
    "create_site",
    "kommune_sites",
    "our_sites_workbook",
    "publish",
    "restore",
    "site_for_edit",
    "site_history",
    "update_site",
]

OSLO = ZoneInfo("Europe/Oslo")
StatusFilter = Literal["draft", "published", "archived"]
FlagFilter = Literal["stale", "unverified"]

# What a form (or an API write) may set, by catalogue name; the kommune is the site's, never changed here.
EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.name != "kommune_nr")
# Catalogue fields stored under another column name; area_daa is folded into area_m2 when parsed.
_COLUMN_OF = {"area_m2": "area_m2_submitted"}
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.name != "area_daa")
# Axes whose value the kommune vouches for (dated on an edit, renewable with confirm_axis).
KOMMUNE_AXES = tuple(a for a in AXES if a.vouched_by_kommune)


def _column(name: str) -> str:
    return _COLUMN_OF.get(name, name)


class SiteInvalidError(ValueError):
    """The values break the intake's rules; nothing was written. `issues` holds every issue found
    (errors and warnings, as `etl.issues.Issue`, fields named as in the catalogue)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        first = next((i for i in issues if i.severity == ERROR), issues[0] if issues else None)
        super().__init__(
            f"{first.message_en} / {first.message_no}" if first else "Invalid site. / Ugyldig område."
        )

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]


class SiteConflictError(Exception):
    """Another live site of the kommune holds the reference (message bilingual, English / norsk)."""

    def __init__(self, reference: str, holder_id: int, holder_name: str) -> None:
        self.reference, self.holder_id = reference, holder_id
        super().__init__(
            f"The reference '{reference}' is already used by the live site #{holder_id} {holder_name}; "
            "archive that site or give this one another reference. / "
            f"Referansen «{reference}» brukes allerede av det aktive området #{holder_id} {holder_name}; "
            "arkiver det området eller gi dette en annen referanse."
        )


class NotEditableError(ValueError):
    """Values given for names that are not editable fields of the catalogue (`names`); nothing written."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(f"not editable: {', '.join(names)}")


class SiteStateError(Exception):
    """The site's status does not allow this (message bilingual, English / norsk)."""


@dataclass(frozen=True)
class UpdateResult:
    site_id: int
    changed: tuple[str, ...]  # catalogue names of the values written (empty: nothing changed)
    warnings: list[Issue] = field(default_factory=list)


@dataclass(frozen=True)
class StatusChange:
    site_id: int
    previous: str
    status: str

    @property
    def changed(self) -> bool:
        return self.previous != self.status


@dataclass(frozen=True)
class CreateResult:
    site_id: int
    warnings: list[Issue] = field(default_factory=list)


def today(clock: Clock) -> dt.date:
    """The clock's date in Norway (a verification at 00:30 Oslo time is dated that day)."""
    return clock.now().astimezone(OSLO).date()


def _plain(value: Any) -> Any:
    """A parsed cell as a plain Python value for the database: numpy scalars unwrapped, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.ndarray | tuple):
        return list(value)
    return value


def _record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A site row's submitted values by catalogue name (what the form shows and `update_site` takes)."""
    return {name: _plain(row[_column(name)]) for name in RECORD_FIELDS}


def _axes(row: Mapping[Any, Any], day: dt.date) -> dict[str, dict[str, Any]]:
    return {
        a.name: {
            "code": row[a.column],
            "state": axis_state(row, a, today=day),
            "verified_at": row[a.verified_at],
            "verified_by": row[a.verified_by],
            "max_age_days": a.max_age_days,
            "confirmable": a in KOMMUNE_AXES,
        }
        for a in AXES
    }


def _flags(row: Mapping[Any, Any], day: dt.date) -> dict[str, bool]:
    by_state = site_verification(row, today=day)
    return {"stale": bool(by_state["stale"]), "unverified": bool(by_state["unverified"])}


# --- reading ---------------------------------------------------------------------------------------------


def kommune_sites(
    session: Session,
    principal: Principal,
    kommune_nr: str,
    *,
    status: StatusFilter | None = None,
    flag: FlagFilter | None = None,
    today: dt.date,
) -> list[dict[str, Any]]:
    """The kommune's sites of every status (or of `status`), with each axis's verification state and
    the site's stale and unverified flags; `flag` keeps only the stale or only the unverified ones."""
    if status is not None and status not in SITE_STATUS:
        raise ValueError(f"unknown status {status!r}; use one of {', '.join(SITE_STATUS.codes)}")
    if flag not in (None, "stale", "unverified"):
        raise ValueError(f"unknown flag {flag!r}; use 'stale' or 'unverified'")
    require_editor_of(principal, kommune_nr)
    statuses = SITE_STATUS.codes if status is None else (status,)
    out = []
    for row in store.kommune_sites(session, kommune_nr, statuses=statuses):
        flags = _flags(row, today)
        if flag is not None and not flags[flag]:
            continue
        out.append(
            {
                **{c: row[c] for c in store.LIST_COLUMNS if c in FIELDS_BY_COLUMN},
                "area_m2": float(row["area_m2"]),
                "axes": _axes(row, today),
                **flags,
            }
        )
    return out


def _visible_site(session: Session, principal: Principal, site_id: int, *, lock: bool = False) -> Any:
    """The site row if `principal` may edit it; else NotSignedIn, NotVisible (not public) or Forbidden."""
    require_signed_in(principal)
    row = store.site(session, site_id, lock=lock)
    if row is None:
        raise NotVisibleError("Not found. / Ikke funnet.")
    require_editor_of(principal, row["kommune_nr"], hidden=row["status"] != "published")
    return row


def site_history(
    session: Session, principal: Principal, site_id: int, *, limit: int = 100, offset: int = 0
) -> dict[str, Any]:
    """Who changed what and when, oldest first: every insert, update, publish, archive and restore of
    the site, whatever the path (file, form, API), each with the fields it changed (before and after)
    and whether the outline changed. For the kommune's editors and the secretariat (the actor is a
    person's address); access as for editing (`_visible_site`)."""
    row = _visible_site(session, principal, site_id)
    entries = []
    for h in store.history(session, site_id, limit=limit, offset=offset):
        entries.append(
            {
                "id": h["id"],
                "at": h["changed_at"].isoformat(),
                "by": h["changed_by"],
                "action": history.action_of(h["action"], h["before"], h["after"]),
                "geometry_changed": bool(h["geom_changed"]),
                "changes": [c.to_json() for c in history.changes(h["before"], h["after"])],
            }
        )
    return {
        "site_id": site_id,
        "kommune_nr": row["kommune_nr"],
        "total": store.history_count(session, site_id),
        "limit": limit,
        "offset": offset,
        "entries": entries,
    }


def site_for_edit(session: Session, principal: Principal, site_id: int, *, today: dt.date) -> dict[str, Any]:
    """The whole site for the edit form: every column, `form` (values by catalogue name, as
    `update_site` takes them), the outline in CRS84 GeoJSON, each axis's state and the site's flags."""
    row = _visible_site(session, principal, site_id)
    return {
        **{c: _plain(row[c]) for c in FIELDS_BY_COLUMN if c in row},
        "area_m2": float(row["area_m2"]),
        "form": _record(row),
        "geometry": json.loads(row["geojson"]),
        "axes": _axes(row, today),
        **_flags(row, today),
    }


# --- parsing and checking, as the file intake does -------------------------------------------------------


def _parse(changes: Mapping[Any, Any]) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse form values (strings, or typed values from an API) as the intake parses a file's row 1."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise NotEditableError(unknown)
    frame = pd.DataFrame([dict(changes)], dtype=object)
    return parse_values(frame)


def _readable(values: pd.DataFrame, changes: Mapping[Any, Any]) -> dict[str, Any]:
    """The parsed values that were read (a value given but unreadable is left out: it is an error)."""
    out = {}
    for name in values.columns:
        value = _plain(values[name].iat[0])
        given = changes.get(name, changes.get("area_daa") if name == "area_m2" else None)
        if value is None and not is_blank(given):
            continue
        out[name] = value
    return out


def _check_area(record: Mapping[str, Any], geom: Any) -> list[Issue]:
    frame = pd.DataFrame([{"area_m2": record.get("area_m2")}], dtype=object)
    geoms = np.empty(1, dtype=object)
    geoms[0] = geom
    return check_area(frame, np.array([1]), geoms, np.array([False]))


def _stored(name: str, value: Any) -> Any:
    """The value the intake stores for a parsed value (its default when left empty)."""
    column = _column(name)
    return DEFAULTS[column] if value is None and column in DEFAULTS else value


def _errors(issues: list[Issue]) -> bool:
    return any(i.severity == ERROR for i in issues)


def _lock(session: Session, kommune_nr: str) -> None:
    """Serialise with the kommune's file loads (and other edits) until the transaction ends."""
    site_load.lock_kommune(session.connection(), kommune_nr)


def _require_live(row: Any, doing_en: str, doing_no: str) -> None:
    if row["status"] == "archived":
        raise SiteStateError(
            f"The site is archived; restore it before you {doing_en}. / "
            f"Området er arkivert; gjenopprett det før du {doing_no}."
        )


def _check_reference(session: Session, kommune_nr: str, reference: str | None, site_id: int | None) -> None:
    holder = store.live_reference_holder(session, kommune_nr, reference, other_than=site_id)
    if holder is not None and reference is not None:
        raise SiteConflictError(reference, int(holder["id"]), holder["name"])


# --- writing ---------------------------------------------------------------------------------------------


def update_site(
    engine: Engine,
    principal: Principal,
    site_id: int,
    changes: Mapping[str, Any],
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> UpdateResult:
    """Change some of a site's values (by catalogue name, as a form sends them); see the module's
    decisions. Errors raise `SiteInvalidError` and write nothing; warnings are returned.
    `expected_version`: the versions the caller read the site at (`StaleVersionError` when it has
    changed since; None: no check)."""
    with transaction(engine, actor=principal.actor) as session:
        return update_site_in(
            session, principal, site_id, changes, clock=clock, expected_version=expected_version
        )


def update_site_in(
    session: Session,
    principal: Principal,
    site_id: int,
    changes: Mapping[str, Any],
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> UpdateResult:
    """`update_site` inside the caller's transaction (a use case that changes a site among other things:
    a kommune's reply to an inquiry that corrects a fact)."""
    day = today(clock)
    row = _visible_site(session, principal, site_id)
    _lock(session, row["kommune_nr"])
    row = store.site(session, site_id, lock=True)
    assert row is not None  # sites are never deleted
    check_version(row["version"], expected_version)
    _require_live(row, "edit it", "endrer det")
    values, issues = _parse(changes)
    current = _record(row)
    given = _readable(values, changes)
    merged = {**current, **given}
    issues += validate_record(merged, today=day)
    issues += _check_area(merged, store.geometry(row))
    if _errors(issues):
        raise SiteInvalidError(issues)
    written = {
        name: _stored(name, value) for name, value in given.items() if _stored(name, value) != current[name]
    }
    for axis in KOMMUNE_AXES:
        # A form sends the stored dates back unchanged: only a date the edit changes counts as given.
        if axis.column in written and not {axis.verified_at, axis.verified_by} & set(written):
            written[axis.verified_at] = day
            written[axis.verified_by] = principal.actor
    written = {name: value for name, value in written.items() if value != current[name]}
    if not written:
        return UpdateResult(site_id, (), issues)
    if "reference" in written:
        _check_reference(session, row["kommune_nr"], written["reference"], site_id)
    store.update_columns(
        session, site_id, {**{_column(n): v for n, v in written.items()}, "updated_at": clock.now()}
    )
    return UpdateResult(site_id, tuple(written), issues)


def confirm_axis(engine: Engine, principal: Principal, site_id: int, axis: str, *, clock: Clock) -> dt.date:
    """ "This is still correct": renew one axis's verification (today, by the actor); return the date.

    `axis` is an axis name of `schemas.site.AXES` the kommune vouches for (maturity, power,
    availability, land_control); any other name is a ValueError (evidence is dated by the registry).
    """
    with transaction(engine, actor=principal.actor) as session:
        return confirm_axis_in(session, principal, site_id, axis, clock=clock)


def confirm_axis_in(
    session: Session, principal: Principal, site_id: int, axis: str, *, clock: Clock
) -> dt.date:
    """`confirm_axis` inside the caller's transaction."""
    found = AXES_BY_NAME.get(axis)
    if found is None or found not in KOMMUNE_AXES:
        names = ", ".join(a.name for a in KOMMUNE_AXES)
        raise ValueError(f"unknown axis {axis!r}; use one of {names}")
    day = today(clock)
    row = _visible_site(session, principal, site_id, lock=True)
    _require_live(row, "confirm it", "bekrefter det")
    if row[found.column] is None:
        raise SiteStateError(
            f"The site has no {found.name} value to confirm; fill it in first. / "
            f"Området har ingen verdi for {found.taxonomy.title_no.lower()} å bekrefte; "
            "fyll den inn først."
        )
    store.update_columns(
        session,
        site_id,
        {found.verified_at: day, found.verified_by: principal.actor, "updated_at": clock.now()},
    )
    return day


def _set_status(session: Session, site_id: int, status: str, clock: Clock) -> None:
    store.update_columns(session, site_id, {"status": status, "updated_at": clock.now()})


def _record_errors(row: Any, day: dt.date) -> list[Issue]:
    return [i for i in validate_record(_record(row), today=day) if i.severity == ERROR]


def publish(
    engine: Engine,
    principal: Principal,
    site_id: int,
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> StatusChange:
    """Draft → published, when the site has no error by the intake's rules (else SiteInvalidError)."""
    with transaction(engine, actor=principal.actor) as session:
        row = _visible_site(session, principal, site_id, lock=True)
        check_version(row["version"], expected_version)
        previous = row["status"]
        if previous == "published":
            return StatusChange(site_id, previous, previous)
        _require_live(row, "publish it", "publiserer det")
        if errors := _record_errors(row, today(clock)):
            raise SiteInvalidError(errors)
        _set_status(session, site_id, "published", clock)
        return StatusChange(site_id, previous, "published")


def archive(
    engine: Engine,
    principal: Principal,
    site_id: int,
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> StatusChange:
    """Draft or published → archived (kept, with its history; never deleted)."""
    with transaction(engine, actor=principal.actor) as session:
        row = _visible_site(session, principal, site_id, lock=True)
        check_version(row["version"], expected_version)
        previous = row["status"]
        if previous != "archived":
            _set_status(session, site_id, "archived", clock)
        return StatusChange(site_id, previous, "archived")


def restore(
    engine: Engine,
    principal: Principal,
    site_id: int,
    *,
    clock: Clock,
    expected_version: Sequence[str] | None = None,
) -> StatusChange:
    """Archived → the status it had when archived (draft when unknown, or when it now has an error);
    `SiteConflictError` when a live site of the kommune holds its reference."""
    with transaction(engine, actor=principal.actor) as session:
        row = _visible_site(session, principal, site_id)
        _lock(session, row["kommune_nr"])
        row = store.site(session, site_id, lock=True)
        assert row is not None
        check_version(row["version"], expected_version)
        if row["status"] != "archived":
            return StatusChange(site_id, row["status"], row["status"])
        _check_reference(session, row["kommune_nr"], row["reference"], site_id)
        status = store.status_before_archive(session, site_id) or "draft"
        if status not in ("draft", "published") or _record_errors(row, today(clock)):
            status = "draft"
        _set_status(session, site_id, status, clock)
        return StatusChange(site_id, "archived", status)


def create_site(
    engine: Engine,
    principal: Principal,
    kommune_nr: str,
    record: Mapping[str, Any],
    geometry_geojson_4326: Mapping[str, Any],
    *,
    clock: Clock,
) -> CreateResult:
    """A new draft of the kommune from form values (by catalogue name) and a GeoJSON outline in
    EPSG:4326 (RFC 7946, lon/lat): parsed, reprojected, repaired and checked exactly as a file's row
    (inside the kommune, overlaps with live sites, area), enriched as the intake enriches, inserted.

    A blank reference is made from the kommune number and the name, as the intake does (a warning).
    """
    require_editor_of(principal, kommune_nr)
    day = today(clock)
    values, issues = _parse({"reference": None, "name": None, "maturity": None, **record})
    rows = np.array([1])
    try:
        shape = shapely.geometry.shape(dict(geometry_geojson_4326))
    except Exception as exc:  # shapely raises several types for malformed GeoJSON; each means "unusable"
        raise SiteInvalidError(
            [*issues, make_issue("geometry-unrepairable", row=1, field="geometry", detail=str(exc)[:200])]
        ) from exc
    geometry = process_geometries(
        pd.Series([shape], dtype=object),
        declared=CRS.from_epsg(4326),
        rows=rows,
        area_m2=values.get("area_m2"),
    )
    issues += geometry.issues
    geoms, geom = geometry.geoms, geometry.geoms[0]
    with transaction(engine, actor=principal.actor) as session:
        if kommune_nr not in kommune_index(session).names:
            raise SiteInvalidError([make_issue("kommune-unknown", field="kommune_nr", value=kommune_nr)])
        _lock(session, kommune_nr)
        kommune_col = pd.Series([kommune_nr], dtype=object)
        issues += derive_references(values, rows, kommune_col, geoms, kommune_nr=kommune_nr)
        issues += validate_frame(values, rows, today=day)
        values["kommune_nr"] = kommune_col
        issues += check_area(values, rows, geoms, geometry.is_point_site)
        outline = reference_store.kommune_outline(session.connection(), kommune_nr)
        if outline is not None:
            issues += check_within_kommune(geoms, rows, kommune_col, {kommune_nr: outline})
        if geom is not None:
            issues += check_duplicate_sites(
                store.overlaps(session, geom, kommune_nr=kommune_nr, other_than=None)
            )
        if _errors(issues) or geom is None:
            raise SiteInvalidError(issues)
        parsed = {name: _plain(values[name].iat[0]) for name in values.columns if name in RECORD_FIELDS}
        _check_reference(session, kommune_nr, parsed.get("reference"), None)
        enriched = enrich(session.connection(), geoms)
        columns = {_column(name): _stored(name, value) for name, value in parsed.items()}
        # the nearest substation and the four logistics distances, as the file intake writes them
        columns.update({name: _plain(value[0]) for name, value in enriched.columns().items()})
        site_id = store.insert_site(
            session, columns, geom, status="draft", created_at=clock.now(), logistics_method=METHOD
        )
        return CreateResult(site_id, issues)


# --- the Excel round trip --------------------------------------------------------------------------------


def _template_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A site as one row of the submission template: the catalogue's columns and its outline as EWKT."""
    out: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name == "area_daa":
            continue
        value = _plain(row[_column(spec.name)])
        if isinstance(value, list):
            value = (";" if spec.kind == "codes" else " ").join(value) or None
        out[spec.name] = value
    out["wkt"] = f"SRID=25833;{shapely.to_wkt(store.geometry(row), rounding_precision=-1)}"
    return out


def our_sites_workbook(session: Session, principal: Principal, kommune_nr: str, *, lang: str = "no") -> bytes:
    """The Excel submission template filled with the kommune's live sites (draft and published), one row
    per site, in the columns and codes the intake reads, the outline as EWKT in EPSG:25833 at full
    precision. Submitted again unedited (without replace), it changes no site.

    Known limit: Excel keeps at most 32 767 characters in a cell; an outline with more (roughly 800+
    vertices) survives openpyxl and the intake, but is not safe to open and save in Excel itself.
    """
    require_editor_of(principal, kommune_nr)
    rows = [_template_row(r) for r in store.live_sites_with_outline(session, kommune_nr)]
    from etl import template  # imported here: openpyxl is needed by this download only

    return template.filled_xlsx_bytes(rows, lang=lang)
