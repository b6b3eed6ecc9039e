"""API response schemas (pydantic). Sites are GeoJSON features in CRS84 (RFC 7946)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from schemas.site import AXES_BY_NAME, SITE_FIELDS, SiteField
from schemas.taxonomy import MATURITY, POWER, Taxonomy


def code_enum(name: str, tax: Taxonomy) -> type[Enum]:
    """A str Enum of a taxonomy's codes, so OpenAPI lists the allowed values."""
    return Enum(name, {c: c for c in tax.codes}, type=str)  # type: ignore[return-value]


MaturityCode = code_enum("MaturityCode", MATURITY)
PowerCode = code_enum("PowerCode", POWER)


class Health(BaseModel):
    """Liveness: the process answers (no database call)."""

    status: Literal["ok"]


class ReadinessCheck(BaseModel):
    ok: bool
    detail: dict[str, str | float | bool | None]


class Readiness(BaseModel):
    """Readiness: database reachable, migrations at head, replica lag under its limit (when configured)."""

    status: Literal["ready", "not-ready"]
    failed: list[str] = Field(description="The checks that failed: database, migrations, replica")
    checks: dict[str, ReadinessCheck]


class Term(BaseModel):
    code: str
    label_no: str
    label_en: str


class Substation(BaseModel):
    name: str
    grid_company: str
    available_cons_mw: float | None
    reserved_cons_mw: float | None
    available_prod_mw: float | None
    capacity_date: str | None
    caveat: str | None


class Contact(BaseModel):
    """The kommune's first one-door-in contact, beside a site."""

    name: str | None = None
    role: str | None
    email: str | None
    phone: str | None
    response_hours: int | None = Field(description="First response promised, in working hours")
    profile_complete: bool = Field(
        description="The kommune's profile has a contact with an e-mail address or a phone number"
    )


class LogisticsDistance(BaseModel):
    kind: Term
    name: str
    road: str | None = Field(
        default=None, description="The road the node lies on (E6, E18, Rv4 …), for main road access"
    )
    distance_km: float
    precision_km: float
    code: str | None = None
    method: str | None = None
    node_note: str | None = None
    node_source: str | None = None


def _api_type(f: SiteField) -> Any:
    """The type a field of the site record has in the API's properties."""
    if f.taxonomy is not None and f.api_key != "code":
        return list[Term] if f.type == list[str] else Term | None
    if f.type in (dt.date, dt.datetime):
        return str | None  # ISO 8601, as stored
    if f.type == list[str]:
        return list[str]
    return f.type | None


def _model(name: str, fields: list[SiteField], base: type[BaseModel] = BaseModel, **extra: Any) -> Any:
    spec: dict[str, Any] = {f.api_key: (_api_type(f), ...) for f in fields}
    return create_model(name, __base__=base, **spec, **extra)


def _properties(name: str, *, detail: bool) -> Any:
    """The typed properties of a site feature, built from the one site record (schemas.site)."""
    shown = [f for f in SITE_FIELDS if f.shown == "summary" or (detail and f.shown == "detail")]
    groups: dict[str, Any] = {}
    for group in dict.fromkeys(f.group for f in shown if f.group):
        members = [f for f in shown if f.group == group]
        title = "".join(part.capitalize() for part in group.split("_"))
        extra: dict[str, Any] = {}
        if group in AXES_BY_NAME:
            extra = {
                "label_no": (str | None, None),
                "label_en": (str | None, None),
                "max_age_days": (int, Field(description="Days a verification of this fact lasts")),
                "unverified": (bool, Field(description="The fact has a value but no verification date")),
                "stale": (
                    bool,
                    Field(
                        description="The fact was verified longer ago than max_age_days (not when unverified)"
                    ),
                ),
            }
            if group == "power" and detail:
                extra["nearest_substation"] = (Substation | None, None)
        groups[group] = _model(f"{title}{'Detail' if detail else 'Summary'}", members, **extra)
    top = [f for f in shown if not f.group]
    extra = {
        **{g: (model, ...) for g, model in groups.items()},
        "kommune_name": (str, ...),
        "regionraad": (str | None, ...),
        "area_daa": (float, Field(description="Area in dekar (1,000 m²)")),
        "area_ha": (float, ...),
        "unverified": (bool, Field(description="Some fact of the site has a value but no verification date")),
        "stale": (
            bool,
            Field(description="Some fact of the site was verified longer ago than its axis allows"),
        ),
        "contact": (Contact, ...),
    }
    if detail:
        extra["logistics"] = (list[LogisticsDistance], ...)
    return _model(name, top, **extra)


