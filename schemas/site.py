"""The site record, declared once.

Every column of a site (næringsareal) is declared here with its labels, where its value comes from, the
default the loader writes, and where the API shows it. The loader's COPY columns and defaults, the
typed API schema (`schemas.api.SiteSummary`, `SiteDetail`), the API's and the map's properties
(`site_properties`), the export's columns and the verification rule (`is_unverified`, `is_stale`,
`site_verification`) all derive from this module; the submission catalogue (`schemas.fields`) supplies
the labels of what a kommune submits, and `schemas.taxonomy` every coded value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from schemas.fields import FIELDS_BY_NAME
from schemas.taxonomy import (
    AVAILABILITY,
    EVIDENCE,
    LAND_CONTROL,
    LOGISTICS_KIND,
    MATURITY,
    MAX_AGE_DAYS,
    POWER,
    SITE_STATUS,
    Taxonomy,
)

# Where a value comes from: the kommune's file, the registry's enrichment from reference layers, the
# database (generated columns), or the registry's own bookkeeping.
Origin = Literal["submitted", "enriched", "computed", "system"]
# Where the API shows a field: in every feature ("summary"), only in a site's passport ("detail"), or
# nowhere ("internal"). Provenance fields are shown in the passport under "provenance".
Shown = Literal["summary", "detail", "internal"]
# How far a fact can be relied on: verified within its axis's maximum age ("current"), verified longer ago
# ("stale"), or never verified at all ("unverified").
VerificationState = Literal["current", "unverified", "stale"]


@dataclass(frozen=True)
class Axis:
    """One dated fact of a site: a coded value, when it was verified and by whom, and how long it lasts."""

    name: str  # key in the API's properties
    column: str  # the code column of `site`
    taxonomy: Taxonomy
    prefix: str  # of the *_verified_at / *_verified_by columns
    # Whether a stale or unverified value makes the whole site stale or unverified. Evidence describes how
    # the other facts are documented; the registry, not the kommune, dates it, so it does not.
    counts_for_site: bool = True

    @property
    def max_age_days(self) -> int:
        """Days a verification lasts on this axis (set per axis in `schemas.taxonomy.MAX_AGE_DAYS`)."""
        return MAX_AGE_DAYS[self.taxonomy.name]

    @property
    def vouched_by_kommune(self) -> bool:
        """Whether a kommune's file dates this axis (the catalogue, hence the template, has its column)."""
        return self.verified_at in FIELDS_BY_NAME

    @property
    def verified_at(self) -> str:
        return f"{self.prefix}_verified_at"

    @property
    def verified_by(self) -> str:
        return f"{self.prefix}_verified_by"


AXES: tuple[Axis, ...] = (
    Axis("maturity", "maturity", MATURITY, "maturity"),
    Axis("power", "power_status", POWER, "power"),
    Axis("availability", "availability", AVAILABILITY, "availability"),
    Axis("land_control", "land_control", LAND_CONTROL, "land_control"),
    Axis("evidence", "evidence", EVIDENCE, "evidence", counts_for_site=False),
)
AXES_BY_NAME: dict[str, Axis] = {a.name: a for a in AXES}


@dataclass(frozen=True)
class SiteField:
    """One column of `site`."""

    name: str  # the column
    label_no: str
    label_en: str
    type: Any  # the value's Python type in the API
    origin: Origin
    shown: Shown = "summary"
    default: Any = None  # what the loader writes when a file leaves the value empty
    taxonomy: Taxonomy | None = None  # coded values are served as {code, label_no, label_en}
    group: str | None = None  # served inside this object of the properties (an axis, "provenance")
    key: str | None = None  # the key inside `group` (or at the top) when it differs from the column

    @property
    def api_key(self) -> str:
        return self.key or self.name


