"""Use cases: search sites and read one site's passport — GeoJSON features in CRS84 (RFC 7946).

Who sees what is decided here: the public sees published sites only (drafts and archived sites are
404, never a hint that they exist). Properties come from the one site record (`schemas.site`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from registry.services.access import Principal
from registry.services.kommuner import resolve_kommune
from registry.store import sites as store
from registry.store.sites import SiteFilter
from schemas.profile import first_contact, is_complete
from schemas.site import site_properties, term
from schemas.taxonomy import LOGISTICS_KIND, SITE_STATUS

__all__ = [
    "PUBLIC",
    "SiteFilter",
    "SiteSearch",
    "UnknownKommuneError",
    "VersionedSite",
    "all_sites",
    "get_site",
    "list_sites",
    "read_site",
    "search_sites",
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


def _feature(row: Mapping[Any, Any], *, detail: bool = False, **extra: Any) -> dict[str, Any]:
    props = {**site_properties(row, detail=detail), **_joined(row), **extra}
    return {"type": "Feature", "id": row["id"], "geometry": json.loads(row["geojson"]), "properties": props}


def _logistics_item(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "kind": term(LOGISTICS_KIND, row["kind"]),
        "name": row["name"],
        "road": row["road"],
        "distance_km": row["distance_km"],
        "precision_km": row["precision_km"],
    }


def list_sites(
    session: Session, *, filters: SiteFilter, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of sites as GeoJSON features, and the total matching the filters."""
    rows, total = store.search(session, filters, limit=limit, offset=offset)
    return [_feature(r) for r in rows], total


class UnknownKommuneError(LookupError):
    """A kommune number that is neither a 2024 number nor a 2020–2023 one."""


@dataclass(frozen=True)
class SiteSearch:
    """One page of a search: features, how many match in all, and notes on how filters were read."""

    features: list[dict[str, Any]]
    total: int
    notes: list[dict[str, str]] = field(default_factory=list)


def search_sites(session: Session, *, filters: SiteFilter, limit: int = 100, offset: int = 0) -> SiteSearch:
    """Search sites; a 2020–2023 kommune number searches its primary 2024 successor, with a note."""
    notes = []
    if filters.kommune:
        found = resolve_kommune(session, filters.kommune)
        if found is None:
            raise UnknownKommuneError(filters.kommune)
        if found.renumbered:
            filters = replace(filters, kommune=found.nr)
            notes.append({"parameter": "kommune", **found.note()})
    features, total = list_sites(session, filters=filters, limit=limit, offset=offset)
    return SiteSearch(features=features, total=total, notes=notes)


@dataclass(frozen=True)
class VersionedSite:
    """A site's passport and the version it was read at (the API's ETag)."""

    feature: dict[str, Any]
    version: str


def read_site(session: Session, principal: Principal, site_id: int) -> VersionedSite | None:
    """One site's passport as `principal` may read it: a published site for anyone; a draft or archived
    one for its kommune's editors and the secretariat (None for anyone else: it is not public)."""
    row = store.get(session, site_id, statuses=SITE_STATUS.codes)
    if row is None:
        return None
    if row["status"] not in PUBLIC and not principal.may_see_private(row["kommune_nr"]):
        return None
    return VersionedSite(_passport(session, row), row["version"])


def get_site(session: Session, site_id: int, *, statuses: tuple[str, ...] = PUBLIC) -> dict[str, Any] | None:
    """One site's passport as a GeoJSON feature, or None when not visible."""
    row = store.get(session, site_id, statuses=statuses)
    if row is None:
        return None
    return _passport(session, row)


def _passport(session: Session, row: Mapping[Any, Any]) -> dict[str, Any]:
    site_id = row["id"]
    logistics = [
        {
            **_logistics_item(r),
            "code": r["code"],
            "method": r["method"],
            "node_note": r["note"],
            "node_source": r["coord_source"],
        }
        for r in store.logistics(session, site_id)
    ]
    feature = _feature(row, detail=True, logistics=logistics)
    sub = store.substation(session, row["nearest_substation_id"])
    if sub is not None:
        feature["properties"]["power"]["nearest_substation"] = {
            "name": sub["name"],
            "grid_company": sub["grid_company"],
            "available_cons_mw": sub["available_cons_mw"],
            "reserved_cons_mw": sub["reserved_cons_mw"],
            "available_prod_mw": sub["available_prod_mw"],
            "capacity_date": sub["capacity_date"].isoformat() if sub["capacity_date"] else None,
            "caveat": sub["caveat"],
        }
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