SiteSummaryProperties = _properties("SiteSummaryProperties", detail=False)
SiteProperties = _properties("SiteProperties", detail=True)


class SiteFeature(BaseModel):
    """A site in a search result."""

    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: SiteSummaryProperties  # type: ignore[valid-type]


class SiteDetail(BaseModel):
    """A site's passport: every field of the site record, with logistics and the nearest substation."""

    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: SiteProperties  # type: ignore[valid-type]


class SearchNote(BaseModel):
    """How a filter value was read, e.g. a pre-2024 kommune number searched as its 2024 successor."""

    parameter: str
    given: str
    used: str
    message_no: str
    message_en: str


class SiteCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SiteFeature]
    total: int = Field(description="Sites matching the filters, over all pages (see total_exact)")
    total_exact: bool = Field(
        default=True, description="False when total is the planner's estimate (many matches)"
    )
    limit: int
    offset: int
    next: str | None = Field(default=None, description="URL of the next page, if any")
    notes: list[SearchNote] = Field(default_factory=list, description="How filter values were read")
    attribution: list[str]


class ProfileContact(BaseModel):
    """One contact of a kommune's one-door-in profile."""

    name: str | None
    role: str | None
    email: str | None
    phone: str | None


class LabourFigure(BaseModel):
    """A competence or labour figure of a kommune, with its source and year."""

    label_no: str | None
    label_en: str | None
    value: float
    unit: str | None
    source: str
    year: int


class ResponsePromise(BaseModel):
    """The promised first response in words, e.g. "1 arbeidsdag og 4 timer" / "1 working day and 4 hours"."""

    no: str
    en: str


class ReferenceCluster(BaseModel):
    """A cluster of the reference table hosted in the kommune."""

    name: str
    sector: str | None
    programme_level: str | None
    host_city: str | None
    website: str | None
    source_url: str | None
    source_date: str | None


class OneDoorIn(BaseModel):
    contact_role: str | None = Field(description="The first contact's role (see `contacts` for all)")
    contact_name: str | None = Field(description="The first contact's name")
    email: str | None = Field(description="The first contact's e-mail address")
    phone: str | None = Field(description="The first contact's phone number")
    response_hours: int | None = Field(description="First response promised, in working hours")
    pitch_no: str | None
    pitch_en: str | None
    competence_no: str | None
    competence_en: str | None
    labour_figures: list[LabourFigure] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list, description="Clusters the kommune names")
    verified_at: str | None
    is_demo: bool


class Kommune(BaseModel):
    nr: str
    name: str
    fylke_nr: str
    fylke_name: str
    regionraad: str | None
    is_member: bool
    membership_note: str | None
    one_door_in: OneDoorIn | None
    contacts: list[ProfileContact] = Field(description="The one-door-in contacts, in the kommune's order")
    contact: ProfileContact | None = Field(description="The first contact (the one shown where one fits)")
    profile_complete: bool = Field(
        description="A contact with an e-mail address or a phone number is given; else shown as incomplete"
    )
    response_promise: ResponsePromise | None = Field(
        description="The promised first response in working days (8 hours) and hours"
    )
    published_sites: int
    published_area_m2: float