def _submitted(
    name: str,
    *,
    column: str | None = None,
    shown: Shown = "summary",
    default: Any = None,
    group: str | None = None,
    key: str | None = None,
    type_: Any = None,
) -> SiteField:
    """A site column filled from the submission field `name` (labels and code list from the catalogue)."""
    spec = FIELDS_BY_NAME[name]
    py = (
        type_
        or {
            "text": str,
            "url": str,
            "kommune_nr": str,
            "float": float,
            "int": int,
            "date": dt.date,
            "code": str,
            "codes": list[str],
            "urls": list[str],
        }[spec.kind]
    )
    return SiteField(
        column or name,
        spec.label_no,
        spec.label_en,
        py,
        "submitted",
        shown,
        default,
        spec.taxonomy,
        group,
        key,
    )


def _axis_columns(axis: Axis, *, shown: Shown = "summary", default: Any = None) -> tuple[SiteField, ...]:
    """The code column and its verification columns, served inside the axis's object."""
    return (
        _submitted(axis.column, shown=shown, default=default, group=axis.name, key="code"),
        _submitted(axis.verified_at, group=axis.name, key="verified_at"),
        _submitted(axis.verified_by, group=axis.name, key="verified_by"),
    )


def _logistics_columns() -> tuple[SiteField, ...]:
    """Per logistics kind: the nearest node, the straight-line distance to it and the precision of the node's
    position, computed by the registry (`registry.enrich`). They are columns of the site, not child rows: a
    100k-site file wrote 400 000 rows with two foreign keys each (issue 12). Served through the view
    `site_logistics`, one row per kind (migration 0010), and never in the history (derived values)."""
    out: list[SiteField] = []
    for t in LOGISTICS_KIND.terms:
        out += [
            SiteField(f"{t.code}_node_id", t.label_no, t.label_en, int, "enriched", "internal"),
            SiteField(
                f"{t.code}_distance_km",
                f"Avstand {t.label_no.lower()} (km)",
                f"Distance {t.label_en.lower()} (km)",
                float,
                "enriched",
                "internal",
            ),
            SiteField(
                f"{t.code}_precision_km",
                f"Presisjon {t.label_no.lower()} (km)",
                f"Precision {t.label_en.lower()} (km)",
                float,
                "enriched",
                "internal",
            ),
        ]
    return tuple(out)


SITE_FIELDS: tuple[SiteField, ...] = (
    SiteField("id", "ID", "ID", int, "system"),
    _submitted("kommune_nr"),
    _submitted("name"),
    _submitted("reference"),
    SiteField("area_m2", "Areal (m²)", "Area (m²)", float, "computed"),
    _submitted("area_m2", column="area_m2_submitted"),
    _submitted("uses", default=[]),
    _submitted("use_text"),
    _submitted("ownership_text", shown="detail"),
    _submitted("price_nok_per_m2", shown="detail"),
    _submitted("price_terms", shown="detail"),
    _submitted("plan_id", shown="detail"),
    _submitted("plan_status", shown="detail"),
    _submitted("description_no", shown="detail"),
    _submitted("description_en", shown="detail"),
    _submitted("links", shown="detail", default=[]),
    *_axis_columns(AXES_BY_NAME["maturity"]),
    *_axis_columns(AXES_BY_NAME["power"], default="E0"),
    _submitted("power_mw_now", group="power", key="mw_now"),
    _submitted("power_mw_future", group="power", key="mw_future"),
    _submitted("power_future_year", group="power", key="future_year"),
    _submitted("power_reserved_until", group="power", key="reserved_until"),
    _submitted("grid_company", group="power"),
    SiteField("power_le_5mw", "Inntil 5 MW", "Up to 5 MW", bool, "computed", group="power", key="le_5mw"),
    *_axis_columns(AXES_BY_NAME["availability"], default="not_on_market"),
    *_axis_columns(AXES_BY_NAME["land_control"]),
    _submitted("evidence", default="self_reported", group="evidence", key="code"),
    _submitted("evidence_url", shown="detail"),
    SiteField(
        "evidence_verified_at",
        "Dokumentasjon verifisert dato",
        "Evidence verified on",
        dt.date,
        "system",
        group="evidence",
        key="verified_at",
    ),
    SiteField(
        "evidence_verified_by",
        "Dokumentasjon verifisert av",
        "Evidence verified by",
        str,
        "system",
        group="evidence",
        key="verified_by",
    ),
    SiteField(
        "nearest_substation_id",
        "Nærmeste transformatorstasjon",
        "Nearest substation",
        int,
        "enriched",
        group="power",
    ),
    SiteField(
        "substation_distance_km",
        "Avstand transformatorstasjon (km)",
        "Substation distance (km)",
        float,
        "enriched",
        group="power",
    ),
    *_logistics_columns(),
    SiteField("logistics_method", "Avstandsmetode", "Distance method", str, "system", "internal"),
    SiteField(
        "logistics_computed_at", "Avstander beregnet", "Distances computed", dt.datetime, "system", "internal"
    ),
    SiteField("status", "Status", "Status", str, "system", taxonomy=SITE_STATUS),
    SiteField("is_demo", "Demodata", "Demo data", bool, "system"),
    SiteField("submission_id", "Innsending", "Submission", int, "system", "detail", group="provenance"),
    SiteField("source_row", "Rad i filen", "Row in the file", int, "system", "detail", group="provenance"),
    SiteField("file_hash", "Filens sjekksum", "File checksum", str, "system", "detail", group="provenance"),
    SiteField("created_at", "Opprettet", "Created", dt.datetime, "system", "detail"),
    SiteField("updated_at", "Endret", "Updated", dt.datetime, "system"),
)
FIELDS_BY_COLUMN: dict[str, SiteField] = {f.name: f for f in SITE_FIELDS}

