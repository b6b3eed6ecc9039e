"""Use case: a member kommune's pitch page — its profile, its published sites, and the map of its sites
with the neighbouring kommuner's sites beside them ("the region as one").

The map data is light GeoJSON in CRS84: outlines simplified, each layer capped at `MAP_MAX_SITES` (the
page says when more were left out). The neighbours' layer is made by one function, `neighbour_sites`, so
it can be switched to another source (vector tiles) without touching the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from registry.services.kommuner import get_kommune
from registry.services.profiles import get_profile
from registry.store import kommune_map as store
from schemas.site import term
from schemas.taxonomy import MATURITY, POWER

# Sites drawn per layer (own, neighbours'); beyond it the page says how many are not drawn.
MAP_MAX_SITES = 2000
# Sites listed by name on the page; the search page lists them all.
LIST_MAX_SITES = 100
# Outlines simplified by this many metres (below a pixel at the zooms a kommune is seen at).
SITE_TOLERANCE_M = 5.0
BOUNDARY_TOLERANCE_M = 50.0
MAX_POINTS_PER_SITE = 500
# Kommuner whose boundaries come this close count as neighbours (generalised boundaries have slivers).
NEIGHBOUR_WITHIN_M = 50.0


@dataclass(frozen=True)
class SiteLayer:
    """Sites for a map layer: a CRS84 FeatureCollection, and how many more exist than it holds."""

    features: dict[str, Any]
    left_out: int

    @property
    def count(self) -> int:
        return len(self.features["features"])


@dataclass(frozen=True)
class KommunePage:
    kommune: dict[str, Any]  # services.kommuner.get_kommune: name, regionråd, membership, contacts, counts
    profile: dict[str, Any]  # services.profiles.get_profile: pitch, competence, figures, clusters
    sites: list[dict[str, Any]]  # own published sites by name (at most LIST_MAX_SITES)
    neighbours: list[dict[str, Any]]  # {nr, name, is_member} of the kommuner around it
    own_layer: SiteLayer
    neighbour_layer: SiteLayer
    boundaries: dict[str, Any]  # the kommune's and its neighbours' outlines (FeatureCollection, CRS84)

    @property
    def sites_total(self) -> int:
        return int(self.kommune["published_sites"])


def _site(r: Mapping[Any, Any]) -> dict[str, Any]:
    """A site as the page lists and draws it."""
    return {
        "id": r["id"],
        "name": r["name"],
        "kommune_nr": r["kommune_nr"],
        "kommune_name": r["kommune_name"],
        "area_daa": round(float(r["area_m2"]) / 1000.0, 2),
        "maturity": term(MATURITY, r["maturity"]),
        "power": term(POWER, r["power_status"]),
        "power_mw_now": float(r["power_mw_now"]) if r["power_mw_now"] is not None else None,
        "is_demo": bool(r["is_demo"]),
        "url": f"/sites/{r['id']}",
    }


def _layer(rows: Sequence[Mapping[Any, Any]], *, limit: int, total: int) -> SiteLayer:
    features = [
        {
            "type": "Feature",
            "id": r["id"],
            "geometry": json.loads(r["g"]),
            "properties": {
                k: v for k, v in _site(r).items() if k in ("id", "name", "kommune_name", "area_daa", "url")
            }
            | {"maturity": r["maturity"], "is_demo": bool(r["is_demo"])},
        }
        for r in rows[:limit]
    ]
    return SiteLayer({"type": "FeatureCollection", "features": features}, max(0, total - len(features)))


def _rows(session: Session, kommuner: Sequence[str], *, limit: int) -> Sequence[Mapping[Any, Any]]:
    return store.published_sites(
        session, kommuner, tolerance_m=SITE_TOLERANCE_M, limit=limit, max_points=MAX_POINTS_PER_SITE
    )


def neighbour_numbers(session: Session, nr: str) -> list[dict[str, Any]]:
    """The kommuner around kommune `nr` (sharing a boundary), {nr, name, is_member} by number."""
    return [dict(r) for r in store.neighbours(session, nr, within_m=NEIGHBOUR_WITHIN_M)]


def neighbour_sites(
    session: Session, neighbours: Sequence[Mapping[Any, Any]], *, limit: int = MAP_MAX_SITES
) -> SiteLayer:
    """The neighbours' published sites for the faded layer of a kommune's map (at most `limit`).

    The one place the neighbours' layer is made: a later change may serve it as vector tiles instead.
    """
    numbers = [n["nr"] for n in neighbours]
    rows = _rows(session, numbers, limit=limit + 1)
    total = len(rows) if len(rows) <= limit else store.count_published(session, numbers)
    return _layer(rows, limit=limit, total=total)


def kommune_page(session: Session, nr: str, *, map_max_sites: int = MAP_MAX_SITES) -> KommunePage | None:
    """The pitch page of 2024 kommune `nr`; None when there is no such kommune.

    (A non-member kommune has a page object too: `kommune["is_member"]` tells the caller.)
    """
    kommune = get_kommune(session, nr)
    profile = get_profile(session, nr)
    if kommune is None or profile is None:
        return None
    total = int(kommune["published_sites"])
    own_rows = _rows(session, [nr], limit=max(map_max_sites, LIST_MAX_SITES))
    neighbours = neighbour_numbers(session, nr)
    boundaries = store.outlines(
        session, [nr, *(n["nr"] for n in neighbours)], tolerance_m=BOUNDARY_TOLERANCE_M
    )
    return KommunePage(
        kommune=kommune,
        profile=profile,
        sites=[_site(r) for r in own_rows[:LIST_MAX_SITES]],
        neighbours=neighbours,
        own_layer=_layer(own_rows, limit=map_max_sites, total=total),
        neighbour_layer=neighbour_sites(session, neighbours, limit=map_max_sites),
        boundaries={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": json.loads(b["g"]),
                    "properties": {"nr": b["nr"], "name": b["name"], "own": b["nr"] == nr},
                }
                for b in boundaries
            ],
        },
    )