class KommuneProfile(BaseModel):
    """A kommune's one-door-in profile as the kommune edits it ("Min kommune")."""

    kommune_nr: str
    kommune_name: str
    contacts: list[ProfileContact]
    complete: bool
    response_hours: int | None
    response_promise: ResponsePromise | None
    working_day_hours: int
    pitch_no: str | None
    pitch_en: str | None
    competence_no: str | None
    competence_en: str | None
    labour_figures: list[LabourFigure]
    clusters: list[str]
    reference_clusters: list[ReferenceCluster]
    verified_at: str | None
    updated_at: str | None
    is_demo: bool


class KommuneList(BaseModel):
    kommuner: list[Kommune]
    attribution: list[str]


class MeKommune(BaseModel):
    nr: str
    name: str | None


class Me(BaseModel):
    """The caller: e-mail, role (editor or admin), how they signed in, the kommuner they may edit."""

    email: str | None
    name: str | None
    role: str | None
    via: str | None = Field(description="session (browser) or token (API token)")
    kommuner: list[MeKommune]


class Problem(BaseModel, extra="allow"):
    """An error (application/problem+json, RFC 9457; docs/api.md). Some carry more members: `errors` (the
    invalid parameters or fields), `unknown` and `allowed` (unknown query parameters)."""

    type: str = Field(description="/problems/{slug}, e.g. /problems/invalid-parameters")
    title: str = Field(description="In English and Norwegian")
    status: int
    detail: str = Field(description="In English and Norwegian")
    instance: str = Field(description="The path of the request")


# --- writes ------------------------------------------------------------------------------------------------

WriteValue = str | float | int | bool | list[str] | None


class SiteCreate(BaseModel):
    """A new site as a GeoJSON Feature: the outline in CRS84 (lon/lat) and the values by the submission
    template's field names (`kommune_nr` required; the others as in the template: name, maturity, …)."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] = Field(description="A Polygon or MultiPolygon in CRS84 (RFC 7946)")
    properties: dict[str, WriteValue] = Field(
        description="Values by the template's field names, with `kommune_nr`; codes as in the template"
    )


class WriteIssue(BaseModel):
    """A warning about a written value (errors refuse the write: 400 invalid-fields)."""

    field: str | None
    code: str = Field(description="The issue's slug, as in the file intake's report")
    message_no: str
    message_en: str
    fix_no: str
    fix_en: str


class SiteWritten(BaseModel):
    """The site after a write, what the write changed (field names) and any warnings."""

    site: SiteDetail
    changed: list[str] = Field(default_factory=list)
    status_before: str | None = Field(default=None, description="For publish / archive / restore")
    warnings: list[WriteIssue] = Field(default_factory=list)


class FieldChange(BaseModel):
    field: str
    label_no: str
    label_en: str
    before: Any = None
    after: Any = None


class HistoryEntry(BaseModel):
    """One change of a site: when, by whom, what it was and which fields it changed."""

    id: int
    at: str = Field(description="When, ISO 8601 with offset")
    by: str | None = Field(description="Who: the signed-in person's address, or the command line")
    action: Literal["insert", "update", "publish", "unpublish", "archive", "restore", "delete"]
    geometry_changed: bool
    changes: list[FieldChange]


class SiteHistory(BaseModel):
    site_id: int
    kommune_nr: str
    total: int
    limit: int
    offset: int
    entries: list[HistoryEntry]


class ProfileWrite(BaseModel):
    """A kommune's one-door-in profile as it is written (the whole profile: what is left out is emptied)."""

    contacts: list[dict[str, str | None]] = Field(
        default_factory=list, description="Each with name, role, email, phone"
    )
    response_hours: int | str | None = Field(
        default=None, description="First response promised, working hours"
    )
    pitch_no: str | None = None
    pitch_en: str | None = None
    competence_no: str | None = None
    competence_en: str | None = None
    labour_figures: list[dict[str, str | float | int | None]] = Field(
        default_factory=list, description="Each with label_no, label_en, value, unit, source, year"
    )
    clusters: list[str] = Field(default_factory=list)