# What the intake writes into `site`, in COPY order: the submitted and the enriched columns.
LOADED_COLUMNS: tuple[str, ...] = tuple(f.name for f in SITE_FIELDS if f.origin in ("submitted", "enriched"))
# The loader's defaults for values a file leaves empty (the database has the same server defaults).
DEFAULTS: dict[str, Any] = {f.name: f.default for f in SITE_FIELDS if f.default is not None}
ARRAY_COLUMNS: tuple[str, ...] = tuple(f.name for f in SITE_FIELDS if f.type == list[str])
# The columns the region map's popups need, beside the staleness columns.
MAP_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kommune_nr",
    "area_m2",
    "maturity",
    "power_status",
    "power_mw_now",
    "availability",
    "is_demo",
)
# The columns a site's summary (a search result) is built from: the fields it shows and every axis's value
# and verification date (its state is shown).
SUMMARY_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "id",
            "kommune_nr",
            "area_m2",
            *(f.name for f in SITE_FIELDS if f.shown == "summary"),
            *(c for a in AXES for c in (a.column, a.verified_at)),
        )
    )
)
STALENESS_COLUMNS: tuple[str, ...] = tuple(
    c for a in AXES if a.counts_for_site for c in (a.column, a.verified_at)
)


def is_unverified(verified_at: dt.date | None) -> bool:
    """Whether a fact has never been verified: it carries no verification date."""
    return verified_at is None


def is_stale(verified_at: dt.date | None, axis: Axis, *, today: dt.date | None = None) -> bool:
    """Whether a verified fact is older than its axis's maximum age; an unverified fact is not stale."""
    if verified_at is None:
        return False
    return ((today or dt.date.today()) - verified_at).days > axis.max_age_days


def axis_state(
    record: Mapping[Any, Any], axis: Axis, *, today: dt.date | None = None
) -> VerificationState | None:
    """The verification state of one axis of a site row, or None when the axis has no value to vouch for."""
    if record[axis.column] is None:
        return None
    verified_at = record[axis.verified_at]
    if is_unverified(verified_at):
        return "unverified"
    return "stale" if is_stale(verified_at, axis, today=today) else "current"


