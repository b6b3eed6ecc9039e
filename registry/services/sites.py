"""Use cases: search sites and read one site's passport — GeoJSON features in CRS84 (RFC 7946).

Who sees what is decided here: the public sees published sites only (drafts and archived sites are
404, never a hint that they exist). Properties come from the one site record (`schemas.site`).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
import shapely.geometry
from sqlalchemy.orm import Session

from registry.services.access import Principal
from registry.services.kommuner import resolve_kommune
from registry.store import kommuner as kommune_store
from registry.store import sites as store
from registry.store.criteria import DISTANCE_NAMES
from registry.store.sites import EXACT_TOTAL_MAX, SORTS, SiteFilter, Total
from schemas.profile import first_contact, is_complete
from schemas.site import site_properties, term
from schemas.taxonomy import LOGISTICS_KIND, SITE_STATUS

__all__ = [
    "DISTANCE_NAMES",
    "EXACT_TOTAL_MAX",
    "PUBLIC",
    "SORTS",
    "NodePlace",
    "SiteFilter",
    "SiteSearch",
    "UnknownKommuneError",
    "UnknownRegionraadError",
    "VersionedSite",
    "all_sites",
    "get_site",
    "list_sites",
    "read_site",
    "search_sites",
    "sites_csv",
]

PUBLIC: tuple[str, ...] = ("published",)


def _joined(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The kommune and its first contact beside a site (not columns of the site record)."""
    return {
        "kommune_name": row["kommune_name"],
        "regionraad": row["regionraad"],
        "contact": {
            **first_contact(row["contacts"]),
            "response_hours": row["response_hours"],
            "profile_complete": is_complete(row["contacts"]),
        },
    }


def _feature(
    row: Mapping[Any, Any],
    *,
    detail: bool = False,
    today: dt.date | None = None,
    joined: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A site row as a GeoJSON feature; `joined`: its kommune's part when already worked out (a page)."""
    props = {**site_properties(row, detail=detail, today=today), **(joined or _joined(row)), **extra}
    return {"type": "Feature", "id": row["id"], "geometry": orjson.loads(row["geojson"]), "properties": props}


def _page_features(rows: Sequence[Mapping[Any, Any]], *, today: dt.date | None) -> list[dict[str, Any]]:
    """Rows of a page as features; each kommune's part (name, contact) is worked out once per page."""
    by_kommune: dict[str, dict[str, Any]] = {}
    out = []
    for row in rows:
        joined = by_kommune.get(row["kommune_nr"])
        if joined is None:
            joined = by_kommune[row["kommune_nr"]] = _joined(row)
        out.append(_feature(row, today=today, joined=joined))
    return out


def _logistics_item(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "kind": term(LOGISTICS_KIND, row["kind"]),
        "name": row["name"],
        "road": row["road"],
        "distance_km": row["distance_km"],
        "precision_km": row["precision_km"],
    }


def list_sites(
    session: Session,
    *,
    filters: SiteFilter,
    limit: int,
    offset: int,
    sort: str = "kommune",
    today: dt.date | None = None,
) -> tuple[list[dict[str, Any]], Total]:
    """Return one page of sites as GeoJSON features, and the total matching the filters."""
    rows, total = store.search(session, filters, limit=limit, offset=offset, sort=sort)
    return _page_features(rows, today=today), total


class UnknownKommuneError(LookupError):
    """A kommune number that is neither a 2024 number nor a 2020–2023 one."""


class UnknownRegionraadError(LookupError):
    """A regionråd name no kommune belongs to; `known` lists the names there are."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known


@dataclass(frozen=True)
class SiteSearch:
    """One page of a search: features, how many match in all (exact, or an estimate beyond
    `EXACT_TOTAL_MAX`), and notes on how filters were read."""

    features: list[dict[str, Any]]
    total: int
    notes: list[dict[str, str]] = field(default_factory=list)
    total_exact: bool = True


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def search_sites(
    session: Session,
    *,
    filters: SiteFilter,
    limit: int = 100,
    offset: int = 0,
    sort: str = "kommune",
    verified_within_months: int | None = None,
    today: dt.date | None = None,
) -> SiteSearch:
    """Search sites; a 2020–2023 kommune number searches its primary 2024 successor, with a note.

    `verified_within_months`: every fact of the site with a value verified within that many months
    before `today`. A sort by distance needs `near` (ValueError otherwise).
    """
    notes = []
    kommuner = []
    for nr in dict.fromkeys((*filters.kommuner, *((filters.kommune,) if filters.kommune else ()))):
        found = resolve_kommune(session, nr)
        if found is None:
            raise UnknownKommuneError(nr)
        if found.renumbered:
            notes.append({"parameter": "kommune", **found.note()})
        kommuner.append(found.nr)
    filters = replace(filters, kommune=None, kommuner=tuple(dict.fromkeys(kommuner)))
    if filters.regionraad:
        known = kommune_store.regionraad_names(session)
        for name in filters.regionraad:
            if name not in known:
                raise UnknownRegionraadError(name, known)
    if verified_within_months is not None:
        if today is None:
            raise ValueError("verified_within_months needs today (the clock's date in Norway)")
        since = months_before(today, verified_within_months)
        filters = replace(filters, verified_since=since)
    features, total = list_sites(session, filters=filters, limit=limit, offset=offset, sort=sort, today=today)
    return SiteSearch(features=features, total=total.count, notes=notes, total_exact=total.exact)


@dataclass(frozen=True)
class NodePlace:
    """Where one of a site's nearest nodes lies (CRS84), for the site's map; not in the API."""

    role: str  # "logistics" or "substation"
    kind_no: str
    kind_en: str
    name: str
    lon: float
    lat: float
    distance_km: float | None


@dataclass(frozen=True)
class VersionedSite:
    """A site's passport and the version it was read at (the API's ETag); `nodes`: where its nearest
    logistics nodes and substation lie."""

    feature: dict[str, Any]
    version: str
    nodes: tuple[NodePlace, ...] = ()


def read_site(
    session: Session, principal: Principal, site_id: int, *, today: dt.date | None = None
) -> VersionedSite | None:
    """One site's passport as `principal` may read it: a published site for anyone; a draft or archived
    one for its kommune's editors and the secretariat (None for anyone else: it is not public)."""
    row = store.get(session, site_id, statuses=SITE_STATUS.codes)
    if row is None:
        return None
    if row["status"] not in PUBLIC and not principal.may_see_private(row["kommune_nr"]):
        return None
    feature = _passport(session, row, today=today)
    return VersionedSite(feature, row["version"], _node_places(row, feature))


