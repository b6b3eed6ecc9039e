"""Use case: the search page (/sites) — one page of the API's search, each site with its nearest
main-road access beside it (the list's "road km" column), and the kommuner to choose from.

The search itself is `registry.services.sites.search_sites`, the very one the API answers with, so the
page and `GET /api/v1/sites` list the same sites for the same parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry.services.sites import SiteFilter, SiteSearch, search_sites
from registry.store import search_page as store


@dataclass(frozen=True)
class KommuneChoice:
    """A kommune to search in, and a point inside it (lon, lat; CRS84) to search near."""

    nr: str
    name: str
    regionraad: str | None
    is_member: bool
    lon: float
    lat: float

    @property
    def near(self) -> str:
        """The point as the search's `near` parameter."""
        return f"{self.lon},{self.lat}"


def search_page(
    session: Session,
    *,
    filters: SiteFilter,
    sort: str,
    verified_within_months: int | None,
    limit: int,
    offset: int,
    today: dt.date,
) -> SiteSearch:
    """One page of the search; each feature's properties gain `road_access` (None when not computed):
    {distance_km, precision_km, name, road} of the nearest main-road access point."""
    found = search_sites(
        session,
        filters=filters,
        limit=limit,
        offset=offset,
        sort=sort,
        verified_within_months=verified_within_months,
        today=today,
    )
    roads: dict[int, dict[str, Any]] = {
        r["site_id"]: {
            "distance_km": r["distance_km"],
            "precision_km": r["precision_km"],
            "name": r["name"],
            "road": r["road"],
        }
        for r in store.road_access(session, [f["id"] for f in found.features])
    }
    for feature in found.features:
        feature["properties"]["road_access"] = roads.get(feature["id"])
    return found


def kommune_choices(session: Session) -> list[KommuneChoice]:
    """The kommuner of the regionråd and every other kommune with a published site, by name."""
    return [KommuneChoice(**dict(r)) for r in store.kommune_choices(session)]