def site_verification(
    record: Mapping[Any, Any], *, today: dt.date | None = None
) -> dict[VerificationState, list[Axis]]:
    """The axes of a site row that count for the site, by verification state (valueless ones left out)."""
    out: dict[VerificationState, list[Axis]] = {"current": [], "unverified": [], "stale": []}
    for axis in AXES:
        state = axis_state(record, axis, today=today) if axis.counts_for_site else None
        if state is not None:
            out[state].append(axis)
    return out


def state_of(*, stale: bool, unverified: bool) -> VerificationState:
    """A site's one state from its two flags (`site_properties`): a stale fact outweighs an unverified one."""
    if stale:
        return "stale"
    return "unverified" if unverified else "current"


def term(taxonomy: Taxonomy, code: str | None) -> dict[str, Any] | None:
    """A coded value as the API serves it: code with both labels."""
    if code is None:
        return None
    return {"code": code, "label_no": taxonomy.label(code, "no"), "label_en": taxonomy.label(code, "en")}


@dataclass(frozen=True)
class _Shown:
    """How one field is shown, worked out once: where it goes and how its value is turned."""

    name: str
    group: str | None
    key: str
    taxonomy: Taxonomy | None  # set when served as {code, label_no, label_en} (or a list of them)
    is_list: bool


def _shown(detail: bool) -> tuple[_Shown, ...]:
    levels = ("summary", "detail") if detail else ("summary",)
    return tuple(
        _Shown(f.name, f.group, f.api_key, f.taxonomy if f.key != "code" else None, f.type == list[str])
        for f in SITE_FIELDS
        if f.shown in levels
    )


# The fields the API shows, in the record's order: at summary level, and at detail level.
_SHOWN: dict[bool, tuple[_Shown, ...]] = {False: _shown(False), True: _shown(True)}
# Terms by (taxonomy, code), built on first use: a coded value is served as a fresh copy of its term.
_TERMS: dict[tuple[str, str], dict[str, Any]] = {}


def _term_of(taxonomy: Taxonomy, code: str) -> dict[str, Any]:
    found = _TERMS.get((taxonomy.name, code))
    if found is None:
        found = _TERMS[(taxonomy.name, code)] = term(taxonomy, code) or {}
    return dict(found)


def _shown_value(spec: _Shown, value: Any) -> Any:
    """A stored value as the API serves it: coded values as terms, dates as ISO text, lists as lists."""
    if value is None:
        return [] if spec.is_list else None
    if spec.taxonomy is not None:
        if isinstance(value, list | tuple):
            return [_term_of(spec.taxonomy, c) for c in value]
        return _term_of(spec.taxonomy, value)
    if isinstance(value, str | int | float | bool | list):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def site_properties(
    record: Mapping[Any, Any], *, detail: bool = False, today: dt.date | None = None
) -> dict[str, Any]:
    """A site row (mapping of `site` columns) as the API's properties, grouped as declared.

    `today` judges staleness (the clock's date in the region; the machine's date when not given).
    """
    values = record if isinstance(record, dict) else dict(record)
    day = today or dt.date.today()
    props: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for spec in _SHOWN[detail]:
        if spec.name not in values:
            continue
        if spec.group:
            target = groups.get(spec.group)
            if target is None:
                target = groups[spec.group] = props[spec.group] = {}
        else:
            target = props
        target[spec.key] = _shown_value(spec, values[spec.name])
    unverified = stale = False
    for axis in AXES:
        group = props[axis.name]
        code = group.get("code")
        state = axis_state(values, axis, today=day)
        if code:
            group["label_no"] = axis.taxonomy.label(code, "no")
            group["label_en"] = axis.taxonomy.label(code, "en")
        group["max_age_days"] = axis.max_age_days
        group["unverified"] = state == "unverified"
        group["stale"] = state == "stale"
        if axis.counts_for_site:
            unverified = unverified or state == "unverified"
            stale = stale or state == "stale"
    area = float(values["area_m2"])
    props["area_m2"] = round(area, 1)
    props["area_daa"] = round(area / 1000.0, 2)
    props["area_ha"] = round(area / 10_000.0, 3)
    props["unverified"] = unverified
    props["stale"] = stale
    return props