def _node_places(row: Mapping[Any, Any], feature: dict[str, Any]) -> tuple[NodePlace, ...]:
    """The places of a passport row's nodes: logistics by kind, then the substation."""
    places = [
        NodePlace(
            "logistics",
            LOGISTICS_KIND.label(r["kind"], "no") or r["kind"],
            LOGISTICS_KIND.label(r["kind"], "en") or r["kind"],
            r["name"],
            r["lon"],
            r["lat"],
            r["distance_km"],
        )
        for r in row["logistics"]
    ]
    sub = row["substation"]
    if sub is not None:
        power = feature["properties"]["power"]
        places.append(
            NodePlace(
                "substation",
                "Transformatorstasjon",
                "Substation",
                sub["name"],
                sub["lon"],
                sub["lat"],
                power.get("substation_distance_km"),
            )
        )
    return tuple(places)


def get_site(session: Session, site_id: int, *, statuses: tuple[str, ...] = PUBLIC) -> dict[str, Any] | None:
    """One site's passport as a GeoJSON feature, or None when not visible."""
    row = store.get(session, site_id, statuses=statuses)
    if row is None:
        return None
    return _passport(session, row)


def _passport(session: Session, row: Mapping[Any, Any], *, today: dt.date | None = None) -> dict[str, Any]:
    """A passport row (`store.get`) as a feature with its logistics and nearest substation."""
    logistics = [
        {
            **_logistics_item(r),
            "code": r["code"],
            "method": r["method"],
            "node_note": r["note"],
            "node_source": r["coord_source"],
        }
        for r in row["logistics"]
    ]
    feature = _feature(row, detail=True, today=today, logistics=logistics)
    sub = row["substation"]
    if sub is not None:
        # The published capacity as the passport's statement selects it (store.get: name, grid company,
        # MW available, reserved and for production, their date, the caveat).
        # Its place is for the site's map (`VersionedSite.nodes`), not a property.
        shown = {k: v for k, v in sub.items() if k not in ("lon", "lat")}
        feature["properties"]["power"]["nearest_substation"] = shown
    return feature


def all_sites(session: Session, *, statuses: tuple[str, ...] = PUBLIC) -> list[dict[str, Any]]:
    """Every visible site's properties (passport level), for exports."""
    logistics: dict[int, list[dict[str, Any]]] = {}
    for r in store.all_logistics(session):
        logistics.setdefault(r["site_id"], []).append(_logistics_item(r))
    return [
        _feature(r, detail=True, logistics=logistics.get(r["id"], []))["properties"]
        for r in store.all_with_status(session, statuses=statuses)
    ]


# --- CSV ---------------------------------------------------------------------------------------------------

# Text a spreadsheet would run as a formula starts with one of these; such a cell gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SKIPPED_KEYS = ("label_no", "label_en")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """A property as CSV columns: a coded value as its code, a group as prefix_key, a list joined by ';'."""
    if isinstance(value, dict):
        if "code" in value and prefix:
            out[prefix] = value["code"]
        for key, inner in value.items():
            if key == "code" or key in _SKIPPED_KEYS:
                continue
            _flat(f"{prefix}_{key}" if prefix else key, inner, out)
    elif isinstance(value, list):
        out[prefix] = ";".join(str(v["code"] if isinstance(v, dict) and "code" in v else v) for v in value)
    else:
        out[prefix] = value


def sites_csv(features: list[dict[str, Any]]) -> str:
    """A search page as CSV (UTF-8, comma, a header row): one row per site, its properties flattened
    (coded values as codes, groups as group_key columns, lists joined by ';'), and a point on its
    surface as lon and lat (CRS84). Text that a spreadsheet would run as a formula is escaped."""
    rows = []
    for feature in features:
        row: dict[str, Any] = {"id": feature["id"]}
        _flat("", feature["properties"], row)
        point = shapely.geometry.shape(feature["geometry"]).representative_point()
        row["lon"], row["lat"] = round(point.x, 6), round(point.y, 6)
        rows.append(row)
    columns = list(dict.fromkeys(c for r in rows for c in r)) or ["id"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: _cell(r.get(c)) for c in columns})
    return buffer.getvalue()
